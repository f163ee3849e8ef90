import { sql } from 'drizzle-orm';
import { check, pgTable, smallint, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/** One row describing this Hearth network: created on first start, kept across restarts. */
export const site = pgTable(
  'site',
  {
    id: smallint('id').primaryKey().default(1),
    instanceId: uuid('instance_id').notNull().defaultRandom(),
    name: text('name'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (table) => [check('site_single_row', sql`${table.id} = 1`)],
);
