// Reactions to posts, comments and chat messages share one table (spaces.schema.ts) and one reader.
import { asc, inArray } from 'drizzle-orm';
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
