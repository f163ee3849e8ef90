import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import type { Logger } from '../logger';

const REQUEST_ID = /^[\w.-]{1,64}$/;
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * The request id (X-Request-Id, kept from the caller when it is safe, else a fresh UUID) and one
 * log line per request when it ends: the lines pino-http wrote with our options (`req`, `res`,
 * `responseTime`; "request completed", "request aborted" or, at level error for a 5xx, "request
 * errored"). pino-http built two child loggers per request, serialising the request each time,
 * even when the level in force would drop the line; this builds the line only when it is written.
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
      const failed = res.statusCode >= 500;
      const level = failed ? 'error' : 'info';
      if (!logger.isLevelEnabled(level)) return;
      const line: Record<string, unknown> = {
        req: { id, method: req.method, url: req.originalUrl || req.url, remoteAddress: req.socket.remoteAddress },
        res: { statusCode: res.statusCode },
        responseTime: Date.now() - started,
      };
      if (failed) line.err = new Error(`failed with status code ${res.statusCode}`);
      logger[level](line, failed ? 'request errored' : res.writableEnded ? 'request completed' : 'request aborted');
    };
    res.on('finish', done);
    res.on('close', done);
    next();
  };
}
