import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import type { Logger } from '../logger';

const REQUEST_ID = /^[\w.-]{1,64}$/;
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/** A request slower than this is logged at warn, whatever its status. */
export const SLOW_REQUEST_MS = 1_000;

type Level = 'debug' | 'info' | 'warn' | 'error';

/**
 * How loud a finished request is. At the default level (info) a terminal shows what needs a look
 * and nothing else: a 5xx (our failure) at error, a slow request at warn, a 429 at info (limits
 * biting: an attack, or limits set too low). Every other request — 2xx, 3xx, and the 4xx that are
 * the caller's (a 401 while signed out, a 404, a refused form) — is debug: one line per request
 * was 1,889 lines in 15 minutes of clicking, which hid the lines that mattered. LOG_LEVEL=debug
 * shows them all again.
 */
export function requestLevel(status: number, responseTimeMs: number): Level {
  if (status >= 500) return 'error';
  if (responseTimeMs > SLOW_REQUEST_MS) return 'warn';
  if (status === 429) return 'info';
  return 'debug';
}

/**
 * The request id (X-Request-Id, kept from the caller when it is safe, else a fresh UUID) and one
 * log line per request when it ends (`req`, `res`, `responseTime`; "request completed", "request
 * aborted", "slow request" or "request errored"), at the level `requestLevel` gives it. The line is
 * built only when that level is written.
 */
export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader('X-Request-Id', id);
    (req as Request & { id?: string }).id = id;
    if (QUIET_PATHS.has(req.url)) return next();
    const started = Date.now();
    const done = () => {
      res.removeListener('finish', done);
      res.removeListener('close', done);
      const responseTime = Date.now() - started;
      const failed = res.statusCode >= 500;
      const level = requestLevel(res.statusCode, responseTime);
      if (!logger.isLevelEnabled(level)) return;
      const line: Record<string, unknown> = {
        req: { id, method: req.method, url: req.originalUrl || req.url, remoteAddress: req.socket.remoteAddress },
        res: { statusCode: res.statusCode },
        responseTime,
      };
      if (failed) line.err = new Error(`failed with status code ${res.statusCode}`);
      const message = failed ? 'request errored' : !res.writableEnded ? 'request aborted' : level === 'warn' ? 'slow request' : 'request completed';
      logger[level](line, message);
    };
    res.on('finish', done);
    res.on('close', done);
    next();
  };
}
