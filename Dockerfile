# Hearth's container image. How to run it: docs/deployment.md.
#
# No Docker engine was available where this file was written, so it has not been built there.
# test/production/production-path.test.ts runs the same steps outside Docker (build from the
# context that .dockerignore leaves, `npm ci --omit=dev`, copy only what the runtime stage copies,
# start `node dist/server/main.js`); keep the two in step when either changes.

# Vite 8 needs Node >= 20.19; the build stage checks it so an old base image fails loudly.
ARG NODE_IMAGE=node:20-bookworm-slim
# package.json's "allowScripts" (which dependencies may run install scripts) is read by npm 11;
# the npm 10 that Node 20 images ship would ignore it and run every install script.
ARG NPM_VERSION=11

# ---- base: the Node image with the same npm major as the developers' machines ----
FROM ${NODE_IMAGE} AS base
ARG NPM_VERSION
RUN node -e "const [major, minor] = process.versions.node.split('.').map(Number); \
      if (major < 20 || (major === 20 && minor < 19)) { \
        console.error('Hearth needs Node >= 20.19, this image has ' + process.version); process.exit(1); }" \
 && npm install --global --no-audit --no-fund "npm@${NPM_VERSION}" \
 && npm --version

# ---- deps: production dependencies only, from the lock file ----
FROM base AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --legacy-peer-deps: i18next names TypeScript as an optional peer, which npm would otherwise keep
# (the lock marks it devOptional); nothing else of the production tree changes (checked by listing both).
RUN npm ci --omit=dev --legacy-peer-deps --no-audit --no-fund

# ---- build: every dependency, then the server (tsc -> dist/) and the client (vite -> client/dist/) ----
FROM base AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# ---- runtime: built files and production dependencies, nothing else ----
FROM ${NODE_IMAGE} AS runtime
LABEL org.opencontainers.image.title="Hearth" \
      org.opencontainers.image.description="A self-hosted, real-time community network" \
      org.opencontainers.image.licenses="AGPL-3.0-or-later"

# DATA_DIR holds the embedded database (DATA_DIR/pglite) when DATABASE_URL is unset.
ENV NODE_ENV=production \
    PORT=3000 \
    DATA_DIR=/data

WORKDIR /app
# Owned by root and read-only to the server's user: the process cannot rewrite its own code.
COPY --from=deps /app/package.json /app/package-lock.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/client/dist ./client/dist
# Read at start-up: the server applies pending migrations before it listens.
COPY --from=build /src/server/core/db/migrations ./server/core/db/migrations

# Created before VOLUME so that a new named volume starts out owned by `node` (uid 1000).
# A bind mount keeps the host folder's owner: `chown 1000:1000` it first.
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]

USER node
EXPOSE 3000

# The slim image has no curl; Node 20 has fetch. /healthz is liveness only (it does not touch
# the database); /readyz is for load balancers.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# Node runs as PID 1 without an init: Hearth handles SIGTERM and SIGINT itself (graceful
# shutdown, exit 0) and starts no child processes, so there are no zombies to reap.
# `docker run --init` adds tini anyway if you prefer it.
STOPSIGNAL SIGTERM
CMD ["node", "dist/server/main.js"]
