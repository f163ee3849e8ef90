// What moderators do with a case: take it, dismiss it, or act (hide, delete, warn, mute, remove,
// suspend, ban, reverse), and undo their own action right after it. An action changes the content
// or the member through the owning feature's trusted write (which publishes to every screen),
// closes the case, tells the member acted on and the reporters, and is written to the moderation
// log (decision 011). Notices are said in each recipient's language (the `moderation` catalogue).
import { UNDO_WINDOW_MINUTES, type ModerationCase } from '../../../shared/api/moderation.routes';
import type { Db } from '../../core/db/database';
import { AppError, problem } from '../../core/errors';
import type { Realtime } from '../../core/realtime/realtime';
import type { Actor } from '../accounts/actor';
import { doExcludeMember, doReinstateMember } from '../accounts/member-standing';
import type { SpacesService } from '../spaces/spaces.service';
import { isSiteModerator, type ModerationAccess } from './moderation.access';
import type { CaseViews } from './moderation.cases';
import type { ModerationLog } from './moderation.log';
import type { ModerationNotices } from './moderation.notices';
import { reporterIdsOf, spaceNameOf, toldOfOutcome, updateCase, userById, type Action, type CaseRow, type NoticeRow } from './moderation.repository';
import type { ModerationTargets, Say } from './moderation.targets';

type Outcome = NonNullable<ModerationCase['outcome']>;

const outcomeOf: Record<Exclude<Action['action'], 'reverse'>, Outcome> = {
  hide: 'hidden',
  delete: 'deleted',
  warn: 'warned',
  mute: 'muted',
  remove: 'removed',
  suspend: 'suspended',
  ban: 'banned',
};

/** How long after acting a moderator may undo their action from the confirmation (then: `reverse`). */
export const UNDO_WINDOW_MS = UNDO_WINDOW_MINUTES * 60 * 1000;

/** Actions an undo takes back (a deletion is final). */
const undoable = new Set(['hide', 'warn', 'mute', 'remove', 'suspend', 'ban']);

type LastAction = NonNullable<CaseRow['lastAction']>;

/** One sentence after another, each in the reader's language. */
const sentences =
  (...parts: (Say | false | undefined)[]): Say =>
  (t) =>
    parts
      .filter((p): p is Say => Boolean(p))
      .map((p) => p(t))
      .join(' ');

export function createModerationActions(deps: {
  db: Db;
  realtime: Realtime;
  spaces: Pick<SpacesService, 'doSetMute' | 'doRemoveByModeration' | 'doRestoreMember'>;
  access: ModerationAccess;
  targets: ModerationTargets;
  cases: Pick<CaseViews, 'announce'>;
  notices: Pick<ModerationNotices, 'notify' | 'emailSubject'>;
  log: ModerationLog;
}) {
  const { db, realtime, spaces: spacesService, access, targets, cases, notices, log } = deps;
  const { whatOf } = targets;
  /** The case's space by name, or "the space" in the reader's words. */
  async function spaceOf(row: CaseRow): Promise<Say> {
    const name = await spaceNameOf(db, row.spaceId);
    return (t) => name ?? t('moderation:notice.theSpace');
  }

  async function subjectOf(row: CaseRow) {
    if (!row.subjectId) throw new AppError('conflict', 'The member this case is about no longer exists');
    const user = await userById(db, row.subjectId);
    if (!user || user.status === 'deleted') throw new AppError('conflict', 'The member this case is about no longer exists');
    return user;
  }

  /** The effect of one action; returns what `reverse` needs and the member's notice. */
  async function apply(actor: Actor, row: CaseRow, input: Action): Promise<{ lastAction: LastAction; notice: Say; email?: boolean }> {
    const hours = input.hours ?? 0;
    switch (input.action) {
      case 'hide':
      case 'delete': {
        if (!targets.isContent(row.targetKind)) throw new AppError('conflict', 'Only posts, comments and messages can be hidden or deleted');
        const confirmsAutoHide = input.action === 'hide' && row.status === 'open' && row.lastAction?.action === 'auto_hide';
        if (!confirmsAutoHide && !(await targets.changeContent(row, input.action))) {
          throw new AppError('conflict', input.action === 'hide' ? 'This content is hidden or deleted already' : 'This content is deleted already');
        }
        const what = await whatOf(row, 'your');
        return {
          lastAction: { action: input.action, ...(confirmsAutoHide ? { confirmedAutoHide: true } : {}) },
          notice: (t) => t(input.action === 'hide' ? 'moderation:notice.hid' : 'moderation:notice.deleted', { what: what(t) }),
        };
      }
      case 'warn': {
        await subjectOf(row);
        const what = await whatOf(row, 'your');
        return { lastAction: { action: 'warn' }, notice: (t) => t('moderation:notice.warned', { what: what(t) }) };
      }
      case 'mute': {
        if (!row.spaceId) throw new AppError('conflict', 'This case is not about a space');
        const user = await subjectOf(row);
        const until = new Date(Date.now() + hours * 3_600_000);
        if (!(await spacesService.doSetMute(row.spaceId, user.id, until))) throw new AppError('conflict', 'This member is not in the space');
        const space = await spaceOf(row);
        return {
          lastAction: { action: 'mute', until: until.toISOString() },
          notice: (t) => t('moderation:notice.muted', { space: space(t), until }),
        };
      }
      case 'remove': {
        if (!row.spaceId) throw new AppError('conflict', 'This case is not about a space');
        const user = await subjectOf(row);
        const role = await spacesService.doRemoveByModeration(row.spaceId, user.id);
        if (!role) throw new AppError('conflict', 'This member is not in the space');
        const space = await spaceOf(row);
        return { lastAction: { action: 'remove', role }, notice: (t) => t('moderation:notice.removed', { space: space(t) }) };
      }
      case 'suspend':
      case 'ban': {
        if (!isSiteModerator(actor)) throw new AppError('forbidden', 'Only site moderators and admins suspend or ban members');
        const user = await subjectOf(row);
        if (user.role === 'admin' || (user.role === 'moderator' && actor.user.role !== 'admin')) {
          throw new AppError('forbidden', 'Admins (and, for moderators, only admins) change a staff member’s account in Admin → Members');
        }
        const until = input.action === 'suspend' ? new Date(Date.now() + hours * 3_600_000) : null;
        await doExcludeMember({ db, realtime }, user.id, input.action === 'suspend' ? 'suspended' : 'banned', until);
        return {
          lastAction: { action: input.action, until: until?.toISOString() ?? null },
          notice: (t) => (until ? t('moderation:notice.suspended', { until }) : t('moderation:notice.banned')),
          email: true,
        };
      }
      case 'reverse':
        return reverse(row.lastAction, row);
    }
  }

  /** Undoes an action's effect (the case's last, unless told which). A deletion is final. */
  async function reverse(last: CaseRow['lastAction'], row: CaseRow): Promise<{ lastAction: LastAction; notice: Say }> {
    if (!last || row.outcome === 'reversed' || row.outcome === 'dismissed') throw new AppError('conflict', 'There is no action on this case to reverse');
    const done = (notice: Say) => ({ lastAction: { action: 'reverse' }, notice });
    switch (last.action) {
      case 'hide':
      case 'auto_hide': {
        await targets.changeContent(row, 'unhide');
        const what = await whatOf(row, 'your');
        return done((t) => t('moderation:notice.reversed.content', { what: what(t) }));
      }
      case 'warn':
        return done((t) => t('moderation:notice.reversed.warn'));
      case 'mute': {
        if (row.spaceId && row.subjectId) await spacesService.doSetMute(row.spaceId, row.subjectId, null);
        const space = await spaceOf(row);
        return done((t) => t('moderation:notice.reversed.mute', { space: space(t) }));
      }
      case 'remove': {
        if (row.spaceId && row.subjectId) await spacesService.doRestoreMember(row.spaceId, row.subjectId, (last.role as 'host' | 'moderator' | 'member' | undefined) ?? 'member');
        const space = await spaceOf(row);
        return done((t) => t('moderation:notice.reversed.remove', { space: space(t) }));
      }
      case 'suspend':
      case 'ban':
        if (row.subjectId) await doReinstateMember({ db }, row.subjectId);
        return done((t) => t('moderation:notice.reversed.account'));
      default:
        throw new AppError('conflict', 'A deletion is final and cannot be reversed');
    }
  }

  /** Closes the case with an outcome; tells the member acted on and, on first closing, the reporters. */
  async function close(actor: Actor, row: CaseRow, outcome: Outcome, set: Partial<CaseRow>, subjectNotice: { kind: NoticeRow['kind']; text: Say } | null) {
    const updated = (await updateCase(db, row.id, { ...set, status: 'closed', outcome, closedAt: new Date(), updatedAt: new Date(), assigneeId: row.assigneeId ?? actor.user.id }))!;
    if (subjectNotice && updated.subjectId) await notices.notify([updated.subjectId], subjectNotice.kind, updated, subjectNotice.text);
    // Reporters hear the outcome once (not the details), when the case first closes after their
    // report; a case closed again after an undo does not tell them twice.
    if (row.status === 'open' && !row.appealedAt) {
      const told = new Set(await toldOfOutcome(db, row.id));
      const reporters = (await reporterIdsOf(db, row.id)).filter((id) => id !== actor.user.id && !told.has(id));
      const what = await whatOf(row, 'a');
      const key = outcome !== 'dismissed' ? 'moderation:notice.reportOutcome.action' : 'moderation:notice.reportOutcome.dismissed';
      await notices.notify(reporters, 'report_outcome', updated, (t) => t(key, { what: what(t) }));
    }
    return cases.announce(updated, 'moderation:case-updated');
  }

  return {
    async doTake(actor: Actor, caseId: string, force: boolean) {
      const row = await access.visibleCase(actor, caseId);
      if (row.status !== 'open') throw new AppError('conflict', 'This case is closed');
      if (row.assigneeId && row.assigneeId !== actor.user.id && !force) {
        const holder = await userById(db, row.assigneeId);
        throw new AppError('conflict', holder ? problem('@{{handle}} has this case', { handle: holder.handle }) : 'Someone else has this case', { assignee: holder?.handle ?? null });
      }
      const updated = (await updateCase(db, caseId, { assigneeId: actor.user.id, updatedAt: new Date() }))!;
      await log.write(actor.user.id, 'take', updated, force ? 'taken over' : '');
      return cases.announce(updated, 'moderation:case-updated');
    },

    /** Closes a case without action; on an appeal, keeps the decision and tells the member. */
    async doDismiss(actor: Actor, caseId: string, reason: string) {
      const row = await access.visibleCase(actor, caseId);
      if (!(await access.canAct(actor, row))) throw new AppError('forbidden', 'Only the moderators of this case can close it');
      if (row.status !== 'open') throw new AppError('conflict', 'This case is closed');
      const appealed = row.appealedAt !== null;
      // Hidden by the word list and found within the guidelines: it is shown again.
      const unhidden = !appealed && row.lastAction?.action === 'auto_hide' && (await targets.changeContent(row, 'unhide'));
      await log.write(actor.user.id, appealed ? 'reject_appeal' : 'dismiss', row, reason, unhidden ? { unhidden: true } : {});
      const what = await whatOf(row, 'your');
      return close(
        actor,
        row,
        appealed ? 'appeal_rejected' : 'dismissed',
        // An appeal rejected keeps the earlier outcome's effect (and what reverse would undo).
        appealed ? {} : { lastAction: null },
        appealed
          ? { kind: 'appeal_outcome', text: (t) => t('moderation:notice.appealRejected', { what: what(t), reason }) }
          : unhidden
            ? { kind: 'action', text: (t) => t('moderation:notice.autoHideCleared', { what: what(t) }) }
            : null,
      );
    },

    async doAct(actor: Actor, caseId: string, input: Action) {
      const row = await access.visibleCase(actor, caseId);
      if (!(await access.canAct(actor, row))) throw new AppError('forbidden', 'Only the moderators of this case can act on it');
      const effect = await apply(actor, row, input);
      const appealed = row.status === 'open' && row.appealedAt !== null;
      await log.write(actor.user.id, input.action, row, input.reason, { ...(input.hours ? { hours: input.hours } : {}), ...effect.lastAction });
      const reversed = input.action === 'reverse';
      const reason: Say = (t) => t('moderation:notice.reason', { reason: input.reason });
      const text = sentences(effect.notice, reason, !reversed && ((t) => t('moderation:notice.mayAppeal')));
      if (effect.email && row.subjectId) await notices.emailSubject(row.subjectId, sentences(effect.notice, reason));
      // What an undo needs: who acted, when, and the case as it was (one level: an undo restores it).
      const before = { status: row.status, outcome: row.outcome, closedAt: row.closedAt?.toISOString() ?? null, lastAction: row.lastAction ? { ...row.lastAction, before: undefined } : null };
      return close(
        actor,
        row,
        reversed ? 'reversed' : outcomeOf[input.action as Exclude<Action['action'], 'reverse'>],
        { lastAction: { ...effect.lastAction, by: actor.user.id, at: new Date().toISOString(), before } },
        { kind: appealed ? 'appeal_outcome' : 'action', text: appealed && reversed ? sentences((t) => t('moderation:notice.appealUpheld'), effect.notice) : text },
      );
    },

    /**
     * Takes back the actor's own last action on a case, within UNDO_WINDOW_MS of it: the content or
     * the member is as before, the case as it was (back in the queue when it was open), the member
     * acted on is told the decision was reversed, and the log keeps both the action and the undo.
     */
    async doUndo(actor: Actor, caseId: string) {
      const row = await access.visibleCase(actor, caseId);
      if (!(await access.canAct(actor, row))) throw new AppError('forbidden', 'Only the moderators of this case can act on it');
      const last = row.lastAction;
      if (!last || !undoable.has(last.action) || !last.before || row.status !== 'closed') throw new AppError('conflict', 'There is no action on this case to undo');
      if (last.by !== actor.user.id) throw new AppError('forbidden', 'Only the moderator who acted can undo it; others can reverse it');
      if (!last.at || Date.now() - new Date(last.at).getTime() > UNDO_WINDOW_MS) throw new AppError('conflict', 'It is too late to undo this action; reverse it instead');
      const before = last.before;
      // A hide that confirmed an automatic hide leaves the content hidden: the case is as before.
      const effect = last.confirmedAutoHide ? null : await reverse(last, row);
      await log.write(actor.user.id, 'undo', row, '', { undone: last.action });
      const updated = (await updateCase(db, row.id, {
        status: before.status,
        outcome: before.outcome,
        closedAt: before.closedAt ? new Date(before.closedAt) : null,
        lastAction: before.lastAction,
        updatedAt: new Date(),
      }))!;
      if (effect && updated.subjectId) await notices.notify([updated.subjectId], 'action', updated, effect.notice);
      if (effect && (last.action === 'suspend' || last.action === 'ban') && updated.subjectId) await notices.emailSubject(updated.subjectId, effect.notice);
      return cases.announce(updated, 'moderation:case-updated');
    },
  };
}
