// The stream:resume amplification of issue #12 (item 5), measured for docs/performance.md: one
// member sends BENCH_RESUMES stream:resume commands at once, each naming one public space of
// BENCH_POSTS posts BENCH_REPEATS times from seq 0, while another member pings.
//   npm run build:server && DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npx tsx scripts/bench/resume.ts
// Without DATABASE_URL the server runs on PGlite. Prints the server's resident memory before and
// at its peak (VmHWM), the bytes answered and the slowest ping of a bystander during the burst.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createScratchPostgres } from '../../test/support/database';
import { connectSocket, type TestSocket } from '../../test/support/server';
import { createSpace, signUpMember, switchOffWelcome, type BenchMember } from './lib/hearth-api';
import { envNumber, int, mib, onCleanUp, report, runBench, seconds } from './lib/harness';
import { startHearth } from './lib/processes';

const POSTS = envNumber('BENCH_POSTS', 500);
const REPEATS = envNumber('BENCH_REPEATS', 60);
const RESUMES = envNumber('BENCH_RESUMES', 16);

/** Resident memory of a process now and at its peak so far, from /proc (Linux). */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: kib('VmRSS'), peak: kib('VmHWM') };
}

const socketOf = (url: string, member: BenchMember): Promise<TestSocket> => connectSocket(url, { extraHeaders: { cookie: member.cookie } });

function send(socket: TestSocket, name: string, payload: unknown): Promise<unknown> {
  return (socket.timeout(120_000).emitWithAck as (event: string, payload: unknown) => Promise<unknown>)(name, payload);
}

runBench('resume', async () => {
  const env: Record<string, string> = {
    DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-bench-resume-')),
    SIGNUP_LIMIT_PER_HOUR: '100000',
    POSTS_PER_MINUTE: '100000',
  };
  if (process.env.DATABASE_URL) {
    const scratch = await createScratchPostgres();
    onCleanUp(() => scratch.drop());
    env.DATABASE_URL = scratch.url;
  }
  const server = await startHearth(env);
  onCleanUp(() => server.stop());
  const admin = await signUpMember(server.url, 'bench_admin');
  await switchOffWelcome(server.url, admin);
  const reader = await signUpMember(server.url, 'bench_reader');
  const bystander = await signUpMember(server.url, 'bench_bystander');
  const spaceId = await createSpace(server.url, admin, 'resume-square', 'Resume square');
  const poster = await socketOf(server.url, admin);
  for (let i = 0; i < POSTS; i++) await send(poster, 'post:create', { spaceId, bodyMarkdown: `Post ${i}: ${'lanterns over the harbour '.repeat(20)}` });
  poster.disconnect();

  const [greedy, calm] = await Promise.all([socketOf(server.url, reader), socketOf(server.url, bystander)]);
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const before = memoryOf(server.pid);
  const command = { spaces: Array.from({ length: REPEATS }, () => ({ spaceId, afterSeq: 0 })) };
  const commandBytes = Buffer.byteLength(JSON.stringify(command));

  let slowestPing = 0;
  let pinging = true;
  const pings = (async () => {
    while (pinging) {
      const started = performance.now();
      await send(calm, 'system:ping', { sentAt: Date.now() }).catch(() => undefined);
      slowestPing = Math.max(slowestPing, performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  const started = performance.now();
  // A command whose answer never came (the socket was dropped under the load) counts as lost.
  const answers = await Promise.all(Array.from({ length: RESUMES }, () => send(greedy, 'stream:resume', command).catch(() => ({ lost: true }))));
  const elapsed = performance.now() - started;
  pinging = false;
  await pings;
  const after = memoryOf(server.pid);

  let events = 0;
  let refused = 0;
  let lost = 0;
  for (const answer of answers as { data?: { spaces: { events: unknown[] }[] }; error?: unknown; lost?: boolean }[]) {
    if (answer.error) refused += 1;
    if (answer.lost) lost += 1;
    for (const space of answer.data?.spaces ?? []) events += space.events.length;
  }
  const bytes = answers.reduce<number>((sum, a) => sum + Buffer.byteLength(JSON.stringify(a)), 0);
  greedy.disconnect();
  calm.disconnect();

  report(`## stream:resume amplification: ${RESUMES} commands at once, each naming one space of ${int(POSTS)} posts ${REPEATS} times (${int(commandBytes)} bytes each)`);
  report(`  database: ${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}`);
  report(`  answered: ${int(events)} events, ${mib(bytes)} in ${seconds(elapsed)}; ${refused} commands refused (rate_limited), ${lost} lost (socket dropped)`);
  report(`  server memory: ${mib(before.rss)} resident before, peak ${mib(after.peak)} (VmHWM)`);
  // The bystander's socket lives in this process, which also decodes the answers: an upper bound.
  report(`  slowest ping of another member during the burst: ${Math.round(slowestPing)} ms (this process decodes the answers too)`);
});
