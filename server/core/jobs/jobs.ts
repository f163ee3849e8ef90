// Durable jobs and recurring schedules: docs/decisions/012-platform-modules-events-jobs.md
//
// Work that must happen after a change is a row in `jobs`, written in the change's own transaction
// (`enqueue(tx, …)`), so a crash between the COMMIT and the work cannot lose it. Every node runs a
// worker: it claims due rows with SKIP LOCKED under a lease (a node that dies mid-job leaves a lease
// that runs out, and another node takes the job again), retries failures with back-off, and marks
// a job failed after its last attempt. Schedules are rows too: the node whose UPDATE moves a
// schedule's `next_run_at` on enqueues that run's job, so each run happens on one node only.
import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/database';
import { jobs, schedules, type JobRow } from '../db/platform.schema';
import type { Logger } from '../logger';

/** What a job handler is told about the job it runs. */
export interface JobContext {
  id: string;
  kind: string;
  /** 1 on the first run. */
  attempt: number;
  maxAttempts: number;
  /** When the worker claimed it (a handler that compares with the clock uses this). */
  startedAt: Date;
}

export interface JobDefinition<P = Record<string, unknown>> {
  /** Runs the job; throwing schedules a retry (or fails it after the last attempt). Must be idempotent: a lease can run out mid-run. */
  run(payload: P, context: JobContext): Promise<void>;
  /** Attempts before the job is failed for good (default 5). */
  maxAttempts?: number;
  /** Wait after the nth failed attempt (default 30 s × 4ⁿ⁻¹: 30 s, 2 min, 8 min, 32 min). */
  backoffMs?: (attempts: number) => number;
  /** Told about each failure, with when it runs again (null: failed for good), e.g. to show it to admins. */
  onFailure?(payload: P, error: unknown, context: JobContext & { retryAt: Date | null }): Promise<void>;
}

export interface NewJob {
  kind: string;
  payload?: Record<string, unknown>;
  /** Not before this time (default: now). */
  runAt?: Date;
  /** A job with the same key is never made twice: a second enqueue is ignored. */
  dedupeKey?: string;
  maxAttempts?: number;
}

/** Jobs to write as part of a one-statement change, given the condition under which the change happened. */
export type FollowUps = (onlyIf: SQL) => SQL;

export interface Schedule {
  /** Unique across the network: one row, one run at a time. */
  name: string;
  everyMs: number;
  /** The job each run enqueues (its kind must be defined). */
  job: string;
}

export interface Jobs {
  define<P extends Record<string, unknown>>(kind: string, definition: JobDefinition<P>): void;
  schedule(schedule: Schedule): void;
  /** Writes jobs inside the caller's transaction (or alone, when `db` is not a transaction); returns the ids written. */
  enqueue(db: Db, ...jobs: NewJob[]): Promise<string[]>;
  /** Runs these jobs now in this process, if they are still due (a write whose caller must see the follow-ups done). */
  runNow(ids: string[]): Promise<void>;
  /**
   * SQL that inserts these jobs, for a one-statement write that has no transaction to put them in:
   * called with the write's own condition (e.g. `exists (select 1 from inserted)`), so the jobs are
   * written exactly when the change is.
   */
  insertStatement(rows: NewJob[]): FollowUps | undefined;
  /** Looks for due work now, in the background (after a commit that enqueued some). */
  kick(): void;
  /** Starts the worker's poll and the scheduler's tick. */
  start(): void;
  /** Runs every due job now, and what they enqueue, until none is due; resolves when done (tests; `settle`). */
  drain(): Promise<void>;
  /** Runs each due schedule now, as if the clock said `now` (tests). */
  tick(now?: Date): Promise<void>;
  /** Stops polling and waits for the jobs in progress. */
  stop(): Promise<void>;
}

export interface JobsOptions {
  db: Db;
  logger: Logger;
  /** How often an idle worker looks for due jobs that other nodes wrote (default 5 s). */
  pollMs?: number;
  /** How often the scheduler looks for due schedules (default 15 s). */
  tickMs?: number;
  /** A claimed job not finished within this long is due again (default 5 min). */
  leaseMs?: number;
  /** Jobs claimed at once (by each lane). */
  batch?: number;
  /**
   * Jobs run at once on this node (default 4): a long job (a fan-out to 5,000 followers) must not
   * hold up the mentions and mail behind it. Each lane claims one job at a time, so none waits
   * leased behind another's long run.
   */
  concurrency?: number;
  /** false: a web-only node; it writes jobs but runs none in the background (default true). */
  worker?: boolean;
}

const defaultBackoff = (attempts: number) => 30_000 * 4 ** Math.max(0, attempts - 1);

export function createJobs(options: JobsOptions): Jobs {
  const { db, logger } = options;
  const leaseMs = options.leaseMs ?? 5 * 60_000;
  const batch = options.batch ?? 10;
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const definitions = new Map<string, JobDefinition<Record<string, unknown>>>();
  const scheduled = new Map<string, Schedule>();
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  let pollTimer: NodeJS.Timeout | undefined;
  let tickTimer: NodeJS.Timeout | undefined;
  let ticking: Promise<void> | undefined;
  /** The jobs this node's lanes are running, so `runNow` can wait for one a lane took first. */
  const inFlight = new Map<string, Promise<void>>();

  /** A job's row: its kind's `maxAttempts` unless the job says otherwise. */
  const rowValues = (row: NewJob) => ({
    kind: row.kind,
    payload: row.payload ?? {},
    runAt: row.runAt ?? new Date(),
    dedupeKey: row.dedupeKey ?? null,
    maxAttempts: row.maxAttempts ?? definitions.get(row.kind)?.maxAttempts ?? 5,
  });

  async function claim(only?: string[], limit = batch): Promise<JobRow[]> {
    const kinds = [...definitions.keys()];
    if (kinds.length === 0 || only?.length === 0) return [];
    // Due pending jobs, and running jobs whose lease ran out (their node died or hung).
    const result = (await db.execute(sql`
      update ${jobs} set status = 'running', attempts = attempts + 1, lease_until = now() + ${`${leaseMs} milliseconds`}::interval
       where id in (select id from ${jobs}
                     where ((status = 'pending' and run_at <= now()) or (status = 'running' and lease_until < now()))
                       and kind in ${kinds} ${only ? sql`and id in ${only}` : sql``}
                     order by run_at limit ${limit} for update skip locked)
      returning id, kind, payload, attempts, max_attempts, run_at`)) as unknown as {
      rows: { id: string; kind: string; payload: Record<string, unknown>; attempts: number; max_attempts: number }[];
    };
    return result.rows.map(
      (r) => ({ id: r.id, kind: r.kind, payload: r.payload, attempts: Number(r.attempts), maxAttempts: Number(r.max_attempts) }) as JobRow,
    );
  }

  function runOne(row: JobRow): Promise<void> {
    const running = runClaimed(row).finally(() => inFlight.delete(row.id));
    inFlight.set(row.id, running);
    return running;
  }

  async function runClaimed(row: JobRow): Promise<void> {
    const definition = definitions.get(row.kind);
    if (!definition) return;
    const context: JobContext = { id: row.id, kind: row.kind, attempt: row.attempts, maxAttempts: row.maxAttempts, startedAt: new Date() };
    try {
      await definition.run(row.payload, context);
      await db.execute(sql`update ${jobs} set status = 'done', finished_at = now(), lease_until = null, last_error = null where id = ${row.id}`);
    } catch (error) {
      const message = (error instanceof Error ? error.message : String(error)).slice(0, 500);
      const finalAttempt = row.attempts >= row.maxAttempts;
      const retryAt = finalAttempt ? null : new Date(Date.now() + (definition.backoffMs ?? defaultBackoff)(row.attempts));
      logger.warn({ err: error, job: row.kind, jobId: row.id, attempt: row.attempts }, finalAttempt ? 'job failed for good' : 'job failed; will retry');
      await db.execute(
        retryAt
          ? sql`update ${jobs} set status = 'pending', run_at = ${retryAt.toISOString()}, lease_until = null, last_error = ${message} where id = ${row.id}`
          : sql`update ${jobs} set status = 'failed', finished_at = now(), lease_until = null, last_error = ${message} where id = ${row.id}`,
      );
      await definition.onFailure?.(row.payload, error, { ...context, retryAt }).catch((hookError: unknown) =>
        logger.warn({ err: hookError, job: row.kind }, 'job failure hook failed'),
      );
    }
  }

  /** One lane of the worker: claims and runs one job after another until none is due. */
  async function lane(): Promise<void> {
    const limit = concurrency === 1 ? batch : 1;
    for (let claimed = await claim(undefined, limit); claimed.length > 0 && !stopped; claimed = await claim(undefined, limit)) {
      for (const row of claimed) await runOne(row);
    }
  }

  async function work(): Promise<void> {
    do {
      again = false;
      await Promise.all(Array.from({ length: concurrency }, lane));
    } while (again && !stopped);
  }

  function kick(): void {
    if (options.worker === false) return;
    run();
  }

  function run(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = work()
      .catch((error: unknown) => {
        if (!stopped) logger.warn({ err: error }, 'job worker run failed');
      })
      .finally(() => {
        running = undefined;
      });
  }

  async function tick(now = new Date()): Promise<void> {
    for (const s of scheduled.values()) {
      const next = new Date(now.getTime() + s.everyMs).toISOString();
      // The first node to see the schedule makes its row, due at once; afterwards only the node
      // whose UPDATE finds it due moves it on, so each run is enqueued exactly once.
      await db.execute(sql`insert into ${schedules} (name, next_run_at) values (${s.name}, ${now.toISOString()}) on conflict (name) do nothing`);
      const claimed = (await db.execute(sql`
        with due as (
          update ${schedules} set next_run_at = ${next}, last_run_at = ${now.toISOString()}
           where name = ${s.name} and next_run_at <= ${now.toISOString()}
          returning name
        )
        insert into ${jobs} (kind, payload, run_at)
        select ${s.job}, ${JSON.stringify({ schedule: s.name, at: now.toISOString() })}::jsonb, ${now.toISOString()} from due
        returning id`)) as unknown as { rows: unknown[] };
      if (claimed.rows.length > 0) kick();
    }
  }

  function tickInBackground(): void {
    if (stopped || ticking) return;
    ticking = tick()
      .catch((error: unknown) => {
        if (!stopped) logger.warn({ err: error }, 'scheduler tick failed');
      })
      .finally(() => {
        ticking = undefined;
      });
  }

  return {
    define(kind, definition) {
      if (definitions.has(kind)) throw new Error(`job kind ${kind} is defined twice`);
      definitions.set(kind, definition as JobDefinition<Record<string, unknown>>);
    },
    schedule(schedule) {
      if (scheduled.has(schedule.name)) throw new Error(`schedule ${schedule.name} is defined twice`);
      scheduled.set(schedule.name, schedule);
    },
    async enqueue(tx, ...rows) {
      if (rows.length === 0) return [];
      const written = await tx.insert(jobs).values(rows.map(rowValues)).onConflictDoNothing({ target: jobs.dedupeKey }).returning({ id: jobs.id });
      return written.map((r) => r.id);
    },
    async runNow(ids) {
      for (const row of await claim(ids)) await runOne(row);
      // A lane may have taken one first (it was looping over other due work), perhaps with its claim's
      // answer still on the way to this process: wait until none of these is running, here or elsewhere.
      for (let left = ids; left.length > 0; ) {
        await Promise.all(left.flatMap((id) => (inFlight.has(id) ? [inFlight.get(id)!] : [])));
        const rows = (await db.execute(sql`select id from ${jobs} where id in ${left} and status = 'running' and lease_until >= now()`)) as unknown as {
          rows: { id: string }[];
        };
        left = rows.rows.map((r) => r.id);
        if (left.length > 0 && left.every((id) => !inFlight.has(id))) await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    insertStatement(rows) {
      if (rows.length === 0) return undefined;
      const values = rows.map((r) => {
        const v = rowValues(r);
        return sql`(${v.kind}, ${JSON.stringify(v.payload)}::jsonb, ${v.runAt.toISOString()}::timestamptz, ${v.dedupeKey}, ${v.maxAttempts}::int)`;
      });
      return (onlyIf) => sql`
        insert into ${jobs} (kind, payload, run_at, dedupe_key, max_attempts)
        select v.kind, v.payload, v.run_at, v.dedupe_key, v.max_attempts
          from (values ${sql.join(values, sql`, `)}) as v(kind, payload, run_at, dedupe_key, max_attempts)
         where ${onlyIf}
        on conflict (dedupe_key) do nothing`;
    },
    kick,
    start() {
      if (pollTimer || options.worker === false) return;
      pollTimer = setInterval(kick, options.pollMs ?? 5_000);
      pollTimer.unref();
      tickTimer = setInterval(tickInBackground, options.tickMs ?? 15_000);
      tickTimer.unref();
      tickInBackground();
      kick();
    },
    async drain() {
      // A run in progress may have claimed its batch before the caller's commit: run once more after it.
      for (;;) {
        while (running) await running;
        const before = await claimCount();
        if (before === 0) return;
        run();
      }
    },
    tick,
    async stop() {
      stopped = true;
      clearInterval(pollTimer);
      clearInterval(tickTimer);
      await ticking;
      while (running) await running;
    },
  };

  async function claimCount(): Promise<number> {
    const kinds = [...definitions.keys()];
    if (kinds.length === 0) return 0;
    const result = (await db.execute(
      sql`select count(*)::int as n from ${jobs} where status = 'pending' and run_at <= now() and kind in ${kinds}`,
    )) as unknown as { rows: { n: number }[] };
    return Number(result.rows[0]?.n ?? 0);
  }
}
