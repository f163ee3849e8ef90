import fs from 'node:fs';
import path from 'node:path';
import express, { type Express, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
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
        // The service worker (/sw.js, web push) and the web app manifest come from this origin only.
        workerSrc: ["'self'"],
        manifestSrc: ["'self'"],
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

/** Encodings the build writes beside each text file (client/vite.config.mts), best first. */
const encodings = [
  { name: 'br', suffix: '.br' },
  { name: 'gzip', suffix: '.gz' },
] as const;
type Encoding = (typeof encodings)[number]['name'];

/**
 * The encoding to send for an `Accept-Encoding` header among those a file has: the one the client
 * weighs most, Brotli before gzip on a tie; undefined for the file as it is.
 * @example chooseEncoding('gzip, deflate, br', ['br', 'gzip']) // → 'br'
 */
export function chooseEncoding(header: string | undefined, available: readonly Encoding[]): Encoding | undefined {
  if (!header) return undefined;
  const weights = new Map<string, number>();
  for (const part of header.split(',').slice(0, 20)) {
    const [token = '', ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((param) => param.trim()).find((param) => param.startsWith('q='));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    if (token) weights.set(token.trim(), Number.isFinite(weight) ? weight : 0);
  }
  let best: { name: Encoding; weight: number } | undefined;
  for (const name of available) {
    const weight = weights.get(name) ?? weights.get('*') ?? 0;
    if (weight > 0 && (!best || weight > best.weight)) best = { name, weight };
  }
  return best?.name;
}

/** Every built file (as a URL path) that has precompressed versions, with the encodings it has. */
function precompressedFiles(root: string): Map<string, Encoding[]> {
  const found = new Map<string, Encoding[]>();
  const names = new Set(fs.readdirSync(root, { recursive: true, encoding: 'utf8' }).map((name) => name.split(path.sep).join('/')));
  for (const name of names) {
    const has = encodings.filter((encoding) => names.has(`${name}${encoding.suffix}`)).map((encoding) => encoding.name);
    if (has.length > 0) found.set(`/${name}`, has);
  }
  return found;
}

/**
 * Serves the built client: hashed assets cached for a year, index.html never cached, and every
 * other page path answered with index.html so the client router can take it. A file the build
 * also wrote as `.br`/`.gz` is sent in the best encoding the browser accepts (with `Vary:
 * Accept-Encoding`, its own Content-Type, and no ranges), so nothing is compressed per request.
 * Returns false when the client has not been built (API-only, as in most tests).
 */
export function serveClient(app: Express, config: Config): boolean {
  const indexFile = path.join(config.clientDist, 'index.html');
  if (!fs.existsSync(indexFile)) return false;
  const compressed = precompressedFiles(config.clientDist);
  const cacheControlFor = (urlPath: string) => (urlPath.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');

  /** Sends `urlPath`'s precompressed version when the browser takes one; false to fall through. */
  const sendCompressed = (req: Request, res: Response, next: NextFunction, urlPath: string): boolean => {
    const available = compressed.get(urlPath);
    if (!available) return false;
    res.vary('Accept-Encoding');
    const encoding = chooseEncoding(req.get('accept-encoding'), available);
    if (!encoding) return false;
    const suffix = encodings.find((candidate) => candidate.name === encoding)?.suffix ?? '';
    res.setHeader('Content-Encoding', encoding);
    res.type(path.extname(urlPath));
    res.setHeader('Cache-Control', cacheControlFor(urlPath));
    res.sendFile(path.join(config.clientDist, `${urlPath}${suffix}`), { acceptRanges: false, cacheControl: false, dotfiles: 'deny' }, (error) => {
      if (!error) return;
      // Gone since start-up (the client was rebuilt under a running server): as if never compressed.
      if (!res.headersSent && (error as { status?: number }).status === 404) {
        for (const header of ['Content-Encoding', 'Content-Type', 'Cache-Control']) res.removeHeader(header);
        compressed.delete(urlPath);
        next();
        return;
      }
      next(error);
    });
    return true;
  };

  app.use((req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (!sendCompressed(req, res, next, req.path)) next();
  });
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
    if (sendCompressed(req, res, next, '/index.html')) return;
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(indexFile);
  });
  return true;
}
