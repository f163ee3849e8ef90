// The terminal stays readable: a request that went well is not logged at info, a failed or slow one
// is; a person at a terminal gets one readable line per record, everything else JSON.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import express from 'express';
import { createLogger, logFormat } from '../server/core/logger';
import { requestLevel, requestLog, SLOW_REQUEST_MS } from '../server/core/http/request-log';

class Lines extends Writable {
  readonly lines: string[] = [];
  isTTY?: boolean;

  constructor(isTTY?: boolean) {
    super();
    this.isTTY = isTTY;
  }

  override _write(chunk: Buffer, _encoding: string, callback: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    callback();
  }
}

async function serve(logLevel: 'info' | 'debug') {
  const out = new Lines(false);
  const logger = createLogger({ logLevel, env: 'development' }, { destination: out });
  const app = express();
  app.use(requestLog(logger));
  app.get('/fine', (_req, res) => void res.json({ ok: true }));
  app.get('/missing', (_req, res) => void res.status(404).json({ code: 'not_found' }));
  app.get('/limited', (_req, res) => void res.status(429).json({ code: 'rate_limited' }));
  app.get('/broken', (_req, res) => void res.status(500).json({ code: 'internal' }));
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    out,
    get: async (path: string) => {
      await (await fetch(base + path)).text();
      // The line is written when the response finishes, just after the client has it.
      await new Promise((resolve) => setTimeout(resolve, 20));
    },
    records: () => out.lines.map((line) => JSON.parse(line) as { level: number; msg: string; res?: { statusCode: number } }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('the request log', () => {
  test('when requests succeed or are refused as the caller’s mistake, then nothing is written at info', async () => {
    const app = await serve('info');
    try {
      await app.get('/fine');
      await app.get('/missing');
      expect(app.records()).toEqual([]);
    } finally {
      await app.close();
    }
  });

  test('when a request fails on our side or hits a limit, then it is written at info', async () => {
    const app = await serve('info');
    try {
      await app.get('/broken');
      await app.get('/limited');
      expect(app.records().map((r) => ({ level: r.level, msg: r.msg, status: r.res?.statusCode }))).toEqual([
        { level: 50, msg: 'request errored', status: 500 },
        { level: 30, msg: 'request completed', status: 429 },
      ]);
    } finally {
      await app.close();
    }
  });

  test('when the level is debug, then every request is written', async () => {
    const app = await serve('debug');
    try {
      await app.get('/fine');
      expect(app.records()).toMatchObject([{ level: 20, msg: 'request completed', res: { statusCode: 200 } }]);
    } finally {
      await app.close();
    }
  });

  test('a slow request is a warning, whatever its status', () => {
    expect(requestLevel(200, SLOW_REQUEST_MS + 1)).toBe('warn');
    expect(requestLevel(200, SLOW_REQUEST_MS)).toBe('debug');
    expect(requestLevel(503, SLOW_REQUEST_MS + 1)).toBe('error');
  });
});

describe('the log format', () => {
  test('at a terminal while developing, lines are readable; in production or through a pipe, JSON', () => {
    expect(logFormat({ env: 'development' }, true)).toBe('pretty');
    expect(logFormat({ env: 'production' }, true)).toBe('json');
    expect(logFormat({ env: 'development' }, false)).toBe('json');
    expect(logFormat({ env: 'development' }, undefined)).toBe('json');
  });

  test('when the terminal gets pretty lines, they are not JSON and keep the message', async () => {
    const out = new Lines(true);
    const logger = createLogger({ logLevel: 'info', env: 'development' }, { destination: out });
    logger.info({ port: 3000 }, 'Hearth is listening');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(out.lines).toHaveLength(1);
    expect(() => JSON.parse(out.lines[0] as string)).toThrow();
    expect(out.lines[0]).toContain('Hearth is listening');
  });

  test('when pino-pretty cannot be loaded (a production install), a terminal gets JSON', async () => {
    const out = new Lines(true);
    const logger = createLogger({ logLevel: 'info', env: 'development' }, { destination: out, loadPretty: () => undefined });
    logger.info('Hearth is listening');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(JSON.parse(out.lines[0] as string)).toMatchObject({ level: 30, msg: 'Hearth is listening', service: 'hearth' });
  });
});
