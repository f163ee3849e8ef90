import { z } from 'zod';
import { nameText, text } from './input';
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
    placeholders: z.array(z.string()).describe('What templates may contain, e.g. {name}'),
  })
  .meta({ id: 'WelcomeSettings' });

const template = text().trim().min(1).max(5_000);

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
  })
  .strict()
  .meta({ id: 'UpdateWelcomeSettings' });

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
