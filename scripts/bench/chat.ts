// Chat figures for docs/performance.md: members of many spaces chatting at steady rates, timed
// from chat:send to chat:message-created at every member's socket, beside a bare Socket.IO server
// carrying the same traffic in the same run.
//   npm run build && DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npx tsx scripts/bench/chat.ts
// It needs PostgreSQL (a scratch database is created and dropped). Sizes, rates and durations are
// the BENCH_* constants below; the defaults take about 5–6 minutes (more when runs are repeated for noise).
//
// As in stream.ts the servers are child processes (node dist/server/main.js, and
// bare-chat-server.ts) and this process is the load: one socket per member, each sending its
// share of the messages and receiving its space's chat. They share the machine's cores with
// PostgreSQL, so every figure is a lower bound; each run prints where the CPU went.
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { envList, envNumber, int, mib, onCleanUp, quietRun as quietRunOf, report, runBench, seconds, startWatchdog } from './lib/harness';
import { DeliveryTracker, keptUp, settle, type FanoutTarget, type Measure, type RunOptions, type RunResult } from './lib/fanout';
import { api, createSpace, inBatches, joinSpace, signUpMember, switchOffWelcome, type BenchMember } from './lib/hearth-api';
import { connectLean, type LeanOptions, type LeanSocket } from './lib/lean-socket';
import { cpuMeter, describeCpu, startBareSocketIo } from './lib/processes';
import { scratchDatabase, serverConnections, startHearthOn } from './lib/scratch';
import { describeBuild, eventLoopDelay, hearthMemory, sampleDatabaseActivity, type Memory } from './lib/server-probes';
import { describe, ms, table } from './lib/stats';


const MEMBERS = envNumber('BENCH_MEMBERS', 500); // one socket each; member i belongs to space i mod BENCH_SPACES
const SPACES = Math.max(1, envNumber('BENCH_SPACES', 50));
const RATES = envList('BENCH_RATES', [100, 250, 500, 750, 1000]); // messages/s over all spaces, stepped up
const STEP_SECONDS = envNumber('BENCH_STEP_SECONDS', 5); // each rate of the ladder
const LONG_RATE = envNumber('BENCH_LONG_RATE', 500); // the goal's rate, run for longer
const LONG_SECONDS = envNumber('BENCH_LONG_SECONDS', 30);
const DRAIN_SECONDS = envNumber('BENCH_DRAIN_SECONDS', 2); // wait for late acks and deliveries after each run
const MAX_IN_FLIGHT = envNumber('BENCH_MAX_IN_FLIGHT', 1000); // unacknowledged sends before the senders skip
const SATURATION_P99_MS = envNumber('BENCH_SATURATION_P99_MS', 1000); // a run with a slower delivery p99 fell behind
const GOAL_RATE = envNumber('BENCH_GOAL_RATE', 500);
const GOAL_P99_MS = envNumber('BENCH_GOAL_P99_MS', 50);
// The server's per-member limit (CHAT_MESSAGES_PER_SECOND, at most 1000; CHAT_BURST more over 10 s),
// set far above what any member sends here, so that it never rejects a message of the benchmark.
const CHAT_LIMIT = Math.min(1000, Math.max(1, envNumber('BENCH_CHAT_LIMIT', 1000)));
const CHAT_BURST = Math.min(10_000, envNumber('BENCH_CHAT_BURST', 10_000));
const SIGNUP_CONCURRENCY = Math.max(1, envNumber('BENCH_SIGNUP_CONCURRENCY', 4));
const NOISE_LIMIT = envNumber('BENCH_NOISE_LIMIT', 50); // % of one core used by other processes that makes a run "disturbed"
const NOISE_RETRIES = envNumber('BENCH_NOISE_RETRIES', 1);
const KEEP_DATABASE = process.env.BENCH_KEEP_DATABASE === '1';
const MAX_MINUTES = envNumber('BENCH_MAX_MINUTES', 10);
const ACK_TIMEOUT_MS = 15_000;

const criteria = { minAckShare: 0.9, minCompleteness: 0.99, maxP99Ms: SATURATION_P99_MS };



/** Connects `count` lean sockets (lib/lean-socket.ts: raw frames in, commands with acks out), 100 at a time. */
async function connectAll(count: number, options: (index: number) => LeanOptions): Promise<LeanSocket[]> {
  const sockets: LeanSocket[] = [];
  for (let batch = 0; batch < count; batch += 100) {
    sockets.push(...(await Promise.all(Array.from({ length: Math.min(100, count - batch) }, (_, i) => connectLean(options(batch + i))))));
  }
  return sockets;
}

// ------------------------------------------------------------------------------------------------
// Sending: member p sends to their own space's chat, every message with its own clientId.

const DATA = Buffer.from('[{"data":');
let clientIds = 0;

function chatTarget(sockets: LeanSocket[], conversationIds: string[], perRoom: number[], errors: Map<string, number>): FanoutTarget {
  return {
    posters: sockets.length,
    receiversIn: perRoom,
    async send(poster, room, bodyMarkdown) {
      // runAtRate sends message n from poster n mod MEMBERS to room n mod SPACES, which is the poster's space (SPACES divides MEMBERS).
      const conversationId = conversationIds[room]!;
      const clientId = `bench-${String(++clientIds).padStart(7, '0')}`;
      const answer = await sockets[poster]!.emitWithAck('chat:send', { conversationId, clientId, bodyMarkdown }, ACK_TIMEOUT_MS);
      if (answer && answer.compare(DATA, 0, DATA.length, 0, Math.min(DATA.length, answer.length)) === 0) return true;
      const code = answer ? (/"code":"([^"]+)"/.exec(answer.toString('utf8'))?.[1] ?? 'unexpected ack') : 'no ack (timeout or closed)';
      errors.set(code, (errors.get(code) ?? 0) + 1);
      return false;
    },
  };
}

/** The bare chat server's own process.memoryUsage() (GET /memory). */
async function bareMemory(url: string): Promise<Memory> {
  const usage = (await (await fetch(`${url}/memory`)).json()) as Memory;
  return { rss: usage.rss, heapUsed: usage.heapUsed };
}

// ------------------------------------------------------------------------------------------------
// Runs

interface Series {
  steps: RunResult[];
  /** The first rate it fell behind at; the ladder stops there. */
  failedAt?: number;
  long?: RunResult;
}

function describeRun(label: string, r: RunResult, errors: Map<string, number>): string {
  const errorText = errors.size ? ` (${[...errors].map(([code, n]) => `${n} × ${code}`).join(', ')})` : '';
  errors.clear();
  const delivered = r.meanReceivers > 0 ? r.deliveriesPerSecond / r.meanReceivers : 0;
  return (
    `${label} ${r.rate} msgs/s × ${r.seconds} s: sent ${r.sent}${r.skipped ? ` (skipped ${r.skipped}: ${MAX_IN_FLIGHT} unacknowledged)` : ''}, ` +
    `acked ${r.ackedPerSecond.toFixed(1)}/s${r.ackErrors ? `, ${r.ackErrors} failed${errorText}` : ''}, ` +
    `delivered ${delivered.toFixed(1)} msgs/s = ${int(r.deliveriesPerSecond)} deliveries/s ` +
    `(${(r.completeness * 100).toFixed(1)}% of ${int(r.sent * r.meanReceivers)} owed delivered by drain end)\n` +
    `      send→delivered ${describe(r.latency)}\n` +
    `      send→ack ${describe(r.ackLatency)}\n` +
    `      ${r.cpu ? describeCpu(r.cpu) : ''}${r.cpu && r.cpu.other > NOISE_LIMIT ? ' — DISTURBED by other processes' : ''}` +
    (r.cpu && r.ackedPerSecond > 0
      ? `\n      server CPU per acknowledged message ${((r.cpu.server * 10) / r.ackedPerSecond).toFixed(2)} ms` +
        `${r.bytesPerDelivery ? `; chat:message-created frame ~${Math.round(r.bytesPerDelivery)} bytes` : ''}`
      : '') +
    (r.detail ? `\n      ${r.detail}` : '')
  );
}

/** A run repeated (at most NOISE_RETRIES times, within the deadline) while other processes took more than NOISE_LIMIT % of a core; the least disturbed counts. */
function quietRun(target: FanoutTarget, tracker: DeliveryTracker, options: RunOptions, measure: Measure, deadline: number): Promise<RunResult> {
  return quietRunOf(target, tracker, options, measure, { deadline, noiseLimit: NOISE_LIMIT, retries: NOISE_RETRIES, unit: 'msgs/s' });
}

/** The stepped rates until one falls behind, then the long run at LONG_RATE. */
async function series(
  target: FanoutTarget,
  tracker: DeliveryTracker,
  measure: Measure,
  errors: Map<string, number>,
  deadline: number,
  afterLadder: () => Promise<void>,
): Promise<Series> {
  const result: Series = { steps: [] };
  const options = (rate: number, secondsLong: number): RunOptions => ({ rate, seconds: secondsLong, maxInFlight: MAX_IN_FLIGHT, drainSeconds: DRAIN_SECONDS });
  for (const rate of RATES) {
    if (performance.now() + (STEP_SECONDS + DRAIN_SECONDS + LONG_SECONDS + DRAIN_SECONDS + 5) * 1000 > deadline) {
      report(`  out of time: stopping the ladder before ${rate} msgs/s`);
      break;
    }
    const run = await quietRun(target, tracker, options(rate, STEP_SECONDS), measure, deadline);
    result.steps.push(run);
    const ok = keptUp(run, criteria);
    report(describeRun(`  step ${ok ? 'kept up' : 'BEHIND '}`, run, errors));
    if (!ok) {
      result.failedAt = rate;
      report(`  fell behind at ${rate} msgs/s: higher rates not tried`);
      await settle(5); // let the backlog clear before the long run
      break;
    }
    await settle(1);
  }
  await afterLadder();
  if (LONG_SECONDS > 0 && performance.now() + (LONG_SECONDS + DRAIN_SECONDS) * 1000 < deadline) {
    result.long = await quietRun(target, tracker, options(LONG_RATE, LONG_SECONDS), measure, deadline);
    report(describeRun('  long   ', result.long, errors));
  } else if (LONG_SECONDS > 0) {
    report('  out of time: no long run');
  }
  return result;
}

async function main(): Promise<void> {
  if (!process.env.DATABASE_URL) {
    throw new Error('scripts/bench/chat.ts needs PostgreSQL: set DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test); a scratch database is created and dropped.');
  }
  if (MEMBERS < SPACES || MEMBERS % SPACES !== 0) {
    throw new Error(`BENCH_MEMBERS (${MEMBERS}) must be a multiple of BENCH_SPACES (${SPACES}): every member sends to their own space, round-robin`);
  }
  const benchStart = performance.now();
  const deadline = benchStart + MAX_MINUTES * 60_000;
  const watchdog = startWatchdog('chat', MAX_MINUTES);

  const cores = os.cpus().length;
  const perSpace = MEMBERS / SPACES;
  report(`# Hearth chat benchmark (scripts/bench/chat.ts), ${new Date().toISOString()}`);
  report(
    `machine: ${cores} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; node ${process.version}; ` +
      `load average at start ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`,
  );
  report(
    `NOTE: the load generator (this process: ${MEMBERS} member sockets), the servers and PostgreSQL share these ${cores} cores; ` +
      `throughput figures are lower bounds. Each run shows where the CPU went (% of one core).`,
  );
  report(
    `traffic: ${MEMBERS} members in ${SPACES} spaces (${perSpace} each), one socket per member (lean WebSocket clients speaking the Socket.IO protocol, ` +
      `sending chat:send with acks and receiving frames raw). Message n is sent by member n mod ${MEMBERS} to their space's chat, open loop at a steady rate; ` +
      `each message is owed to the ${perSpace} sockets of its space (the sender's included) and timed send→delivered at each, on this process's clock.`,
  );
  report(
    `rate limit: the server runs with CHAT_MESSAGES_PER_SECOND=${CHAT_LIMIT}, CHAT_BURST=${CHAT_BURST}; the busiest step asks ` +
      `${(Math.max(...RATES, LONG_RATE) / MEMBERS).toFixed(1)} messages/s of each member, so the per-member limit never rejects one (it is still checked, and its cost counted).`,
  );
  report(describeBuild());

  const scratch = await scratchDatabase(KEEP_DATABASE);
  const { admin } = scratch;
  report(`database: PostgreSQL, scratch database ${new URL(scratch.url).pathname.slice(1)} ${KEEP_DATABASE ? '(kept: BENCH_KEEP_DATABASE=1)' : '(dropped at the end)'}`);

  const hearth = await startHearthOn(scratch, 'chat', {
    SESSION_SECRET: 'bench-secret-0123456789abcdef0123456789abcdef',
    SIGNUP_LIMIT_PER_HOUR: '1000000',
    SIGNIN_FAILURE_LIMIT_PER_HOUR: '1000000',
    CHAT_MESSAGES_PER_SECOND: String(CHAT_LIMIT),
    CHAT_BURST: String(CHAT_BURST),
  });
  const bare = await startBareSocketIo('bare-chat-server.ts');
  onCleanUp(() => bare.stop());
  report(`servers: Hearth ${hearth.url} (pid ${hearth.pid}, ready in ${hearth.startMs.toFixed(0)} ms); bare Socket.IO ${bare.url} (pid ${bare.pid})`);
  const url = hearth.url;

  const hearthCpuMeter = cpuMeter(hearth.pid, serverConnections(admin), cores);
  const bareCpuMeter = cpuMeter(bare.pid, async () => [], cores);
  const hearthMeasure: Measure = async () => {
    const [stopCpu, stopActivity, stopLag] = await Promise.all([hearthCpuMeter(), sampleDatabaseActivity(admin), eventLoopDelay(url)]);
    return async () => ({ cpu: await stopCpu(), detail: `${await stopActivity()}\n      ${await stopLag()}` });
  };
  const bareMeasure: Measure = async () => {
    const stopCpu = await bareCpuMeter();
    return async () => ({ cpu: await stopCpu() });
  };

  // ---------------------------------------------------------------- setup through the API
  report('');
  report('## Setup (through the REST API)');
  let t = performance.now();
  const host = await signUpMember(url, 'bench_host'); // the first account: the network's admin; hosts every space (never connected)
  await switchOffWelcome(url, host);
  const spaceIds: string[] = [];
  for (let j = 0; j < SPACES; j++) spaceIds.push(await createSpace(url, host, `chat-${String(j).padStart(3, '0')}`, `Chat ${j}`));
  const conversationIds: string[] = [];
  for (const spaceId of spaceIds) {
    const chat = await api<{ id: string }>(url, 'GET', `/api/v1/spaces/${spaceId}/chat`, { member: host });
    if (chat.status !== 200) throw new Error(`space chat ${spaceId}: ${chat.status} ${JSON.stringify(chat.body)}`);
    conversationIds.push(chat.body.id);
  }
  report(`  ${SPACES} public open spaces and their chats (GET /api/v1/spaces/:id/chat) in ${seconds(performance.now() - t)}`);
  t = performance.now();
  const members: BenchMember[] = await inBatches(
    Array.from({ length: MEMBERS }, (_, i) => i),
    SIGNUP_CONCURRENCY,
    async (i) => {
      const member = await signUpMember(url, `c${String(i).padStart(4, '0')}`);
      await joinSpace(url, member, spaceIds[i % SPACES]!);
      return member;
    },
  );
  report(`  ${MEMBERS} members signed up (argon2id), accepted the guidelines and joined one space each in ${seconds(performance.now() - t)}`);
  await settle(3); // the welcome bot greets each newcomer in the background
  const perRoom = Array.from({ length: SPACES }, () => perSpace);

  const tracker = new DeliveryTracker('chat:message-created');
  const errors = new Map<string, number>();
  const memory: { server: string; when: string; m: Memory }[] = [];
  const noteMemory = async (server: string, when: string, read: () => Promise<Memory>) => {
    const m = await read();
    memory.push({ server, when, m });
    report(`  ${server} memory ${when}: RSS ${mib(m.rss)}, heap used ${mib(m.heapUsed)}`);
  };

  // ---------------------------------------------------------------- Hearth
  report('');
  report(`## Hearth: ${MEMBERS} member sockets, chat:send to ${SPACES} space chats`);
  await noteMemory('Hearth', 'before (set up, no sockets)', () => hearthMemory(url));
  t = performance.now();
  const hearthSockets = await connectAll(MEMBERS, (i) => ({ url, cookie: members[i]!.cookie, onEvent: tracker.onFrame }));
  onCleanUp(async () => hearthSockets.forEach((s) => s.close()));
  report(`  connected in ${seconds(performance.now() - t)}`);
  await settle(3); // presence announcements of the newly connected
  await noteMemory('Hearth', `with ${MEMBERS} sockets, before the runs`, () => hearthMemory(url));
  const framesBefore = tracker.otherEvents;
  const hearthSeries = await series(chatTarget(hearthSockets, conversationIds, perRoom, errors), tracker, hearthMeasure, errors, benchStart + 0.5 * (deadline - benchStart), () =>
    noteMemory('Hearth', 'after the ladder, before the long run', () => hearthMemory(url)),
  );
  await settle(2);
  await noteMemory('Hearth', 'after the long run (sockets still connected)', () => hearthMemory(url));
  const hearthOther = tracker.otherEvents - framesBefore;
  hearthSockets.forEach((s) => s.close());
  const [{ n: messageCount } = { n: '0' }] = (await admin.query<{ n: string }>("select count(*)::text as n from messages where client_id like 'bench-%'")).rows;
  report(`  benchmark messages in the database: ${int(Number(messageCount))}${hearthOther ? `; ${int(hearthOther)} other frames received during the runs (not chat:message-created)` : ''}`);
  await settle(5); // the members going offline (presence writes last_seen_at) before the bare runs

  // ---------------------------------------------------------------- bare Socket.IO
  report('');
  report(`## The same traffic against a bare Socket.IO server (no auth, no database): ${MEMBERS} sockets in ${SPACES} rooms`);
  await noteMemory('bare', 'before (no sockets)', () => bareMemory(bare.url));
  t = performance.now();
  const bareSockets = await connectAll(MEMBERS, (i) => ({ url: bare.url, auth: { rooms: [conversationIds[i % SPACES]] }, onEvent: tracker.onFrame }));
  onCleanUp(async () => bareSockets.forEach((s) => s.close()));
  report(`  connected in ${seconds(performance.now() - t)}`);
  await noteMemory('bare', `with ${MEMBERS} sockets, before the runs`, () => bareMemory(bare.url));
  const bareSeries = await series(chatTarget(bareSockets, conversationIds, perRoom, errors), tracker, bareMeasure, errors, deadline, () =>
    noteMemory('bare', 'after the ladder, before the long run', () => bareMemory(bare.url)),
  );
  await settle(2);
  await noteMemory('bare', 'after the long run (sockets still connected)', () => bareMemory(bare.url));
  bareSockets.forEach((s) => s.close());
  const late = tracker.ignored - tracker.otherEvents;
  if (late > 0) report(`  (over the whole benchmark, ${int(late)} chat frames were not counted: they arrived after their run's drain time — the backlog of overloaded runs)`);

  // ---------------------------------------------------------------- summary
  report('');
  report('## Summary');
  report(`(load generator, servers and PostgreSQL share ${cores} cores: figures are lower bounds)`);
  report('');
  const cells = (r: RunResult | undefined) => {
    if (!r) return ['—', '—', '—', '—', '—'];
    const delivered = r.meanReceivers > 0 ? r.deliveriesPerSecond / r.meanReceivers : 0;
    return [
      `${r.ackedPerSecond.toFixed(0)} / ${delivered.toFixed(0)}${keptUp(r, criteria) ? '' : ' BEHIND'}`,
      ms(r.latency.p50),
      ms(r.latency.p95),
      ms(r.latency.p99),
      r.cpu && r.ackedPerSecond > 0 ? ((r.cpu.server * 10) / r.ackedPerSecond).toFixed(2) : '—',
    ];
  };
  const runs = [
    ...RATES.map((rate) => ({ label: `${rate} msgs/s × ${STEP_SECONDS} s`, h: hearthSeries.steps.find((r) => r.rate === rate), b: bareSeries.steps.find((r) => r.rate === rate) })),
    { label: `${LONG_RATE} msgs/s × ${LONG_SECONDS} s (long)`, h: hearthSeries.long, b: bareSeries.long },
  ];
  report(
    table(
      ['run', 'Hearth acked / delivered msgs/s', 'p50 ms', 'p95 ms', 'p99 ms', 'server CPU ms/msg', 'bare acked / delivered', 'p50 ms', 'p95 ms', 'p99 ms', 'CPU ms/msg'],
      runs.map((r) => [r.label, ...cells(r.h), ...cells(r.b)]),
    ),
  );
  report('(latency: chat:send → chat:message-created at each member socket of the space; "delivered" = deliveries/s ÷ sockets per space)');
  report('');
  report(
    table(
      ['server', 'when', 'RSS', 'heap used'],
      memory.map((x) => [x.server, x.when, mib(x.m.rss), mib(x.m.heapUsed)]),
    ),
  );
  report('');
  const goalRun = hearthSeries.long?.rate === GOAL_RATE ? hearthSeries.long : hearthSeries.steps.find((r) => r.rate === GOAL_RATE);
  const goalP99 = goalRun?.latency.p99 ?? NaN;
  const goalKept = goalRun ? keptUp(goalRun, criteria) : false;
  report(
    table(
      ['goal', 'measured', 'met'],
      [
        [
          `p99 send→delivered < ${GOAL_P99_MS} ms at ${GOAL_RATE} msgs/s (Hearth, PostgreSQL)`,
          goalRun ? `p99 ${ms(goalP99)} ms over ${goalRun.seconds} s, acked ${goalRun.ackedPerSecond.toFixed(0)}/s` : 'not run',
          goalRun && goalKept && goalP99 < GOAL_P99_MS ? 'yes' : 'NO',
        ],
      ],
    ),
  );
  const where = hearthSeries.long ?? hearthSeries.steps.at(-1);
  if (where?.cpu) {
    report('');
    report(
      `Where the time went in Hearth's ${where.rate} msgs/s run: server ${where.cpu.server}%, PostgreSQL ${where.cpu.database}%, load ${where.cpu.load}%, other ${where.cpu.other}% ` +
        `(of one core; ${cores * 100}% in all); server CPU ${((where.cpu.server * 10) / Math.max(1e-9, where.ackedPerSecond)).toFixed(2)} ms per message` +
        (where.detail ? `\n  ${where.detail.replace(/\n\s*/g, '\n  ')}` : ''),
    );
  }
  report('');
  report(`total run time ${seconds(performance.now() - benchStart)}`);
  clearTimeout(watchdog);
}

runBench('bench-chat', main);
