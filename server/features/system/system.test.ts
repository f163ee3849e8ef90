import http from 'node:http';
import { io } from 'socket.io-client';
import { openTestDatabase, type TestDatabase } from '../../../test/support/database';
import { createMember, type Member } from '../../../test/support/members';
import { connectSocket, startTestServer, type TestServer } from '../../../test/support/server';
import { JSON_BODY_LIMIT } from '../../app';

let testDb: TestDatabase;
let server: TestServer;
let member: Member;

beforeAll(async () => {
  testDb = await openTestDatabase();
  server = await startTestServer({ database: testDb.database, env: { METRICS_TOKEN: 'metrics-token-0123456789' } });
  member = await createMember(server.url);
});

afterAll(async () => {
  await server?.stop();
  await testDb?.close();
});

/** A raw request, for headers fetch would not let us set (Host, X-Forwarded-For) or bodies it would fix. */
function rawRequest(
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${server.url}${path}`, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

describe('operations endpoints', () => {
  test('when /healthz is asked, then it answers 200 ok', async () => {
    const res = await fetch(`${server.url}/healthz`);

    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  test('when /readyz is asked and the database answers, then it answers 200 with the database kind', async () => {
    const res = await fetch(`${server.url}/readyz`);

    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ready', database: testDb.kind });
  });

  test('when /metrics is asked from loopback, then Prometheus text with Hearth metrics comes back', async () => {
    await fetch(`${server.url}/healthz`);
    const res = await fetch(`${server.url}/metrics`);
    const text = await res.text();

    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(text).toContain('hearth_http_request_duration_seconds_bucket');
    expect(text).toContain('hearth_sockets_connected');
    expect(text).toContain('hearth_events_emitted_total');
    expect(text).toContain('hearth_db_pool_connections');
  });

  test('when /metrics is relayed by a proxy without the token, then it is refused with a 403 problem', async () => {
    const res = await rawRequest('/metrics', { headers: { 'x-forwarded-for': '203.0.113.9' } });

    expect(res.status).toBe(403);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(JSON.parse(res.body)).toMatchObject({ code: 'forbidden', status: 403 });
  });

  test('when /metrics is relayed by a proxy with the bearer token, then it is served', async () => {
    const res = await rawRequest('/metrics', {
      headers: { 'x-forwarded-for': '203.0.113.9', authorization: 'Bearer metrics-token-0123456789' },
    });

    expect(res.status).toBe(200);
    expect(res.body).toContain('hearth_sockets_connected');
  });
});

describe('site', () => {
  test('when the site is asked for, then its name, instance id, creation time and version come back', async () => {
    const res = await fetch(`${server.url}/api/v1/site`);
    const body = (await res.json()) as Record<string, string>;

    expect(res.status).toBe(200);
    expect(body.name).toBe('Hearth');
    expect(body.instanceId).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number.isNaN(Date.parse(body.createdAt ?? ''))).toBe(false);
    expect(body.version).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('HTTP conventions', () => {
  test('when a route does not exist, then a 404 problem names the method and path', async () => {
    const res = await fetch(`${server.url}/api/v1/nothing-here`);
    const problem = (await res.json()) as Record<string, unknown>;

    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(problem).toMatchObject({
      type: 'urn:hearth:problem:not_found',
      status: 404,
      code: 'not_found',
      instance: '/api/v1/nothing-here',
    });
    expect(problem.detail).toContain('GET /api/v1/nothing-here');
  });

  test('when the body is malformed JSON, then a 400 malformed_json problem comes back and the server stays up', async () => {
    const res = await rawRequest('/api/v1/site', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"unterminated": ',
    });

    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'malformed_json', status: 400 });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  test(`when the body is larger than ${JSON_BODY_LIMIT}, then a 413 payload_too_large problem comes back`, async () => {
    const big = JSON.stringify({ text: 'x'.repeat(200 * 1024) });
    const res = await rawRequest('/api/v1/site', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(big)) },
      body: big,
    });

    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'payload_too_large', status: 413 });
  });

  test('when a request carries an X-Request-Id, then the answer and its problem carry the same id', async () => {
    const res = await rawRequest('/api/v1/missing', { headers: { 'x-request-id': 'trace-abc.123' } });

    expect(res.headers['x-request-id']).toBe('trace-abc.123');
    expect(JSON.parse(res.body)).toMatchObject({ requestId: 'trace-abc.123' });
  });

  test('when a request carries a hostile X-Request-Id, then a fresh id is used instead', async () => {
    const res = await rawRequest('/healthz', { headers: { 'x-request-id': '<script>alert(1)</script>' } });

    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('when any page is served, then security headers with a Content-Security-Policy are set', async () => {
    const res = await fetch(`${server.url}/api/v1/site`);
    const csp = res.headers.get('content-security-policy') ?? '';

    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-powered-by')).toBeNull();
  });
});

describe('live connection', () => {
  test('when a client pings, then the ack carries its own timestamp and the server time', async () => {
    const socket = await member.connect();
    try {
      const answer = await socket.timeout(2_000).emitWithAck('system:ping', { sentAt: 42 });

      expect(answer).toEqual({ data: { sentAt: 42, serverTime: expect.any(String) } });
    } finally {
      socket.close();
    }
  });

  test('when a command payload fails its schema, then the ack is validation_failed and the socket stays connected', async () => {
    const socket = await member.connect();
    try {
      const answer = await socket
        .timeout(2_000)
        .emitWithAck('system:ping', { sentAt: 'yesterday', extra: true } as unknown as { sentAt: number });

      expect(answer).toMatchObject({ error: { code: 'validation_failed' } });
      expect(socket.connected).toBe(true);
      const again = await socket.timeout(2_000).emitWithAck('system:ping', { sentAt: 1 });
      expect(again).toMatchObject({ data: { sentAt: 1 } });
    } finally {
      socket.close();
    }
  });

  test('when a command arrives with extra arguments, then the ack is validation_failed', async () => {
    const socket = await member.connect();
    try {
      const answer = await new Promise((resolve) => {
        (socket.emit as (...args: unknown[]) => void)('system:ping', { sentAt: 1 }, 'extra', resolve);
      });

      expect(answer).toMatchObject({ error: { code: 'validation_failed' } });
    } finally {
      socket.close();
    }
  });

  test('when an unknown event or a command without an ack is sent, then it is ignored and the server stays up', async () => {
    const socket = await member.connect();
    try {
      (socket.emit as (...args: unknown[]) => void)('no:such-event', { x: 1 });
      (socket.emit as (...args: unknown[]) => void)('system:ping', { sentAt: 1 });

      const answer = await socket.timeout(2_000).emitWithAck('system:ping', { sentAt: 2 });
      expect(answer).toMatchObject({ data: { sentAt: 2 } });
    } finally {
      socket.close();
    }
  });

  test('when a message is larger than the socket limit, then that connection is closed and others carry on', async () => {
    const [big, bystander] = await Promise.all([member.connect(), member.connect()]);
    try {
      const closed = new Promise<string>((resolve) => big.once('disconnect', resolve));
      (big.emit as (...args: unknown[]) => void)('system:ping', { sentAt: 1, pad: 'x'.repeat(400 * 1024) }, () => {});

      expect(await closed).toBe('transport close');
      const answer = await bystander.timeout(2_000).emitWithAck('system:ping', { sentAt: 3 });
      expect(answer).toMatchObject({ data: { sentAt: 3 } });
    } finally {
      big.close();
      bystander.close();
    }
  });

  test.each([['websocket'], ['polling']])(
    'when a %s connection comes from a foreign Origin, then it is refused',
    async (transport) => {
      await expect(
        connectSocket(server.url, {
          transports: [transport],
          extraHeaders: { origin: 'https://evil.example', cookie: member.cookie },
        }),
      ).rejects.toThrow();
    },
  );

  test('when a connection has no session, then it is refused with unauthorized', async () => {
    const error = (await connectSocket(server.url).catch((e: unknown) => e)) as Error & { data?: { code?: string } };

    expect(error).toBeInstanceOf(Error);
    expect(error.data).toEqual({ code: 'unauthorized' });
  });

  test('when a connection comes from the public origin, then it is accepted', async () => {
    const socket = await connectSocket(server.url, { extraHeaders: { origin: server.url, cookie: member.cookie } });
    expect(socket.connected).toBe(true);
    socket.close();
  });

  test('when the connected-sockets gauge is read, then it counts open connections', async () => {
    const sockets = await Promise.all([member.connect(), member.connect()]);
    try {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      const value = Number(/^hearth_sockets_connected (\d+)/m.exec(text)?.[1]);
      expect(value).toBeGreaterThanOrEqual(2);
    } finally {
      sockets.forEach((s) => s.close());
    }
  });
});

describe('graceful shutdown', () => {
  test('when the server stops, then connected clients are told and disconnected, and new connections are refused', async () => {
    const own = await startTestServer({ database: testDb.database });
    const socket = await connectSocket(own.url, { extraHeaders: { cookie: member.cookie } });
    const told = new Promise((resolve) => socket.once('system:shutdown-started', resolve));
    const dropped = new Promise((resolve) => socket.once('disconnect', resolve));

    await own.stop();

    await expect(told).resolves.toEqual({ reconnectAfterMs: expect.any(Number) });
    await dropped;
    const refused = io(own.url, { transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: { cookie: member.cookie } });
    await expect(
      new Promise<void>((resolve, reject) => {
        refused.once('connect', () => resolve());
        refused.once('connect_error', reject);
      }),
    ).rejects.toThrow();
    refused.close();
    // The shared database outlives the app that did not open it.
    await expect(testDb.database.ping()).resolves.toBeUndefined();
  });

  test('when a request is in flight during shutdown, then it still completes', async () => {
    const own = await startTestServer({ database: testDb.database });
    const inFlight = fetch(`${own.url}/api/v1/site`);
    await new Promise((resolve) => setTimeout(resolve, 5));

    const stopping = own.stop();
    const res = await inFlight;
    await stopping;

    expect(res.status).toBe(200);
  });
});
