import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from '../accounts/accounts.schema';

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date', precision: 3 });

/**
 * Emails to send, sent and failed: a request only adds a row; a worker on every node sends what is
 * due (rows claimed with SKIP LOCKED), retries failures with back-off, and admins see them all.
 */
export const emails = pgTable(
  'emails',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    kind: text('kind').notNull(),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'set null' }),
    toAddress: text('to_address').notNull(),
    subject: text('subject').notNull(),
    textBody: text('text_body').notNull(),
    /** The HTML alternative (notification mail), escaped when it was built; null: plain text only. */
    htmlBody: text('html_body'),
    /** Extra headers sent with it, e.g. List-Unsubscribe and List-Unsubscribe-Post (RFC 8058). */
    headers: jsonb('headers').$type<Record<string, string>>().notNull().default({}),
    /** Attachments as references, made when the mail is sent (outbox.ts#registerAttachment): no bytes stored. */
    attachments: jsonb('attachments').$type<{ kind: string; ref: Record<string, unknown> }[]>().notNull().default([]),
    status: text('status', { enum: ['pending', 'sent', 'failed'] }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    nextAttemptAt: timestamptz('next_attempt_at').defaultNow(),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    sentAt: timestamptz('sent_at'),
  },
  (t) => [index('emails_due_idx').on(t.nextAttemptAt).where(sql`${t.status} = 'pending'`), index('emails_created_idx').on(t.createdAt)],
);
