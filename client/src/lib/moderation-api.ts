import type { z } from 'zod';
import type {
  caseActionSchema,
  caseOutcomes,
  createReportSchema,
  helpSchema,
  ModerationAction,
  ModerationCase,
  moderationActions,
  moderationLogEntrySchema,
  ModerationNotice,
  moderationQueueSchema,
  moderationSettingsSchema,
  reportReasons,
  reportTargets,
  updateModerationSettingsSchema,
} from '../../../shared/api/moderation.routes';
import { api, hrefOf } from './api';
import { routes } from './api-routes';

// Types of the moderation contract, and its REST calls. Like spaces-api.ts: only types come from
// shared/, and the few values the client needs are repeated, typed so that they cannot drift.

export type { ModerationAction, ModerationCase, ModerationNotice };
export type ReportReason = (typeof reportReasons)[number];
export type ReportTarget = (typeof reportTargets)[number];
export type CaseOutcome = (typeof caseOutcomes)[number];
export type CaseAction = z.input<typeof caseActionSchema>;
export type ModerationQueue = z.output<typeof moderationQueueSchema>;
export type ModerationLogEntry = z.output<typeof moderationLogEntrySchema>;
export type ModerationLog = { items: ModerationLogEntry[]; nextBefore: number | null };
export type ModerationSettings = z.output<typeof moderationSettingsSchema>;
export type ModerationSettingsChanges = z.input<typeof updateModerationSettingsSchema>;
export type Help = z.output<typeof helpSchema>;
export type ReportInput = z.input<typeof createReportSchema>;
export type CaseStatus = ModerationCase['status'];

/** The reasons a member may give, in the server's order (their words: `t(`moderation:reason.${reason}`)`). */
export const reportReasonList: typeof reportReasons = ['spam', 'harassment', 'off_topic', 'safeguarding', 'illegal', 'other'];

export const actionList: typeof moderationActions = ['hide', 'delete', 'warn', 'mute', 'remove', 'suspend', 'ban', 'reverse'];

/** Outcomes that `reverse` can undo (a deletion is final; a dismissal has nothing to undo). */
const reversible: ReadonlySet<CaseOutcome> = new Set(['hidden', 'muted', 'removed', 'suspended', 'banned', 'warned']);

/** Actions the moderator who took them may undo from the confirmation, right after (a deletion is final). */
export const undoableActions: ReadonlySet<ModerationAction> = new Set(['hide', 'warn', 'mute', 'remove', 'suspend', 'ban']);

/** Actions that need a length in hours. */
export const timedActions: ReadonlySet<ModerationAction> = new Set(['mute', 'suspend']);

/**
 * The actions worth offering on a case: content actions only for content still shown, space
 * actions only inside a space, account actions only for site moderators and admins, and
 * `reverse` only when there is something to undo (or an appeal to grant).
 * @example actionsFor(postCase, 'member') // → ['hide', 'delete', 'warn', 'mute', 'remove']
 */
export function actionsFor(
  item: Pick<ModerationCase, 'targetKind' | 'contentHidden' | 'contentDeleted' | 'spaceId' | 'outcome' | 'appeal' | 'status' | 'reports'>,
  siteRole: string | undefined,
): ModerationAction[] {
  const content = item.targetKind !== 'member';
  const siteModerator = siteRole === 'admin' || siteRole === 'moderator';
  const openAppeal = item.appeal !== null && item.status === 'open';
  const autoHidden = item.status === 'open' && item.contentHidden && item.outcome === null && item.reports.some((r) => r.automatic);
  return actionList.filter((action) => {
    switch (action) {
      case 'hide':
        // An open case whose content the word list hid: hiding confirms it.
        return content && !item.contentDeleted && (!item.contentHidden || autoHidden);
      case 'delete':
        return content && !item.contentDeleted;
      case 'warn':
        return true;
      case 'mute':
      case 'remove':
        return item.spaceId !== null;
      case 'suspend':
      case 'ban':
        return siteModerator;
      case 'reverse':
        return (item.outcome !== null && reversible.has(item.outcome)) || openAppeal;
    }
  });
}

export const moderationApi = {
  report: (input: ReportInput) => api.call(routes.report, { body: input }),
  help: () => api.call(routes.moderationHelp),
  queue: (status: CaseStatus) => api.call(routes.queue, { query: { status } }),
  take: (caseId: string, force = false) => api.call(routes.takeCase, { params: { caseId }, body: { force } }),
  dismiss: (caseId: string, reason: string) => api.call(routes.dismissCase, { params: { caseId }, body: { reason } }),
  act: (caseId: string, action: CaseAction) => api.call(routes.actOnCase, { params: { caseId }, body: action }),
  undo: (caseId: string) => api.call(routes.undoCaseAction, { params: { caseId } }),
  log: (before?: number) => api.call(routes.moderationLog, { query: { before } }),
  notices: () => api.call(routes.myNotices),
  readNotices: () => api.call(routes.readNotices),
  appeal: (noticeId: string, text: string) => api.call(routes.appealNotice, { params: { noticeId }, body: { text } }),
  settings: () => api.call(routes.moderationSettings),
  updateSettings: (changes: ModerationSettingsChanges) => api.call(routes.updateModerationSettings, { body: changes }),
};

/** Where the whole log downloads as CSV (admins). */
export const logExportHref = hrefOf(routes.exportLog);

/**
 * Whether a mute is in force at `now`.
 * @example mutedUntil({ mutedUntil: '2999-01-01T00:00:00Z' }, Date.now()) // → '2999-01-01T00:00:00Z'
 */
export function mutedUntil(membership: { mutedUntil?: string | null } | null | undefined, now: number): string | undefined {
  const until = membership?.mutedUntil;
  return until && Date.parse(until) > now ? until : undefined;
}
