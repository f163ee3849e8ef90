// A real OpenID Provider (oidc-provider 8) for the single sign-on tests, in its own process because
// oidc-provider is ESM-only and Jest runs CommonJS. Started by oidc-provider.ts; see its JSDoc.
//
// Input: one JSON argument (or HEARTH_TEST_OIDC_CONFIG) of the shape
//   { clients: ClientMetadata[], accounts: { [sub]: claims } }
// Output: one JSON line on stdout, {"ready":true,"issuer":…,"port":…}; everything else goes to stderr.
// It serves the provider under /realms/hearth (the path Keycloak gives a realm) and a small control
// API under /__control for the tests (changing an account's claims between two sign-ins).
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import Provider from 'oidc-provider';

// oidc-provider prints its notices with console.info (stdout); stdout carries only the ready line.
console.info = console.error;
console.log = console.error;
console.warn = console.error;

const REALM_PATH = '/realms/hearth';
const CONTROL_PATH = '/__control';

const raw = process.argv[2] ?? process.env.HEARTH_TEST_OIDC_CONFIG;
if (!raw) {
  console.error('provider.mjs: pass the configuration as a JSON argument or in HEARTH_TEST_OIDC_CONFIG');
  process.exit(2);
}
const input = JSON.parse(raw);
/** sub → claims (without sub); replaced through the control API. */
const accounts = new Map(Object.entries(input.accounts ?? {}));

const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** PUT /__control/accounts/<sub> with the new claims; GET /__control/accounts/<sub> reads them. */
async function control(req, res) {
  const url = new URL(req.url, 'http://localhost');
  const match = /^\/__control\/accounts\/([^/]+)$/.exec(url.pathname);
  if (!match) return sendJson(res, 404, { error: 'not_found' });
  const sub = decodeURIComponent(match[1]);
  if (req.method === 'GET') {
    return accounts.has(sub) ? sendJson(res, 200, accounts.get(sub)) : sendJson(res, 404, { error: 'no_such_account' });
  }
  if (req.method === 'PUT') {
    const claims = JSON.parse(await readBody(req));
    accounts.set(sub, claims);
    return sendJson(res, 200, claims);
  }
  return sendJson(res, 405, { error: 'method_not_allowed' });
}

let providerCallback;

const server = http.createServer((req, res) => {
  const path = req.url ?? '/';
  if (path.startsWith(`${CONTROL_PATH}/`)) {
    control(req, res).catch((error) => {
      console.error(error);
      sendJson(res, 500, { error: 'control_failed' });
    });
    return;
  }
  if (path === REALM_PATH || path.startsWith(`${REALM_PATH}/`) || path.startsWith(`${REALM_PATH}?`)) {
    // The same as Express's app.use(REALM_PATH, provider.callback()): oidc-provider finds its mount
    // path by comparing originalUrl with the url it is given, and builds every endpoint URL from it.
    req.originalUrl = path;
    req.baseUrl = REALM_PATH;
    req.url = path.slice(REALM_PATH.length) || '/';
    if (req.url.startsWith('?')) req.url = `/${req.url}`;
    providerCallback(req, res);
    return;
  }
  sendJson(res, 404, { error: 'not_found' });
});

await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();
const issuer = `http://127.0.0.1:${port}${REALM_PATH}`;

const provider = new Provider(issuer, {
  clients: (input.clients ?? []).map((client) => ({
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    ...client,
  })),
  async findAccount(_ctx, sub) {
    if (!accounts.has(sub)) return undefined;
    return {
      accountId: sub,
      // Read at each use, so a change through the control API shows at the next sign-in.
      async claims() {
        return { ...accounts.get(sub), sub };
      },
    };
  },
  scopes: ['openid', 'profile', 'email'],
  claims: {
    openid: ['sub'],
    profile: ['name', 'preferred_username', 'picture'],
    email: ['email', 'email_verified'],
  },
  // Like Keycloak: the ID token carries the profile and email claims too, not only the UserInfo endpoint.
  conformIdTokenClaims: false,
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    userinfo: { enabled: true },
  },
  pkce: { required: () => false },
  jwks: { keys: [{ ...signingKey, use: 'sig', alg: 'RS256', kid: 'hearth-test' }] },
  cookies: {
    keys: ['hearth-test-oidc-cookie-key-0001', 'hearth-test-oidc-cookie-key-0002'],
    // Over plain http a browser drops SameSite=None cookies (they must be Secure); Lax still reaches
    // the provider on the top-level navigations the code flow uses.
    long: { httpOnly: true, sameSite: 'lax', signed: true },
    short: { httpOnly: true, sameSite: 'lax', signed: true },
  },
});
provider.on('server_error', (_ctx, error) => console.error('oidc-provider server_error', error));
providerCallback = provider.callback();

function shutDown() {
  server.closeAllConnections?.();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1_000).unref();
}
process.on('SIGTERM', shutDown);
process.on('SIGINT', shutDown);
// The parent holds our stdin open; when it goes away (even killed), so do we.
process.stdin.on('end', shutDown);
process.stdin.on('error', shutDown);
process.stdin.resume();

process.stdout.write(`${JSON.stringify({ ready: true, issuer, port })}\n`);
