// Who may do what in a space: docs/permissions.md (the matrix these functions implement).
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../core/db/database';
import { spaceMembers, spaces } from '../../core/db/schema';
import { AppError, problem } from '../../core/errors';
import type { Actor } from '../accounts/actor';

export type SpaceRow = typeof spaces.$inferSelect;
export type MembershipRow = typeof spaceMembers.$inferSelect;

export interface SpaceAccess {
  space: SpaceRow;
  membership: MembershipRow | undefined;
  actor: Actor;
}

const isSiteAdmin = (actor: Actor) => actor.user.role === 'admin';
const isSiteModerator = (actor: Actor) => actor.user.role === 'admin' || actor.user.role === 'moderator';
const isActiveMember = (access: SpaceAccess) => access.membership?.status === 'active';

/** Public spaces are readable by every member of the network; private and secret ones by their members (and site admins). */
export function canRead(access: SpaceAccess): boolean {
  return access.space.visibility === 'public' || isActiveMember(access) || isSiteAdmin(access.actor);
}

/** Whether the space exists for this member at all: secret spaces do not, to outsiders. */
export function canSee(access: SpaceAccess): boolean {
  return access.space.visibility !== 'secret' || Boolean(access.membership) || isSiteAdmin(access.actor);
}

export function canPost(access: SpaceAccess): boolean {
  return access.space.archivedAt === null && (isActiveMember(access) || isSiteAdmin(access.actor));
}

/** Hosts and moderators of the space, and site moderators and admins: delete, pin, read edit history. */
export function canModerate(access: SpaceAccess): boolean {
  const role = isActiveMember(access) ? access.membership!.role : undefined;
  return role === 'host' || role === 'moderator' || isSiteModerator(access.actor);
}

/** Hosts and site admins: settings, members, roles, invitations. */
export function canManage(access: SpaceAccess): boolean {
  return (isActiveMember(access) && access.membership!.role === 'host') || isSiteAdmin(access.actor);
}

export async function loadAccess(db: Db, actor: Actor, where: { id: string } | { slug: string }): Promise<SpaceAccess | undefined> {
  const [row] =
    'id' in where
      ? await accessByIdOf(db).execute({ spaceId: where.id, userId: actor.user.id })
      : await db
          .select({ space: spaces, membership: spaceMembers })
          .from(spaces)
          .leftJoin(spaceMembers, and(eq(spaceMembers.spaceId, spaces.id), eq(spaceMembers.userId, actor.user.id)))
          .where(eq(spaces.slug, where.slug));
  if (!row) return undefined;
  return { space: row.space, membership: row.membership ?? undefined, actor };
}

/** By id, the hot path of every stream read and write: a prepared statement (SQL built once, planned once per connection). */
function prepareAccessById(db: Db) {
  return db
    .select({ space: spaces, membership: spaceMembers })
    .from(spaces)
    .leftJoin(spaceMembers, and(eq(spaceMembers.spaceId, spaces.id), eq(spaceMembers.userId, sql.placeholder('userId'))))
    .where(eq(spaces.id, sql.placeholder('spaceId')))
    .prepare('hearth_space_access');
}

const accessQueries = new WeakMap<Db, ReturnType<typeof prepareAccessById>>();

function accessByIdOf(db: Db) {
  let query = accessQueries.get(db);
  if (!query) accessQueries.set(db, (query = prepareAccessById(db)));
  return query;
}

/** The space if the member may know it exists, else 404 (a secret space looks exactly like a missing one). */
export async function accessVisibleSpace(db: Db, actor: Actor, where: { id: string } | { slug: string }): Promise<SpaceAccess> {
  const access = await loadAccess(db, actor, where);
  if (!access || !canSee(access)) throw AppError.notFound('No such space');
  return access;
}

/** The space if the member may read it, else 404: a private space's content does not exist for outsiders. */
export async function accessReadableSpace(db: Db, actor: Actor, spaceId: string): Promise<SpaceAccess> {
  const access = await loadAccess(db, actor, { id: spaceId });
  if (!access || !canRead(access)) throw AppError.notFound('No such space');
  return access;
}

/** The sentence a muted member is answered with (the date in the reader's language and UTC). */
export const MUTED_UNTIL = 'The moderators muted you in this space until {{until, datetime(dateStyle: long; timeStyle: short; timeZone: UTC)}} UTC';

export function checkCanPost(access: SpaceAccess): void {
  if (access.space.archivedAt) throw new AppError('forbidden', 'This space is archived and read-only');
  if (!canPost(access)) throw new AppError('forbidden', 'Join this space to post in it');
  const mutedUntil = access.membership?.mutedUntil;
  if (mutedUntil && mutedUntil.getTime() > Date.now()) {
    throw new AppError('muted', problem(MUTED_UNTIL, { until: mutedUntil }), { until: mutedUntil.toISOString() });
  }
}

export function checkCanManage(access: SpaceAccess): void {
  if (!canManage(access)) throw new AppError('forbidden', 'Only the space’s hosts can do this');
}
