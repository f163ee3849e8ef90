// Baseline figures for the foundation and accounts, recorded in docs/performance.md:
//   npm run build && DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npx tsx scripts/bench/baseline.ts
// (without DATABASE_URL it measures the embedded PGlite). The server runs as its own process
// (node dist/server/main.js) so that its memory and CPU are its own; this process is the load.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';
import { createScratchPostgres } from '../../test/support/database';
import { freePort } from '../../test/support/server';

const SOCKETS = Number(process.env.BENCH_SOCKETS ?? 1000);
const READ_SECONDS = Number(process.env.BENCH_READ_SECONDS ?? 10);
const READ_CONCURRENCY = Number(process.env.BENCH_READ_CONCURRENCY ?? 32);
const SIGN_INS = Number(process.env.BENCH_SIGN_INS ?? 40);

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function summary(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const f = (n: number) => n.toFixed(1);
  return `p50 ${f(percentile(sorted, 50))} ms, p95 ${f(percentile(sorted, 95))} ms, p99 ${f(percentile(sorted, 99))} ms (n=${sorted.length})`;
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1] ?? NaN);
}

async function memory(url: string) {
  const rss = await metric(url, 'hearth_process_resident_memory_bytes');
  const heap = await metric(url, 'hearth_nodejs_heap_size_used_bytes');
  return { rssMb: rss / 2 ** 20, heapMb: heap / 2 ** 20 };
}

async function startServer(env: Record<string, string>): Promise<{ child: ChildProcess; url: string; startMs: number }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const child = spawn(process.execPath, ['dist/server/main.js'], {
    env: { ...process.env, NODE_OPTIONS: '', PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: url, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { child, url, startMs: performance.now() - started };
}

async function post(url: string, body: unknown, cookie?: string) {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(body),
  });
}

async function main(): Promise<void> {
  if (!fs.existsSync('dist/server/main.js')) throw new Error('run `npm run build` first');
  const scratch = process.env.DATABASE_URL ? await createScratchPostgres() : undefined;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-bench-'));
  const env: Record<string, string> = {
    DATA_DIR: dataDir,
    SESSION_SECRET: 'bench-secret-0123456789abcdef0123456789abcdef',
    SIGNUP_LIMIT_PER_HOUR: '1000000',
    SIGNIN_FAILURE_LIMIT_PER_HOUR: '1000000',
    // One member posting far faster than a person: lift the per-member write limits.
    POSTS_PER_MINUTE: '100000',
    COMMENTS_PER_MINUTE: '100000',
    ...(scratch ? { DATABASE_URL: scratch.url } : { DATABASE_URL: '' }),
  };
  const lines: string[] = [];
  const report = (line: string) => {
    lines.push(line);
    console.log(line);
  };
  report(`database: ${scratch ? 'PostgreSQL (scratch database)' : 'embedded PGlite'}; machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; node ${process.version}`);
  // The very first start creates the database (PGlite runs initdb); a network then lives on restarts.
  const first = await startServer(env);
  const firstIdle = await memory(first.url);
  report(`first start on an empty database (spawn → /readyz 200): ${first.startMs.toFixed(0)} ms, RSS ${firstIdle.rssMb.toFixed(1)} MiB`);
  first.child.kill('SIGTERM');
  await new Promise((resolve) => first.child.once('exit', resolve));
  const { child, url, startMs } = await startServer(env);
  try {
    report(`restart on the existing database: ${startMs.toFixed(0)} ms`);
    const idle = await memory(url);
    report(`idle after restart: RSS ${idle.rssMb.toFixed(1)} MiB, heap used ${idle.heapMb.toFixed(1)} MiB`);

    // Accounts: the first becomes admin; all accept the guidelines so they may act.
    const password = 'lanterns over the harbour';
    const signUp = await post(`${url}/api/v1/auth/sign-up`, { email: 'bench@example.org', displayName: 'Bench', handle: 'bench', password });
    if (signUp.status !== 201) throw new Error(`sign-up failed: ${signUp.status} ${await signUp.text()}`);
    const cookie = signUp.headers.getSetCookie()[0]!.split(';')[0]!;
    const session = (await (await fetch(`${url}/api/v1/session`, { headers: { cookie } })).json()) as { csrfToken: string };
    await fetch(`${url}/api/v1/guidelines/accept`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': session.csrfToken },
      body: JSON.stringify({ version: 1 }),
    });

    // Sign-in latency: dominated by argon2id (19 MiB, t=2) on purpose.
    const signIns: number[] = [];
    for (let i = 0; i < SIGN_INS; i++) {
      const t = performance.now();
      const res = await post(`${url}/api/v1/auth/sign-in`, { email: 'bench@example.org', password });
      if (!res.ok) throw new Error(`sign-in failed: ${res.status}`);
      await res.arrayBuffer();
      signIns.push(performance.now() - t);
    }
    report(`sign-in (sequential): ${summary(signIns)}`);

    // Authenticated reads: session cookie → session row → member + guidelines version → JSON.
    const reads: number[] = [];
    const deadline = performance.now() + READ_SECONDS * 1000;
    await Promise.all(
      Array.from({ length: READ_CONCURRENCY }, async () => {
        while (performance.now() < deadline) {
          const t = performance.now();
          const res = await fetch(`${url}/api/v1/session`, { headers: { cookie } });
          await res.arrayBuffer();
          if (!res.ok) throw new Error(`read failed: ${res.status}`);
          reads.push(performance.now() - t);
        }
      }),
    );
    report(
      `GET /api/v1/session, ${READ_CONCURRENCY} concurrent for ${READ_SECONDS} s: ${(reads.length / READ_SECONDS).toFixed(0)} req/s, ${summary(reads)}`,
    );

    // Live connections: authenticated sockets held open, then a ping from each.
    const before = await memory(url);
    const sockets: Socket[] = [];
    const connectStart = performance.now();
    for (let batch = 0; batch < SOCKETS; batch += 100) {
      await Promise.all(
        Array.from({ length: Math.min(100, SOCKETS - batch) }, () => {
          const socket = io(url, { transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: { cookie } });
          sockets.push(socket);
          return new Promise<void>((resolve, reject) => {
            socket.once('connect', () => resolve());
            socket.once('connect_error', reject);
          });
        }),
      );
    }
    const connectMs = performance.now() - connectStart;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const held = await memory(url);
    report(
      `${SOCKETS} authenticated sockets connected in ${connectMs.toFixed(0)} ms; RSS +${(held.rssMb - before.rssMb).toFixed(1)} MiB (${(((held.rssMb - before.rssMb) * 1024) / SOCKETS).toFixed(1)} KiB/socket), heap +${(held.heapMb - before.heapMb).toFixed(1)} MiB (${(((held.heapMb - before.heapMb) * 1024) / SOCKETS).toFixed(1)} KiB/socket)`,
    );
    const pings: number[] = [];
    await Promise.all(
      sockets.map(async (socket) => {
        const t = performance.now();
        await socket.timeout(10_000).emitWithAck('system:ping', { sentAt: t });
        pings.push(performance.now() - t);
      }),
    );
    report(`system:ping from all ${SOCKETS} sockets at once: ${summary(pings)}`);
    for (const socket of sockets) socket.close();
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    fs.rmSync(dataDir, { recursive: true, force: true });
    await scratch?.drop();
  }
  fs.mkdirSync('.test-results', { recursive: true });
  fs.writeFileSync('.test-results/bench-baseline.txt', `${lines.join('\n')}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
