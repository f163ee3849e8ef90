import { z } from 'zod';
import { sendMessageBodySchema } from './chat.routes';
import { handleRef, nameText, text } from './input';
import { defineRoute } from './route-spec';

export const welcomeSettingsSchema = z
  .object({
    botEnabled: z.boolean().describe('Off: the bot greets nobody, anywhere'),
    welcomeSpaceId: z.uuid().nullable().describe('Where the bot posts its welcome to each newcomer; null: no welcome post'),
    postTemplate: z.string(),
    messageTemplate: z.string(),
    emailEnabled: z.boolean(),
    emailSubject: z.string(),
    emailTemplate: z.string(),
    managerName: z.string().describe('The community manager who signs the welcome email'),
    joinWelcomeSpace: z.boolean().describe('Newcomers become members of the welcome space when they arrive (so they can answer its welcome post)'),
    managers: z
      .array(z.object({ id: z.uuid(), handle: z.string(), displayName: z.string() }))
      .describe('The community managers: they read and answer replies to the bot, and get an email for each new one. Empty: the admins'),
    placeholders: z.array(z.string()).describe('What templates may contain, e.g. {name}'),
  })
  .meta({ id: 'WelcomeSettings' });

const template = text().trim().min(1).max(5_000);

/** The most community managers a network names (each gets an email per new help request). */
export const MAX_MANAGERS = 5;

export const updateWelcomeSettingsSchema = z
  .object({
    botEnabled: z.boolean().optional(),
    welcomeSpaceId: z.uuid().nullable().optional(),
    postTemplate: template.optional(),
    messageTemplate: template.optional(),
    emailEnabled: z.boolean().optional(),
    emailSubject: text().trim().min(1).max(200).optional(),
    emailTemplate: template.optional(),
    managerName: nameText({ min: 1, max: 80 }).optional(),
    joinWelcomeSpace: z.boolean().optional(),
    managerHandles: z
      .array(handleRef())
      .max(MAX_MANAGERS, `at most ${MAX_MANAGERS} community managers`)
      .optional()
      .describe('The community managers by handle (active members); empty: the admins'),
  })
  .strict()
  .meta({ id: 'UpdateWelcomeSettings' });

const memberRef = z.object({ id: z.uuid(), handle: z.string(), displayName: z.string() });

export const helpRequestSchema = z
  .object({
    member: memberRef.describe('The member who wrote to the welcome bot'),
    messages: z
      .array(z.object({ id: z.uuid(), bodyMarkdown: z.string(), createdAt: z.iso.datetime() }))
      .describe('What they wrote to the bot since the last answer (at most 5, oldest first); when answered, their last messages'),
    lastMessageAt: z.iso.datetime(),
    status: z.enum(['open', 'answered']).describe('answered: a community manager wrote to them directly after their last message to the bot'),
    answeredBy: memberRef.nullable(),
    answeredAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'HelpRequest', description: 'A member’s replies to the welcome bot, routed to the community managers.' });

export type HelpRequest = z.infer<typeof helpRequestSchema>;

export const helpRequestListSchema = z
  .object({ items: z.array(helpRequestSchema).describe('Open ones first, then the most recent') })
  .meta({ id: 'HelpRequestList' });

export const answerHelpRequestSchema = z
  .object({
    bodyMarkdown: text().trim().min(1).max(4_000),
    clientId: sendMessageBodySchema.shape.clientId.describe('The sender’s id for this answer: a retry sends it once'),
  })
  .strict()
  .meta({ id: 'AnswerHelpRequest' });

export const helpAnswerSchema = z
  .object({ conversationId: z.uuid().describe('The direct conversation between the manager and the member, where the answer is') })
  .meta({ id: 'HelpAnswer' });

export const communityManagersSchema = z
  .object({ items: z.array(memberRef).describe('The named community managers, else the admins (oldest first)') })
  .meta({ id: 'CommunityManagers', description: 'Whom a member can ask for help.' });

export const checklistItemIds = ['siteName', 'guidelines', 'welcomeSpace', 'firstSpace', 'invite', 'sso'] as const;

export const checklistSchema = z
  .object({
    items: z.array(
      z.object({
        id: z.enum(checklistItemIds),
        done: z.boolean().describe('Read from the network as it is now'),
        optional: z.boolean().describe('Not needed for the checklist to be complete (single sign-on)'),
      }),
    ),
    complete: z.boolean().describe('Every item that is not optional is done'),
    dismissed: z.boolean().describe('An admin closed the checklist'),
  })
  .meta({ id: 'AdminChecklist', description: 'The first-run checklist of a new network, ticked from its real state.' });

export type Checklist = z.infer<typeof checklistSchema>;

export const updateChecklistSchema = z.object({ dismissed: z.boolean() }).strict().meta({ id: 'UpdateChecklist' });

export const outboxEmailSchema = z
  .object({
    id: z.uuid(),
    to: z.string(),
    subject: z.string(),
    kind: z.string(),
    status: z.enum(['pending', 'sent', 'failed']),
    attempts: z.number().int(),
    lastError: z.string().nullable(),
    createdAt: z.iso.datetime(),
    sentAt: z.iso.datetime().nullable(),
    nextAttemptAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'OutboxEmail' });

export const outboxListSchema = z
  .object({ items: z.array(outboxEmailSchema), transport: z.enum(['smtp', 'files']) })
  .meta({ id: 'OutboxList' });

export const welcomeRoutes = {
  welcomeSettings: defineRoute({
    method: 'get',
    path: '/api/v1/admin/welcome',
    summary: 'The welcome bot’s and the welcome email’s settings and texts. Admins only.',
    tag: 'admin',
    access: 'member',
    responses: { 200: { description: 'Settings', schema: welcomeSettingsSchema } },
    errors: [403],
  }),
  updateWelcomeSettings: defineRoute({
    method: 'patch',
    path: '/api/v1/admin/welcome',
    summary: 'Changes the welcome bot’s and the welcome email’s settings and texts. Admins only.',
    tag: 'admin',
    access: 'member',
    body: updateWelcomeSettingsSchema,
    responses: { 200: { description: 'Settings', schema: welcomeSettingsSchema } },
    errors: [403, 404],
  }),
  outbox: defineRoute({
    method: 'get',
    path: '/api/v1/admin/emails',
    summary: 'Recent emails and whether they were sent, are waiting for a retry, or failed. Admins only.',
    tag: 'admin',
    access: 'member',
    responses: { 200: { description: 'Emails, newest first', schema: outboxListSchema } },
    errors: [403],
  }),
  communityManagers: defineRoute({
    method: 'get',
    path: '/api/v1/community-managers',
    summary: 'Whom members can ask for help: the community managers, else the admins. Every signed-in member.',
    tag: 'admin',
    access: 'member',
    allowBeforeGuidelines: true,
    responses: { 200: { description: 'The people to ask', schema: communityManagersSchema } },
  }),
  helpRequests: defineRoute({
    method: 'get',
    path: '/api/v1/admin/help-requests',
    summary: 'Replies members sent to the welcome bot, for the community managers (and admins) to answer.',
    tag: 'admin',
    access: 'member',
    responses: { 200: { description: 'Help requests', schema: helpRequestListSchema } },
    errors: [403],
  }),
  answerHelpRequest: defineRoute({
    method: 'post',
    path: '/api/v1/admin/help-requests/:userId/answer',
    summary: 'Answers a member’s help request: the answer is a direct message from the manager to the member. Community managers and admins.',
    tag: 'admin',
    access: 'member',
    params: z.object({ userId: z.uuid() }),
    body: answerHelpRequestSchema,
    responses: { 200: { description: 'Where the answer is', schema: helpAnswerSchema } },
    errors: [403, 404],
  }),
  checklist: defineRoute({
    method: 'get',
    path: '/api/v1/admin/checklist',
    summary: 'The first-run checklist (network name, guidelines, welcome space, first space, invitation, single sign-on), each item read from the network. Admins only.',
    tag: 'admin',
    access: 'member',
    responses: { 200: { description: 'The checklist', schema: checklistSchema } },
    errors: [403],
  }),
  updateChecklist: defineRoute({
    method: 'patch',
    path: '/api/v1/admin/checklist',
    summary: 'Dismisses (or brings back) the first-run checklist. Admins only.',
    tag: 'admin',
    access: 'member',
    body: updateChecklistSchema,
    responses: { 200: { description: 'The checklist', schema: checklistSchema } },
    errors: [403],
  }),
  retryEmail: defineRoute({
    method: 'post',
    path: '/api/v1/admin/emails/:emailId/retry',
    summary: 'Tries a failed email again now. Admins only.',
    tag: 'admin',
    access: 'member',
    params: z.object({ emailId: z.uuid() }),
    responses: { 200: { description: 'The email', schema: outboxEmailSchema } },
    errors: [403, 404],
  }),
};
