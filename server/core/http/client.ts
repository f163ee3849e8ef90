import fs from 'node:fs';
import path from 'node:path';
import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import type { Config } from '../../config';

/**
 * Security headers, with a Content-Security-Policy that the built client satisfies as it is.
 * Every response gets the same headers (the policy has no per-request nonce), so helmet is run
 * once at start-up and its answer replayed: the same headers on every response, HTML and JSON
 * alike, without rebuilding the policy string and a dozen middleware calls per request.
 */
export function securityHeaders(config: Config): RequestHandler {
  const set: [string, string | number | readonly string[]][] = [];
  const removed: string[] = [];
  const recorder = {
    setHeader: (name: string, value: string | number | readonly string[]) => set.push([name, value]),
    removeHeader: (name: string) => removed.push(name),
  };
  let outcome: { error?: unknown } | undefined;
  helmetOf(config)({} as never, recorder as never, (error?: unknown) => {
    outcome = { error };
  });
  // helmet's middlewares answer synchronously; anything else would mean headers were missed.
  if (!outcome || outcome.error) throw new Error('helmet did not produce its headers at start-up');
  return (_req, res, next) => {
    for (const name of removed) res.removeHeader(name);
    for (const [name, value] of set) res.setHeader(name, value);
    next();
  };
}

function helmetOf(config: Config) {
  const https = config.publicUrl.startsWith('https:');
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        // Svelte sets style attributes for transitions; no inline <style> or script is needed.
        styleSrc: ["'self'"],
        styleSrcAttr: ["'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:', 'https:'],
        fontSrc: ["'self'"],
        // 'self' covers ws:/wss: to the same host in CSP Level 3 browsers.
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        ...(https ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    strictTransportSecurity: https ? { maxAge: 15_552_000, includeSubDomains: false } : false,
    crossOriginEmbedderPolicy: false,
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
  });
}

const serverPrefixes = ['/api/', '/auth/', '/socket.io/', '/healthz', '/readyz', '/metrics'];

/**
 * Serves the built client: hashed assets cached for a year, index.html never cached, and every
 * other page path answered with index.html so the client router can take it.
 * Returns false when the client has not been built (API-only, as in most tests).
 */
export function serveClient(app: Express, config: Config): boolean {
  const indexFile = path.join(config.clientDist, 'index.html');
  if (!fs.existsSync(indexFile)) return false;
  app.use(
    '/assets',
    express.static(path.join(config.clientDist, 'assets'), {
      immutable: true,
      maxAge: '365d',
      index: false,
      fallthrough: true,
    }),
  );
  app.use(
    express.static(config.clientDist, {
      index: false,
      maxAge: 0,
      setHeaders: (res) => res.setHeader('Cache-Control', 'no-cache'),
    }),
  );
  app.use((req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (serverPrefixes.some((prefix) => req.path.startsWith(prefix))) return next();
    if (req.path.startsWith('/assets/')) return next();
    if (!req.accepts('html')) return next();
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(indexFile);
  });
  return true;
}
