import pino, { type Logger } from 'pino';
import type { Config } from '../config';

export type { Logger };

/** Structured JSON logs (pino). Secrets that might ride along in objects are redacted. */
export function createLogger(config: Pick<Config, 'logLevel' | 'env'>): Logger {
  return pino({
    level: config.logLevel,
    base: { service: 'hearth' },
    redact: {
      paths: ['req.headers.cookie', 'req.headers.authorization', 'res.headers["set-cookie"]', '*.password'],
      censor: '[redacted]',
    },
  });
}
