// Blocking a member hides their messages from me everywhere and stops them writing to me in a
// two-person conversation (docs/permissions.md, "Chat").
import { and, desc, eq } from 'drizzle-orm';
import type { Db } from '../../core/db/database';
import { blocks, users } from '../../core/db/schema';
import { AppError, problem } from '../../core/errors';
import { toPublicProfile } from '../accounts/accounts.dto';
import type { Actor } from '../accounts/actor';

export function createChatBlocks(deps: { db: Db }) {
  const { db } = deps;

  async function blockList(userId: string) {
    const rows = await db
      .select({ user: users, blockedAt: blocks.createdAt })
      .from(blocks)
      .innerJoin(users, eq(users.id, blocks.blockedId))
      .where(eq(blocks.blockerId, userId))
      .orderBy(desc(blocks.createdAt));
    return { items: rows.map((r) => ({ user: toPublicProfile(r.user), blockedAt: r.blockedAt.toISOString() })) };
  }

  return {
    accessBlocks: (actor: Actor) => blockList(actor.user.id),

    async doBlock(actor: Actor, handle: string) {
      const [user] = await db.select().from(users).where(eq(users.handle, handle));
      if (!user || user.status === 'deleted') throw AppError.notFound(problem('No member with the handle {{handles}}', { handles: `@${handle}` }));
      if (user.id === actor.user.id) throw new AppError('conflict', 'You cannot block yourself');
      const [row] = await db
        .insert(blocks)
        .values({ blockerId: actor.user.id, blockedId: user.id })
        .onConflictDoUpdate({ target: [blocks.blockerId, blocks.blockedId], set: { blockerId: actor.user.id } })
        .returning();
      return { user: toPublicProfile(user), blockedAt: row!.createdAt.toISOString() };
    },

    async doUnblock(actor: Actor, userId: string) {
      const removed = await db.delete(blocks).where(and(eq(blocks.blockerId, actor.user.id), eq(blocks.blockedId, userId))).returning();
      if (removed.length === 0) throw AppError.notFound('You have not blocked this member');
      return blockList(actor.user.id);
    },
  };
}
