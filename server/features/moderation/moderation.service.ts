// Reports, the live moderation queue and moderators' actions. Who sees and does what:
// docs/permissions.md ("Moderation"); the design: docs/decisions/011-moderation.md.
// Several reports of one thing make one open case; every moderator who may see it hears of it
// live, in their `user:<id>` room. An action changes the content or the member through the
// owning feature's trusted write (which publishes to every screen), closes the case, tells the
// member acted on and the reporters, and is written to the append-only moderation log.
import { and, asc, desc, eq, inArray, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { z } from 'zod';
import type {
  caseActionSchema,
  createReportSchema,
  ModerationCase,
  ModerationNotice,
  updateModerationSettingsSchema,
} from '../../../shared/api/moderation.routes';
import type { Config } from '../../config';
import type { Db } from '../../core/db/database';
import { comments, messages, moderationCases, moderationLog, moderationNotices, posts, reports, spaceMembers, spaces, users } from '../../core/db/schema';
import { AppError } from '../../core/errors';
import type { Logger } from '../../core/logger';
import { excerptOf } from '../../core/markdown';
import type { Realtime } from '../../core/realtime/realtime';
import { checkAdmin, type Actor } from '../accounts/actor';
import { deleteSessionsOfUser, updateUser } from '../accounts/users.repository';
import type { ChatService } from '../chat/chat.service';
import { accessReadableSpace } from '../spaces/spaces.access';
import type { SpacesService } from '../spaces/spaces.service';
import type { StreamService } from '../spaces/stream.service';
import { authorOf, loadComment, loadPost } from '../spaces/stream.repository';
import type { EmailOutbox } from '../welcome/email-outbox';
import { createModerationSettings } from './moderation-settings';

type CaseRow = typeof moderationCases.$inferSelect;
type NoticeRow = typeof moderationNotices.$inferSelect;
type Reason = ModerationCase['reasons'][number];
type Action = z.output<typeof caseActionSchema>;
type TargetKind = CaseRow['targetKind'];

const isSiteModerator = (actor: Actor) => actor.user.role === 'admin' || actor.user.role === 'moderator';

const isUniqueViolation = (error: unknown) => /moderation_cases_open_target_idx|reports_case_reporter_idx/.test(String((error as { cause?: unknown }).cause ?? error));

/** Content the moderators may hide or delete. */
const isContent = (kind: TargetKind): kind is 'post' | 'comment' | 'message' => kind !== 'member';

const outcomeOf: Record<Exclude<Action['action'], 'reverse'>, NonNullable<ModerationCase['outcome']>> = {
  hide: 'hidden',
  delete: 'deleted',
  warn: 'warned',
  mute: 'muted',
  remove: 'removed',
  suspend: 'suspended',
  ban: 'banned',
};

/** Outcomes a member may appeal (once). */
const appealable = new Set<string>(['hidden', 'deleted', 'warned', 'muted', 'removed', 'suspended', 'banned']);

const nounOf: Record<TargetKind, string> = { post: 'post', comment: 'comment', message: 'chat message', member: 'profile' };

/** Something reported, as the moderators see it: where it is, whom it is about, and a snapshot. */
interface Target {
  spaceId: string | null;
  subjectId: string | null;
  snapshot: { excerpt: string; link: string | null };
}

/** New content to check against the word list (posts, comments, chat messages, created or edited). */
export interface ContentWritten {
  kind: 'post' | 'comment' | 'message';
  id: string;
  authorId: string;
  markdown: string;
}

export function createModerationService(deps: {
  db: Db;
  realtime: Realtime;
  chat: ChatService;
  stream: StreamService;
  spaces: SpacesService;
  outbox: EmailOutbox;
  logger: Logger;
  config: Pick<Config, 'publicUrl'>;
}) {
  const { db, realtime, chat, stream, spaces: spacesService, outbox, logger, config } = deps;
  const settings = createModerationSettings(db);
  const pending = new Set<Promise<unknown>>();

  // ── targets ────────────────────────────────────────────────────────────────────────────────

  /** What a reported thing is, without checking who asks (the word list; callers check). */
  async function describe(kind: TargetKind, id: string): Promise<Target | undefined> {
    switch (kind) {
      case 'post': {
        const found = await loadPost(db, id);
        if (!found) return undefined;
        return { spaceId: found.row.spaceId, subjectId: found.row.authorId, snapshot: { excerpt: excerptOf(found.row.bodyMarkdown), link: `/p/${id}` } };
      }
      case 'comment': {
        const found = await loadComment(db, id);
        if (!found) return undefined;
        return {
          spaceId: found.row.spaceId,
          subjectId: found.row.authorId,
          snapshot: { excerpt: excerptOf(found.row.bodyMarkdown), link: `/p/${found.row.postId}` },
        };
      }
      case 'message': {
        const found = await chat.locateMessage(id);
        if (!found) return undefined;
        // A direct message is shown to moderators only as this snapshot: they cannot open the conversation.
        return { spaceId: found.spaceId, subjectId: found.row.authorId, snapshot: { excerpt: excerptOf(found.row.bodyMarkdown), link: found.link } };
      }
      case 'member': {
        const [user] = await db.select().from(users).where(eq(users.id, id));
        if (!user || user.status === 'deleted' || user.status === 'pending' || user.isBot) return undefined;
        return { spaceId: null, subjectId: user.id, snapshot: { excerpt: `${user.displayName} (@${user.handle}) ${user.bio}`.trim().slice(0, 140), link: `/u/${user.handle}` } };
      }
    }
  }

  /** What the reporter reports, only if they may read it (404 otherwise, as everywhere). */
  async function resolveForReporter(actor: Actor, kind: TargetKind, id: string): Promise<Target> {
    if (kind === 'message') await chat.accessMessage(actor, id);
    const target = await describe(kind, id);
    if (!target) throw AppError.notFound(`No such ${nounOf[kind]}`);
    if ((kind === 'post' || kind === 'comment') && target.spaceId) await accessReadableSpace(db, actor, target.spaceId);
    return target;
  }

  // ── who sees a case ────────────────────────────────────────────────────────────────────────

  /** A member's role in a space while they are an active member of it. */
  async function roleIn(spaceId: string, userId: string) {
    const [row] = await db
      .select({ role: spaceMembers.role })
      .from(spaceMembers)
      .where(and(eq(spaceMembers.spaceId, spaceId), eq(spaceMembers.userId, userId), eq(spaceMembers.status, 'active')));
    return row?.role;
  }

  const isSafeguarding = (row: CaseRow) => row.reasons.includes('safeguarding');

  async function siteModeratorIds(): Promise<string[]> {
    const rows = await db
      .select({ id: users.id })
      .from(users)
      .where(and(inArray(users.role, ['admin', 'moderator']), eq(users.status, 'active')));
    return rows.map((r) => r.id);
  }

  /**
   * Everyone who may see a case: site moderators; the space's hosts and moderators unless it is
   * about a host; the safeguarding contacts when it is a safeguarding concern. Never its subject.
   */
  async function audienceOf(row: CaseRow): Promise<string[]> {
    const site = await siteModeratorIds();
    const space =
      row.spaceId && !row.siteOnly
        ? await db
            .select({ id: spaceMembers.userId })
            .from(spaceMembers)
            .where(and(eq(spaceMembers.spaceId, row.spaceId), eq(spaceMembers.status, 'active'), inArray(spaceMembers.role, ['host', 'moderator'])))
        : [];
    const contacts = isSafeguarding(row) ? (await settings.current()).row.safeguardingContactIds : [];
    return [...new Set([...site, ...space.map((u) => u.id), ...contacts])].filter((id) => id !== row.subjectId);
  }

  /** Whether the actor moderates the case's space (host or moderator there; not for cases about a host). */
  async function moderatesSpaceOf(actor: Actor, row: CaseRow): Promise<boolean> {
    if (!row.spaceId || row.siteOnly) return false;
    const role = await roleIn(row.spaceId, actor.user.id);
    return role === 'host' || role === 'moderator';
  }

  async function isContact(actor: Actor): Promise<boolean> {
    return (await settings.current()).row.safeguardingContactIds.includes(actor.user.id);
  }

  /** May see and take the case: its moderators, and the safeguarding contacts for a safeguarding concern. */
  async function canSee(actor: Actor, row: CaseRow): Promise<boolean> {
    if (row.subjectId === actor.user.id) return false;
    if (isSiteModerator(actor) || (await moderatesSpaceOf(actor, row))) return true;
    return isSafeguarding(row) && (await isContact(actor));
  }

  /** May act on it (dismiss, hide, mute…): site moderators, and the space's hosts and moderators. */
  async function canAct(actor: Actor, row: CaseRow): Promise<boolean> {
    if (row.subjectId === actor.user.id) return false;
    return isSiteModerator(actor) || moderatesSpaceOf(actor, row);
  }

  async function moderatesAnySpace(actor: Actor): Promise<boolean> {
    const [row] = await db
      .select({ spaceId: spaceMembers.spaceId })
      .from(spaceMembers)
      .where(and(eq(spaceMembers.userId, actor.user.id), eq(spaceMembers.status, 'active'), inArray(spaceMembers.role, ['host', 'moderator'])))
      .limit(1);
    return Boolean(row);
  }

  /** The case if the actor may see it; anyone else gets 403 (case ids are random, so this tells nothing). */
  async function visibleCase(actor: Actor, caseId: string): Promise<CaseRow> {
    const [row] = await db.select().from(moderationCases).where(eq(moderationCases.id, caseId));
    if (!row || !(await canSee(actor, row))) {
      throw new AppError('forbidden', 'This case is not in a queue you look after');
    }
    return row;
  }

  // ── views and events ───────────────────────────────────────────────────────────────────────

  /** Whether each case's content is hidden or deleted now (one query per kind of content). */
  async function contentStates(rows: CaseRow[]): Promise<Map<string, { hidden: boolean; deleted: boolean }>> {
    const states = new Map<string, { hidden: boolean; deleted: boolean }>();
    const idsOf = (kind: TargetKind) => rows.filter((r) => r.targetKind === kind).map((r) => r.targetId);
    const tables = [
      ['post', posts],
      ['comment', comments],
      ['message', messages],
    ] as const;
    for (const [kind, table] of tables) {
      const ids = idsOf(kind);
      if (ids.length === 0) continue;
      const found = await db.select({ id: table.id, hiddenAt: table.hiddenAt, deletedAt: table.deletedAt }).from(table).where(inArray(table.id, ids));
      for (const f of found) states.set(f.id, { hidden: f.hiddenAt !== null, deleted: f.deletedAt !== null });
    }
    return states;
  }

  async function views(rows: CaseRow[]): Promise<ModerationCase[]> {
    if (rows.length === 0) return [];
    const people = [...new Set(rows.flatMap((r) => [r.subjectId, r.assigneeId]).filter((id): id is string => Boolean(id)))];
    const found = people.length ? await db.select().from(users).where(inArray(users.id, people)) : [];
    const byId = new Map(found.map((u) => [u.id, authorOf(u)]));
    const reportRows = await db
      .select()
      .from(reports)
      .where(
        inArray(
          reports.caseId,
          rows.map((r) => r.id),
        ),
      )
      .orderBy(reports.createdAt);
    const states = await contentStates(rows);
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
      reports: reportRows
        .filter((p) => p.caseId === r.id)
        .map((p) => ({ reason: p.reason as Reason, note: p.note, createdAt: p.createdAt.toISOString(), automatic: p.reporterId === null })),
      snapshot: r.snapshot,
      siteOnly: r.siteOnly,
      openedAt: r.openedAt.toISOString(),
      updatedAt: r.updatedAt.toISOString(),
      outcome: r.outcome as ModerationCase['outcome'],
      contentHidden: states.get(r.targetId)?.hidden ?? false,
      contentDeleted: states.get(r.targetId)?.deleted ?? false,
      escalated: r.escalatedAt !== null,
      safeguarding: isSafeguarding(r),
      appeal: r.appealText && r.appealedAt ? { text: r.appealText, at: r.appealedAt.toISOString() } : null,
    }));
  }

  async function announce(row: CaseRow, event: 'moderation:case-opened' | 'moderation:case-updated'): Promise<ModerationCase> {
    const [view] = await views([row]);
    const audience = await audienceOf(row);
    if (audience.length) realtime.publish(audience.map((id) => `user:${id}`), event, view!);
    return view!;
  }

  async function log(actorId: string | null, action: string, row: CaseRow | null, reason: string, details: Record<string, unknown> = {}): Promise<void> {
    await db.insert(moderationLog).values({
      actorId,
      action,
      caseId: row?.id ?? null,
      targetKind: row?.targetKind ?? null,
      targetId: row?.targetId ?? null,
      subjectId: row?.subjectId ?? null,
      spaceId: row?.spaceId ?? null,
      reason,
      details,
    });
  }

  function noticeView(row: NoticeRow, caseRow: Pick<CaseRow, 'status' | 'appealedAt' | 'outcome'>): ModerationNotice {
    return {
      id: row.id,
      kind: row.kind,
      caseId: row.caseId,
      text: row.text,
      createdAt: row.createdAt.toISOString(),
      readAt: row.readAt?.toISOString() ?? null,
      canAppeal: row.kind === 'action' && caseRow.status === 'closed' && caseRow.appealedAt === null && appealable.has(caseRow.outcome ?? ''),
      appealedAt: caseRow.appealedAt?.toISOString() ?? null,
    };
  }

  async function notify(userIds: string[], kind: NoticeRow['kind'], row: CaseRow, text: string): Promise<void> {
    if (userIds.length === 0) return;
    const created = await db
      .insert(moderationNotices)
      .values(userIds.map((userId) => ({ userId, kind, caseId: row.id, text })))
      .returning();
    for (const notice of created) realtime.publish(`user:${notice.userId}`, 'moderation:notice', noticeView(notice, row));
  }

  async function spaceNameOf(row: CaseRow): Promise<string | undefined> {
    const [space] = row.spaceId ? await db.select({ name: spaces.name }).from(spaces).where(eq(spaces.id, row.spaceId)) : [];
    return space?.name;
  }

  /** "your post in Gardening": what a notice is about, never quoting it. */
  async function whatOf(row: CaseRow, whose: 'your' | 'a'): Promise<string> {
    if (row.targetKind === 'member') return whose === 'your' ? 'your profile' : 'a member';
    const space = await spaceNameOf(row);
    return `${whose} ${nounOf[row.targetKind]}${space ? ` in ${space}` : ''}`;
  }

  const when = (date: Date) => date.toUTCString().replace(' GMT', ' UTC');

  // ── filing a report ────────────────────────────────────────────────────────────────────────

  /** Adds a report to the open case about the target, opening it if needed; announces it. */
  async function file(kind: TargetKind, targetId: string, target: Target, reporterId: string | null, reason: Reason, note: string): Promise<CaseRow> {
    const siteOnly = target.spaceId !== null && target.subjectId !== null && (await roleIn(target.spaceId, target.subjectId)) === 'host';
    for (let attempt = 0; ; attempt++) {
      try {
        const { row, opened } = await db.transaction(async (txRaw) => {
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
              .values({ targetKind: kind, targetId, spaceId: target.spaceId, subjectId: target.subjectId, siteOnly, snapshot: target.snapshot })
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
        await announce(row, opened ? 'moderation:case-opened' : 'moderation:case-updated');
        return row;
      } catch (error) {
        // Two first reports of one thing at once: the second finds the first's case on retry.
        if (attempt === 0 && isUniqueViolation(error)) continue;
        throw error;
      }
    }
  }

  /** Hides, unhides or deletes the content through its feature, which tells every screen. */
  async function changeContent(row: CaseRow, change: 'hide' | 'unhide' | 'delete'): Promise<boolean> {
    switch (row.targetKind) {
      case 'post':
        return stream.doModeratePost(row.targetId, change);
      case 'comment':
        return stream.doModerateComment(row.targetId, change);
      case 'message':
        return chat.doModerateMessage(row.targetId, change);
      case 'member':
        throw new AppError('conflict', 'This case is about a member, not content');
    }
  }

  /** Checks the word list; opens a case (and hides the content when the admins chose so). */
  async function flag(content: ContentWritten): Promise<void> {
    const { row: current, pattern } = await settings.current();
    const match = pattern?.exec(content.markdown);
    if (!match) return;
    const target = await describe(content.kind, content.id);
    if (!target) return;
    const caseRow = await file(content.kind, content.id, target, null, 'other', `Word list: “${match[0]}”`);
    if (!current.autoHide) return;
    if (await changeContent(caseRow, 'hide')) {
      // Remembered on the open case: a moderator's hide confirms it, a dismissal shows the content again.
      await db.update(moderationCases).set({ lastAction: { action: 'auto_hide' } }).where(eq(moderationCases.id, caseRow.id));
      await log(null, 'auto_hide', caseRow, `Word list: “${match[0]}”`);
      if (target.subjectId) {
        await notify([target.subjectId], 'action', caseRow, `Your ${nounOf[content.kind]} was hidden automatically until a moderator has looked at it.`);
      }
      await announce(caseRow, 'moderation:case-updated');
    }
  }

  // ── actions ────────────────────────────────────────────────────────────────────────────────

  async function subjectOf(row: CaseRow) {
    if (!row.subjectId) throw new AppError('conflict', 'The member this case is about no longer exists');
    const [user] = await db.select().from(users).where(eq(users.id, row.subjectId));
    if (!user || user.status === 'deleted') throw new AppError('conflict', 'The member this case is about no longer exists');
    return user;
  }

  /** Suspends or bans: the member's sessions end and every live socket is cut, on every node. */
  async function exclude(userId: string, status: 'suspended' | 'banned', until: Date | null) {
    await updateUser(db, userId, { status, suspendedUntil: until });
    await deleteSessionsOfUser(db, userId);
    realtime.endSession(`user:${userId}`, status);
  }

  /** The effect of one action; returns what `reverse` needs and the member's notice. */
  async function apply(actor: Actor, row: CaseRow, input: Action): Promise<{ lastAction: NonNullable<CaseRow['lastAction']>; notice: string; email?: boolean }> {
    const hours = input.hours ?? 0;
    switch (input.action) {
      case 'hide':
      case 'delete': {
        if (!isContent(row.targetKind)) throw new AppError('conflict', 'Only posts, comments and messages can be hidden or deleted');
        const confirmsAutoHide = input.action === 'hide' && row.status === 'open' && row.lastAction?.action === 'auto_hide';
        if (!confirmsAutoHide && !(await changeContent(row, input.action))) throw new AppError('conflict', `This ${nounOf[row.targetKind]} is ${input.action === 'hide' ? 'hidden or deleted' : 'deleted'} already`);
        return { lastAction: { action: input.action }, notice: `The moderators ${input.action === 'hide' ? 'hid' : 'deleted'} ${await whatOf(row, 'your')}.` };
      }
      case 'warn':
        await subjectOf(row);
        return { lastAction: { action: 'warn' }, notice: `The moderators are warning you about ${await whatOf(row, 'your')}.` };
      case 'mute': {
        if (!row.spaceId) throw new AppError('conflict', 'This case is not about a space');
        const user = await subjectOf(row);
        const until = new Date(Date.now() + hours * 3_600_000);
        if (!(await spacesService.doSetMute(row.spaceId, user.id, until))) throw new AppError('conflict', 'This member is not in the space');
        return {
          lastAction: { action: 'mute', until: until.toISOString() },
          notice: `The moderators muted you in ${(await spaceNameOf(row)) ?? 'the space'} until ${when(until)}: you can read it, but not post, comment or chat there.`,
        };
      }
      case 'remove': {
        if (!row.spaceId) throw new AppError('conflict', 'This case is not about a space');
        const user = await subjectOf(row);
        const role = await spacesService.doRemoveByModeration(row.spaceId, user.id);
        if (!role) throw new AppError('conflict', 'This member is not in the space');
        return { lastAction: { action: 'remove', role }, notice: `The moderators removed you from ${(await spaceNameOf(row)) ?? 'the space'}.` };
      }
      case 'suspend':
      case 'ban': {
        if (!isSiteModerator(actor)) throw new AppError('forbidden', 'Only site moderators and admins suspend or ban members');
        const user = await subjectOf(row);
        if (user.role === 'admin' || (user.role === 'moderator' && actor.user.role !== 'admin')) {
          throw new AppError('forbidden', 'Admins (and, for moderators, only admins) change a staff member’s account in Admin → Members');
        }
        const until = input.action === 'suspend' ? new Date(Date.now() + hours * 3_600_000) : null;
        await exclude(user.id, input.action === 'suspend' ? 'suspended' : 'banned', until);
        return {
          lastAction: { action: input.action, until: until?.toISOString() ?? null },
          notice: until ? `The moderators suspended your account until ${when(until)}.` : 'The moderators banned your account from the network.',
          email: true,
        };
      }
      case 'reverse':
        return reverse(row);
    }
  }

  /** Undoes the case's last action. A deletion is final. */
  async function reverse(row: CaseRow): Promise<{ lastAction: NonNullable<CaseRow['lastAction']>; notice: string }> {
    const last = row.lastAction;
    if (!last || row.outcome === 'reversed' || row.outcome === 'dismissed') throw new AppError('conflict', 'There is no action on this case to reverse');
    const done = (undone: string) => ({ lastAction: { action: 'reverse' }, notice: `The moderators reversed their decision about ${undone}.` });
    switch (last.action) {
      case 'hide':
      case 'auto_hide':
        await changeContent(row, 'unhide');
        return done(`${await whatOf(row, 'your')}: it is visible again`);
      case 'warn':
        return done('their warning: it is withdrawn');
      case 'mute':
        if (row.spaceId && row.subjectId) await spacesService.doSetMute(row.spaceId, row.subjectId, null);
        return done(`your mute in ${(await spaceNameOf(row)) ?? 'the space'}: you can post there again`);
      case 'remove':
        if (row.spaceId && row.subjectId) await spacesService.doRestoreMember(row.spaceId, row.subjectId, (last.role as 'host' | 'moderator' | 'member' | undefined) ?? 'member');
        return done(`your removal from ${(await spaceNameOf(row)) ?? 'the space'}: you are a member again`);
      case 'suspend':
      case 'ban':
        if (row.subjectId) await updateUser(db, row.subjectId, { status: 'active', suspendedUntil: null });
        return done('your account: you can sign in again');
      default:
        throw new AppError('conflict', 'A deletion is final and cannot be reversed');
    }
  }

  async function emailSubject(userId: string, text: string): Promise<void> {
    const [user] = await db.select({ email: users.email, name: users.displayName }).from(users).where(eq(users.id, userId));
    if (!user?.email) return;
    await outbox.enqueue({
      kind: 'moderation',
      userId,
      to: user.email,
      subject: 'A decision by the moderators about your account',
      text: `Hello ${user.name},\n\n${text}\n\nThis message was sent by ${config.publicUrl}.`,
    });
  }

  /** Closes the case with an outcome; tells the member acted on and, on first closing, the reporters. */
  async function close(actor: Actor, row: CaseRow, outcome: NonNullable<ModerationCase['outcome']>, set: Partial<CaseRow>, subjectNotice: { kind: NoticeRow['kind']; text: string } | null) {
    const [updated] = await db
      .update(moderationCases)
      .set({ ...set, status: 'closed', outcome, closedAt: new Date(), updatedAt: new Date(), assigneeId: row.assigneeId ?? actor.user.id })
      .where(eq(moderationCases.id, row.id))
      .returning();
    if (subjectNotice && updated!.subjectId) await notify([updated!.subjectId], subjectNotice.kind, updated!, subjectNotice.text);
    // Reporters hear the outcome once (not the details), when the case first closes after their report.
    if (row.status === 'open' && !row.appealedAt) {
      const reporters = await db.select({ id: reports.reporterId }).from(reports).where(and(eq(reports.caseId, row.id), sql`${reports.reporterId} is not null`));
      const tookAction = outcome !== 'dismissed';
      await notify(
        reporters.map((r) => r.id!).filter((id) => id !== actor.user.id),
        'report_outcome',
        updated!,
        `Thank you for reporting ${await whatOf(row, 'a')}. The moderators reviewed it and ${tookAction ? 'took action' : 'found it within the community guidelines'}.`,
      );
    }
    return announce(updated!, 'moderation:case-updated');
  }

  /** Site moderators and admins read every case; others their spaces' (not about a host) and, contacts, safeguarding concerns. */
  function queueCondition(actor: Actor, site: boolean, contact: boolean): SQL | undefined {
    const notMine = or(isNull(moderationCases.subjectId), sql`${moderationCases.subjectId} <> ${actor.user.id}`);
    if (site) return notMine;
    const mine = and(
      eq(moderationCases.siteOnly, false),
      sql`${moderationCases.spaceId} in (select ${spaceMembers.spaceId} from ${spaceMembers} where ${spaceMembers.userId} = ${actor.user.id} and ${spaceMembers.status} = 'active' and ${spaceMembers.role} in ('host', 'moderator'))`,
    );
    return and(notMine, contact ? or(mine, sql`'safeguarding' = any(${moderationCases.reasons})`) : mine);
  }

  const csvCell = (value: unknown) => {
    const text = value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
    // A cell starting with = + - @ is a formula to spreadsheets: quote it as text.
    const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
    return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };

  return {
    settings,

    async doReport(actor: Actor, input: z.output<typeof createReportSchema>) {
      const target = await resolveForReporter(actor, input.targetKind, input.targetId);
      if (target.subjectId === actor.user.id) throw new AppError('conflict', 'You cannot report yourself');
      await file(input.targetKind, input.targetId, target, actor.user.id, input.reason, input.note);
      return { received: true as const };
    },

    /** Called after every post, comment or message is written: checks it against the word list in the background. */
    onContent(content: ContentWritten): void {
      if (settings.knownEmpty()) return;
      const run = flag(content).catch((error: unknown) => logger.warn({ err: error, content: { kind: content.kind, id: content.id } }, 'word list check failed'));
      pending.add(run);
      void run.finally(() => pending.delete(run));
    },

    /** Waits for background word-list checks (tests; shutdown). */
    async idle(): Promise<void> {
      while (pending.size) await Promise.all([...pending]);
    },

    async accessQueue(actor: Actor, status: 'open' | 'closed') {
      const site = isSiteModerator(actor);
      const contact = await isContact(actor);
      if (!site && !contact && !(await moderatesAnySpace(actor))) throw new AppError('forbidden', 'Only moderators have a queue');
      const visible = queueCondition(actor, site, contact);
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
      return { items: await views(rows), openCount: open?.n ?? 0 };
    },

    async doTake(actor: Actor, caseId: string, force: boolean) {
      const row = await visibleCase(actor, caseId);
      if (row.status !== 'open') throw new AppError('conflict', 'This case is closed');
      if (row.assigneeId && row.assigneeId !== actor.user.id && !force) {
        const [holder] = await db.select({ handle: users.handle }).from(users).where(eq(users.id, row.assigneeId));
        throw new AppError('conflict', `@${holder?.handle ?? 'someone'} has this case`, { assignee: holder?.handle ?? null });
      }
      const [updated] = await db.update(moderationCases).set({ assigneeId: actor.user.id, updatedAt: new Date() }).where(eq(moderationCases.id, caseId)).returning();
      await log(actor.user.id, 'take', updated!, force ? 'taken over' : '');
      return announce(updated!, 'moderation:case-updated');
    },

    /** Closes a case without action; on an appeal, keeps the decision and tells the member. */
    async doDismiss(actor: Actor, caseId: string, reason: string) {
      const row = await visibleCase(actor, caseId);
      if (!(await canAct(actor, row))) throw new AppError('forbidden', 'Only the moderators of this case can close it');
      if (row.status !== 'open') throw new AppError('conflict', 'This case is closed');
      const appealed = row.appealedAt !== null;
      // Hidden by the word list and found within the guidelines: it is shown again.
      const unhidden = !appealed && row.lastAction?.action === 'auto_hide' && (await changeContent(row, 'unhide'));
      await log(actor.user.id, appealed ? 'reject_appeal' : 'dismiss', row, reason, unhidden ? { unhidden: true } : {});
      return close(
        actor,
        row,
        appealed ? 'appeal_rejected' : 'dismissed',
        // An appeal rejected keeps the earlier outcome's effect (and what reverse would undo).
        appealed ? {} : { lastAction: null },
        appealed
          ? { kind: 'appeal_outcome', text: `The moderators reviewed your appeal about ${await whatOf(row, 'your')} and kept their decision. Reason: ${reason}` }
          : unhidden
            ? { kind: 'action', text: `The moderators looked at ${await whatOf(row, 'your')}, hidden automatically, and it is visible again.` }
            : null,
      );
    },

    async doAct(actor: Actor, caseId: string, input: Action) {
      const row = await visibleCase(actor, caseId);
      if (!(await canAct(actor, row))) throw new AppError('forbidden', 'Only the moderators of this case can act on it');
      const effect = await apply(actor, row, input);
      const appealed = row.status === 'open' && row.appealedAt !== null;
      await log(actor.user.id, input.action, row, input.reason, { ...(input.hours ? { hours: input.hours } : {}), ...effect.lastAction });
      const reversed = input.action === 'reverse';
      const text = `${effect.notice} Reason: ${input.reason}${!reversed ? ' You may appeal once, from your notices.' : ''}`;
      if (effect.email && row.subjectId) await emailSubject(row.subjectId, `${effect.notice} Reason: ${input.reason}`);
      return close(
        actor,
        row,
        reversed ? 'reversed' : outcomeOf[input.action as Exclude<Action['action'], 'reverse'>],
        { lastAction: effect.lastAction },
        { kind: appealed ? 'appeal_outcome' : 'action', text: appealed && reversed ? `Your appeal was upheld. ${effect.notice}` : text },
      );
    },

    /** Sends open cases left untouched past the admins' limit to the site moderators, also by email. */
    async doEscalateOverdue(now = new Date()): Promise<number> {
      const minutes = (await settings.current()).row.escalateAfterMinutes;
      if (minutes <= 0) return 0;
      const cutoff = new Date(now.getTime() - minutes * 60_000);
      // One node wins each case: the update is the claim.
      const escalated = await db
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
      if (escalated.length === 0) return 0;
      const staff = await db
        .select({ id: users.id, email: users.email, name: users.displayName })
        .from(users)
        .where(and(inArray(users.role, ['admin', 'moderator']), eq(users.status, 'active')));
      for (const row of escalated) {
        await log(null, 'escalate', row, `Unhandled for ${minutes} minutes`);
        await announce(row, 'moderation:case-updated');
      }
      const lines = await Promise.all(escalated.map(async (row) => `- ${await whatOf(row, 'a')}: ${row.snapshot.excerpt} (${config.publicUrl}/moderation)`));
      for (const person of staff.filter((s) => s.email && !escalated.every((row) => row.subjectId === s.id))) {
        await outbox.enqueue({
          kind: 'moderation',
          userId: person.id,
          to: person.email!,
          subject: `${escalated.length} report${escalated.length === 1 ? '' : 's'} waiting for a moderator`,
          text: `Hello ${person.name},\n\nThese reports have waited more than ${minutes} minutes without a moderator:\n\n${lines.join('\n')}\n\nOpen the queue: ${config.publicUrl}/moderation\n`,
        });
      }
      return escalated.length;
    },

    async accessNotices(actor: Actor) {
      const rows = await db
        .select({ notice: moderationNotices, status: moderationCases.status, appealedAt: moderationCases.appealedAt, outcome: moderationCases.outcome })
        .from(moderationNotices)
        .innerJoin(moderationCases, eq(moderationCases.id, moderationNotices.caseId))
        .where(eq(moderationNotices.userId, actor.user.id))
        .orderBy(desc(moderationNotices.createdAt))
        .limit(100);
      // Only the newest action notice of a case offers the appeal.
      const seen = new Set<string>();
      const items = rows.map((r) => {
        const view = noticeView(r.notice, r);
        if (view.kind === 'action' && seen.has(r.notice.caseId)) view.canAppeal = false;
        if (view.kind === 'action') seen.add(r.notice.caseId);
        return view;
      });
      const [unread] = await db
        .select({ n: sql<number>`count(*)`.mapWith(Number) })
        .from(moderationNotices)
        .where(and(eq(moderationNotices.userId, actor.user.id), isNull(moderationNotices.readAt)));
      return { items, unread: unread?.n ?? 0 };
    },

    async doReadNotices(actor: Actor) {
      await db
        .update(moderationNotices)
        .set({ readAt: new Date() })
        .where(and(eq(moderationNotices.userId, actor.user.id), isNull(moderationNotices.readAt)));
      realtime.publish(`user:${actor.user.id}`, 'moderation:notices-read', { unread: 0 });
      return { unread: 0 };
    },

    /** An appeal, once per case: the case goes back to the queue with it. */
    async doAppeal(actor: Actor, noticeId: string, text: string) {
      const [notice] = await db.select().from(moderationNotices).where(and(eq(moderationNotices.id, noticeId), eq(moderationNotices.userId, actor.user.id)));
      if (!notice) throw AppError.notFound('No such notice');
      const [row] = await db.select().from(moderationCases).where(eq(moderationCases.id, notice.caseId));
      if (!row || notice.kind !== 'action' || !noticeView(notice, row).canAppeal) {
        throw new AppError('conflict', row?.appealedAt ? 'You have appealed this decision already' : 'This notice cannot be appealed');
      }
      let reopened: CaseRow | undefined;
      try {
        [reopened] = await db
          .update(moderationCases)
          .set({ status: 'open', appealText: text, appealedAt: new Date(), assigneeId: null, escalatedAt: null, closedAt: null, updatedAt: new Date() })
          .where(and(eq(moderationCases.id, row.id), isNull(moderationCases.appealedAt)))
          .returning();
      } catch (error) {
        if (isUniqueViolation(error)) throw new AppError('conflict', 'The moderators are looking at a new report about this already; try again once it is closed');
        throw error;
      }
      if (!reopened) throw new AppError('conflict', 'You have appealed this decision already');
      await log(actor.user.id, 'appeal', reopened, text);
      await announce(reopened, 'moderation:case-opened');
      return noticeView(notice, reopened);
    },

    async accessLog(actor: Actor, before?: number) {
      if (!isSiteModerator(actor)) throw new AppError('forbidden', 'Only site moderators and admins read the moderation log');
      const rows = await db
        .select({ entry: moderationLog, actor: users })
        .from(moderationLog)
        .leftJoin(users, eq(users.id, moderationLog.actorId))
        .where(before ? lt(moderationLog.id, before) : undefined)
        .orderBy(desc(moderationLog.id))
        .limit(201);
      const page = rows.slice(0, 200);
      const subjectIds = [...new Set(page.map((r) => r.entry.subjectId).filter((id): id is string => Boolean(id)))];
      const subjects = subjectIds.length ? await db.select().from(users).where(inArray(users.id, subjectIds)) : [];
      const subjectById = new Map(subjects.map((u) => [u.id, authorOf(u)]));
      return {
        items: page.map((r) => ({
          id: r.entry.id,
          at: r.entry.at.toISOString(),
          actor: r.actor ? authorOf(r.actor) : null,
          action: r.entry.action,
          caseId: r.entry.caseId,
          targetKind: r.entry.targetKind,
          targetId: r.entry.targetId,
          subject: (r.entry.subjectId && subjectById.get(r.entry.subjectId)) || null,
          spaceId: r.entry.spaceId,
          reason: r.entry.reason,
          details: r.entry.details as Record<string, unknown>,
        })),
        nextBefore: rows.length > 200 ? page[page.length - 1]!.entry.id : null,
      };
    },

    /** The whole log as CSV, oldest first (admins). */
    async accessLogCsv(actor: Actor): Promise<string> {
      checkAdmin(actor);
      const actors = sql`(select ${users.handle} from ${users} where ${users.id} = ${moderationLog.actorId})`;
      const subjects = sql`(select ${users.handle} from ${users} where ${users.id} = ${moderationLog.subjectId})`;
      const rows = await db
        .select({ entry: moderationLog, actorHandle: sql<string | null>`${actors}`, subjectHandle: sql<string | null>`${subjects}` })
        .from(moderationLog)
        .orderBy(asc(moderationLog.id));
      const header = ['id', 'at', 'actor', 'action', 'case_id', 'target_kind', 'target_id', 'subject', 'space_id', 'reason', 'details'];
      const lines = rows.map((r) =>
        [
          r.entry.id,
          r.entry.at.toISOString(),
          r.actorHandle ?? (r.entry.actorId ? r.entry.actorId : 'system'),
          r.entry.action,
          r.entry.caseId,
          r.entry.targetKind,
          r.entry.targetId,
          r.subjectHandle ?? r.entry.subjectId,
          r.entry.spaceId,
          r.entry.reason,
          r.entry.details,
        ]
          .map(csvCell)
          .join(','),
      );
      return [header.join(','), ...lines].join('\r\n') + '\r\n';
    },

    async accessSettings(actor: Actor) {
      checkAdmin(actor);
      return settings.view();
    },

    async doUpdateSettings(actor: Actor, patch: z.output<typeof updateModerationSettingsSchema>) {
      checkAdmin(actor);
      const { changed } = await settings.update(patch);
      await log(actor.user.id, 'settings', null, '', changed);
      return settings.view();
    },

    async accessHelp() {
      return settings.help();
    },
  };
}

export type ModerationService = ReturnType<typeof createModerationService>;
