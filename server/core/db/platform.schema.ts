import { sql } from 'drizzle-orm';
import { check, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

// Tables of the platform every feature stands on (server/core): durable jobs and recurring schedules (decision 012).

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date', precision: 3 });

/**
 * Work that must happen after a change: written in the same transaction as the change, so a crash
 * between the commit and the work cannot lose it. Claimed with SKIP LOCKED under a lease; a job
 * whose node died is claimed again when its lease runs out. `dedupe_key` makes "at most once" work
 * (a greeting) idempotent however often it is asked for.
 */
export const jobs = pgTable(
  'jobs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    kind: text('kind').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull().default({}),
    status: text('status', { enum: ['pending', 'running', 'done', 'failed'] }).notNull().default('pending'),
    runAt: timestamptz('run_at').notNull().defaultNow(),
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull().default(5),
    leaseUntil: timestamptz('lease_until'),
    dedupeKey: text('dedupe_key'),
    lastError: text('last_error'),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    finishedAt: timestamptz('finished_at'),
  },
  (t) => [
    index('jobs_due_idx').on(t.runAt).where(sql`${t.status} = 'pending'`),
    index('jobs_lease_idx').on(t.leaseUntil).where(sql`${t.status} = 'running'`),
    uniqueIndex('jobs_dedupe_idx').on(t.dedupeKey),
    index('jobs_finished_idx').on(t.finishedAt),
  ],
);

/** Recurring work: one row per schedule; the node that moves `next_run_at` on is the one that runs it. */
export const schedules = pgTable('schedules', {
  name: text('name').primaryKey(),
  nextRunAt: timestamptz('next_run_at').notNull(),
  lastRunAt: timestamptz('last_run_at'),
});

export type JobRow = typeof jobs.$inferSelect;

/**
 * A member's own numbered log (one row per member that has one): `seq` counts the member's own
 * events (mentions, moderation notices, read markers) so a client that reconnects replays what it
 * missed, like a space's stream. No foreign key to users: core owns no feature's table; an erased
 * member's log is forgotten by the accounts module, and old entries are pruned like every log.
 */
export const memberLogs = pgTable('member_logs', {
  userId: uuid('user_id').primaryKey(),
  seq: integer('seq').notNull().default(0),
});

export const memberEvents = pgTable(
  'member_events',
  {
    userId: uuid('user_id').notNull(),
    seq: integer('seq').notNull(),
    event: text('event').notNull(),
    payload: jsonb('payload').notNull(),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.seq] }), index('member_events_created_idx').on(t.createdAt)],
);

/**
 * Every settings group of every feature (server/core/settings): one row per scope, scope id and
 * key, the value a JSON object of the fields someone set (defaults fill in the rest on read).
 * `scope_id` is '' for the site, else a space's or a member's id; no foreign key, since core owns
 * no feature's table (decision 013).
 */
export const settings = pgTable(
  'settings',
  {
    scope: text('scope', { enum: ['site', 'space', 'member'] }).notNull(),
    scopeId: text('scope_id').notNull().default(''),
    key: text('key').notNull(),
    value: jsonb('value').$type<Record<string, unknown>>().notNull().default({}),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.scope, t.scopeId, t.key] }),
    check('settings_scope_id', sql`(${t.scope} = 'site') = (${t.scopeId} = '')`),
  ],
);
