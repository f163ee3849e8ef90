import { z } from 'zod';
import { handleRef, int4Query, text } from './input';
import { publicProfileSchema } from './accounts.routes';
import { defineRoute } from './route-spec';

export const reportReasons = ['spam', 'harassment', 'off_topic', 'safeguarding', 'illegal', 'other'] as const;
export const reportTargets = ['post', 'comment', 'message', 'member'] as const;
/**
 * What a moderator can do with a case. Space hosts and moderators: everything but `suspend` and
 * `ban` (site moderators and admins). `reverse` undoes the case's last action (unhide, restore
 * membership, lift a mute, suspension or ban); a deletion is final.
 */
export const moderationActions = ['hide', 'delete', 'warn', 'mute', 'remove', 'suspend', 'ban', 'reverse'] as const;
export type ModerationAction = (typeof moderationActions)[number];
export const caseOutcomes = ['dismissed', 'hidden', 'deleted', 'warned', 'muted', 'removed', 'suspended', 'banned', 'reversed', 'appeal_rejected'] as const;

export const createReportSchema = z
  .object({
    targetKind: z.enum(reportTargets),
    targetId: z.uuid(),
    reason: z.enum(reportReasons),
    note: text().trim().max(1_000).default(''),
  })
  .strict()
  .meta({ id: 'CreateReport' });

export const reportReceiptSchema = z
  .object({ received: z.literal(true) })
  .meta({ id: 'ReportReceipt', description: 'The report reached the moderators; the reporter hears the outcome, not the details.' });

const personSchema = publicProfileSchema.pick({ id: true, handle: true, displayName: true, avatarUrl: true, isBot: true });

export const moderationCaseSchema = z
  .object({
    id: z.uuid(),
    targetKind: z.enum(reportTargets),
    targetId: z.uuid(),
    spaceId: z.uuid().nullable(),
    subject: personSchema.nullable().describe('Whom the case is about: the author, or the member reported'),
    status: z.enum(['open', 'closed']),
    assignee: personSchema.nullable().describe('The moderator who took it'),
    reasons: z.array(z.enum(reportReasons)),
    reportCount: z.number().int(),
    reports: z
      .array(z.object({ reason: z.enum(reportReasons), note: z.string(), createdAt: z.iso.datetime(), automatic: z.boolean().describe('Opened by the word list, not by a member') }))
      .describe('Reporters are not named'),
    snapshot: z.object({ excerpt: z.string(), link: z.string().nullable() }).describe('What was reported, as it was when first reported'),
    siteOnly: z.boolean().describe('About a host of the space: only site moderators see it'),
    openedAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    outcome: z.enum(caseOutcomes).nullable().describe('What the moderators did last (`reversed`: an earlier action was undone)'),
    contentHidden: z.boolean().describe('The reported post, comment or message is hidden now'),
    contentDeleted: z.boolean().describe('The reported post, comment or message is deleted now'),
    escalated: z.boolean().describe('Left unhandled past the time limit: sent to the site moderators'),
    safeguarding: z.boolean().describe('Reported as a safeguarding concern: the safeguarding contacts see it too'),
    appeal: z
      .object({ text: z.string(), at: z.iso.datetime() })
      .nullable()
      .describe('The member acted on appealed (once): the case is back in the queue'),
  })
  .meta({ id: 'ModerationCase' });

export type ModerationCase = z.infer<typeof moderationCaseSchema>;

export const moderationQueueSchema = z
  .object({ items: z.array(moderationCaseSchema), openCount: z.number().int() })
  .meta({ id: 'ModerationQueue' });

export const moderationLogEntrySchema = z
  .object({
    id: z.number().int(),
    at: z.iso.datetime(),
    actor: personSchema.nullable(),
    action: z.string(),
    caseId: z.uuid().nullable(),
    targetKind: z.string().nullable(),
    targetId: z.uuid().nullable(),
    subject: personSchema.nullable(),
    spaceId: z.uuid().nullable(),
    reason: z.string(),
    details: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'ModerationLogEntry' });

export const caseActionSchema = z
  .object({
    action: z.enum(moderationActions),
    reason: text().trim().min(1).max(1_000).describe('Why: goes to the audit log and to the member acted on'),
    hours: z.number().int().min(1).max(24 * 365).optional().describe('How long a mute or suspension lasts (required for them)'),
  })
  .strict()
  .refine((a) => !['mute', 'suspend'].includes(a.action) || a.hours !== undefined, { path: ['hours'], message: 'required for mute and suspend' })
  .meta({ id: 'CaseAction' });

/** How long after acting a moderator may undo their action from its confirmation (later: `reverse`). */
export const UNDO_WINDOW_MINUTES = 10;

export const noticeKinds = ['report_outcome', 'action', 'appeal_outcome'] as const;

export const moderationNoticeSchema = z
  .object({
    id: z.uuid(),
    kind: z.enum(noticeKinds).describe('To a reporter: the outcome; to the member acted on: what happened and why; the answer to an appeal'),
    caseId: z.uuid(),
    text: z.string(),
    createdAt: z.iso.datetime(),
    readAt: z.iso.datetime().nullable(),
    canAppeal: z.boolean().describe('An action notice whose case was not appealed yet'),
    appealedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'ModerationNotice' });

export type ModerationNotice = z.infer<typeof moderationNoticeSchema>;

export const moderationSettingsSchema = z
  .object({
    wordList: z.array(z.string()).describe('Words and phrases that open a case automatically (whole words, any case)'),
    autoHide: z.boolean().describe('Also hide matching content until a moderator decides (off: a case is opened, nothing is hidden)'),
    escalateAfterMinutes: z.number().int().describe('An open case untouched this long goes to the site moderators, also by email; 0: never'),
    safeguardingContacts: z.array(personSchema).describe('Also see every case reported as a safeguarding concern'),
    helpMarkdown: z.string().describe('"Need help?": shown from every page and on the report form'),
  })
  .meta({ id: 'ModerationSettings' });

export const updateModerationSettingsSchema = z
  .object({
    wordList: z.array(text().trim().toLowerCase().min(1).max(100)).max(500).optional(),
    autoHide: z.boolean().optional(),
    escalateAfterMinutes: z.number().int().min(0).max(60 * 24 * 30).optional(),
    safeguardingContactHandles: z.array(handleRef()).max(20).optional(),
    helpMarkdown: text().trim().max(5_000).optional(),
  })
  .strict()
  .meta({ id: 'UpdateModerationSettings' });

export const helpSchema = z
  .object({
    helpHtml: z.string().describe('Sanitised rendering of the admins’ help text'),
    contacts: z.array(personSchema).describe('The network’s safeguarding contacts'),
  })
  .meta({ id: 'Help' });

const caseParams = z.object({ caseId: z.uuid() });
const noticeParams = z.object({ noticeId: z.uuid() });

export const moderationRoutes = {
  report: defineRoute({
    method: 'post',
    path: '/api/v1/reports',
    summary: 'Reports a post, comment, chat message or member to the moderators who look after it. Several reports of one thing make one case.',
    tag: 'moderation',
    access: 'member',
    body: createReportSchema,
    responses: { 201: { description: 'Received', schema: reportReceiptSchema } },
    errors: [404, 409],
  }),
  queue: defineRoute({
    method: 'get',
    path: '/api/v1/moderation/cases',
    summary: 'The cases I may handle: all for site moderators and admins; those of my spaces for their hosts and moderators (not cases about a host).',
    tag: 'moderation',
    access: 'member',
    query: z.object({ status: z.enum(['open', 'closed']).default('open') }).strict(),
    responses: { 200: { description: 'Cases, newest activity first', schema: moderationQueueSchema } },
    errors: [403],
  }),
  takeCase: defineRoute({
    method: 'post',
    path: '/api/v1/moderation/cases/:caseId/take',
    summary: 'Takes a case, so other moderators see who has it. 409 when someone else has it, unless `force`.',
    tag: 'moderation',
    access: 'member',
    params: caseParams,
    body: z.object({ force: z.boolean().default(false) }).strict().meta({ id: 'TakeCase' }),
    responses: { 200: { description: 'The case', schema: moderationCaseSchema } },
    errors: [403, 404, 409],
  }),
  dismissCase: defineRoute({
    method: 'post',
    path: '/api/v1/moderation/cases/:caseId/dismiss',
    summary: 'Closes a case without action, with a reason for the audit log.',
    tag: 'moderation',
    access: 'member',
    params: caseParams,
    body: z.object({ reason: text().trim().min(1).max(1_000) }).strict().meta({ id: 'DismissCase' }),
    responses: { 200: { description: 'The case', schema: moderationCaseSchema } },
    errors: [403, 404, 409],
  }),
  actOnCase: defineRoute({
    method: 'post',
    path: '/api/v1/moderation/cases/:caseId/actions',
    summary:
      'Acts on a case: hide or delete the content, warn, mute in the space or remove from it, suspend or ban (site moderators), or reverse the last action. Closes the case; the member acted on and the reporters are told.',
    tag: 'moderation',
    access: 'member',
    params: caseParams,
    body: caseActionSchema,
    responses: { 200: { description: 'The case', schema: moderationCaseSchema } },
    errors: [403, 404, 409],
  }),
  undoCaseAction: defineRoute({
    method: 'post',
    path: '/api/v1/moderation/cases/:caseId/undo',
    summary:
      'Takes back my own last action on a case (not a deletion), within 10 minutes of it: the content or member is as before, the case as it was (back in the queue when it was open), the member acted on is told it was reversed, and the log keeps the action and the undo. Later, or for another moderator’s action: `reverse`.',
    tag: 'moderation',
    access: 'member',
    params: caseParams,
    responses: { 200: { description: 'The case as it was before the action', schema: moderationCaseSchema } },
    errors: [403, 404, 409],
  }),
  myNotices: defineRoute({
    method: 'get',
    path: '/api/v1/moderation/notices',
    summary: 'My notices from the moderators: outcomes of my reports, actions on my content or account, answers to appeals.',
    tag: 'moderation',
    access: 'member',
    responses: { 200: { description: 'Newest first', schema: z.object({ items: z.array(moderationNoticeSchema), unread: z.number().int() }).meta({ id: 'ModerationNotices' }) } },
  }),
  readNotices: defineRoute({
    method: 'post',
    path: '/api/v1/moderation/notices/read',
    summary: 'Marks all my notices read (on every tab).',
    tag: 'moderation',
    access: 'member',
    responses: { 200: { description: 'Done', schema: z.object({ unread: z.number().int() }).meta({ id: 'NoticesRead' }) } },
  }),
  appealNotice: defineRoute({
    method: 'post',
    path: '/api/v1/moderation/notices/:noticeId/appeal',
    summary: 'Appeals an action, once: the case returns to the moderators’ queue with the appeal.',
    tag: 'moderation',
    access: 'member',
    params: noticeParams,
    body: z.object({ text: text().trim().min(1).max(2_000) }).strict().meta({ id: 'Appeal' }),
    responses: { 200: { description: 'The notice', schema: moderationNoticeSchema } },
    errors: [404, 409],
  }),
  moderationSettings: defineRoute({
    method: 'get',
    path: '/api/v1/admin/moderation',
    summary: 'Moderation settings: word list, automatic hiding, escalation, safeguarding contacts, help text. Admins only.',
    tag: 'admin',
    access: 'member',
    responses: { 200: { description: 'Settings', schema: moderationSettingsSchema } },
    errors: [403],
  }),
  updateModerationSettings: defineRoute({
    method: 'patch',
    path: '/api/v1/admin/moderation',
    summary: 'Changes moderation settings. Admins only.',
    tag: 'admin',
    access: 'member',
    body: updateModerationSettingsSchema,
    responses: { 200: { description: 'Settings', schema: moderationSettingsSchema } },
    errors: [403],
  }),
  moderationHelp: defineRoute({
    method: 'get',
    path: '/api/v1/help',
    summary: '"Need help?": the admins’ text and the safeguarding contacts, for every signed-in member (before accepting the guidelines too).',
    tag: 'moderation',
    access: 'member',
    allowBeforeGuidelines: true,
    responses: { 200: { description: 'Help', schema: helpSchema } },
  }),
  exportLog: defineRoute({
    method: 'get',
    path: '/api/v1/moderation/log/export',
    summary: 'The whole moderation log as CSV (admins).',
    tag: 'moderation',
    access: 'member',
    responses: { 200: { description: 'CSV, oldest first', contentType: 'text/csv' } },
    errors: [403],
  }),
  moderationLog: defineRoute({
    method: 'get',
    path: '/api/v1/moderation/log',
    summary: 'The append-only audit log of moderator actions (site moderators and admins).',
    tag: 'moderation',
    access: 'member',
    query: z.object({ before: int4Query().positive().optional() }).strict(),
    responses: { 200: { description: 'Newest first, 200 at a time', schema: z.object({ items: z.array(moderationLogEntrySchema), nextBefore: z.number().int().nullable() }).meta({ id: 'ModerationLog' }) } },
    errors: [403],
  }),
};
