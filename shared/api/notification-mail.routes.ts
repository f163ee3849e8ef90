import { z } from 'zod';
import { defineRoute } from './route-spec';

// Notification email (issue #14, decision 022): one-click unsubscribe (RFC 8058) and the admins'
// view of addresses that bounce.

/** A signed unsubscribe token as the server mails it: `<base64url>.<base64url>`. */
export const unsubscribeTokenSchema = z.string().max(512).regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'is not a link this server sent');

export const unsubscribedSchema = z
  .object({
    scope: z.string().describe("The notification kind whose email was turned off, or 'digest', or 'all'"),
    turnedOff: z.enum(['email', 'digest', 'all']).describe("'email': that kind's email; 'digest': the digest; 'all': every notification email and the digest"),
  })
  .meta({ id: 'Unsubscribed' });

export const emailBounceSchema = z
  .object({
    userId: z.uuid(),
    handle: z.string(),
    displayName: z.string(),
    email: z.string(),
    bouncedAt: z.iso.datetime(),
    reason: z.string().nullable().describe('What the mail server answered'),
  })
  .meta({ id: 'EmailBounce' });

export const emailBounceListSchema = z.object({ items: z.array(emailBounceSchema) }).meta({ id: 'EmailBounceList' });

export const notificationMailRoutes = {
  unsubscribe: defineRoute({
    method: 'post',
    path: '/api/v1/notifications/unsubscribe',
    summary:
      "Turns off what a mailed link names (one kind's email, the digest, or all notification email) for the member it names. No sign-in and no confirmation: the List-Unsubscribe-Post one-click of RFC 8058 and the page behind the mail's footer link both post here. The token is signed by the server; an altered one is refused.",
    tag: 'notifications',
    access: 'public',
    query: z.object({ token: unsubscribeTokenSchema }).strict(),
    responses: { 200: { description: 'Turned off', schema: unsubscribedSchema } },
    errors: [404],
  }),
  emailBounces: defineRoute({
    method: 'get',
    path: '/api/v1/admin/emails/bounces',
    summary: 'Members whose address the mail server refused for good (an SMTP 5xx): they get no notification mail until they confirm it again. Admins only.',
    tag: 'admin',
    access: 'member',
    responses: { 200: { description: 'Bouncing addresses, latest first', schema: emailBounceListSchema } },
    errors: [403],
  }),
};
