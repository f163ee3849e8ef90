// A member's standing on the network as the moderators change it: suspended, banned, or back in
// good standing. Admin → Members changes the same status through the admin service.
import type { Db } from '../../core/db/database';
import type { Realtime } from '../../core/realtime/realtime';
import { deleteSessionsOfUser, updateUser } from './users.repository';

/** Suspends (until a date) or bans: the member's sessions end and every live socket is cut, on every node. */
export async function doExcludeMember(deps: { db: Db; realtime: Realtime }, userId: string, status: 'suspended' | 'banned', until: Date | null): Promise<void> {
  await updateUser(deps.db, userId, { status, suspendedUntil: until });
  await deleteSessionsOfUser(deps.db, userId);
  deps.realtime.endSession(`user:${userId}`, status);
}

/** Lifts a suspension or a ban: the member can sign in again. */
export async function doReinstateMember(deps: { db: Db }, userId: string): Promise<void> {
  await updateUser(deps.db, userId, { status: 'active', suspendedUntil: null });
}
