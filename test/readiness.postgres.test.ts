import net from 'node:net';
import { openPostgres, type Database } from '../server/core/db/database';
import { createScratchPostgres, postgresUrl } from './support/database';
import { startTestServer, type TestServer } from './support/server';

/** A TCP relay in front of PostgreSQL that the test can cut and restore, like a network failure. */
class CuttableProxy {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async open(): Promise<void> {
    this.server = net.createServer((client) => {
      const upstream = net.connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

async function readyStatus(url: string): Promise<number> {
  return (await fetch(`${url}/readyz`)).status;
}

async function waitFor(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

// Only a database behind a network can become unreachable; the embedded one cannot.
if (postgresUrl) {
  describe('readiness on the PostgreSQL server', () => {
    let scratch: Awaited<ReturnType<typeof createScratchPostgres>>;
    let proxy: CuttableProxy;
    let database: Database;
    let server: TestServer;

    beforeAll(async () => {
      scratch = await createScratchPostgres();
      const target = new URL(scratch.url);
      proxy = new CuttableProxy({ host: target.hostname, port: Number(target.port || 5432) });
      await proxy.open();
      const viaProxy = new URL(scratch.url);
      viaProxy.hostname = '127.0.0.1';
      viaProxy.port = String(proxy.port);
      database = openPostgres({ url: viaProxy.toString(), poolSize: 2 });
      await database.migrate();
      server = await startTestServer({ database });
    });

    afterAll(async () => {
      await server?.stop();
      await proxy?.cut();
      await database?.close().catch(() => undefined);
      await scratch?.drop();
    });

    test('when the database becomes unreachable, then /readyz turns 503 and /healthz stays 200; when it returns, /readyz is 200 again', async () => {
      expect(await readyStatus(server.url)).toBe(200);

      await proxy.cut();

      const res = await fetch(`${server.url}/readyz`);
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(await res.json()).toMatchObject({ code: 'unavailable' });
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);

      await proxy.open();

      expect(await waitFor(async () => (await readyStatus(server.url)) === 200, 10_000)).toBe(true);
    });
  });
}
