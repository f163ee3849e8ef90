// Issue #12 (item 2): the Redis pub/sub adapter (@socket.io/redis-adapter, what Hearth uses)
// against the Redis Streams adapter (@socket.io/redis-streams-adapter), measured for
// docs/performance.md. Each run starts its own redis-server on a free port and two bare Socket.IO
// servers in this process, each with the adapter; BENCH_CLIENTS sockets on server 2 are in one
// room, and server 1 emits small events to that room at BENCH_RATE per second.
//   npx tsx scripts/bench/redis-adapters.ts
// Runs, per adapter: `steady` (BENCH_EVENTS events), then three outages of BENCH_OUTAGE_MS in the
// middle of a longer emission (BENCH_OUTAGE_EVENTS): `sigstop` (redis-server frozen, its
// connections stay open), `restart` (redis-server killed, started again on the same port after
// the outage, empty) and `cut node 2` (only node 2's link, through a relay, is cut: node 1 keeps
// publishing while node 2 is away). Prints delivery latency (the emit time is in the payload, same clock), how
// many events emitted before / during / after the outage reached every client, the CPU of
// redis-server and of this process, and Redis's used_memory growth.
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { createAdapter as createPubSubAdapter } from '@socket.io/redis-adapter';
import { createAdapter as createStreamsAdapter } from '@socket.io/redis-streams-adapter';
import { ClientClosedError, DisconnectsClientError, createClient, type RedisClientType } from 'redis';
import { Server } from 'socket.io';
import { envNumber, int, mib, onCleanUp, report, runBench } from './lib/harness';
import { connectLean, type LeanSocket } from './lib/lean-socket';
import { processCpuSeconds } from './lib/processes';
import { Samples, ms, summarise, table } from './lib/stats';

const CLIENTS = envNumber('BENCH_CLIENTS', 20);
const EVENTS = envNumber('BENCH_EVENTS', 2_000);
const OUTAGE_EVENTS = envNumber('BENCH_OUTAGE_EVENTS', 4_000);
const RATE = envNumber('BENCH_RATE', 1_000);
const PAYLOAD_BYTES = envNumber('BENCH_PAYLOAD_BYTES', 200);
const OUTAGE_MS = envNumber('BENCH_OUTAGE_MS', 2_000);
/** After the last emit, wait at most this long for the rest to arrive (the streams adapter may replay). */
const DRAIN_MS = envNumber('BENCH_DRAIN_MS', 10_000);
const REDIS_BIN = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';
const ROOM = 'bench-room';

type AdapterKind = 'pub/sub' | 'streams';
type Scenario = 'steady' | 'sigstop' | 'restart' | 'cut node 2';

const sleep = (msValue: number) => new Promise((resolve) => setTimeout(resolve, msValue));

/** A port nothing listens on now (never 6379, the shared Redis). */
async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const probe = net.createServer();
      probe.once('error', reject);
      probe.listen(0, '127.0.0.1', () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    if (port !== 6379 && port !== 0) return port;
  }
}

/** A throwaway redis-server: no persistence, so a restart starts empty. */
class PrivateRedis {
  process?: ChildProcess;
  readonly pids: number[] = [];
  constructor(readonly port: number) {}

  async start(): Promise<void> {
    const child = spawn(REDIS_BIN, ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    this.process = child;
    this.pids.push(child.pid!);
    for (let i = 0; i < 100; i++) {
      const up = await new Promise<boolean>((resolve) => {
        const socket = net.connect(this.port, '127.0.0.1', () => {
          socket.end();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
      });
      if (up) return;
      await sleep(50);
    }
    throw new Error(`redis-server did not listen on ${this.port}`);
  }

  async kill(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** CPU seconds of every redis-server this run started (the restarted one too). */
  cpuSeconds(): number {
    return this.pids.reduce((sum, pid) => sum + (processCpuSeconds(pid) ?? this.finalCpu.get(pid) ?? 0), 0);
  }

  // A killed process's CPU is read just before the kill (its /proc entry goes with it).
  private finalCpu = new Map<number, number>();
  rememberCpu(): void {
    for (const pid of this.pids) {
      const cpu = processCpuSeconds(pid);
      if (cpu !== undefined) this.finalCpu.set(pid, cpu);
    }
  }
}

/**
 * A TCP relay in front of Redis for node 2 alone: `cut()` drops its connections and stops
 * listening (new ones are refused, as by a stopped Redis) until `mend()`, so node 2 loses Redis
 * while node 1 keeps publishing.
 */
async function startRelay(redisPort: number): Promise<{ port: number; cut(): void; mend(): void; close(): Promise<void> }> {
  const open = new Set<net.Socket>();
  const server = net.createServer((inbound) => {
    const outbound = net.connect(redisPort, '127.0.0.1');
    for (const [a, b] of [
      [inbound, outbound],
      [outbound, inbound],
    ] as const) {
      open.add(a);
      a.pipe(b);
      a.on('error', () => b.destroy());
      a.on('close', () => {
        open.delete(a);
        b.destroy();
      });
    }
  });
  const port = await new Promise<number>((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
  return {
    port,
    cut() {
      server.close();
      for (const socket of open) socket.destroy();
    },
    mend() {
      server.listen(port, '127.0.0.1');
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of open) socket.destroy();
        if (server.listening) server.close(() => resolve());
        else resolve();
      }),
  };
}

async function redisClient(url: string): Promise<RedisClientType> {
  const client: RedisClientType = createClient({ url });
  client.on('error', () => undefined); // expected during the outages
  await client.connect();
  return client;
}

async function usedMemory(url: string): Promise<{ used: number; streamLength: number; clients: number; channels: number }> {
  const client = await redisClient(url);
  try {
    const info = await client.info('memory');
    const used = Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? NaN);
    const streamLength = (await client.exists('socket.io')) ? await client.xLen('socket.io') : 0;
    // Besides this one: the nodes' clients connected, and the channels someone is subscribed to.
    const clients = Number(/^connected_clients:(\d+)/m.exec(await client.info('clients'))?.[1] ?? 1) - 1;
    const channels = (await client.sendCommand(['PUBSUB', 'CHANNELS'])) as string[];
    return { used, streamLength, clients, channels: channels.length };
  } finally {
    client.destroy();
  }
}

interface Node {
  io: Server;
  port: number;
  clients: RedisClientType[];
}

async function startNode(kind: AdapterKind, url: string): Promise<Node> {
  const httpServer = http.createServer();
  const io = new Server(httpServer, { serveClient: false, perMessageDeflate: false, maxHttpBufferSize: 256 * 1024 });
  const client = await redisClient(url);
  const clients = [client];
  if (kind === 'pub/sub') {
    // As Hearth (server/app.ts): one client for publishing and its duplicate subscribed.
    const subscriber: RedisClientType = client.duplicate();
    subscriber.on('error', () => undefined);
    await subscriber.connect();
    clients.push(subscriber);
    io.adapter(createPubSubAdapter(client, subscriber, { requestsTimeout: 1_500 }));
  } else {
    io.adapter(createStreamsAdapter(client));
  }
  io.on('connection', (socket) => void socket.join(ROOM));
  const port = await new Promise<number>((resolve) => {
    httpServer.listen(0, '127.0.0.1', () => {
      const address = httpServer.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
  return { io, port, clients };
}

async function stopNode(node: Node): Promise<void> {
  node.io.disconnectSockets(true);
  await new Promise((resolve) => void node.io.close(() => resolve(undefined)));
  for (const client of node.clients) if (client.isOpen) client.destroy();
}

interface RunFigures {
  kind: AdapterKind;
  scenario: Scenario;
  events: number;
  deliveries: number;
  complete: { before: number; during: number; after: number; duringTotal: number };
  p50: number;
  p99: number;
  max: number;
  duringMax: number;
  redisCpu: number;
  processCpu: number;
  memoryBefore: number;
  memoryAfter: number;
  streamLength: number;
  redisClients: string;
  seconds: number;
}

/** `42["ev",{"i":123,"t":4567.89,...` → [123, 4567.89] without parsing the whole frame. */
function readFrame(frame: Buffer): [number, number] {
  const text = frame.toString('latin1', 0, 64);
  const i = text.indexOf('"i":');
  const t = text.indexOf(',"t":', i);
  const end = text.indexOf(',', t + 5);
  return [Number(text.slice(i + 4, t)), Number(text.slice(t + 5, end))];
}

async function run(kind: AdapterKind, scenario: Scenario): Promise<RunFigures> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  const redis = new PrivateRedis(port);
  const stops: (() => Promise<unknown>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
  };
  onCleanUp(stopAll);
  try {
    await redis.start();
    stops.push(async () => {
      if (redis.process?.pid) process.kill(redis.process.pid, 'SIGCONT');
      await redis.kill();
    });
    const node1 = await startNode(kind, url);
    stops.push(() => stopNode(node1));
    const relay = await startRelay(port);
    stops.push(() => relay.close());
    const node2 = await startNode(kind, scenario === 'cut node 2' ? `redis://127.0.0.1:${relay.port}` : url);
    stops.push(() => stopNode(node2));

    const events = scenario === 'steady' ? EVENTS : OUTAGE_EVENTS;
    const received = new Uint16Array(events);
    const sentAt = new Float64Array(events);
    const latency = new Samples();
    const lastArrival = new Float64Array(events);
    let deliveries = 0;
    const onEvent = (frame: Buffer) => {
      const [i, t] = readFrame(frame);
      const now = performance.now();
      if (!(i >= 0 && i < events)) return;
      received[i]! += 1;
      lastArrival[i] = Math.max(lastArrival[i]!, now);
      latency.push(now - t);
      deliveries += 1;
    };
    const sockets: LeanSocket[] = [];
    for (let c = 0; c < CLIENTS; c += 50) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(50, CLIENTS - c) }, () => connectLean({ url: `http://127.0.0.1:${node2.port}`, onEvent })),
      );
      sockets.push(...batch);
    }
    stops.push(async () => {
      for (const socket of sockets) socket.close();
    });
    // The room is joined on connection, and the streams adapter's nodes find each other by heartbeat.
    await sleep(1_500);
    const memoryBefore = await usedMemory(url);

    const pad = 'x'.repeat(Math.max(0, PAYLOAD_BYTES - 60));
    const duration = (events / RATE) * 1000;
    const outageStart = (duration - OUTAGE_MS) / 2;
    let outage: Promise<void> | undefined;
    let outageFrom = Infinity;
    let outageTo = Infinity;
    const cpu0 = process.cpuUsage();
    const redisCpu0 = redis.cpuSeconds();
    const started = performance.now();

    await new Promise<void>((resolve) => {
      let next = 0;
      const timer = setInterval(() => {
        const elapsed = performance.now() - started;
        if (scenario !== 'steady' && !outage && elapsed >= outageStart) {
          outageFrom = elapsed;
          const pid = redis.process!.pid!;
          outage = (async () => {
            if (scenario === 'sigstop') {
              process.kill(pid, 'SIGSTOP');
              await sleep(OUTAGE_MS);
              process.kill(pid, 'SIGCONT');
            } else if (scenario === 'cut node 2') {
              relay.cut();
              await sleep(OUTAGE_MS);
              relay.mend();
            } else {
              redis.rememberCpu();
              await redis.kill();
              await sleep(OUTAGE_MS);
              await redis.start();
            }
            outageTo = performance.now() - started;
          })();
        }
        const due = Math.min(events, Math.floor((elapsed / 1000) * RATE) + 1);
        for (; next < due; next++) {
          const t = performance.now();
          sentAt[next] = t - started;
          node1.io.to(ROOM).emit('ev', { i: next, t, pad });
        }
        if (next >= events) {
          clearInterval(timer);
          resolve();
        }
      }, 5);
    });
    await outage;
    const drainStarted = performance.now();
    while (performance.now() - drainStarted < DRAIN_MS && deliveries < events * CLIENTS) await sleep(100);
    const elapsed = performance.now() - started;
    const processCpu = process.cpuUsage(cpu0);
    const redisCpu = redis.cpuSeconds() - redisCpu0;
    const memoryAfter = await usedMemory(url);

    const complete = { before: 0, during: 0, after: 0, duringTotal: 0 };
    let duringMax = 0;
    for (let i = 0; i < events; i++) {
      const phase = sentAt[i]! < outageFrom ? 'before' : sentAt[i]! < outageTo ? 'during' : 'after';
      if (phase === 'during') complete.duringTotal += 1;
      if (received[i] === CLIENTS) {
        complete[phase] += 1;
        if (phase === 'during') duringMax = Math.max(duringMax, lastArrival[i]! - started - sentAt[i]!);
      }
    }
    const summary = summarise(latency);
    return {
      kind,
      scenario,
      events,
      deliveries,
      complete,
      p50: summary.p50,
      p99: summary.p99,
      max: summary.max,
      duringMax,
      redisCpu: (redisCpu / (elapsed / 1000)) * 100,
      processCpu: ((processCpu.user + processCpu.system) / 1e6 / (elapsed / 1000)) * 100,
      memoryBefore: memoryBefore.used,
      memoryAfter: memoryAfter.used,
      streamLength: memoryAfter.streamLength,
      redisClients: `${memoryBefore.clients}/${memoryBefore.channels} → ${memoryAfter.clients}/${memoryAfter.channels}`,
      seconds: elapsed / 1000,
    };
  } finally {
    await stopAll();
  }
}

// The adapters do not catch their own Redis commands' failures: the pub/sub adapter's PUBLISH in
// flight when the connection drops rejects with SocketClosedUnexpectedlyError, and destroying the
// clients at the end of a run fails a pending XREAD or SUBSCRIBE. Hearth logs such rejections
// (server/main.ts); here they are counted per run, by class.
const rejections = new Map<string, number>();
process.on('unhandledRejection', (error: unknown) => {
  const name = error instanceof Error ? error.constructor.name : typeof error;
  rejections.set(name, (rejections.get(name) ?? 0) + 1);
});
const ENDING = new Set([DisconnectsClientError.name, ClientClosedError.name]);

runBench('redis-adapters', async () => {
  report(
    `## Redis adapters: ${CLIENTS} clients on node 2 in one room, node 1 emits ${PAYLOAD_BYTES}-byte events at ${int(RATE)}/s ` +
      `(steady: ${int(EVENTS)}; outages: ${int(OUTAGE_EVENTS)} with ${OUTAGE_MS / 1000} s of outage in the middle)`,
  );
  const rows: string[][] = [];
  const only = process.env.BENCH_SCENARIOS?.split(',');
  for (const kind of ['pub/sub', 'streams'] as const) {
    for (const scenario of ['steady', 'sigstop', 'restart', 'cut node 2'] as const) {
      if (only && !only.includes(scenario)) continue;
      rejections.clear();
      const r = await run(kind, scenario);
      await sleep(1_000);
      const failed = [...rejections].filter(([name]) => !ENDING.has(name)).map(([name, n]) => `${n} × ${name}`);
      const outage = scenario === 'steady' ? '–' : `${r.complete.during}/${r.complete.duringTotal}`;
      const around =
        scenario === 'steady' ? `${r.complete.before}/${r.events}` : `${r.complete.before + r.complete.after}/${r.events - r.complete.duringTotal}`;
      rows.push([
        kind,
        scenario,
        `${int(r.deliveries)}/${int(r.events * CLIENTS)}`,
        around,
        outage,
        scenario === 'steady' ? '–' : `${(r.duringMax / 1000).toFixed(1)} s`,
        ms(r.p50),
        ms(r.p99),
        `${r.redisCpu.toFixed(1)}%`,
        `${r.processCpu.toFixed(0)}%`,
        `${mib(r.memoryBefore)} → ${mib(r.memoryAfter)}${scenario === 'restart' ? ' (new)' : ''}`,
        int(r.streamLength),
      ]);
      report(`  ${kind} ${scenario}: done in ${r.seconds.toFixed(1)} s; Redis clients/subscribed channels ${r.redisClients}; unhandled rejections from the adapter: ${failed.join(', ') || 'none'}`);
    }
  }
  report();
  report(
    table(
      [
        'adapter',
        'run',
        'deliveries',
        'emitted around it, to all',
        'emitted in outage, to all',
        'slowest of those',
        'p50 ms',
        'p99 ms',
        'redis CPU',
        'process CPU',
        'redis used_memory before → after',
        'XLEN',
      ],
      rows,
    ),
  );
});
