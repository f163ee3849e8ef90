// The platform under every feature (issue #11): a write's socket events, domain events and jobs are
// released only after it committed; subscribers that throw break nothing; a durable follow-up
// survives the process being killed between the commit and the work.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { subscribe } from '../server/core/events/domain-events';
import { jobs } from '../server/core/db/schema';
import { openPglite, openPostgres, type Database } from '../server/core/db/database';
import { createMember, call } from './support/members';
import { createScratchPostgres, openTestDatabase, postgresUrl, type TestDatabase } from './support/database';
import { freePort, startTestServer, watch, type TestServer } from './support/server';

declare module '../server/core/events/domain-events' {
  interface DomainEvents {
    'test.happened': { n: number };
  }
}

let db: TestDatabase;
let server: TestServer;

beforeAll(async () => {
  db = await openTestDatabase();
  server = await startTestServer({ database: db.database });
});

afterAll(async () => {
  await server?.stop();
  await db?.close();
});

const jobsOfKind = async (kind: string) => server.app.database.db.select().from(jobs).where(sql`${jobs.kind} = ${kind}`);

describe('a unit of work', () => {
  test('when a write rolls back, then it releases no socket event, no domain event and no job; when it commits, exactly one of each', async () => {
    const member = await createMember(server.url);
    const socket = await member.connect();
    const { events, work } = server.app.platform;
    const live: number[] = [];
    const durable: number[] = [];
    events.on(subscribe({ event: 'test.happened', name: 'test.live', durable: false, handle: ({ n }) => void live.push(n) }));
    events.on(subscribe({ event: 'test.happened', name: 'test.durable', durable: true, handle: ({ n }) => void durable.push(n) }));
    try {
      const rolledBack = watch<{ version: number }>(socket, 'guidelines:published');
      await expect(
        work.transaction(async (uow) => {
          uow.publish(`user:${member.user.id}`, 'guidelines:published', { version: 41 });
          uow.emit('test.happened', { n: 1 });
          uow.enqueue({ kind: 'test.never', payload: {} });
          throw new Error('the write fails after collecting its effects');
        }),
      ).rejects.toThrow('the write fails');
      expect(await rolledBack.after(300)).toEqual([]);
      await server.app.settle();
      expect(live).toEqual([]);
      expect(durable).toEqual([]);
      expect(await jobsOfKind('event:test.happened:test.durable')).toHaveLength(0);
      expect(await jobsOfKind('test.never')).toHaveLength(0);

      const committed = watch<{ version: number }>(socket, 'guidelines:published');
      await work.transaction(async (uow) => {
        uow.publish(`user:${member.user.id}`, 'guidelines:published', { version: 42 });
        uow.emit('test.happened', { n: 2 });
      });
      expect(await committed.after(300)).toEqual([{ version: 42 }]);
      await server.app.settle();
      expect(live).toEqual([2]);
      expect(durable).toEqual([2]);
      const rows = await jobsOfKind('event:test.happened:test.durable');
      expect(rows.map((r) => r.status)).toEqual(['done']);
    } finally {
      socket.disconnect();
    }
  });

  test('when a subscriber throws, then the write and the other subscribers are unaffected, and a durable one is retried until it succeeds', async () => {
    const { events, work, database } = { ...server.app.platform, database: server.app.database };
    const calls: string[] = [];
    let failuresLeft = 1;
    events.on(subscribe({ event: 'test.happened', name: 'test.throws-live', durable: false, handle: () => { calls.push('throws-live'); throw new Error('live subscriber broke'); } }));
    events.on(subscribe({ event: 'test.happened', name: 'test.after-live', durable: false, handle: ({ n }) => void calls.push(`after-live:${n}`) }));
    events.on(
      subscribe({
        event: 'test.happened',
        name: 'test.flaky-durable',
        durable: true,
        handle: ({ n }) => {
          calls.push(`durable:${n}`);
          if (failuresLeft-- > 0) throw new Error('durable subscriber broke once');
        },
      }),
    );

    const value = await work.transaction(async (uow) => {
      uow.emit('test.happened', { n: 7 });
      return 'written';
    });
    expect(value).toBe('written');
    await server.app.settle();
    expect(calls).toEqual(expect.arrayContaining(['throws-live', 'after-live:7', 'durable:7']));
    const [failed] = await jobsOfKind('event:test.happened:test.flaky-durable');
    expect(failed).toMatchObject({ status: 'pending', attempts: 1, lastError: 'durable subscriber broke once' });
    expect(failed!.runAt.getTime()).toBeGreaterThan(Date.now());

    // Its back-off over (moved to now rather than waited for), the worker runs it again, once.
    await database.db.update(jobs).set({ runAt: new Date() }).where(sql`${jobs.id} = ${failed!.id}`);
    await server.app.settle();
    const [retried] = await jobsOfKind('event:test.happened:test.flaky-durable');
    expect(retried).toMatchObject({ status: 'done', attempts: 2 });
    expect(calls.filter((c) => c === 'durable:7')).toHaveLength(2);
  });
});

describe('schedules', () => {
  test('when two nodes tick at the same moment, then each run of a schedule is enqueued once', async () => {
    const other = await startTestServer({ database: db.database });
    try {
      const at = new Date(Date.now() + 365 * 24 * 60 * 60 * 1000);
      await Promise.all([server.app.platform.jobs.tick(at), other.app.platform.jobs.tick(at)]);
      const rows = await server.app.database.db.select().from(jobs).where(sql`${jobs.payload}->>'at' = ${at.toISOString()}`);
      // One job per schedule (sweep, escalation, the calendar's minute, notification mail), not one per node.
      expect(rows.map((r) => r.kind).sort()).toEqual(['calendar.minutely', 'moderation.escalate', 'notification-mail.digest', 'notification-mail.immediate', 'platform.sweep']);
    } finally {
      await other.stop();
    }
  });
});

describe('running a job now', () => {
  test('when another node took the job first, then runNow resolves only once that run is done', async () => {
    const other = await startTestServer({ database: db.database });
    try {
      let started!: () => void;
      const running = new Promise<void>((resolve) => (started = resolve));
      const finished: string[] = [];
      server.app.platform.jobs.define('test.slow', { run: async () => void finished.push('here') });
      other.app.platform.jobs.define('test.slow', {
        run: async () => {
          started();
          await new Promise((resolve) => setTimeout(resolve, 300));
          finished.push('other');
        },
      });
      const ids = await server.app.platform.jobs.enqueue(server.app.database.db, { kind: 'test.slow' });
      other.app.platform.jobs.kick();
      await running;

      await server.app.platform.jobs.runNow(ids);

      expect(finished).toEqual(['other']);
      expect((await jobsOfKind('test.slow')).map((j) => j.status)).toEqual(['done']);
    } finally {
      await other.stop();
    }
  });
});

/** Starts `server/main.ts` as one process of its own (no wrapper process: SIGKILL must reach the server itself). */
async function startProcess(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: path.join(__dirname, '..'),
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: url,
      LOG_LEVEL: 'warn',
      SESSION_SECRET: 'test-session-secret-0123456789abcdef0123456789',
      SIGNUP_LIMIT_PER_HOUR: '100000',
      JOB_POLL_MS: '200',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited ${child.exitCode}: ${stderr.slice(-2000)}`);
    const ready = await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
    if (ready) return { child, url };
    if (Date.now() > deadline) throw new Error(`server not ready: ${stderr.slice(-2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function kill9(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

describe('a durable follow-up', () => {
  test('when the process is killed with SIGKILL between the commit and the work, then after a restart the welcome greeting is sent once', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-crash-'));
    const scratch = postgresUrl ? await createScratchPostgres() : undefined;
    const storage: Record<string, string> = { DATA_DIR: dataDir, ...(scratch ? { DATABASE_URL: scratch.url } : {}) };
    let running: ChildProcess | undefined;
    try {
      // A web-only node: it writes the greeting's job with the member's acceptance and never runs it.
      const first = await startProcess({ ...storage, JOB_WORKER: 'off' });
      running = first.child;
      const member = await createMember(first.url);
      await kill9(first.child);
      running = undefined;

      const second = await startProcess(storage);
      running = second.child;
      const deadline = Date.now() + 20_000;
      let dms: { kind: string; lastMessageAt: string | null }[] = [];
      while (Date.now() < deadline) {
        const res = await call<{ items: { kind: string; lastMessageAt: string | null }[] }>(second.url, 'GET', '/api/v1/chat/conversations', {
          cookie: member.cookie,
        });
        // The restarted node may still be warming up: only an answer counts.
        if (res.status === 200) dms = res.body.items.filter((c) => c.kind === 'direct');
        if (dms.length > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(dms).toHaveLength(1);
      // Give a second run every chance to happen, then count: one greeting job, done; one bot message.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await kill9(second.child);
      running = undefined;
      const check: Database = scratch ? openPostgres({ url: scratch.url, poolSize: 1 }) : await openPglite({ dataDir: path.join(dataDir, 'pglite') });
      try {
        const greetings = await check.db.select().from(jobs).where(sql`${jobs.kind} = 'event:account.guidelines-first-accepted:welcome.greet-newcomer'`);
        expect(greetings.map((g) => [g.status, g.attempts])).toEqual([['done', 1]]);
        const messages = (await check.db.execute(
          sql`select count(*)::int as n from messages m join users u on u.id = m.author_id where u.is_bot and m.client_id = ${`welcome-${member.user.id}`}`,
        )) as unknown as { rows: { n: number }[] };
        expect(Number(messages.rows[0]!.n)).toBe(1);
      } finally {
        await check.close();
      }
    } finally {
      if (running) await kill9(running);
      await scratch?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

