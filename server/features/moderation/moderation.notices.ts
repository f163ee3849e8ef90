// What the moderators tell a member (the outcome of their report, an action on them, the answer
// to their appeal), live in their `user:<id>` room; and the one appeal a member may make.
import type { ModerationNotice } from '../../../shared/api/moderation.routes';
import type { Config } from '../../config';
import type { Db } from '../../core/db/database';
import { AppError } from '../../core/errors';
import type { Work } from '../../core/events/unit-of-work';
import { translator, type Languages, type Locale } from '../../core/i18n/i18n';
import type { MemberLog } from '../../core/replay-log/member-log';
import type { Actor } from '../accounts/actor';
import type { OutboxMail } from '../../core/mail/outbox';
import type { CaseViews } from './moderation.cases';
import type { ModerationLog } from './moderation.log';
import './moderation.events';
import type { Say } from './moderation.targets';
import {
  findCase,
  findNoticeOf,
  insertNotices,
  isUniqueViolation,
  markNoticesRead,
  noticesOf,
  reopenForAppeal,
  unreadNoticeCount,
  userById,
  type CaseRow,
  type NoticeRow,
} from './moderation.repository';

/** Outcomes a member may appeal (once). */
const appealable = new Set<string>(['hidden', 'deleted', 'warned', 'muted', 'removed', 'suspended', 'banned']);

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

export function createModerationNotices(deps: {
  db: Db;
  work: Work;
  /** Notices and their read marker go through the member's own log: replayed after a reconnect. */
  memberLog: MemberLog;
  mail: OutboxMail;
  config: Pick<Config, 'publicUrl'>;
  cases: Pick<CaseViews, 'announce'>;
  log: ModerationLog;
  /** Each notice is written in its reader's language, once, when it is sent. */
  languages: Pick<Languages, 'of'>;
}) {
  const { db, work, memberLog, mail, config, cases, log, languages } = deps;

  return {
    /** Tells each member, in their own language, through their own log (replayed after a reconnect). */
    async notify(userIds: string[], kind: NoticeRow['kind'], row: CaseRow, text: Say): Promise<void> {
      if (userIds.length === 0) return;
      const byLocale = new Map<Locale, string[]>();
      for (const id of userIds) {
        const locale = await languages.of(id);
        byLocale.set(locale, [...(byLocale.get(locale) ?? []), id]);
      }
      await work.transaction(async (uow) => {
        for (const [locale, ids] of byLocale) {
          const created = await insertNotices(uow.tx, ids, kind, row.id, text(translator(locale)));
          for (const notice of created) await memberLog.tell(uow, notice.userId, 'moderation:notice', noticeView(notice, row));
          uow.emit('moderation.noticed', { notices: created.map((notice) => ({ userId: notice.userId, noticeId: notice.id, kind: notice.kind })) });
        }
      });
    },

    /** A suspended or banned member cannot sign in to read notices: they get the decision by email too, in their language. */
    async emailSubject(userId: string, text: Say): Promise<void> {
      const user = await userById(db, userId);
      if (!user?.email) return;
      const t = translator(await languages.of(userId));
      await mail.enqueue(db, {
        kind: 'moderation',
        userId,
        to: user.email,
        subject: t('moderation:email.decisionSubject'),
        text: t('moderation:email.decisionBody', { name: user.displayName, text: text(t), site: config.publicUrl }),
      });
    },

    async accessNotices(actor: Actor) {
      const rows = await noticesOf(db, actor.user.id);
      // Only the newest action notice of a case offers the appeal.
      const seen = new Set<string>();
      const items = rows.map((r) => {
        const view = noticeView(r.notice, r);
        if (view.kind === 'action' && seen.has(r.notice.caseId)) view.canAppeal = false;
        if (view.kind === 'action') seen.add(r.notice.caseId);
        return view;
      });
      return { items, unread: await unreadNoticeCount(db, actor.user.id) };
    },

    async doReadNotices(actor: Actor) {
      await work.transaction(async (uow) => {
        await markNoticesRead(uow.tx, actor.user.id);
        await memberLog.tell(uow, actor.user.id, 'moderation:notices-read', { unread: 0 });
        uow.emit('moderation.notices-read', { userId: actor.user.id });
      });
      return { unread: 0 };
    },

    /** An appeal, once per case: the case goes back to the queue with it. */
    async doAppeal(actor: Actor, noticeId: string, text: string) {
      const notice = await findNoticeOf(db, actor.user.id, noticeId);
      if (!notice) throw AppError.notFound('No such notice');
      const row = await findCase(db, notice.caseId);
      if (!row || notice.kind !== 'action' || !noticeView(notice, row).canAppeal) {
        throw new AppError('conflict', row?.appealedAt ? 'You have appealed this decision already' : 'This notice cannot be appealed');
      }
      let reopened: CaseRow | undefined;
      try {
        reopened = await reopenForAppeal(db, row.id, text);
      } catch (error) {
        if (isUniqueViolation(error)) throw new AppError('conflict', 'The moderators are looking at a new report about this already; try again once it is closed');
        throw error;
      }
      if (!reopened) throw new AppError('conflict', 'You have appealed this decision already');
      await log.write(actor.user.id, 'appeal', reopened, text);
      await cases.announce(reopened, 'moderation:case-opened');
      return noticeView(notice, reopened);
    },
  };
}

export type ModerationNotices = ReturnType<typeof createModerationNotices>;
