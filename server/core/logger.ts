import { createRequire } from 'node:module';
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import type { Config } from '../config';

export type { Logger };

export interface LoggerOutput {
  /** Where lines go (standard output unless told). */
  destination?: DestinationStream & { isTTY?: boolean };
  /** Loads pino-pretty (a devDependency: absent from a production install); tests pass their own. */
  loadPretty?: () => ((options: Record<string, unknown>) => DestinationStream) | undefined;
}

/**
 * How lines are written: readable one-line records for a person at a terminal while developing
 * (pino-pretty, when it is installed), one JSON object per line everywhere else — production,
 * containers, pipes and files, which log collectors read.
 */
export function logFormat(config: Pick<Config, 'env'>, isTTY: boolean | undefined): 'pretty' | 'json' {
  return isTTY === true && config.env !== 'production' ? 'pretty' : 'json';
}

function requirePretty(): ((options: Record<string, unknown>) => DestinationStream) | undefined {
  try {
    const required = createRequire(__filename)('pino-pretty') as { default?: unknown } & ((options: Record<string, unknown>) => DestinationStream);
    return (typeof required.default === 'function' ? required.default : required) as (options: Record<string, unknown>) => DestinationStream;
  } catch {
    return undefined;
  }
}

/** Structured logs (pino). Secrets that might ride along in objects are redacted. */
export function createLogger(config: Pick<Config, 'logLevel' | 'env'>, output: LoggerOutput = {}): Logger {
  const options: LoggerOptions = {
    level: config.logLevel,
    base: { service: 'hearth' },
    redact: {
      paths: ['req.headers.cookie', 'req.headers.authorization', 'res.headers["set-cookie"]', '*.password'],
      censor: '[redacted]',
    },
  };
  const isTTY = output.destination ? output.destination.isTTY : process.stdout.isTTY;
  if (logFormat(config, isTTY) === 'pretty') {
    const pretty = (output.loadPretty ?? requirePretty)();
    if (pretty) {
      // In-process and synchronous (no worker thread): a terminal is read by a person, not a collector.
      return pino(
        options,
        pretty({
          destination: output.destination ?? 1,
          sync: true,
          colorize: isTTY === true,
          translateTime: 'SYS:HH:MM:ss',
          ignore: 'pid,hostname,service',
          singleLine: true,
        }),
      );
    }
  }
  // pino's own standard output is synchronous: nothing is lost when the process exits after a fatal line.
  return output.destination ? pino(options, output.destination) : pino(options);
}
