import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../core/db/database';
import { guidelinesVersions, identities, sessions, users } from '../../core/db/schema';
import { AppError, problem } from '../../core/errors';
import { updateUser, type UserRow } from './users.repository';

/** Who is calling: the signed-in member, their session, and the guidelines version in force. */
export interface Actor {
  user: UserRow;
  sessionId: string;
  currentGuidelinesVersion: number;
  /** Whether the account signs in through the identity provider (loaded with the member). */
  ssoLinked: boolean;
}

/**
 * Loads the caller's account as it is now (a role or status change takes effect on the next
 * request or command). An expired suspension is lifted on the way. With `session: 'live'` (the
 * live connection, whose session was read once at the handshake) the session row must still be
 * there, unexpired, and the member's: a signed-out session gives undefined, in the same query.
 */
export async function loadActor(db: Db, userId: string, sessionId: string, options?: { session: 'live' }): Promise<Actor | undefined> {
  const [found] = await actorQueryOf(db, options?.session === 'live').execute({ id: userId, sid: sessionId });
  if (!found) return undefined;
  return {
    user: await liftExpiredSuspension(db, found.user),
    sessionId,
    currentGuidelinesVersion: found.current,
    ssoLinked: found.ssoLinked,
  };
}

/**
 * The member with the guidelines version in force and whether an identity is linked, as a
 * prepared statement: every REST request and every socket command runs it, so Drizzle builds its
 * SQL once and PostgreSQL plans it once per connection. `live`: only while the session
 * (placeholder `sid`) is live — what every socket command runs.
 */
function prepareActorQuery(db: Db, live: boolean) {
  const isMember = eq(users.id, sql.placeholder('id'));
  return db
    .select({
      user: users,
      current: sql<number>`(select coalesce(max(${guidelinesVersions.version}), 0) from ${guidelinesVersions})`.mapWith(Number),
      ssoLinked: sql<boolean>`exists (select 1 from ${identities} where ${identities.userId} = ${users.id})`.mapWith(Boolean),
    })
    .from(users)
    .where(
      live
        ? and(
            isMember,
            sql`exists (select 1 from ${sessions} where ${sessions.sid} = ${sql.placeholder('sid')} and ${sessions.userId} = ${users.id} and ${sessions.expiresAt} > now())`,
          )
        : isMember,
    )
    .prepare(live ? 'hearth_load_live_actor' : 'hearth_load_actor');
}

const actorQueries = { plain: new WeakMap<Db, ReturnType<typeof prepareActorQuery>>(), live: new WeakMap<Db, ReturnType<typeof prepareActorQuery>>() };

function actorQueryOf(db: Db, live = false) {
  const cache = live ? actorQueries.live : actorQueries.plain;
  let query = cache.get(db);
  if (!query) cache.set(db, (query = prepareActorQuery(db, live)));
  return query;
}

/** A suspension with an end date is over once that date passes; the row is updated on first sight. */
export async function liftExpiredSuspension(db: Db, user: UserRow): Promise<UserRow> {
  if (user.status === 'suspended' && user.suspendedUntil && user.suspendedUntil.getTime() <= Date.now()) {
    return (await updateUser(db, user.id, { status: 'active', suspendedUntil: null })) ?? user;
  }
  return user;
}

/** Throws unless the account may act at all (active: not pending, suspended, rejected or deleted). */
export function checkActive(user: UserRow): void {
  switch (user.status) {
    case 'active':
      return;
    case 'pending':
      throw new AppError('account_pending');
    case 'suspended':
      throw new AppError(
        'account_suspended',
        user.suspendedUntil
          ? problem('Your account is suspended until {{until, datetime(dateStyle: long; timeStyle: short; timeZone: UTC)}} UTC', { until: user.suspendedUntil })
          : undefined,
      );
    case 'banned':
      throw new AppError('account_banned');
    default:
      throw new AppError('unauthorized', 'This account can no longer sign in');
  }
}

export function mustAcceptGuidelines(actor: Actor): boolean {
  return actor.currentGuidelinesVersion > 0 && (actor.user.acceptedGuidelinesVersion ?? 0) < actor.currentGuidelinesVersion;
}

/** Every community action starts here: members who have not accepted the current guidelines get guidelines_required. */
export function checkGuidelines(actor: Actor): void {
  if (mustAcceptGuidelines(actor)) {
    throw new AppError('guidelines_required', 'Please read and accept the current community guidelines first', {
      version: actor.currentGuidelinesVersion,
    });
  }
}

export function checkAdmin(actor: Actor): void {
  if (actor.user.role !== 'admin') throw new AppError('forbidden', 'Only admins can do this');
}
