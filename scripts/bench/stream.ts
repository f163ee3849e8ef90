// Stream figures for docs/performance.md: live fan-out of posts (one big room, many spaces)
// against a bare Socket.IO server, and home/space stream pages over 1,000,000 posts.
//   npm run build && DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npx tsx scripts/bench/stream.ts
// It needs PostgreSQL and refuses to run without DATABASE_URL (a scratch database is created and
// dropped): the posts are bulk-loaded with SQL from this process, which the embedded PGlite, owned
// by the server process, does not allow. Sizes, rates and durations are the BENCH_* constants below.
//
// As in baseline.ts the servers are child processes (node dist/server/main.js, and
// bare-socketio-server.ts) and this process is the load: member sockets, posters, readers. They
// share the machine's cores with PostgreSQL, so every figure is a lower bound; each run prints
// where the CPU went.
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { io, type Socket } from 'socket.io-client';
import * as schema from '../../server/core/db/schema';
import type { Db } from '../../server/core/db/database';
import type { Work } from '../../server/core/events/unit-of-work';
import type { Realtime } from '../../server/core/realtime/realtime';
import type { MemberLog } from '../../server/core/replay-log/member-log';
import type { Actor } from '../../server/features/accounts/actor';
import { encodeCursor } from '../../server/core/db/keyset';
import { createStreamService } from '../../server/features/spaces/stream.service';
import { envList, envNumber, int, onCleanUp, quietRun as quietRunOf, report, runBench, seconds, startWatchdog } from './lib/harness';
import { DeliveryTracker, keptUp, settle, sustainedRate, type FanoutTarget, type Measure, type RunOptions, type RunResult } from './lib/fanout';
import { api, createSpace, inBatches, joinSpace, signUpMember, switchOffWelcome, type BenchMember } from './lib/hearth-api';
import { connectLean, type LeanSocket } from './lib/lean-socket';
import { cpuMeter, describeCpu, startBareSocketIo, type CpuShares, type ServerProcess } from './lib/processes';
import { scratchDatabase, serverConnections, startHearthOn } from './lib/scratch';
import { describeBuild, eventLoopDelay, sampleDatabaseActivity } from './lib/server-probes';
import { describe, ms, summarise, table, type LatencySummary } from './lib/stats';


const MEMBERS = envNumber('BENCH_MEMBERS', 1000); // distinct accounts; sockets share them round-robin
const SOCKETS = envNumber('BENCH_SOCKETS', 1000); // receiving sockets
const POSTERS = Math.max(1, envNumber('BENCH_POSTERS', 4)); // posting sockets, members of every space
const SPACES = Math.max(1, envNumber('BENCH_SPACES', 50)); // the many-spaces scenario
const RATES = envList('BENCH_RATES', [10, 25, 50, 100, 200, 400, 800, 1600]); // posts/s, one room: stepped up until behind
const MANY_RATES = envList('BENCH_MANY_RATES', [50, 100, 200, 400, 800, 1600, 3200]); // posts/s, many spaces
const STEP_SECONDS = envNumber('BENCH_STEP_SECONDS', 5); // each rate of the ladder
const HALF_SECONDS = envNumber('BENCH_HALF_SECONDS', 15); // the run at half the saturating rate
const DRAIN_SECONDS = envNumber('BENCH_DRAIN_SECONDS', 2); // wait for late acks and deliveries after each run
const MAX_IN_FLIGHT = envNumber('BENCH_MAX_IN_FLIGHT', 200); // unacknowledged posts before the posters skip
const SATURATION_P99_MS = envNumber('BENCH_SATURATION_P99_MS', 1000); // a run with a slower delivery p99 fell behind
const POSTS = envNumber('BENCH_POSTS', 1_000_000); // bulk-loaded for the stream pages
const POSTS_CHUNK = Math.max(1000, envNumber('BENCH_POSTS_CHUNK', 100_000));
const POSTS_DAYS = envNumber('BENCH_POSTS_DAYS', 365); // their created_at spans this many days before the run
const READS = Math.max(1, envNumber('BENCH_READS', 200)); // sequential requests per stream page kind
const READ_SECONDS = envNumber('BENCH_READ_SECONDS', 20); // per page kind: a slow page stops early, with fewer samples
const NOISE_LIMIT = envNumber('BENCH_NOISE_LIMIT', 50); // % of one core used by other processes that makes a run "disturbed"
const NOISE_RETRIES = envNumber('BENCH_NOISE_RETRIES', 2);
const KEEP_DATABASE = process.env.BENCH_KEEP_DATABASE === '1';
const READER_SPACES = Math.min(SPACES, envNumber('BENCH_READER_SPACES', 4));
const MAX_MINUTES = envNumber('BENCH_MAX_MINUTES', 15);
const RECEIVERS = process.env.BENCH_RECEIVERS === 'socketio' ? 'socketio' : 'lean';
// Which fan-out scenarios run (1 Hearth one room, 2 bare Socket.IO one room, 3 many spaces, Hearth and bare); the
// stream pages (4) always run. Quicker while iterating: BENCH_SCENARIOS=1,2 BENCH_POSTS=0 BENCH_READS=20.
const SCENARIOS = new Set(envList('BENCH_SCENARIOS', [1, 2, 3, 4]));
const ratesOf = (scenario: number, rates: number[]) => (SCENARIOS.has(scenario) ? rates : []);

const criteria = { minAckShare: 0.9, minCompleteness: 0.99, maxP99Ms: SATURATION_P99_MS };
const BIG_SLUG = 'town-square';
const smallSlug = (j: number) => `street-${String(j).padStart(3, '0')}`;



type Receiver = { close(): void };

/** Connects `count` receivers, 100 at a time (as baseline.ts does). */
async function connectReceivers(count: number, connect: (index: number) => Promise<Receiver>): Promise<Receiver[]> {
  const receivers: Receiver[] = [];
  for (let batch = 0; batch < count; batch += 100) {
    const connected = await Promise.all(Array.from({ length: Math.min(100, count - batch) }, (_, i) => connect(batch + i)));
    receivers.push(...connected);
  }
  return receivers;
}

function connectSocketIo(url: string, options: { cookie?: string; auth?: Record<string, unknown> }): Promise<Socket> {
  const socket = io(url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    timeout: 10_000,
    ...(options.cookie ? { extraHeaders: { cookie: options.cookie } } : {}),
    ...(options.auth ? { auth: options.auth } : {}),
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
}

function receiverFor(url: string, tracker: DeliveryTracker, options: { cookie?: string; auth?: unknown }): Promise<Receiver> {
  if (RECEIVERS === 'lean') return connectLean({ url, ...options, onEvent: tracker.onFrame }) as Promise<LeanSocket>;
  return connectSocketIo(url, { cookie: options.cookie, auth: options.auth as Record<string, unknown> | undefined }).then((socket) => {
    socket.on('post:created', tracker.onPost);
    return socket;
  });
}

interface Ladder {
  runs: RunResult[];
  /** The first rate at which the server fell behind, or undefined when it kept up with every rate. */
  failedAt?: number;
  /** Posts/s sustained at that rate (or the highest rate, when none failed). */
  saturation: number;
  peakDeliveries: number;
  half?: RunResult;
  /** The run at the rate it first fell behind at: where the CPU went, what the database waited on. */
  failing?: RunResult;
}

function describeRun(label: string, r: RunResult): string {
  return (
    `${label} ${r.rate} posts/s × ${r.seconds} s: sent ${r.sent}${r.skipped ? ` (skipped ${r.skipped}: ${MAX_IN_FLIGHT} unacknowledged)` : ''}, ` +
    `acked ${r.ackedPerSecond.toFixed(1)}/s${r.ackErrors ? ` (${r.ackErrors} errors)` : ''}, deliveries ${int(r.deliveriesPerSecond)}/s ` +
    `(${(r.completeness * 100).toFixed(1)}% of ${int(r.sent * r.meanReceivers)} owed delivered by drain end)\n` +
    `      create→delivered ${describe(r.latency)}\n` +
    `      create→ack ${describe(r.ackLatency)}\n` +
    `      ${r.cpu ? describeCpu(r.cpu) : ''}${r.cpu && r.cpu.other > NOISE_LIMIT ? ' — DISTURBED by other processes' : ''}` +
    (r.cpu && r.ackedPerSecond > 0
      ? `\n      server CPU per acknowledged post ${((r.cpu.server * 10) / r.ackedPerSecond).toFixed(2)} ms` +
        `${r.bytesPerDelivery ? `; post:created frame ${Math.round(r.bytesPerDelivery)} bytes` : ''}`
      : '') +
    (r.detail ? `\n      ${r.detail}` : '')
  );
}

/**
 * Other people's jobs share this machine. A run during which other processes used more than
 * NOISE_LIMIT % of a core is repeated (at most NOISE_RETRIES times, within the deadline), and the
 * least disturbed attempt counts; a run that stays disturbed is marked so in its CPU line.
 */
function quietRun(target: FanoutTarget, tracker: DeliveryTracker, options: RunOptions, measure: Measure, deadline: number): Promise<RunResult> {
  return quietRunOf(target, tracker, options, measure, { deadline, noiseLimit: NOISE_LIMIT, retries: NOISE_RETRIES, unit: 'posts/s', describe: (r) => `deliveries ${int(r.deliveriesPerSecond)}/s, ` });
}

/** Steps the rate up until the server falls behind, then runs at half the rate it sustained. */
async function ladder(
  name: string,
  target: FanoutTarget,
  tracker: DeliveryTracker,
  rates: number[],
  measure: Measure,
  deadline: number,
): Promise<Ladder> {
  const runs: RunResult[] = [];
  let failedAt: number | undefined;
  let lastKept: number | undefined;
  const step = async (rate: number, label: string) => {
    const result = await quietRun(target, tracker, { rate, seconds: STEP_SECONDS, maxInFlight: MAX_IN_FLIGHT, drainSeconds: DRAIN_SECONDS }, measure, deadline);
    runs.push(result);
    const ok = keptUp(result, criteria);
    report(describeRun(`  ${label} ${ok ? 'kept up ' : 'BEHIND  '}`, result));
    return ok;
  };
  const timeLeft = () => performance.now() + (STEP_SECONDS + DRAIN_SECONDS) * 1000 < deadline;
  for (const rate of rates) {
    if (!timeLeft()) {
      report(`  ${name}: out of time for this scenario; stopping the ladder before ${rate} posts/s`);
      break;
    }
    if (!(await step(rate, 'step'))) {
      failedAt = rate;
      break;
    }
    lastKept = rate;
  }
  // One more run between the last rate kept up with and the first one not, when they are far apart.
  if (failedAt !== undefined && lastKept !== undefined && failedAt / lastKept >= 1.5 && timeLeft()) {
    await settle(5);
    const middle = Math.round((lastKept + failedAt) / 2);
    if (await step(middle, 'refine')) lastKept = middle;
    else failedAt = middle;
  }
  // Saturation: the most a run sustained, which under overload can exceed what the failing run managed.
  const saturation = failedAt === undefined ? (lastKept ?? 0) : Math.max(0, ...runs.map(sustainedRate));
  const peakDeliveries = Math.max(0, ...runs.map((r) => r.deliveriesPerSecond));
  if (failedAt === undefined) report(`  ${name}: kept up with every rate tried; saturation is above ${saturation} posts/s`);
  else report(`  ${name}: fell behind at ${failedAt} posts/s; the most any run sustained: ${saturation.toFixed(1)} posts/s; peak deliveries ${int(peakDeliveries)}/s`);
  await settle(failedAt === undefined ? 1 : 5);
  let half: RunResult | undefined;
  const halfRate = Math.max(1, Math.round(saturation / 2));
  if (saturation > 0 && HALF_SECONDS > 0) {
    half = await quietRun(target, tracker, { rate: halfRate, seconds: HALF_SECONDS, maxInFlight: MAX_IN_FLIGHT, drainSeconds: DRAIN_SECONDS }, measure, deadline);
    report(describeRun('  half   ', half));
  }
  const failing = failedAt === undefined ? undefined : runs.find((r) => r.rate === failedAt);
  return { runs, failedAt, saturation, peakDeliveries, half, failing };
}

interface ReadFigure {
  label: string;
  latency: LatencySummary;
  items: number;
}

async function timeReads(
  url: string,
  reader: BenchMember,
  label: string,
  pathAndQuery: string,
  meter: () => Promise<() => Promise<CpuShares>>,
): Promise<ReadFigure> {
  const get = async () => {
    const res = await fetch(`${url}${pathAndQuery}`, { headers: { cookie: reader.cookie, accept: 'application/json' } });
    const body = (await res.json()) as { items?: unknown[] };
    if (!res.ok) throw new Error(`${label}: ${res.status} ${JSON.stringify(body)}`);
    return { items: body.items?.length ?? 0, bytes: Number(res.headers.get('content-length') ?? 0) };
  };
  for (let i = 0; i < 5; i++) await get(); // warm-up: connections, plan cache, buffer cache
  let best: (ReadFigure & { cpu: CpuShares; line: string }) | undefined;
  // As with the fan-out runs: repeated when other processes took more than NOISE_LIMIT of a core.
  for (let attempt = 0; attempt <= NOISE_RETRIES; attempt++) {
    const samples: number[] = [];
    let page = { items: 0, bytes: 0 };
    const stop = await meter();
    const began = performance.now();
    const until = began + READ_SECONDS * 1000;
    for (let i = 0; i < READS && performance.now() < until; i++) {
      const t = performance.now();
      page = await get();
      samples.push(performance.now() - t);
    }
    const cpu = await stop();
    const cpuPerRequest = (cpu.server / 100) * ((performance.now() - began) / Math.max(1, samples.length));
    const latency = summarise(samples);
    const cut = samples.length < READS ? ` — stopped after ${READ_SECONDS} s, ${samples.length} of ${READS} requests` : '';
    const what = page.items ? `${page.items} posts per page, ${Math.round(page.bytes / 1024)} KiB` : `${Math.round(page.bytes)} bytes`;
    const line =
      `  ${label}: ${describe(latency)}; ${what}${cut}\n      ${describeCpu(cpu)}${cpu.other > NOISE_LIMIT ? ' — DISTURBED by other processes' : ''}` +
      `\n      server CPU per request ${cpuPerRequest.toFixed(2)} ms`;
    if (!best || cpu.other < best.cpu.other) best = { label, latency, items: page.items, cpu, line };
    if (cpu.other <= NOISE_LIMIT) break;
    if (attempt < NOISE_RETRIES) report(`  (disturbed: other processes used ${cpu.other}% of a core during "${label}", p99 ${ms(latency.p99)} ms; repeating)`);
  }
  report(best!.line);
  return best!;
}

async function main(): Promise<void> {
  if (!process.env.DATABASE_URL) {
    throw new Error(
      'scripts/bench/stream.ts needs PostgreSQL: set DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test). ' +
        'It bulk-loads posts with SQL from this process, which the embedded PGlite (owned by the server process) does not allow.',
    );
  }
  if (MEMBERS < SPACES) throw new Error('BENCH_MEMBERS must be at least BENCH_SPACES (each small space needs members)');
  const benchStart = performance.now();
  const deadline = benchStart + MAX_MINUTES * 60_000;
  const watchdog = startWatchdog('stream', MAX_MINUTES);

  const cores = os.cpus().length;
  report(`# Hearth stream benchmark (scripts/bench/stream.ts), ${new Date().toISOString()}`);
  report(
    `machine: ${cores} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; node ${process.version}; ` +
      `load average at start ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`,
  );
  report(
    `NOTE: the load generator (this process: ${SOCKETS} receiving sockets, ${POSTERS} posters, readers), the servers and PostgreSQL ` +
      `share these ${cores} cores; throughput figures are lower bounds. Each run shows where the CPU went (% of one core).`,
  );
  report(
    `receivers: ${RECEIVERS === 'lean' ? 'lean WebSocket clients speaking the Socket.IO protocol (scripts/bench/lib/lean-socket.ts), so the load costs less CPU than socket.io-client' : 'socket.io-client'}; ` +
      `posters: socket.io-client with acks`,
  );

  report(describeBuild());

  const scratch = await scratchDatabase(KEEP_DATABASE);
  const { admin } = scratch;
  report(`database: PostgreSQL, scratch database ${new URL(scratch.url).pathname.slice(1)} ${KEEP_DATABASE ? '(kept: BENCH_KEEP_DATABASE=1)' : '(dropped at the end)'}`);

  const hearth = await startHearthOn(scratch, 'stream', {
    SESSION_SECRET: 'bench-secret-0123456789abcdef0123456789abcdef',
    SIGNUP_LIMIT_PER_HOUR: '1000000',
    SIGNIN_FAILURE_LIMIT_PER_HOUR: '1000000',
    // The members of a benchmark post far faster than any person: lift the per-member write limits.
    POSTS_PER_MINUTE: '100000',
    COMMENTS_PER_MINUTE: '100000',
    REACTIONS_PER_MINUTE: '100000',
  });
  const bare: ServerProcess = await startBareSocketIo();
  onCleanUp(() => bare.stop());
  report(`servers: Hearth ${hearth.url} (pid ${hearth.pid}, ready in ${hearth.startMs.toFixed(0)} ms); bare Socket.IO ${bare.url} (pid ${bare.pid})`);
  const url = hearth.url;

  const hearthCpuMeter = cpuMeter(hearth.pid, serverConnections(admin), cores);
  const bareCpuMeter = cpuMeter(bare.pid, async () => [], cores);
  const hearthCpu: Measure = async () => {
    const [stopCpu, stopActivity, stopLag] = await Promise.all([hearthCpuMeter(), sampleDatabaseActivity(admin), eventLoopDelay(url)]);
    return async () => ({ cpu: await stopCpu(), detail: `${await stopActivity()}\n      ${await stopLag()}` });
  };
  const bareCpu: Measure = async () => {
    const stopCpu = await bareCpuMeter();
    return async () => ({ cpu: await stopCpu() });
  };

  // ---------------------------------------------------------------- setup through the API
  report('');
  report('## Setup (through the REST API)');
  let t = performance.now();
  const host = await signUpMember(url, 'bench_host'); // the first account: the network's admin; hosts every space
  await switchOffWelcome(url, host);
  const bigId = await createSpace(url, host, BIG_SLUG, 'Town square');
  const smallIds: string[] = [];
  for (let j = 0; j < SPACES; j++) smallIds.push(await createSpace(url, host, smallSlug(j), `Street ${j}`));
  report(`  1 + ${SPACES} public open spaces created in ${seconds(performance.now() - t)}`);
  t = performance.now();
  // Member i joins the town square and street i mod SPACES.
  const members = await inBatches(
    Array.from({ length: MEMBERS }, (_, i) => i),
    4,
    async (i) => {
      const member = await signUpMember(url, `m${String(i).padStart(4, '0')}`);
      await joinSpace(url, member, bigId);
      await joinSpace(url, member, smallIds[i % SPACES]!);
      return member;
    },
  );
  report(`  ${MEMBERS} members signed up (argon2id), accepted the guidelines and joined 2 spaces each in ${seconds(performance.now() - t)}`);
  t = performance.now();
  const posters = await inBatches(
    Array.from({ length: POSTERS }, (_, i) => i),
    POSTERS,
    async (i) => {
      const poster = await signUpMember(url, `poster${i}`);
      for (const id of [bigId, ...smallIds]) await joinSpace(url, poster, id);
      return poster;
    },
  );
  // Reader A belongs to the town square and several streets; reader B to one street only.
  const readerA = await signUpMember(url, 'reader_several');
  await joinSpace(url, readerA, bigId);
  for (let j = 0; j < READER_SPACES; j++) await joinSpace(url, readerA, smallIds[j]!);
  const readerB = await signUpMember(url, 'reader_one');
  await joinSpace(url, readerB, smallIds[SPACES - 1]!);
  report(`  ${POSTERS} posters (members of all ${SPACES + 1} spaces) and 2 readers in ${seconds(performance.now() - t)}`);
  const socketsPerMember = SOCKETS / MEMBERS;
  report(
    `  receiving sockets: ${SOCKETS} over ${MEMBERS} members (${socketsPerMember === 1 ? 'one socket per member' : `${socketsPerMember.toFixed(2)} sockets per member, sharing its session cookie`}); ` +
      `socket s is member s mod ${MEMBERS}, in the town square and street (s mod ${MEMBERS}) mod ${SPACES}`,
  );

  // ---------------------------------------------------------------- scenario 4's data, loaded first
  // Bulk-loaded before the live runs so that its seq values come before theirs (a space's posts
  // are numbered in creation order) and its VACUUM does not run in the middle of a measurement.
  report('');
  report(`## Bulk load for scenario 4 (SQL, not the API): ${int(POSTS)} posts`);
  const bulk = await bulkLoad(admin, { bigId, smallIds, memberIds: members.map((m) => m.id) });
  report(
    `  inserted ${int(bulk.rows)} posts in ${seconds(bulk.insertMs)} (${int(bulk.rows / (bulk.insertMs / 1000))} rows/s, in chunks of ${int(POSTS_CHUNK)}); ` +
      `VACUUM ANALYZE ${seconds(bulk.vacuumMs)}; posts table ${bulk.tableSize}, its indexes ${bulk.indexSize}`,
  );
  report(
    `  distribution: half in the town square, half spread evenly over the ${SPACES} streets; created_at spread over the ${POSTS_DAYS} days before the run; ` +
      `authors are members of the space; seq numbered per space in time order`,
  );

  const tracker = new DeliveryTracker();
  const results: { [k: string]: Ladder } = {};

  // ---------------------------------------------------------------- Hearth: scenarios 1 and 3
  report('');
  report(`## Hearth: connecting ${SOCKETS} receiving sockets and ${POSTERS} posters`);
  t = performance.now();
  const hearthReceivers = await connectReceivers(SOCKETS, (s) => receiverFor(url, tracker, { cookie: members[s % MEMBERS]!.cookie }));
  onCleanUp(async () => hearthReceivers.forEach((r) => r.close()));
  const hearthPosters = await Promise.all(posters.map((p) => connectSocketIo(url, { cookie: p.cookie })));
  onCleanUp(async () => hearthPosters.forEach((s) => s.close()));
  report(`  connected in ${seconds(performance.now() - t)}`);
  const streetOf = (s: number) => (s % MEMBERS) % SPACES;
  const perStreet = Array.from({ length: SPACES }, (_, j) => Array.from({ length: SOCKETS }, (_, s) => s).filter((s) => streetOf(s) === j).length);

  const hearthSend = (spaceIds: string[]) => async (poster: number, room: number, bodyMarkdown: string) => {
    const answer = (await hearthPosters[poster]!.timeout(15_000).emitWithAck('post:create', { spaceId: spaceIds[room]!, bodyMarkdown })) as { data?: unknown };
    return answer.data !== undefined;
  };
  const scenarioBudget = (share: number) => performance.now() + share * (deadline - performance.now());

  report('');
  report(`## 1. Fan-out in one room, Hearth: ${SOCKETS} member sockets in the town square, ${POSTERS} posters (post:create)`);
  results.hearthBig = await ladder(
    'Hearth, one room',
    { posters: POSTERS, receiversIn: [SOCKETS], send: hearthSend([bigId]) },
    tracker,
    ratesOf(1, RATES),
    hearthCpu,
    scenarioBudget(0.3),
  );

  report('');
  report(`## 3. Many spaces, Hearth: the same sockets, ${SPACES} streets (${Math.min(...perStreet)}–${Math.max(...perStreet)} sockets each), posts round-robin over the streets`);
  results.hearthMany = await ladder(
    'Hearth, many spaces',
    { posters: POSTERS, receiversIn: perStreet, send: hearthSend(smallIds) },
    tracker,
    ratesOf(3, MANY_RATES),
    hearthCpu,
    scenarioBudget(0.3),
  );
  hearthReceivers.forEach((r) => r.close());
  hearthPosters.forEach((s) => s.close());

  // ---------------------------------------------------------------- bare Socket.IO: scenario 2 (and 3 for comparison)
  report('');
  report(`## 2. The same traffic against a bare Socket.IO broadcast server (no auth, no database): connecting`);
  t = performance.now();
  const bareReceivers = await connectReceivers(SOCKETS, (s) => receiverFor(bare.url, tracker, { auth: { rooms: ['big', `street-${streetOf(s)}`] } }));
  onCleanUp(async () => bareReceivers.forEach((r) => r.close()));
  const barePosters = await Promise.all(posters.map(() => connectSocketIo(bare.url, {})));
  onCleanUp(async () => barePosters.forEach((s) => s.close()));
  report(`  connected in ${seconds(performance.now() - t)}`);
  const bareSend = (rooms: string[]) => async (poster: number, room: number, bodyMarkdown: string) => {
    const answer = (await barePosters[poster]!.timeout(15_000).emitWithAck('post', { room: rooms[room]!, bodyMarkdown })) as { data?: unknown };
    return answer.data !== undefined;
  };
  report(`  one room: ${SOCKETS} sockets`);
  results.bareBig = await ladder(
    'bare, one room',
    { posters: POSTERS, receiversIn: [SOCKETS], send: bareSend(['big']) },
    tracker,
    ratesOf(2, RATES),
    bareCpu,
    scenarioBudget(0.5),
  );
  report(`  many rooms: ${SPACES} rooms`);
  results.bareMany = await ladder(
    'bare, many rooms',
    { posters: POSTERS, receiversIn: perStreet, send: bareSend(perStreet.map((_, j) => `street-${j}`)) },
    tracker,
    ratesOf(3, MANY_RATES),
    bareCpu,
    scenarioBudget(0.5),
  );
  bareReceivers.forEach((r) => r.close());
  barePosters.forEach((s) => s.close());
  if (tracker.ignored > 0) report(`  (${int(tracker.ignored)} frames were not counted: they arrived after their run's drain time — backlog of overloaded runs — or were not post:created)`);

  // ---------------------------------------------------------------- scenario 4: stream pages
  report('');
  const [{ n: postCount } = { n: '0' }] = (await admin.query<{ n: string }>('select count(*)::text as n from posts')).rows;
  report(`## 4. Stream pages with ${int(Number(postCount))} posts in the database; ${READS} sequential requests each (after 5 warm-up; at most ${READ_SECONDS} s each)`);
  const inReaderA = [bigId, ...smallIds.slice(0, READER_SPACES)];
  const reachable = (await admin.query<{ n: string }>('select count(*)::text as n from posts where space_id = any($1::uuid[])', [inReaderA])).rows[0]!.n;
  report(`  reader A: member of the town square and ${READER_SPACES} streets (${int(Number(reachable))} posts in their home stream); reader B: one street`);
  const firstPage = (await api<{ nextCursor: string | null }>(url, 'GET', '/api/v1/stream?limit=50', { member: readerA })).body;
  const deepRow = (
    await admin.query<{ created_at: Date; id: string }>(
      'select created_at, id from posts where space_id = any($1::uuid[]) and deleted_at is null order by created_at desc, id desc offset $2 limit 1',
      [inReaderA, Math.floor(Number(reachable) / 2)],
    )
  ).rows[0];
  const deepCursor = deepRow ? encodeCursor({ createdAt: deepRow.created_at, id: deepRow.id }) : undefined;
  report('');
  report('  Query plans: the SQL the server runs (captured from createStreamService with a logging Drizzle), EXPLAIN (ANALYZE, BUFFERS)');
  const plans = await explainStreams(scratch.url, {
    readerA: readerA.id,
    readerB: readerB.id,
    deepCursor,
    bigId,
  });

  report('');
  report('  Timed requests (the whole HTTP round trip: session, member, page, reactions):');
  const reads: ReadFigure[] = [];
  const reference = await timeReads(url, readerA, 'GET /api/v1/session (reference: an authenticated read without the stream)', '/api/v1/session', hearthCpuMeter);
  reads.push(await timeReads(url, readerA, 'home stream, first page (reader A)', '/api/v1/stream?limit=50', hearthCpuMeter));
  if (firstPage.nextCursor) reads.push(await timeReads(url, readerA, 'home stream, second page via cursor (reader A)', `/api/v1/stream?limit=50&before=${firstPage.nextCursor}`, hearthCpuMeter));
  if (deepCursor) reads.push(await timeReads(url, readerA, 'home stream, page halfway back in time (reader A)', `/api/v1/stream?limit=50&before=${deepCursor}`, hearthCpuMeter));
  reads.push(await timeReads(url, readerB, 'home stream, first page (reader B, one street)', '/api/v1/stream?limit=50', hearthCpuMeter));
  reads.push(await timeReads(url, readerA, 'space stream, town square, first page', `/api/v1/spaces/${bigId}/posts?limit=50`, hearthCpuMeter));
  reads.push(await timeReads(url, readerA, 'space stream, one street, first page', `/api/v1/spaces/${smallIds[0]}/posts?limit=50`, hearthCpuMeter));

  // ---------------------------------------------------------------- summary
  const ratio = (a: number, b: number) => (b > 0 ? `${((a / b) * 100).toFixed(0)}%` : '—');
  const sat = (l: Ladder) => (l.failedAt === undefined ? `> ${l.saturation} (never fell behind)` : `${l.saturation.toFixed(0)} (fell behind at ${l.failedAt})`);
  const halfCells = (l: Ladder) =>
    l.half ? [`${l.half.rate}/s`, int(l.half.deliveriesPerSecond), ms(l.half.latency.p50), ms(l.half.latency.p95), ms(l.half.latency.p99)] : ['—', '—', '—', '—', '—'];
  const fanRows = [
    ['1 Hearth, 1 room', results.hearthBig!],
    ['2 bare Socket.IO, 1 room', results.bareBig!],
    ['3 Hearth, many spaces', results.hearthMany!],
    ['3 bare, many rooms', results.bareMany!],
  ].map(([label, l]) => {
    const ladderResult = l as Ladder;
    return [label as string, sat(ladderResult), int(ladderResult.peakDeliveries), ...halfCells(ladderResult)];
  });
  report('');
  report('## Summary');
  report(`(load generator, servers and PostgreSQL share ${cores} cores: figures are lower bounds)`);
  report('');
  report(
    table(
      ['fan-out', 'saturation, posts/s', 'peak deliveries/s', 'half rate', 'deliveries/s', 'p50 ms', 'p95 ms', 'p99 ms'],
      fanRows,
    ),
  );
  report('');
  report('Where each fell behind (CPU in % of one core; the machine has ' + cores * 100 + '%):');
  for (const [label, l] of fanRows.map((row, i) => [row[0], [results.hearthBig, results.bareBig, results.hearthMany, results.bareMany][i]] as const)) {
    const f = l?.failing;
    if (!f?.cpu) continue;
    report(
      `  ${label} at ${f.rate} posts/s: server ${f.cpu.server}, PostgreSQL ${f.cpu.database}, load ${f.cpu.load}, other ${f.cpu.other}; ` +
        `server CPU ${((f.cpu.server * 10) / Math.max(1e-9, f.ackedPerSecond)).toFixed(1)} ms per post` +
        (f.detail ? `\n    ${f.detail.replace(/\n\s*/g, '\n    ')}` : ''),
    );
  }
  report('');
  const bigRatio = ratio(results.hearthBig!.peakDeliveries, results.bareBig!.peakDeliveries);
  const halfP99 = results.hearthBig!.half?.latency.p99 ?? NaN;
  const worstRead = Math.max(...reads.map((r) => r.latency.p99));
  report(
    table(
      ['goal', 'measured', 'met'],
      [
        [
          `Hearth deliveries/s ≥ 50% of bare, ${int(SOCKETS)} sockets in one room`,
          `${bigRatio} (${int(results.hearthBig!.peakDeliveries)} / ${int(results.bareBig!.peakDeliveries)})`,
          results.hearthBig!.peakDeliveries >= 0.5 * results.bareBig!.peakDeliveries ? 'yes' : 'NO',
        ],
        [
          'many spaces: Hearth deliveries/s vs bare (no goal set)',
          `${ratio(results.hearthMany!.peakDeliveries, results.bareMany!.peakDeliveries)} (${int(results.hearthMany!.peakDeliveries)} / ${int(results.bareMany!.peakDeliveries)})`,
          '',
        ],
        ['p99 create→delivered < 100 ms at half the saturating rate (1 room)', `${ms(halfP99)} ms at ${results.hearthBig!.half?.rate ?? '—'} posts/s`, halfP99 < 100 ? 'yes' : 'NO'],
        [`stream page p99 < 20 ms with ${int(POSTS)} posts bulk-loaded`, `worst p99 ${ms(worstRead)} ms (${int(Number(postCount))} posts)`, worstRead < 20 ? 'yes' : 'NO'],
      ],
    ),
  );
  report('');
  report(
    table(
      ['stream page (GET, limit 50)', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'posts'],
      [...reads, reference].map((r) => [r.label, ms(r.latency.p50), ms(r.latency.p95), ms(r.latency.p99), ms(r.latency.max), r.items ? String(r.items) : '—']),
    ),
  );
  report('');
  report(table(['query (EXPLAIN ANALYZE)', 'execution ms', 'plan'], plans.map((p) => [p.label, ms(p.executionMs), p.shape])));
  report('');
  report(
    `bulk load: ${int(bulk.rows)} rows in ${seconds(bulk.insertMs)}, VACUUM ANALYZE ${seconds(bulk.vacuumMs)}; total run time ${seconds(performance.now() - benchStart)}`,
  );
  clearTimeout(watchdog);
}

async function bulkLoad(admin: pg.Pool, ids: { bigId: string; smallIds: string[]; memberIds: string[] }) {
  const bases = await admin.query<{ id: string; seq: number }>('select id, seq from spaces');
  const baseOf = new Map(bases.rows.map((r) => [r.id, r.seq]));
  const start = Date.now() - POSTS_DAYS * 86_400_000;
  const stepMs = POSTS > 0 ? (POSTS_DAYS * 86_400_000) / POSTS : 0;
  const S = ids.smallIds.length;
  const M = ids.memberIds.length;
  // k = 0 … POSTS-1 in time order. Even k: the town square (seq k/2 + 1 after its base); odd k:
  // street ((k-1)/2) mod S, seq ((k-1)/2) div S + 1. Authors are members of the space.
  const insert = `
    insert into posts (space_id, author_id, body_markdown, body_html, seq, created_at)
    select case when k % 2 = 0 then $1::uuid else ($2::uuid[])[1 + ((k - 1) / 2) % $4] end,
           case when k % 2 = 0 then ($3::uuid[])[1 + (k / 2) % $5]
                else ($3::uuid[])[1 + ((k - 1) / 2) % $4 + $4 * ((((k - 1) / 2) / $4) % greatest(1, $5 / $4))] end,
           b.body,
           '<p>' || b.body || E'</p>\\n',
           case when k % 2 = 0 then $9::int + k / 2 + 1 else ($10::int[])[1 + ((k - 1) / 2) % $4] + ((k - 1) / 2) / $4 + 1 end,
           to_timestamp(($6::float8 + k * $7::float8) / 1000.0)
      from generate_series($8::int, $11::int) as k,
           lateral (select 'Post ' || k || ': the ' ||
                           (array['lantern','harbour','ferry','market','tide','garden','bridge','choir','bakery','library','festival','storm'])[1 + k % 12] ||
                           ' and the ' || (array['evening','morning','weekend','winter','summer','rain','music'])[1 + k % 7] ||
                           ' — who is coming? Bring a coat; the last boat leaves at nine and the market stays open until it does.' as body) b`;
  const smallBases = ids.smallIds.map((id) => baseOf.get(id) ?? 0);
  const t = performance.now();
  let rows = 0;
  for (let lo = 0; lo < POSTS; lo += POSTS_CHUNK) {
    const hi = Math.min(POSTS, lo + POSTS_CHUNK) - 1;
    const result = await admin.query(insert, [ids.bigId, ids.smallIds, ids.memberIds, S, M, start, stepMs, lo, baseOf.get(ids.bigId) ?? 0, smallBases, hi]);
    rows += result.rowCount ?? 0;
    process.stdout.write(`  … ${int(rows)} rows, ${seconds(performance.now() - t)}\n`);
  }
  const insertMs = performance.now() - t;
  await admin.query('update spaces set seq = greatest(seq, coalesce((select max(seq) from posts where posts.space_id = spaces.id), 0))');
  const v = performance.now();
  await admin.query('vacuum (analyze) posts');
  await admin.query('analyze');
  const vacuumMs = performance.now() - v;
  const sizes = (
    await admin.query<{ table_size: string; index_size: string }>(
      `select pg_size_pretty(pg_table_size('posts')) as table_size, pg_size_pretty(pg_indexes_size('posts')) as index_size`,
    )
  ).rows[0]!;
  return { rows, insertMs, vacuumMs, tableSize: sizes.table_size, indexSize: sizes.index_size };
}

interface Plan {
  label: string;
  executionMs: number;
  shape: string;
}

/**
 * Runs the stream service's own read functions against the scratch database with a Drizzle
 * logger, so the SQL explained is exactly the SQL the server sends, then EXPLAINs each query on posts.
 */
async function explainStreams(databaseUrl: string, input: { readerA: string; readerB: string; deepCursor?: string; bigId: string }): Promise<Plan[]> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1, application_name: 'hearth-bench' });
  const captured: { query: string; params: unknown[] }[] = [];
  const db = drizzle({ client: pool, schema, logger: { logQuery: (query, params) => captured.push({ query, params }) } }) as unknown as Db;
  const stream = createStreamService({ db, realtime: {} as Realtime, work: {} as Work, memberLog: {} as MemberLog });
  const actor = (id: string) => ({ user: { id, role: 'member' } }) as unknown as Actor;
  const cases: { label: string; run: () => Promise<unknown>; pick: (q: string) => boolean }[] = [
    { label: 'home stream, first page (A)', run: () => stream.accessHomeStream(actor(input.readerA), { limit: 50 }), pick: isPage },
    ...(input.deepCursor
      ? [{ label: 'home stream, halfway back (A)', run: () => stream.accessHomeStream(actor(input.readerA), { limit: 50, before: input.deepCursor }), pick: isPage }]
      : []),
    { label: 'home stream, first page (B)', run: () => stream.accessHomeStream(actor(input.readerB), { limit: 50 }), pick: isPage },
    {
      label: 'space stream, town square',
      run: () => stream.accessSpaceStream(actor(input.readerA), input.bigId, { limit: 50 }),
      pick: (q) => isPage(q),
    },
  ];
  const plans: Plan[] = [];
  try {
    for (const c of cases) {
      captured.length = 0;
      await c.run();
      const queries = captured.filter((q) => c.pick(q.query));
      for (const [i, q] of queries.entries()) {
        const kind = /"pinned_at" is not null/.test(q.query) ? 'pinned posts' : /"posts"."id" in/.test(q.query) ? 'rows by id' : 'page';
        const label = queries.length > 1 ? `${c.label}, query ${i + 1} (${kind})` : c.label;
        const result = await pool.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers) ${q.query}`, q.params);
        const planLines = result.rows.map((r) => r['QUERY PLAN']);
        const executionMs = Number(/Execution Time: ([\d.]+)/.exec(planLines.join('\n'))?.[1] ?? NaN);
        report(`  ${label}:`);
        report(`    SQL: ${q.query.replace(/\s+/g, ' ').replace(/^select .*? from "posts"/, 'select <posts and users columns> from "posts"')}`);
        const clip = (text: string) => (text.length > 240 ? `${text.slice(0, 240)}…` : text);
        report(`    params: ${clip(JSON.stringify(q.params))}`);
        for (const line of planLines) report(`    ${clip(line)}`);
        plans.push({ label, executionMs, shape: planShape(planLines) });
      }
    }
  } finally {
    await pool.end();
  }
  return plans;
}

/** The queries that read posts (the page, the pinned posts, the home stream's merge and its rows by id), not reactions or access checks. */
const isPage = (query: string) => /from "posts"/.test(query);

const PLAN_NODE =
  /^(?:->\s+)?(Seq Scan|Index Only Scan|Index Scan|Bitmap Heap Scan|Bitmap Index Scan|Incremental Sort|Sort|Limit|Nested Loop(?: Semi Join)?|Hash(?: Semi)? Join|Merge(?: Semi)? Join|Merge Append|Append|Gather Merge|Gather|HashAggregate|Unique|Memoize)( Backward)?(?: using (\S+))?(?: on (\S+))?(?: \w+)?\s+\(cost/;

/** The plan's nodes, outermost first, with the index or table each scan reads: enough to see which index (if any) is used. */
function planShape(planLines: string[]): string {
  const nodes: string[] = [];
  for (const line of planLines) {
    const match = PLAN_NODE.exec(line.trim());
    if (!match) continue;
    const [, node, backward, index, table] = match;
    nodes.push(`${node}${backward ?? ''}${index ? ` ${index}` : ''}${table && !index ? ` ${table}` : ''}`);
  }
  return nodes.join(' › ');
}

runBench('bench-stream', main);
