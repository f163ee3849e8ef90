// Reactions to posts, comments and chat messages share one table (spaces.schema.ts) and one reader.
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../core/db/database';
import { reactions } from '../../core/db/schema';

export type Reactions = Record<string, { count: number; userIds: string[] }>;

/** Reactions of many posts, comments or messages in one query. */
export async function reactionsOf(db: Db, targetIds: string[]): Promise<Map<string, Reactions>> {
  const result = new Map<string, Reactions>();
  if (targetIds.length === 0) return result;
  const rows = await db
    .select({ targetId: reactions.targetId, emoji: reactions.emoji, userId: reactions.userId })
    .from(reactions)
    .where(inArray(reactions.targetId, targetIds))
    .orderBy(asc(reactions.createdAt));
  for (const row of rows) {
    const byEmoji = result.get(row.targetId) ?? {};
    const entry = (byEmoji[row.emoji] ??= { count: 0, userIds: [] });
    entry.count += 1;
    entry.userIds.push(row.userId);
    result.set(row.targetId, byEmoji);
  }
  return result;
}

/**
 * Adds the member's reaction, or takes it away when it is there; race-safe. Toggles at once used
 * to both find nothing and both insert (a duplicate key, answered `internal`); an insert that
 * skips conflicts is not enough under heavy contention either (a row can come and go between the
 * insert and the delete). So the toggles of one (target, member, emoji) take turns on a
 * transaction-scoped advisory lock, and each sees the one before it committed: each toggle flips
 * the reaction exactly once, in commit order. Runs inside the caller's transaction.
 */
export async function toggleReaction(tx: Db, targetId: string, userId: string, emoji: string): Promise<'added' | 'removed'> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`reaction:${targetId}:${userId}:${emoji}`}, 0))`);
  const removed = await tx
    .delete(reactions)
    .where(and(eq(reactions.targetId, targetId), eq(reactions.userId, userId), eq(reactions.emoji, emoji)))
    .returning({ emoji: reactions.emoji });
  if (removed.length > 0) return 'removed';
  await tx.insert(reactions).values({ targetId, userId, emoji }).onConflictDoNothing();
  return 'added';
}
