import { randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Request, RequestHandler } from 'express';
import session from 'express-session';
import type { Config } from '../../config';
import type { Db } from '../db/database';
import { AppError, problem } from '../errors';
import type { Logger } from '../logger';
import { DatabaseSessionStore } from './session-store';

export const SESSION_COOKIE = 'hearth.sid';
export const CSRF_HEADER = 'x-csrf-token';

/**
 * SESSION_SECRET when set; otherwise a secret generated once and kept in DATA_DIR, so that a
 * single embedded server keeps its members signed in across restarts without any configuration.
 */
export function resolveSessionSecret(config: Config, logger: Logger): string {
  if (config.sessionSecret) return config.sessionSecret;
  const file = path.join(config.dataDir, 'session-secret');
  try {
    const existing = fs.readFileSync(file, 'utf8').trim();
    if (existing.length >= 32) return existing;
  } catch {
    // not there yet
  }
  const secret = randomBytes(32).toString('hex');
  fs.mkdirSync(config.dataDir, { recursive: true });
  fs.writeFileSync(file, secret, { mode: 0o600 });
  logger.info({ file }, 'generated a session secret (set SESSION_SECRET to choose your own)');
  return secret;
}

export function createSessionMiddleware(config: Config, db: Db, secret: string) {
  const store = new DatabaseSessionStore(db, config.sessionMaxAgeMs);
  const middleware = session({
    name: SESSION_COOKIE,
    secret,
    store,
    resave: false,
    saveUninitialized: false,
    rolling: false,
    proxy: undefined, // follows Express's trust proxy setting
    cookie: {
      httpOnly: true,
      sameSite: 'lax',
      secure: config.publicUrl.startsWith('https:'),
      maxAge: config.sessionMaxAgeMs,
      path: '/',
    },
  });
  return { middleware, store };
}

export function newCsrfToken(): string {
  return randomBytes(24).toString('base64url');
}

const unsafeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function sameToken(expected: string | undefined, given: unknown): boolean {
  if (!expected || typeof given !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Distinct wrong addresses warned about at most (the rest are still refused, quietly). */
const WARNED_ORIGINS_MAX = 100;

/**
 * CSRF protection for state-changing calls, in two layers: a browser request from another site
 * (foreign `Origin`, or `Sec-Fetch-Site: cross-site`) is refused outright; and a signed-in
 * session must echo its secret token in `X-CSRF-Token`, which another site cannot read.
 * Anonymous calls (sign-in, sign-up) carry JSON bodies, which a cross-site form cannot send.
 *
 * A page of this very server opened by another address than PUBLIC_URL (127.0.0.1 for
 * localhost, a LAN address) is refused too, but told so: `origin_refused` with the address to
 * use (`publicUrl`), and one warning per such address in the log. Development accepts every
 * loopback name of the public URL (`config.allowedOrigins`).
 */
export function csrfProtection(config: Config, logger?: Logger): RequestHandler {
  const warned = new Set<string>();
  return (req, _res, next) => {
    if (!unsafeMethods.has(req.method)) return next();
    const origin = req.headers.origin;
    const site = req.headers['sec-fetch-site'];
    if (origin && !config.allowedOrigins.has(origin)) {
      // The browser says the page and the request share their origin: our own page, at an address we do not serve under.
      if (site === 'same-origin' || (site === undefined && originIsThisHost(origin, req))) {
        if (logger && !warned.has(origin) && warned.size < WARNED_ORIGINS_MAX) {
          warned.add(origin);
          logger.warn({ origin, publicUrl: config.publicUrl }, 'a browser used this server by an address other than PUBLIC_URL: its writes are refused (open PUBLIC_URL, or set PUBLIC_URL to the address people use)');
        }
        return next(
          new AppError('origin_refused', problem('This network is at {{publicUrl}}: open it there and try again', { publicUrl: config.publicUrl }), {
            publicUrl: config.publicUrl,
          }),
        );
      }
      return next(new AppError('csrf_failed', 'Requests from other sites are not accepted'));
    }
    if (site === 'cross-site' || site === 'same-site') {
      return next(new AppError('csrf_failed', 'Requests from other sites are not accepted'));
    }
    if (req.session?.userId && !sameToken(req.session.csrfToken, req.headers[CSRF_HEADER])) {
      return next(new AppError('csrf_failed', 'Missing or wrong X-CSRF-Token header; reload the page'));
    }
    next();
  };
}

/** Whether an Origin names the host the request was sent to (a browser without Sec-Fetch-Site). */
function originIsThisHost(origin: string, req: Request): boolean {
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/** Replaces the session id (fixation defence) and stores who is signed in, with a fresh CSRF token. */
export function signInSession(req: Request, userId: string, extra: Partial<session.SessionData> = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    req.session.regenerate((error) => {
      if (error) return reject(error as Error);
      req.session.userId = userId;
      req.session.csrfToken = newCsrfToken();
      Object.assign(req.session, extra);
      req.session.save((saveError) => (saveError ? reject(saveError as Error) : resolve()));
    });
  });
}

export function destroySession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!req.session) return resolve();
    req.session.destroy((error) => (error ? reject(error as Error) : resolve()));
  });
}
