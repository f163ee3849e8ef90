import { z } from 'zod';
import { publicProfileSchema } from './accounts.routes';
import { defineRoute } from './route-spec';

export const reportReasons = ['spam', 'harassment', 'off_topic', 'safeguarding', 'illegal', 'other'] as const;
export const reportTargets = ['post', 'comment', 'message', 'member'] as const;

export const createReportSchema = z
  .object({
    targetKind: z.enum(reportTargets),
    targetId: z.uuid(),
    reason: z.enum(reportReasons),
    note: z.string().trim().max(1_000).default(''),
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
    reports: z.array(z.object({ reason: z.enum(reportReasons), note: z.string(), createdAt: z.iso.datetime() })).describe('Reporters are not named'),
    snapshot: z.object({ excerpt: z.string(), link: z.string().nullable() }).describe('What was reported, as it was when first reported'),
    siteOnly: z.boolean().describe('About a host of the space: only site moderators see it'),
    openedAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    outcome: z.string().nullable(),
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
    reason: z.string(),
  })
  .meta({ id: 'ModerationLogEntry' });

const caseParams = z.object({ caseId: z.uuid() });

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
    body: z.object({ reason: z.string().trim().min(1).max(1_000) }).strict().meta({ id: 'DismissCase' }),
    responses: { 200: { description: 'The case', schema: moderationCaseSchema } },
    errors: [403, 404, 409],
  }),
  moderationLog: defineRoute({
    method: 'get',
    path: '/api/v1/moderation/log',
    summary: 'The append-only audit log of moderator actions (site moderators and admins).',
    tag: 'moderation',
    access: 'member',
    responses: { 200: { description: 'Newest first', schema: z.object({ items: z.array(moderationLogEntrySchema) }).meta({ id: 'ModerationLog' }) } },
    errors: [403],
  }),
};
