import { z } from 'zod';
import { emailSchema, newPasswordSchema } from './accounts.routes';
import { defineRoute } from './route-spec';

// Getting back in without an admin (issue #14): a single-use password reset link by email, and
// confirming one's address (unverified addresses get no notification mail).

/** A token as the server mails it: 43 base64url characters (32 random bytes). */
const tokenSchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'is not a link this server sent');

export const requestResetSchema = z.object({ email: emailSchema }).strict().meta({ id: 'RequestPasswordReset' });

export const confirmResetSchema = z.object({ token: tokenSchema, password: newPasswordSchema }).strict().meta({ id: 'ConfirmPasswordReset' });

export const confirmEmailSchema = z.object({ token: tokenSchema }).strict().meta({ id: 'ConfirmEmail' });

export const emailStatusSchema = z
  .object({
    email: z.string().nullable(),
    confirmed: z.boolean().describe('The address was confirmed by a link sent to it (or by the identity provider); only confirmed addresses get notification mail'),
    bouncing: z.boolean().describe('The mail server refused it for good; confirming it again clears this'),
    canChange: z.boolean().describe('False for addresses that come from the single sign-on provider'),
  })
  .meta({ id: 'EmailStatus' });

export const changeEmailSchema = z
  .object({ email: emailSchema, currentPassword: z.string().max(256).optional() })
  .strict()
  .meta({ id: 'ChangeEmail' });

export const linkStateSchema = z
  .object({ valid: z.boolean().describe('False when it expired, was used, or was never sent'), expiresAt: z.iso.datetime().nullable() })
  .meta({ id: 'LinkState' });

const accepted = z
  .object({ accepted: z.literal(true) })
  .meta({ id: 'Accepted', description: 'The same answer whether or not the address has an account.' });

export const recoveryRoutes = {
  requestPasswordReset: defineRoute({
    method: 'post',
    path: '/api/v1/password-reset',
    summary:
      'Mails a single-use link to choose a new password (valid one hour) when the address belongs to an active account with a password. Always answers 202, whether or not it does; rate-limited per address and per client.',
    tag: 'accounts',
    access: 'public',
    body: requestResetSchema,
    responses: { 202: { description: 'Accepted', schema: accepted } },
    errors: [429],
  }),
  passwordResetLink: defineRoute({
    method: 'get',
    path: '/api/v1/password-reset/:token',
    summary: 'Whether a reset link can still be used (so the page can say it expired before asking for a password).',
    tag: 'accounts',
    access: 'public',
    params: z.object({ token: tokenSchema }).strict(),
    responses: { 200: { description: 'The link', schema: linkStateSchema } },
  }),
  confirmPasswordReset: defineRoute({
    method: 'post',
    path: '/api/v1/password-reset/confirm',
    summary: 'Sets the new password with a reset link; the link is used up and every session of the account ends. Sign in afterwards.',
    tag: 'accounts',
    access: 'public',
    body: confirmResetSchema,
    responses: { 200: { description: 'Done', schema: z.object({ done: z.literal(true) }).meta({ id: 'PasswordResetDone' }) } },
    errors: [429],
  }),
  adminSendPasswordReset: defineRoute({
    method: 'post',
    path: '/api/v1/admin/members/:userId/password-reset',
    summary: 'Mails a member a link to choose a password. Admins only; the member must have an email address.',
    tag: 'admin',
    access: 'member',
    params: z.object({ userId: z.uuid() }).strict(),
    responses: { 202: { description: 'Sent', schema: accepted } },
    errors: [403, 404, 409],
  }),
  requestEmailVerification: defineRoute({
    method: 'post',
    path: '/api/v1/me/email/verification',
    summary: 'Mails a link that confirms my current address (valid seven days); rate-limited.',
    tag: 'accounts',
    access: 'member',
    allowBeforeGuidelines: true,
    responses: { 202: { description: 'Sent', schema: accepted } },
    errors: [409, 429],
  }),
  confirmEmail: defineRoute({
    method: 'post',
    path: '/api/v1/email-verification/confirm',
    summary: 'Confirms an address with the link mailed to it (no sign-in needed). The address must still be the account’s.',
    tag: 'accounts',
    access: 'public',
    body: confirmEmailSchema,
    responses: { 200: { description: 'Confirmed', schema: z.object({ verified: z.literal(true) }).meta({ id: 'EmailConfirmed' }) } },
  }),
  emailStatus: defineRoute({
    method: 'get',
    path: '/api/v1/me/email',
    summary: 'My address and whether it is confirmed and reaches me (notification mail goes only to a confirmed address that does not bounce).',
    tag: 'accounts',
    access: 'member',
    allowBeforeGuidelines: true,
    responses: { 200: { description: 'My address', schema: emailStatusSchema } },
  }),
  changeEmail: defineRoute({
    method: 'put',
    path: '/api/v1/me/email',
    summary:
      'Changes my address (accounts with a password give it). The new address is not confirmed until I open the link mailed to it, so no notification mail goes there before.',
    tag: 'accounts',
    access: 'member',
    allowBeforeGuidelines: true,
    body: changeEmailSchema,
    responses: { 200: { description: 'Changed; a confirmation link was mailed', schema: emailStatusSchema } },
    errors: [401, 409, 429],
  }),
};
