// Whom a message may mention: only members who may read its conversation, so a mention never
// leaks a private space or a direct conversation (docs/permissions.md, "Chat").
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../core/db/database';
import { spaceMembers, users } from '../../core/db/schema';
import type { ChatAccess } from './chat.access';

/** Members mentioned who may read the conversation (a mention must not leak a private space or a DM). */
export async function readableMentions(db: Db, access: ChatAccess, handles: string[]) {
  if (handles.length === 0) return [];
  const found = await db
    .select({ id: users.id, handle: users.handle, role: users.role, membership: spaceMembers.status })
    .from(users)
    .leftJoin(
      spaceMembers,
      and(eq(spaceMembers.userId, users.id), eq(spaceMembers.spaceId, access.space?.space.id ?? sql`null::uuid`)),
    )
    .where(and(inArray(users.handle, handles), eq(users.status, 'active')));
  if (!access.space) return found.filter((u) => access.participantIds.includes(u.id));
  const visibility = access.space.space.visibility;
  return found.filter((u) => visibility === 'public' || u.membership === 'active' || u.role === 'admin');
}
