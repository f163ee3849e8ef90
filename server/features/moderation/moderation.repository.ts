// Moderation's Drizzle queries: cases, reports, notices and the log, and the few reads of
// members and spaces that decide who hears of a case. Tables come from the schema aggregator.
import { and, asc, desc, eq, inArray, isNull, lt, sql, type SQL } from 'drizzle-orm';
import type { z } from 'zod';
import type { caseActionSchema, ModerationCase } from '../../../shared/api/moderation.routes';
import type { Db } from '../../core/db/database';
import { moderationCases, moderationLog, moderationNotices, reports, spaceMembers, spaces, users } from '../../core/db/schema';

export type CaseRow = typeof moderationCases.$inferSelect;
export type NoticeRow = typeof moderationNotices.$inferSelect;
export type LogRow = typeof moderationLog.$inferSelect;
export type Reason = ModerationCase['reasons'][number];
export type Action = z.output<typeof caseActionSchema>;
export type TargetKind = CaseRow['targetKind'];
export type UserRow = typeof users.$inferSelect;

/** Something reported, as the moderators see it: where it is, whom it is about, and a snapshot. */
export interface Target {
  spaceId: string | null;
  subjectId: string | null;
  snapshot: { excerpt: string; link: string | null };
}

export const isUniqueViolation = (error: unknown) => /moderation_cases_open_target_idx|reports_case_reporter_idx/.test(String((error as { cause?: unknown }).cause ?? error));

// ── members and spaces ───────────────────────────────────────────────────────────────────────

/** A member's role in a space while they are an active member of it. */
export async function roleIn(db: Db, spaceId: string, userId: string) {
  const [row] = await db
    .select({ role: spaceMembers.role })
    .from(spaceMembers)
    .where(and(eq(spaceMembers.spaceId, spaceId), eq(spaceMembers.userId, userId), eq(spaceMembers.status, 'active')));
  return row?.role;
}

/** The active site moderators and admins. */
export async function activeStaff(db: Db): Promise<{ id: string; email: string | null; name: string }[]> {
  return db
    .select({ id: users.id, email: users.email, name: users.displayName })
    .from(users)
    .where(and(inArray(users.role, ['admin', 'moderator']), eq(users.status, 'active')));
}

/** The active hosts and moderators of a space. */
export async function spaceModeratorIds(db: Db, spaceId: string): Promise<string[]> {
  const rows = await db
    .select({ id: spaceMembers.userId })
    .from(spaceMembers)
    .where(and(eq(spaceMembers.spaceId, spaceId), eq(spaceMembers.status, 'active'), inArray(spaceMembers.role, ['host', 'moderator'])));
  return rows.map((r) => r.id);
}

export async function moderatesAnySpace(db: Db, userId: string): Promise<boolean> {
  const [row] = await db
    .select({ spaceId: spaceMembers.spaceId })
    .from(spaceMembers)
    .where(and(eq(spaceMembers.userId, userId), eq(spaceMembers.status, 'active'), inArray(spaceMembers.role, ['host', 'moderator'])))
    .limit(1);
  return Boolean(row);
}

/** The cases the actor's spaces hold: spaces where they are an active host or moderator. */
export const casesOfModeratedSpaces = (userId: string) =>
  sql`${moderationCases.spaceId} in (select ${spaceMembers.spaceId} from ${spaceMembers} where ${spaceMembers.userId} = ${userId} and ${spaceMembers.status} = 'active' and ${spaceMembers.role} in ('host', 'moderator'))`;

export async function usersByIds(db: Db, ids: string[]): Promise<UserRow[]> {
  return ids.length ? db.select().from(users).where(inArray(users.id, ids)) : [];
}

export async function userById(db: Db, id: string): Promise<UserRow | undefined> {
  const [user] = await db.select().from(users).where(eq(users.id, id));
  return user;
}

export async function spaceNameOf(db: Db, spaceId: string | null): Promise<string | undefined> {
  const [space] = spaceId ? await db.select({ name: spaces.name }).from(spaces).where(eq(spaces.id, spaceId)) : [];
  return space?.name;
}

// ── cases and reports ────────────────────────────────────────────────────────────────────────

export async function findCase(db: Db, caseId: string): Promise<CaseRow | undefined> {
  const [row] = await db.select().from(moderationCases).where(eq(moderationCases.id, caseId));
  return row;
}

export async function updateCase(db: Db, caseId: string, set: Partial<CaseRow>): Promise<CaseRow | undefined> {
  const [row] = await db.update(moderationCases).set(set).where(eq(moderationCases.id, caseId)).returning();
  return row;
}

/**
 * Adds a report to the open case about the target, opening it if needed, in one transaction.
 * Two first reports at once: one insert loses on the partial unique index (the caller retries).
 */
export async function insertReport(
  db: Db,
  kind: TargetKind,
  targetId: string,
  target: Target & { siteOnly: boolean },
  report: { reporterId: string | null; reason: Reason; note: string },
): Promise<{ row: CaseRow; opened: boolean }> {
  const { reporterId, reason, note } = report;
  return db.transaction(async (txRaw) => {
    const tx = txRaw as unknown as Db;
    let [existing] = await tx
      .select()
      .from(moderationCases)
      .where(and(eq(moderationCases.targetKind, kind), eq(moderationCases.targetId, targetId), eq(moderationCases.status, 'open')))
      .for('update');
    const isNew = !existing;
    if (!existing) {
      [existing] = await tx
        .insert(moderationCases)
        .values({ targetKind: kind, targetId, spaceId: target.spaceId, subjectId: target.subjectId, siteOnly: target.siteOnly, snapshot: target.snapshot })
        .returning();
    }
    if (reporterId) {
      await tx
        .insert(reports)
        .values({ caseId: existing!.id, reporterId, reason, note })
        .onConflictDoUpdate({ target: [reports.caseId, reports.reporterId], set: { reason, note, createdAt: new Date() } });
    } else {
      await tx.insert(reports).values({ caseId: existing!.id, reporterId: null, reason, note });
    }
    const [updated] = await tx
      .update(moderationCases)
      .set({
        reportCount: sql`(select count(*) from ${reports} where ${reports.caseId} = ${existing!.id})`,
        reasons: sql`(select array_agg(distinct ${reports.reason} order by ${reports.reason}) from ${reports} where ${reports.caseId} = ${existing!.id})`,
        updatedAt: new Date(),
      })
      .where(eq(moderationCases.id, existing!.id))
      .returning();
    return { row: updated!, opened: isNew };
  });
}

export async function reportsOfCases(db: Db, caseIds: string[]) {
  return db.select().from(reports).where(inArray(reports.caseId, caseIds)).orderBy(reports.createdAt);
}

/** Who reported a case (not the word list). */
export async function reporterIdsOf(db: Db, caseId: string): Promise<string[]> {
  const rows = await db.select({ id: reports.reporterId }).from(reports).where(and(eq(reports.caseId, caseId), sql`${reports.reporterId} is not null`));
  return rows.map((r) => r.id!);
}

/** A page of the queue, newest change first, and how many open cases the same condition holds. */
export async function queuePage(db: Db, status: CaseRow['status'], visible: SQL | undefined) {
  const rows = await db
    .select()
    .from(moderationCases)
    .where(and(eq(moderationCases.status, status), visible))
    .orderBy(desc(moderationCases.updatedAt))
    .limit(200);
  const [open] = await db
    .select({ n: sql<number>`count(*)`.mapWith(Number) })
    .from(moderationCases)
    .where(and(eq(moderationCases.status, 'open'), visible));
  return { rows, openCount: open?.n ?? 0 };
}

/** Claims the open, unassigned cases untouched since the cutoff: the update is the claim, so one node wins each. */
export async function claimOverdue(db: Db, now: Date, cutoff: Date): Promise<CaseRow[]> {
  return db
    .update(moderationCases)
    .set({ escalatedAt: now, updatedAt: now })
    .where(
      and(
        eq(moderationCases.status, 'open'),
        isNull(moderationCases.escalatedAt),
        isNull(moderationCases.assigneeId),
        lt(sql`coalesce(${moderationCases.appealedAt}, ${moderationCases.openedAt})`, cutoff),
      ),
    )
    .returning();
}

/** Reopens a closed case with the member's appeal, once: undefined when it was appealed already. */
export async function reopenForAppeal(db: Db, caseId: string, text: string): Promise<CaseRow | undefined> {
  const [row] = await db
    .update(moderationCases)
    .set({ status: 'open', appealText: text, appealedAt: new Date(), assigneeId: null, escalatedAt: null, closedAt: null, updatedAt: new Date() })
    .where(and(eq(moderationCases.id, caseId), isNull(moderationCases.appealedAt)))
    .returning();
  return row;
}

// ── notices ──────────────────────────────────────────────────────────────────────────────────

/** The members already told the outcome of their report on this case. */
export async function toldOfOutcome(db: Db, caseId: string): Promise<string[]> {
  const rows = await db
    .select({ userId: moderationNotices.userId })
    .from(moderationNotices)
    .where(and(eq(moderationNotices.caseId, caseId), eq(moderationNotices.kind, 'report_outcome')));
  return rows.map((r) => r.userId);
}

export async function insertNotices(db: Db, userIds: string[], kind: NoticeRow['kind'], caseId: string, text: string): Promise<NoticeRow[]> {
  return db
    .insert(moderationNotices)
    .values(userIds.map((userId) => ({ userId, kind, caseId, text })))
    .returning();
}

/** A member's newest notices with the state of their cases (for the appeal button). */
export async function noticesOf(db: Db, userId: string) {
  return db
    .select({ notice: moderationNotices, status: moderationCases.status, appealedAt: moderationCases.appealedAt, outcome: moderationCases.outcome })
    .from(moderationNotices)
    .innerJoin(moderationCases, eq(moderationCases.id, moderationNotices.caseId))
    .where(eq(moderationNotices.userId, userId))
    .orderBy(desc(moderationNotices.createdAt))
    .limit(100);
}

export async function unreadNoticeCount(db: Db, userId: string): Promise<number> {
  const [unread] = await db
    .select({ n: sql<number>`count(*)`.mapWith(Number) })
    .from(moderationNotices)
    .where(and(eq(moderationNotices.userId, userId), isNull(moderationNotices.readAt)));
  return unread?.n ?? 0;
}

export async function markNoticesRead(db: Db, userId: string): Promise<void> {
  await db
    .update(moderationNotices)
    .set({ readAt: new Date() })
    .where(and(eq(moderationNotices.userId, userId), isNull(moderationNotices.readAt)));
}

export async function findNoticeOf(db: Db, userId: string, noticeId: string): Promise<NoticeRow | undefined> {
  const [notice] = await db.select().from(moderationNotices).where(and(eq(moderationNotices.id, noticeId), eq(moderationNotices.userId, userId)));
  return notice;
}

// ── the log ──────────────────────────────────────────────────────────────────────────────────

export async function insertLog(db: Db, values: typeof moderationLog.$inferInsert): Promise<void> {
  await db.insert(moderationLog).values(values);
}

/** Up to `limit` entries before an id, newest first, with who wrote each. */
export async function logPage(db: Db, before: number | undefined, limit: number) {
  return db
    .select({ entry: moderationLog, actor: users })
    .from(moderationLog)
    .leftJoin(users, eq(users.id, moderationLog.actorId))
    .where(before ? lt(moderationLog.id, before) : undefined)
    .orderBy(desc(moderationLog.id))
    .limit(limit);
}

/** The whole log, oldest first, with the handles of its actors and subjects. */
export async function wholeLog(db: Db) {
  const actors = sql`(select ${users.handle} from ${users} where ${users.id} = ${moderationLog.actorId})`;
  const subjects = sql`(select ${users.handle} from ${users} where ${users.id} = ${moderationLog.subjectId})`;
  return db
    .select({ entry: moderationLog, actorHandle: sql<string | null>`${actors}`, subjectHandle: sql<string | null>`${subjects}` })
    .from(moderationLog)
    .orderBy(asc(moderationLog.id));
}
