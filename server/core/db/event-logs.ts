// The event logs (space_events, conversation_events) exist so a client that reconnects can replay
// what it missed. Nobody replays weeks-old events (a client that far behind reloads instead), so
// old entries are pruned; resume answers `reset` when the events it would need are gone.
import { sql } from 'drizzle-orm';
import type { Db } from './database';
import { conversationEvents, spaceEvents } from './schema';

export async function pruneEventLogs(db: Db, olderThan: Date): Promise<{ spaceEvents: number; conversationEvents: number }> {
  const count = async (table: typeof spaceEvents | typeof conversationEvents) => {
    const result = (await db.execute(
      sql`with gone as (delete from ${table} where ${table.createdAt} < ${olderThan.toISOString()} returning 1) select count(*)::int as n from gone`,
    )) as unknown as { rows: { n: number }[] };
    return Number(result.rows[0]?.n ?? 0);
  };
  return { spaceEvents: await count(spaceEvents), conversationEvents: await count(conversationEvents) };
}
