import { sql } from 'drizzle-orm';
import { boolean, check, integer, pgTable, smallint, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/** One row describing this Hearth network: created on first start, kept across restarts. */
export const site = pgTable(
  'site',
  {
    id: smallint('id').primaryKey().default(1),
    instanceId: uuid('instance_id').notNull().defaultRandom(),
    name: text('name'),
    registrationPolicy: text('registration_policy', { enum: ['open', 'invite', 'approval'] })
      .notNull()
      .default('open'),
    localAccounts: boolean('local_accounts').notNull().default(true),
    /** Members confirm they are at least this old when accepting the guidelines; null: not asked. */
    minimumAge: integer('minimum_age'),
    /** The most people in one direct conversation (the member and the others). */
    maxGroupSize: integer('max_group_size').notNull().default(8),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (table) => [check('site_single_row', sql`${table.id} = 1`)],
);
