import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, serial, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from '../accounts/accounts.schema';
import { spaces } from '../spaces/spaces.schema';

const timestampMs = (name: string) => timestamp(name, { withTimezone: true, mode: 'date', precision: 3 });

/** One case per reported thing while it is open: every report of it adds to the same case. */
/**
 * A case's last action: what `reverse` undoes (`role` of a removal, `until` of a mute or
 * suspension), and for the undo right after it who acted, when, and the case as it was before.
 */
export interface LastAction {
  action: string;
  role?: string;
  until?: string | null;
  confirmedAutoHide?: boolean;
  by?: string;
  at?: string;
  before?: { status: 'open' | 'closed'; outcome: string | null; closedAt: string | null; lastAction: LastAction | null };
}

export const moderationCases = pgTable(
  'moderation_cases',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    targetKind: text('target_kind', { enum: ['post', 'comment', 'message', 'member'] }).notNull(),
    targetId: uuid('target_id').notNull(),
    spaceId: uuid('space_id').references(() => spaces.id, { onDelete: 'set null' }),
    subjectId: uuid('subject_id').references(() => users.id, { onDelete: 'set null' }),
    status: text('status', { enum: ['open', 'closed'] }).notNull().default('open'),
    assigneeId: uuid('assignee_id').references(() => users.id, { onDelete: 'set null' }),
    reasons: text('reasons').array().notNull().default(sql`'{}'::text[]`),
    reportCount: integer('report_count').notNull().default(0),
    /** About a host of the space: site moderators only. */
    siteOnly: boolean('site_only').notNull().default(false),
    snapshot: jsonb('snapshot').$type<{ excerpt: string; link: string | null }>().notNull(),
    outcome: text('outcome'),
    /** What the last action changed, so `reverse` can undo it: e.g. { action: 'remove', role: 'member' }. */
    lastAction: jsonb('last_action').$type<LastAction>(),
    escalatedAt: timestampMs('escalated_at'),
    appealText: text('appeal_text'),
    appealedAt: timestampMs('appealed_at'),
    openedAt: timestampMs('opened_at').notNull().defaultNow(),
    updatedAt: timestampMs('updated_at').notNull().defaultNow(),
    closedAt: timestampMs('closed_at'),
  },
  (t) => [
    uniqueIndex('moderation_cases_open_target_idx').on(t.targetKind, t.targetId).where(sql`${t.status} = 'open'`),
    index('moderation_cases_space_idx').on(t.spaceId, t.status),
    index('moderation_cases_status_idx').on(t.status, t.updatedAt),
  ],
);

export const reports = pgTable(
  'reports',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    caseId: uuid('case_id')
      .notNull()
      .references(() => moderationCases.id, { onDelete: 'cascade' }),
    /** Null: opened automatically by the word list. */
    reporterId: uuid('reporter_id').references(() => users.id, { onDelete: 'cascade' }),
    reason: text('reason').notNull(),
    note: text('note').notNull().default(''),
    createdAt: timestampMs('created_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('reports_case_reporter_idx').on(t.caseId, t.reporterId)],
);

/** Every moderator action: who, what, why, when. Append-only: a trigger refuses UPDATE and DELETE. */
export const moderationLog = pgTable(
  'moderation_log',
  {
    id: serial('id').primaryKey(),
    at: timestampMs('at').notNull().defaultNow(),
    actorId: uuid('actor_id'),
    action: text('action').notNull(),
    caseId: uuid('case_id'),
    targetKind: text('target_kind'),
    targetId: uuid('target_id'),
    subjectId: uuid('subject_id'),
    spaceId: uuid('space_id'),
    reason: text('reason').notNull().default(''),
    details: jsonb('details').notNull().default({}),
  },
  (t) => [index('moderation_log_at_idx').on(t.at)],
);

/** What the moderators tell a member: the outcome of their report, an action on them, the answer to an appeal. */
export const moderationNotices = pgTable(
  'moderation_notices',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: ['report_outcome', 'action', 'appeal_outcome'] }).notNull(),
    caseId: uuid('case_id')
      .notNull()
      .references(() => moderationCases.id, { onDelete: 'cascade' }),
    text: text('text').notNull(),
    createdAt: timestampMs('created_at').notNull().defaultNow(),
    readAt: timestampMs('read_at'),
  },
  (t) => [index('moderation_notices_user_idx').on(t.userId, t.createdAt)],
);
