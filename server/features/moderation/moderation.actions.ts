// What moderators do with a case: take it, dismiss it, or act (hide, delete, warn, mute, remove,
// suspend, ban, reverse). An action changes the content or the member through the owning feature's
// trusted write (which publishes to every screen), closes the case, tells the member acted on and
// the reporters, and is written to the moderation log (decision 011).
import type { ModerationCase } from '../../../shared/api/moderation.routes';
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
import { reporterIdsOf, spaceNameOf, updateCase, userById, type Action, type CaseRow, type NoticeRow } from './moderation.repository';
import type { ModerationTargets } from './moderation.targets';

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

const when = (date: Date) => date.toUTCString().replace(' GMT', ' UTC');

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
  const spaceNameOfCase = (row: CaseRow) => spaceNameOf(db, row.spaceId);

  async function subjectOf(row: CaseRow) {
    if (!row.subjectId) throw new AppError('conflict', 'The member this case is about no longer exists');
    const user = await userById(db, row.subjectId);
    if (!user || user.status === 'deleted') throw new AppError('conflict', 'The member this case is about no longer exists');
    return user;
  }

  /** The effect of one action; returns what `reverse` needs and the member's notice. */
  async function apply(actor: Actor, row: CaseRow, input: Action): Promise<{ lastAction: NonNullable<CaseRow['lastAction']>; notice: string; email?: boolean }> {
    const hours = input.hours ?? 0;
    switch (input.action) {
      case 'hide':
      case 'delete': {
        if (!targets.isContent(row.targetKind)) throw new AppError('conflict', 'Only posts, comments and messages can be hidden or deleted');
        const confirmsAutoHide = input.action === 'hide' && row.status === 'open' && row.lastAction?.action === 'auto_hide';
        if (!confirmsAutoHide && !(await targets.changeContent(row, input.action))) {
          throw new AppError('conflict', input.action === 'hide' ? 'This content is hidden or deleted already' : 'This content is deleted already');
        }
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
          notice: `The moderators muted you in ${(await spaceNameOfCase(row)) ?? 'the space'} until ${when(until)}: you can read it, but not post, comment or chat there.`,
        };
      }
      case 'remove': {
        if (!row.spaceId) throw new AppError('conflict', 'This case is not about a space');
        const user = await subjectOf(row);
        const role = await spacesService.doRemoveByModeration(row.spaceId, user.id);
        if (!role) throw new AppError('conflict', 'This member is not in the space');
        return { lastAction: { action: 'remove', role }, notice: `The moderators removed you from ${(await spaceNameOfCase(row)) ?? 'the space'}.` };
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
        await targets.changeContent(row, 'unhide');
        return done(`${await whatOf(row, 'your')}: it is visible again`);
      case 'warn':
        return done('their warning: it is withdrawn');
      case 'mute':
        if (row.spaceId && row.subjectId) await spacesService.doSetMute(row.spaceId, row.subjectId, null);
        return done(`your mute in ${(await spaceNameOfCase(row)) ?? 'the space'}: you can post there again`);
      case 'remove':
        if (row.spaceId && row.subjectId) await spacesService.doRestoreMember(row.spaceId, row.subjectId, (last.role as 'host' | 'moderator' | 'member' | undefined) ?? 'member');
        return done(`your removal from ${(await spaceNameOfCase(row)) ?? 'the space'}: you are a member again`);
      case 'suspend':
      case 'ban':
        if (row.subjectId) await doReinstateMember({ db }, row.subjectId);
        return done('your account: you can sign in again');
      default:
        throw new AppError('conflict', 'A deletion is final and cannot be reversed');
    }
  }

  /** Closes the case with an outcome; tells the member acted on and, on first closing, the reporters. */
  async function close(actor: Actor, row: CaseRow, outcome: Outcome, set: Partial<CaseRow>, subjectNotice: { kind: NoticeRow['kind']; text: string } | null) {
    const updated = (await updateCase(db, row.id, { ...set, status: 'closed', outcome, closedAt: new Date(), updatedAt: new Date(), assigneeId: row.assigneeId ?? actor.user.id }))!;
    if (subjectNotice && updated.subjectId) await notices.notify([updated.subjectId], subjectNotice.kind, updated, subjectNotice.text);
    // Reporters hear the outcome once (not the details), when the case first closes after their report.
    if (row.status === 'open' && !row.appealedAt) {
      const reporters = await reporterIdsOf(db, row.id);
      const tookAction = outcome !== 'dismissed';
      await notices.notify(
        reporters.filter((id) => id !== actor.user.id),
        'report_outcome',
        updated,
        `Thank you for reporting ${await whatOf(row, 'a')}. The moderators reviewed it and ${tookAction ? 'took action' : 'found it within the community guidelines'}.`,
      );
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
      const row = await access.visibleCase(actor, caseId);
      if (!(await access.canAct(actor, row))) throw new AppError('forbidden', 'Only the moderators of this case can act on it');
      const effect = await apply(actor, row, input);
      const appealed = row.status === 'open' && row.appealedAt !== null;
      await log.write(actor.user.id, input.action, row, input.reason, { ...(input.hours ? { hours: input.hours } : {}), ...effect.lastAction });
      const reversed = input.action === 'reverse';
      const text = `${effect.notice} Reason: ${input.reason}${!reversed ? ' You may appeal once, from your notices.' : ''}`;
      if (effect.email && row.subjectId) await notices.emailSubject(row.subjectId, `${effect.notice} Reason: ${input.reason}`);
      return close(
        actor,
        row,
        reversed ? 'reversed' : outcomeOf[input.action as Exclude<Action['action'], 'reverse'>],
        { lastAction: effect.lastAction },
        { kind: appealed ? 'appeal_outcome' : 'action', text: appealed && reversed ? `Your appeal was upheld. ${effect.notice}` : text },
      );
    },
  };
}
