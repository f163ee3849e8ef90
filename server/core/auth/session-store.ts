import { and, eq, lt, sql } from 'drizzle-orm';
import session from 'express-session';
import type { Db } from '../db/database';
import { sessions } from '../db/schema';

declare module 'express-session' {
  interface SessionData {
    userId?: string;
    csrfToken?: string;
    /** The provider's ID token, kept for RP-initiated logout (`id_token_hint`). */
    idToken?: string;
    /** An invitation token carried through the single sign-on round trip. */
    inviteToken?: string;
  }
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * express-session's store in Hearth's own database (PGlite or PostgreSQL), so sessions survive a
 * restart and every node sees the same ones. The `user_id` column lets the server end all of a
 * member's sessions at once (suspension, password change).
 */
export class DatabaseSessionStore extends session.Store {
  /** When this node last extended each session; bounded, so it cannot grow without limit. */
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly db: Db,
    private readonly defaultMaxAgeMs: number,
  ) {
    super();
  }

  private expiryOf(data: session.SessionData): Date {
    const expires = data.cookie?.expires;
    return expires ? new Date(expires) : new Date(Date.now() + this.defaultMaxAgeMs);
  }

  override get(sid: string, callback: (err: unknown, session?: session.SessionData | null) => void): void {
    this.db
      .select({ data: sessions.data })
      .from(sessions)
      .where(and(eq(sessions.sid, sid), sql`${sessions.expiresAt} > now()`))
      .then(
        (rows) => callback(null, (rows[0]?.data as session.SessionData | undefined) ?? null),
        (error: unknown) => callback(error),
      );
  }

  override set(sid: string, data: session.SessionData, callback?: (err?: unknown) => void): void {
    const row = { sid, userId: data.userId ?? null, data, expiresAt: this.expiryOf(data) };
    this.db
      .insert(sessions)
      .values(row)
      .onConflictDoUpdate({ target: sessions.sid, set: { userId: row.userId, data: row.data, expiresAt: row.expiresAt } })
      .then(
        () => callback?.(),
        (error: unknown) => callback?.(error),
      );
  }

  override destroy(sid: string, callback?: (err?: unknown) => void): void {
    this.touched.delete(sid);
    this.db
      .delete(sessions)
      .where(eq(sessions.sid, sid))
      .then(
        () => callback?.(),
        (error: unknown) => callback?.(error),
      );
  }

  /**
   * Extends the expiry at most once a day per session, so reads do not become writes; and this
   * node skips even the conditional UPDATE for a session it extended within the last hour.
   */
  override touch(sid: string, data: session.SessionData, callback?: (err?: unknown) => void): void {
    const now = Date.now();
    const last = this.touched.get(sid);
    if (last !== undefined && now - last < 60 * 60 * 1000) {
      callback?.();
      return;
    }
    if (this.touched.size >= 50_000) this.touched.clear();
    this.touched.set(sid, now);
    const expiresAt = this.expiryOf(data);
    this.db
      .update(sessions)
      .set({ expiresAt })
      .where(and(eq(sessions.sid, sid), lt(sessions.expiresAt, new Date(expiresAt.getTime() - DAY_MS))))
      .then(
        () => callback?.(),
        (error: unknown) => callback?.(error),
      );
  }

  async deleteExpired(): Promise<void> {
    await this.db.delete(sessions).where(sql`${sessions.expiresAt} <= now()`);
  }
}
