import { and, desc, eq, ilike, ne, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../core/db/database';
import { olderThan, type Cursor } from '../../core/db/keyset';
import { avatars, identities, sessions, users } from '../../core/db/schema';

export type UserRow = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;

// Any constant: it serialises account creation, so only one "first account" can become admin.
const CREATE_USER_LOCK = 7_316_002;

export async function findUserById(db: Db, id: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(eq(users.id, id));
  return row;
}

export async function findLocalUserByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  const [row] = await db
    .select()
    .from(users)
    .where(and(eq(users.email, email), sql`${users.passwordHash} is not null`));
  return row;
}

export async function findUserByHandle(db: Db, handle: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(eq(users.handle, handle.toLowerCase()));
  return row;
}

export async function isHandleTaken(db: Db, handle: string, exceptUserId?: string): Promise<boolean> {
  const conditions: SQL[] = [eq(users.handle, handle)];
  if (exceptUserId) conditions.push(ne(users.id, exceptUserId));
  const [row] = await db.select({ id: users.id }).from(users).where(and(...conditions)).limit(1);
  return Boolean(row);
}

/**
 * Creates an account. The first human account of a network becomes its admin; creation is
 * serialised with an advisory lock so two simultaneous first sign-ups cannot both become admin.
 * `extra` runs in the same transaction (an invitation use, an identity link).
 */
export async function createUser(
  db: Db,
  values: NewUser,
  options: { promoteIfFirst: boolean; extra?: (tx: Db, user: UserRow) => Promise<void> },
): Promise<UserRow> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${CREATE_USER_LOCK})`);
    let role = values.role ?? 'member';
    if (options.promoteIfFirst) {
      const [existing] = await tx.select({ id: users.id }).from(users).where(eq(users.isBot, false)).limit(1);
      if (!existing) role = 'admin';
    }
    const [user] = await tx
      .insert(users)
      .values({ ...values, role })
      .returning();
    if (!user) throw new Error('insert returned no user');
    await options.extra?.(tx as unknown as Db, user);
    return user;
  });
}

export async function updateUser(db: Db, id: string, patch: Partial<NewUser>): Promise<UserRow | undefined> {
  const [row] = await db
    .update(users)
    .set({ ...patch, updatedAt: new Date() })
    .where(eq(users.id, id))
    .returning();
  return row;
}

export async function findIdentity(db: Db, issuer: string, subject: string) {
  const [row] = await db
    .select()
    .from(identities)
    .where(and(eq(identities.issuer, issuer), eq(identities.subject, subject)));
  return row;
}

export async function insertIdentity(db: Db, values: typeof identities.$inferInsert): Promise<void> {
  await db.insert(identities).values(values);
}

export async function recordIdentityLogin(db: Db, issuer: string, subject: string, claims: unknown): Promise<void> {
  await db
    .update(identities)
    .set({ claims, lastLoginAt: new Date() })
    .where(and(eq(identities.issuer, issuer), eq(identities.subject, subject)));
}

export async function hasIdentity(db: Db, userId: string): Promise<boolean> {
  const [row] = await db.select({ s: identities.subject }).from(identities).where(eq(identities.userId, userId)).limit(1);
  return Boolean(row);
}

/** Ends a member's sessions (all, or all but one); returns the ended session ids. */
export async function deleteSessionsOfUser(db: Db, userId: string, exceptSid?: string): Promise<string[]> {
  const conditions: SQL[] = [eq(sessions.userId, userId)];
  if (exceptSid) conditions.push(ne(sessions.sid, exceptSid));
  const rows = await db
    .delete(sessions)
    .where(and(...conditions))
    .returning({ sid: sessions.sid });
  return rows.map((row) => row.sid);
}

export async function putAvatar(db: Db, userId: string, contentType: string, data: Buffer): Promise<UserRow> {
  return db.transaction(async (tx) => {
    await tx
      .insert(avatars)
      .values({ userId, contentType, data })
      .onConflictDoUpdate({ target: avatars.userId, set: { contentType, data, updatedAt: new Date() } });
    const [user] = await tx
      .update(users)
      .set({ avatarVersion: sql`${users.avatarVersion} + 1`, updatedAt: new Date() })
      .where(eq(users.id, userId))
      .returning();
    if (!user) throw new Error('avatar owner vanished');
    return user;
  });
}

export async function removeAvatar(db: Db, userId: string): Promise<UserRow | undefined> {
  return db.transaction(async (tx) => {
    await tx.delete(avatars).where(eq(avatars.userId, userId));
    const [user] = await tx
      .update(users)
      .set({ avatarVersion: 0, updatedAt: new Date() })
      .where(eq(users.id, userId))
      .returning();
    return user;
  });
}

export async function getAvatar(db: Db, userId: string) {
  const [row] = await db.select().from(avatars).where(eq(avatars.userId, userId));
  return row;
}

export interface UserPageQuery {
  status?: UserRow['status'];
  q?: string;
  /** Keyset cursor: the (createdAt, id) of the last row of the previous page. */
  after?: Cursor;
  limit: number;
}

/** Newest first; keyset pagination on (created_at, id) so pages stay stable as members join. */
export async function listUsers(db: Db, query: UserPageQuery): Promise<UserRow[]> {
  const conditions: SQL[] = [eq(users.isBot, false)];
  if (query.status) conditions.push(eq(users.status, query.status));
  if (query.q) {
    const like = `%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    conditions.push(or(ilike(users.handle, like), ilike(users.displayName, like), ilike(users.email, like))!);
  }
  if (query.after) conditions.push(olderThan(users.createdAt, users.id, query.after));
  return db
    .select()
    .from(users)
    .where(and(...conditions))
    .orderBy(desc(users.createdAt), desc(users.id))
    .limit(query.limit);
}

/**
 * Erases a member's personal data in one transaction: profile fields, password, avatar, linked
 * identities and sessions. The row stays (status deleted) so that references keep pointing at
 * "a deleted member"; returns the ended session ids.
 */
export async function eraseUser(db: Db, userId: string): Promise<string[]> {
  return db.transaction(async (tx) => {
    await tx.delete(avatars).where(eq(avatars.userId, userId));
    await tx.delete(identities).where(eq(identities.userId, userId));
    const ended = await tx.delete(sessions).where(eq(sessions.userId, userId)).returning({ sid: sessions.sid });
    await tx
      .update(users)
      .set({
        email: null,
        passwordHash: null,
        handle: `deleted_${userId.replace(/-/g, '').slice(0, 16)}`,
        displayName: 'Deleted member',
        bio: '',
        location: '',
        interests: [],
        externalAvatarUrl: null,
        avatarVersion: 0,
        status: 'deleted',
        role: 'member',
        updatedAt: new Date(),
      })
      .where(eq(users.id, userId));
    return ended.map((row) => row.sid);
  });
}
