// Reports and the live moderation queue. Who sees a case: docs/permissions.md ("Moderation").
// Several reports of one thing make one open case; every moderator who may see it hears of it
// live, in their `user:<id>` room; taking a case shows the others who has it. Every moderator
// action is written to the append-only moderation log.
import { and, desc, eq, inArray, or, sql } from 'drizzle-orm';
import type { z } from 'zod';
import type { createReportSchema, ModerationCase } from '../../../shared/api/moderation.routes';
import type { Db } from '../../core/db/database';
import { moderationCases, moderationLog, reports, spaceMembers, users } from '../../core/db/schema';
import { AppError } from '../../core/errors';
import { excerptOf } from '../../core/markdown';
import type { Realtime } from '../../core/realtime/realtime';
import type { Actor } from '../accounts/actor';
import type { ChatService } from '../chat/chat.service';
import { accessReadableSpace } from '../spaces/spaces.access';
import { authorOf, loadComment, loadPost } from '../spaces/stream.repository';

type CaseRow = typeof moderationCases.$inferSelect;
type Reason = ModerationCase['reasons'][number];

const isSiteModerator = (actor: Actor) => actor.user.role === 'admin' || actor.user.role === 'moderator';

const isUniqueViolation = (error: unknown) => /moderation_cases_open_target_idx|reports_case_reporter_idx/.test(String((error as { cause?: unknown }).cause ?? error));

export function createModerationService(deps: { db: Db; realtime: Realtime; chat: ChatService }) {
  const { db, realtime, chat } = deps;

  /** What is reported, checked readable by the reporter: its space, whom it is about, and a snapshot. */
  async function resolveTarget(actor: Actor, kind: CaseRow['targetKind'], id: string) {
    switch (kind) {
      case 'post': {
        const found = await loadPost(db, id);
        if (!found) throw AppError.notFound('No such post');
        await accessReadableSpace(db, actor, found.row.spaceId);
        return { spaceId: found.row.spaceId, subjectId: found.row.authorId, snapshot: { excerpt: excerptOf(found.row.bodyMarkdown), link: `/p/${id}` } };
      }
      case 'comment': {
        const found = await loadComment(db, id);
        if (!found) throw AppError.notFound('No such comment');
        await accessReadableSpace(db, actor, found.row.spaceId);
        return {
          spaceId: found.row.spaceId,
          subjectId: found.row.authorId,
          snapshot: { excerpt: excerptOf(found.row.bodyMarkdown), link: `/p/${found.row.postId}` },
        };
      }
      case 'message': {
        const found = await chat.accessMessage(actor, id);
        // A direct message is shown to moderators only as this snapshot: they cannot open the conversation.
        return { spaceId: found.spaceId, subjectId: found.row.authorId, snapshot: { excerpt: excerptOf(found.row.bodyMarkdown), link: found.link } };
      }
      case 'member': {
        const [user] = await db.select().from(users).where(eq(users.id, id));
        if (!user || user.status === 'deleted' || user.status === 'pending' || user.isBot) throw AppError.notFound('No such member');
        return { spaceId: null, subjectId: user.id, snapshot: { excerpt: `${user.displayName} (@${user.handle}) ${user.bio}`.trim().slice(0, 140), link: `/u/${user.handle}` } };
      }
    }
  }

  async function isHostOf(userId: string, spaceId: string): Promise<boolean> {
    const [row] = await db
      .select({ role: spaceMembers.role })
      .from(spaceMembers)
      .where(and(eq(spaceMembers.spaceId, spaceId), eq(spaceMembers.userId, userId), eq(spaceMembers.status, 'active'), eq(spaceMembers.role, 'host')));
    return Boolean(row);
  }

  /** Everyone who may see a case: site moderators, and the space's hosts and moderators unless it is about a host. Never its subject. */
  async function audienceOf(row: CaseRow): Promise<string[]> {
    const site = await db
      .select({ id: users.id })
      .from(users)
      .where(and(inArray(users.role, ['admin', 'moderator']), eq(users.status, 'active')));
    const space =
      row.spaceId && !row.siteOnly
        ? await db
            .select({ id: spaceMembers.userId })
            .from(spaceMembers)
            .where(and(eq(spaceMembers.spaceId, row.spaceId), eq(spaceMembers.status, 'active'), inArray(spaceMembers.role, ['host', 'moderator'])))
        : [];
    return [...new Set([...site, ...space].map((u) => u.id))].filter((id) => id !== row.subjectId);
  }

  async function canSee(actor: Actor, row: CaseRow): Promise<boolean> {
    if (row.subjectId === actor.user.id) return false;
    if (isSiteModerator(actor)) return true;
    if (!row.spaceId || row.siteOnly) return false;
    const [membership] = await db
      .select({ role: spaceMembers.role })
      .from(spaceMembers)
      .where(and(eq(spaceMembers.spaceId, row.spaceId), eq(spaceMembers.userId, actor.user.id), eq(spaceMembers.status, 'active')));
    return membership?.role === 'host' || membership?.role === 'moderator';
  }

  async function views(rows: CaseRow[]): Promise<ModerationCase[]> {
    if (rows.length === 0) return [];
    const people = [...new Set(rows.flatMap((r) => [r.subjectId, r.assigneeId]).filter((id): id is string => Boolean(id)))];
    const found = people.length ? await db.select().from(users).where(inArray(users.id, people)) : [];
    const byId = new Map(found.map((u) => [u.id, authorOf(u)]));
    const reportRows = await db
      .select()
      .from(reports)
      .where(inArray(reports.caseId, rows.map((r) => r.id)))
      .orderBy(reports.createdAt);
    return rows.map((r) => ({
      id: r.id,
      targetKind: r.targetKind,
      targetId: r.targetId,
      spaceId: r.spaceId,
      subject: (r.subjectId && byId.get(r.subjectId)) || null,
      status: r.status,
      assignee: (r.assigneeId && byId.get(r.assigneeId)) || null,
      reasons: r.reasons as Reason[],
      reportCount: r.reportCount,
      reports: reportRows.filter((p) => p.caseId === r.id).map((p) => ({ reason: p.reason as Reason, note: p.note, createdAt: p.createdAt.toISOString() })),
      snapshot: r.snapshot,
      siteOnly: r.siteOnly,
      openedAt: r.openedAt.toISOString(),
      updatedAt: r.updatedAt.toISOString(),
      outcome: r.outcome,
    }));
  }

  async function announce(row: CaseRow, event: 'moderation:case-opened' | 'moderation:case-updated'): Promise<ModerationCase> {
    const [view] = await views([row]);
    const audience = await audienceOf(row);
    if (audience.length) realtime.publish(audience.map((id) => `user:${id}`), event, view!);
    return view!;
  }

  async function visibleCase(actor: Actor, caseId: string): Promise<CaseRow> {
    const [row] = await db.select().from(moderationCases).where(eq(moderationCases.id, caseId));
    if (!row) throw AppError.notFound('No such case');
    if (!(await canSee(actor, row))) {
      if (isSiteModerator(actor) || (await moderatesAnySpace(actor))) throw new AppError('forbidden', 'This case is not in a queue you look after');
      throw AppError.notFound('No such case');
    }
    return row;
  }

  async function moderatesAnySpace(actor: Actor): Promise<boolean> {
    const [row] = await db
      .select({ spaceId: spaceMembers.spaceId })
      .from(spaceMembers)
      .where(and(eq(spaceMembers.userId, actor.user.id), eq(spaceMembers.status, 'active'), inArray(spaceMembers.role, ['host', 'moderator'])))
      .limit(1);
    return Boolean(row);
  }

  async function log(actor: Actor, action: string, row: CaseRow, reason: string, details: Record<string, unknown> = {}): Promise<void> {
    await db.insert(moderationLog).values({
      actorId: actor.user.id,
      action,
      caseId: row.id,
      targetKind: row.targetKind,
      targetId: row.targetId,
      subjectId: row.subjectId,
      spaceId: row.spaceId,
      reason,
      details,
    });
  }

  return {
    async doReport(actor: Actor, input: z.output<typeof createReportSchema>) {
      const target = await resolveTarget(actor, input.targetKind, input.targetId);
      if (target.subjectId === actor.user.id) throw new AppError('conflict', 'You cannot report yourself');
      const siteOnly = target.spaceId !== null && target.subjectId !== null && (await isHostOf(target.subjectId, target.spaceId));
      for (let attempt = 0; ; attempt++) {
        try {
          const { row, opened } = await db.transaction(async (txRaw) => {
            const tx = txRaw as unknown as Db;
            let [existing] = await tx
              .select()
              .from(moderationCases)
              .where(and(eq(moderationCases.targetKind, input.targetKind), eq(moderationCases.targetId, input.targetId), eq(moderationCases.status, 'open')))
              .for('update');
            const isNew = !existing;
            if (!existing) {
              [existing] = await tx
                .insert(moderationCases)
                .values({ targetKind: input.targetKind, targetId: input.targetId, spaceId: target.spaceId, subjectId: target.subjectId, siteOnly, snapshot: target.snapshot })
                .returning();
            }
            await tx
              .insert(reports)
              .values({ caseId: existing!.id, reporterId: actor.user.id, reason: input.reason, note: input.note })
              .onConflictDoUpdate({ target: [reports.caseId, reports.reporterId], set: { reason: input.reason, note: input.note, createdAt: new Date() } });
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
          await announce(row, opened ? 'moderation:case-opened' : 'moderation:case-updated');
          return { received: true as const };
        } catch (error) {
          // Two first reports of one thing at once: the second finds the first's case on retry.
          if (attempt === 0 && isUniqueViolation(error)) continue;
          throw error;
        }
      }
    },

    async accessQueue(actor: Actor, status: 'open' | 'closed') {
      const site = isSiteModerator(actor);
      if (!site && !(await moderatesAnySpace(actor))) throw new AppError('forbidden', 'Only moderators have a queue');
      const mine = sql`${moderationCases.spaceId} in (select ${spaceMembers.spaceId} from ${spaceMembers} where ${spaceMembers.userId} = ${actor.user.id} and ${spaceMembers.status} = 'active' and ${spaceMembers.role} in ('host', 'moderator'))`;
      const visible = and(
        eq(moderationCases.status, status),
        or(sql`${moderationCases.subjectId} is null`, sql`${moderationCases.subjectId} <> ${actor.user.id}`),
        site ? undefined : and(eq(moderationCases.siteOnly, false), mine),
      );
      const rows = await db.select().from(moderationCases).where(visible).orderBy(desc(moderationCases.updatedAt)).limit(200);
      const [open] = await db
        .select({ n: sql<number>`count(*)`.mapWith(Number) })
        .from(moderationCases)
        .where(
          and(
            eq(moderationCases.status, 'open'),
            or(sql`${moderationCases.subjectId} is null`, sql`${moderationCases.subjectId} <> ${actor.user.id}`),
            site ? undefined : and(eq(moderationCases.siteOnly, false), mine),
          ),
        );
      return { items: await views(rows), openCount: open?.n ?? 0 };
    },

    async doTake(actor: Actor, caseId: string, force: boolean) {
      const row = await visibleCase(actor, caseId);
      if (row.status !== 'open') throw new AppError('conflict', 'This case is closed');
      if (row.assigneeId && row.assigneeId !== actor.user.id && !force) {
        const [holder] = await db.select({ handle: users.handle }).from(users).where(eq(users.id, row.assigneeId));
        throw new AppError('conflict', `@${holder?.handle ?? 'someone'} has this case`);
      }
      const [updated] = await db
        .update(moderationCases)
        .set({ assigneeId: actor.user.id, updatedAt: new Date() })
        .where(eq(moderationCases.id, caseId))
        .returning();
      await log(actor, 'take', updated!, force ? 'taken over' : '');
      return announce(updated!, 'moderation:case-updated');
    },

    async doDismiss(actor: Actor, caseId: string, reason: string) {
      const row = await visibleCase(actor, caseId);
      if (row.status !== 'open') throw new AppError('conflict', 'This case is closed');
      const [updated] = await db
        .update(moderationCases)
        .set({ status: 'closed', outcome: 'dismissed', closedAt: new Date(), updatedAt: new Date(), assigneeId: row.assigneeId ?? actor.user.id })
        .where(eq(moderationCases.id, caseId))
        .returning();
      await log(actor, 'dismiss', updated!, reason);
      return announce(updated!, 'moderation:case-updated');
    },

    async accessLog(actor: Actor) {
      if (!isSiteModerator(actor)) throw new AppError('forbidden', 'Only site moderators and admins read the moderation log');
      const rows = await db
        .select({ entry: moderationLog, actor: users })
        .from(moderationLog)
        .leftJoin(users, eq(users.id, moderationLog.actorId))
        .orderBy(desc(moderationLog.id))
        .limit(500);
      return {
        items: rows.map((r) => ({
          id: r.entry.id,
          at: r.entry.at.toISOString(),
          actor: r.actor ? authorOf(r.actor) : null,
          action: r.entry.action,
          caseId: r.entry.caseId,
          reason: r.entry.reason,
        })),
      };
    },
  };
}

export type ModerationService = ReturnType<typeof createModerationService>;
