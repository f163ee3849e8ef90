import http from 'node:http';
import { Writable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import express from 'express';
import pino from 'pino';
import { z } from 'zod';
import { defineRoute } from '../shared/api/route-spec';
import { checkContract, ContractError } from '../shared/protocol/spec';
import { loadConfig } from '../server/config';
import { problemHandler } from '../server/core/http/problems';
import { createRouteMounter } from '../server/core/http/routes';
import { createMetrics } from '../server/core/metrics';
import { createRealtime, type CommandHandlers, type Realtime, type SocketAuth } from '../server/core/realtime/realtime';
import type { Actor } from '../server/features/accounts/actor';
import { connectSocket, freePort, type TestSocket } from './support/server';

// The server holds what it sends to the shared schemas (CHECK_CONTRACTS), so a mismatch fails the
// test that caused it instead of reaching a client that trusts the types.

/** A logger whose lines the test can read (the problem middleware logs the zod issues). */
function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'error' }, stream), lines };
}

const widgetSchema = z.object({ id: z.uuid(), name: z.string(), createdAt: z.iso.datetime() }).meta({ id: 'ContractTestWidget' });
const getWidget = defineRoute({
  method: 'get',
  path: '/widgets/:kind',
  summary: 'A widget, right or wrong',
  tag: 'test',
  access: 'public',
  params: z.object({ kind: z.enum(['right', 'wrong']) }),
  responses: { 200: { description: 'The widget', schema: widgetSchema } },
});
const deleteWidget = defineRoute({
  method: 'delete',
  path: '/widgets',
  summary: 'Declares no body, answers one anyway',
  tag: 'test',
  access: 'public',
  responses: { 204: { description: 'Deleted' } },
});

async function startRestApp(checkContracts: boolean) {
  const { logger, lines } = capturedLogger();
  const app = express();
  const router = createRouteMounter<undefined>(app, async () => undefined, { checkContracts });
  router.mount(getWidget, ({ params }) => {
    // A Date is what services hand over; it reaches the client as an ISO string, which the schema wants.
    if (params.kind === 'right') return { id: '7f8d2f36-5d0e-4a33-9c52-0f0d5a7e1b11', name: 'Lamp', createdAt: new Date() };
    return { id: 'not-a-uuid', title: 'Lamp' };
  });
  router.mount(deleteWidget, () => ({ deleted: true }));
  app.use(problemHandler(logger));
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, lines, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('REST answers are held to their route spec', () => {
  let rest: Awaited<ReturnType<typeof startRestApp>>;
  beforeAll(async () => {
    rest = await startRestApp(true);
  });
  afterAll(async () => {
    await rest?.close();
  });

  test('when a handler answers the shape its spec declares, then the client gets it with 200', async () => {
    const res = await fetch(`${rest.url}/widgets/right`);

    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ name: 'Lamp', createdAt: expect.any(String) });
  });

  test('when a handler answers the wrong shape, then the client gets a 500 internal problem and the log names the failing fields', async () => {
    rest.lines.length = 0;

    const res = await fetch(`${rest.url}/widgets/wrong`);

    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    const problem = (await res.json()) as { code: string; detail?: string };
    expect(problem.code).toBe('internal');
    // The client learns nothing of the server's bug; the log says exactly what is wrong.
    expect(JSON.stringify(problem)).not.toMatch(/not-a-uuid|shared schema/);
    const logged = rest.lines.find((line) => line.msg === 'unhandled error in request');
    const err = logged?.err as { type?: string; contract?: string; issues?: { path: string[] }[] } | undefined;
    expect(err?.type).toBe('ContractError');
    expect(err?.contract).toBe('GET /widgets/:kind 200');
    expect(err?.issues?.map((issue) => issue.path.join('.')).sort()).toEqual(['createdAt', 'id', 'name']);
  });

  test('when a handler answers a body where its spec declares none, then the client gets a 500 internal problem', async () => {
    const res = await fetch(`${rest.url}/widgets`, { method: 'DELETE' });

    expect(res.status).toBe(500);
    expect(((await res.json()) as { code: string }).code).toBe('internal');
  });

  test('when the check is off (production), then the answer goes out unchecked', async () => {
    const unchecked = await startRestApp(false);
    try {
      const res = await fetch(`${unchecked.url}/widgets/wrong`);

      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ id: 'not-a-uuid', title: 'Lamp' });
    } finally {
      await unchecked.close();
    }
  });
});

/** A realtime module on its own http server; every socket is admitted as one stand-in member. */
async function startRealtime(env: Record<string, string> = {}) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const config = loadConfig({ NODE_ENV: 'test', PORT: String(port), PUBLIC_URL: url, LOG_LEVEL: 'silent', ...env });
  const httpServer = http.createServer();
  const actor = { user: { id: 'b0b0b0b0-0000-4000-8000-000000000001' }, sessionId: 'contract-test-session' } as Actor;
  const auth: SocketAuth = {
    sessionMiddleware: (_req, _res, next) => next(),
    admit: async () => actor,
    actorFor: async () => actor,
  };
  const { logger } = capturedLogger();
  const realtime = await createRealtime({ httpServer, config, logger, metrics: createMetrics(() => undefined), auth });
  await new Promise<void>((resolve) => httpServer.listen(port, '127.0.0.1', resolve));
  return {
    realtime,
    url,
    async close() {
      await realtime.close();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}

describe('published events are held to their event schema', () => {
  test('when no CHECK_CONTRACTS is set, then the check is on in development and tests (test servers use NODE_ENV=test) and off in production', () => {
    expect(loadConfig({ NODE_ENV: 'test' }).checkContracts).toBe(true);
    expect(loadConfig({ NODE_ENV: 'development' }).checkContracts).toBe(true);
    expect(loadConfig({ NODE_ENV: 'production' }).checkContracts).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', CHECK_CONTRACTS: 'true' }).checkContracts).toBe(true);
    expect(loadConfig({ NODE_ENV: 'test', CHECK_CONTRACTS: 'false' }).checkContracts).toBe(false);
  });

  describe('over a live connection', () => {
    let live: Awaited<ReturnType<typeof startRealtime>>;
    let socket: TestSocket;
    beforeAll(async () => {
      live = await startRealtime();
      // The ping handler publishes whatever the test hands it, then answers; only ping is sent here.
      live.realtime.handle({
        'system:ping': (_context: unknown, payload: { sentAt: number }) => {
          const reconnectAfterMs = payload.sentAt === 1 ? 250 : -1;
          live.realtime.publish('members', 'system:shutdown-started', { reconnectAfterMs });
          return { sentAt: payload.sentAt, serverTime: new Date().toISOString() };
        },
      } as unknown as CommandHandlers);
      socket = await connectSocket(live.url);
    });
    afterAll(async () => {
      socket?.close();
      await live?.close();
    });

    test('when a command publishes a payload its schema allows, then the event arrives and the ack carries data', async () => {
      const event = new Promise<unknown>((resolve) => socket.once('system:shutdown-started', resolve));

      const ack = await socket.emitWithAck('system:ping', { sentAt: 1 });

      expect(ack).toEqual({ data: { sentAt: 1, serverTime: expect.any(String) } });
      await expect(event).resolves.toEqual({ reconnectAfterMs: 250 });
    });

    test('when a command publishes a payload its schema refuses, then its ack is an internal error and nothing is sent', async () => {
      const seen: unknown[] = [];
      const listener = (payload: unknown) => seen.push(payload);
      socket.on('system:shutdown-started', listener);

      const ack = await socket.emitWithAck('system:ping', { sentAt: 2 });
      await new Promise((resolve) => setTimeout(resolve, 100));
      socket.off('system:shutdown-started', listener);

      expect(ack).toEqual({ error: { code: 'internal', message: expect.any(String) } });
      expect(seen).toEqual([]);
    });
  });

  describe('publish itself', () => {
    let live: Awaited<ReturnType<typeof startRealtime>>;
    let realtime: Realtime;
    beforeAll(async () => {
      live = await startRealtime();
      realtime = live.realtime;
    });
    afterAll(async () => {
      await live?.close();
    });

    test('when the payload is missing a field or has one of the wrong type, then publish throws a ContractError naming the event', () => {
      expect(() => realtime.publish('members', 'guidelines:published', { version: 0 })).toThrow(ContractError);
      expect(() =>
        realtime.publish('members', 'moderation:notices-read', { unread: 'three', memberSeq: 1 } as unknown as { unread: number; memberSeq: number }),
      ).toThrow(/event moderation:notices-read does not match its shared schema/);
    });

    test('when the payload matches, then publish returns quietly', () => {
      expect(() => realtime.publish('members', 'guidelines:published', { version: 3 })).not.toThrow();
    });

    test('when the check is off (production), then publish does not parse', async () => {
      const unchecked = await startRealtime({ CHECK_CONTRACTS: 'false' });
      try {
        expect(() => unchecked.realtime.publish('members', 'guidelines:published', { version: 0 })).not.toThrow();
      } finally {
        await unchecked.close();
      }
    });
  });
});

describe('checkContract', () => {
  test('when a value is checked, then it is checked as JSON would carry it', () => {
    const schema = z.object({ at: z.iso.datetime(), note: z.string().optional() });

    expect(() => checkContract(schema, { at: new Date(), note: undefined }, 'test')).not.toThrow();
    expect(() => checkContract(schema, { at: 'yesterday' }, 'test')).toThrow(ContractError);
  });
});
