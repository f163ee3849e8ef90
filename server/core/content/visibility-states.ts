// The one query behind every kind's `statesOf` (content-registry.ts): content tables share the
// `hidden_at` and `deleted_at` columns of a moderated, soft-deleted item.
import { inArray } from 'drizzle-orm';
import type { AnyPgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Db } from '../db/database';
import type { ContentState } from './content-registry';

/** A content table: a uuid id and the two timestamps that make an item a placeholder. */
export type ModeratedTable = PgTable & { id: AnyPgColumn; hiddenAt: AnyPgColumn; deletedAt: AnyPgColumn };

/**
 * Whether each item is hidden or deleted now, in one query; ids not found are absent.
 * @example (await visibilityStatesOf(db, posts, [postId])).get(postId) // { hidden: false, deleted: true }
 */
export async function visibilityStatesOf(db: Db, table: ModeratedTable, ids: string[]): Promise<Map<string, ContentState>> {
  const states = new Map<string, ContentState>();
  if (ids.length === 0) return states;
  const found = await db.select({ id: table.id, hiddenAt: table.hiddenAt, deletedAt: table.deletedAt }).from(table).where(inArray(table.id, ids));
  for (const row of found) states.set(String(row.id), { hidden: row.hiddenAt !== null, deleted: row.deletedAt !== null });
  return states;
}
