import { count, desc, eq, sql } from 'drizzle-orm';
import type { GuidelinesVersion, SessionUser } from '../../../shared/api/accounts.routes';
import type { Db } from '../../core/db/database';
import { consents, guidelinesVersions, site, users } from '../../core/db/schema';
import { AppError, problem } from '../../core/errors';
import { renderMarkdown } from '../../core/markdown';
import type { Work } from '../../core/events/unit-of-work';
import type { Realtime } from '../../core/realtime/realtime';
import { checkAdmin, type Actor } from './actor';
import { defaultGuidelines } from './default-guidelines';

type VersionRow = typeof guidelinesVersions.$inferSelect & { publishedByHandle: string | null };

function toVersion(row: VersionRow): GuidelinesVersion {
  return {
    version: row.version,
    bodyMarkdown: row.bodyMarkdown,
    bodyHtml: renderMarkdown(row.bodyMarkdown),
    publishedAt: row.publishedAt.toISOString(),
    publishedBy: row.publishedByHandle,
  };
}

const versionColumns = {
  version: guidelinesVersions.version,
  bodyMarkdown: guidelinesVersions.bodyMarkdown,
  publishedBy: guidelinesVersions.publishedBy,
  publishedAt: guidelinesVersions.publishedAt,
  publishedByHandle: users.handle,
};

/** Version 1 exists on every network from its first start; inserting it again is a no-op on any node. */
export async function ensureDefaultGuidelines(db: Db): Promise<void> {
  await db.insert(guidelinesVersions).values({ version: 1, bodyMarkdown: defaultGuidelines }).onConflictDoNothing();
}

export function createGuidelinesService(deps: {
  db: Db;
  realtime: Realtime;
  /** How a member sees themselves (for `me:updated`), from the accounts service. */
  sessionUserOf: (user: typeof users.$inferSelect) => Promise<SessionUser>;
  work: Work;
}) {
  const { db, realtime, sessionUserOf, work } = deps;

  async function current(): Promise<VersionRow> {
    const [row] = await db
      .select(versionColumns)
      .from(guidelinesVersions)
      .leftJoin(users, eq(users.id, guidelinesVersions.publishedBy))
      .orderBy(desc(guidelinesVersions.version))
      .limit(1);
    if (!row) throw AppError.notFound('No guidelines have been published');
    return row;
  }

  return {
    async accessCurrent(): Promise<GuidelinesVersion> {
      return toVersion(await current());
    },

    /** Records the member's consent to the version they read, which must be the one in force. */
    async doAccept(actor: Actor, input: { version: number; confirmAge?: boolean }) {
      const latest = await current();
      if (input.version !== latest.version) {
        throw new AppError('conflict', problem('Version {{version}} of the guidelines is now in force; please read it', { version: latest.version }), {
          currentVersion: latest.version,
        });
      }
      const [settings] = await db.select({ minimumAge: site.minimumAge }).from(site);
      if (settings?.minimumAge && input.confirmAge !== true) {
        throw new AppError('validation_failed', problem('Please confirm that you are at least {{age}} years old', { age: settings.minimumAge }), {
          errors: [{ path: 'confirmAge', message: `must confirm you are at least ${settings.minimumAge}` }],
        });
      }
      const updated = await work.transaction(async ({ tx, emit }) => {
        // The first acceptance lets a member in: the welcome bot greets them (a durable follow-up).
        if (actor.user.acceptedGuidelinesVersion === null) emit('account.guidelines-first-accepted', { userId: actor.user.id });
        await tx.insert(consents).values({ userId: actor.user.id, version: latest.version, ageConfirmed: input.confirmAge === true });
        const [user] = await tx
          .update(users)
          .set({ acceptedGuidelinesVersion: latest.version, updatedAt: new Date() })
          .where(eq(users.id, actor.user.id))
          .returning();
        return user;
      });
      if (!updated) throw AppError.notFound();
      realtime.publish(`user:${updated.id}`, 'me:updated', await sessionUserOf(updated));
      return updated;
    },

    async accessMyConsents(actor: Actor) {
      const rows = await db
        .select()
        .from(consents)
        .where(eq(consents.userId, actor.user.id))
        .orderBy(desc(consents.acceptedAt));
      return {
        items: rows.map((row) => ({ version: row.version, acceptedAt: row.acceptedAt.toISOString(), ageConfirmed: row.ageConfirmed })),
      };
    },

    async accessVersions(actor: Actor) {
      checkAdmin(actor);
      const rows = await db
        .select({ ...versionColumns, acceptedBy: sql<number>`(${db.select({ n: count() }).from(consents).where(eq(consents.version, guidelinesVersions.version))})`.mapWith(Number) })
        .from(guidelinesVersions)
        .leftJoin(users, eq(users.id, guidelinesVersions.publishedBy))
        .orderBy(desc(guidelinesVersions.version));
      return { items: rows.map((row) => ({ ...toVersion(row), acceptedBy: row.acceptedBy })) };
    },

    /**
     * Publishes a new version; every connected member is told at once and must accept it. The
     * publishing admin wrote it, so their acceptance is recorded with it.
     */
    async doPublish(actor: Actor, bodyMarkdown: string): Promise<GuidelinesVersion> {
      checkAdmin(actor);
      const row = await work.transaction(async ({ tx, emit }) => {
        const [inserted] = await tx
          .insert(guidelinesVersions)
          .values({
            version: sql`(select coalesce(max(version), 0) + 1 from guidelines_versions)`,
            bodyMarkdown,
            publishedBy: actor.user.id,
          })
          .returning();
        if (!inserted) throw new Error('publish returned no row');
        emit('account.guidelines-published', { version: inserted.version, publishedBy: actor.user.id });
        await tx.insert(consents).values({ userId: actor.user.id, version: inserted.version, ageConfirmed: false });
        const [publisher] = await tx
          .update(users)
          .set({ acceptedGuidelinesVersion: inserted.version, updatedAt: new Date() })
          .where(eq(users.id, actor.user.id))
          .returning();
        return { ...inserted, publisher };
      });
      // The publisher's tabs learn first that they accepted it, so they never show the gate.
      if (row.publisher) realtime.publish(`user:${row.publisher.id}`, 'me:updated', await sessionUserOf(row.publisher));
      realtime.publish('members', 'guidelines:published', { version: row.version });
      return toVersion({ ...row, publishedByHandle: actor.user.handle });
    },
  };
}

export type GuidelinesService = ReturnType<typeof createGuidelinesService>;
