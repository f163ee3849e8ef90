import { z } from 'zod';
import { locales } from '../i18n/locales';
import { int4, nameText, text } from './input';
import { defineRoute } from './route-spec';

export const roles = ['admin', 'moderator', 'member'] as const;
export type Role = (typeof roles)[number];

export const accountStatuses = ['active', 'pending', 'rejected', 'suspended', 'banned', 'deleted'] as const;
export type AccountStatus = (typeof accountStatuses)[number];

export const registrationPolicies = ['open', 'invite', 'approval'] as const;
export type RegistrationPolicy = (typeof registrationPolicies)[number];

/** Handles are lowercase, start with a letter, and are what @mentions use. */
export const handleSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z][a-z0-9_]{2,29}$/, 'must be 3–30 characters: letters, digits or _, starting with a letter');

export const emailSchema = z.string().trim().toLowerCase().max(254).pipe(z.email('must be an email address'));

/** NFC, visible, no control or bidi characters: a name cannot pass for another one (issue #12). */
export const displayNameSchema = nameText({ min: 1, max: 60 });

/** Length only; the server adds the rules that need context (not your email, not a common password). */
export const newPasswordSchema = text()
  .min(10, 'must be at least 10 characters')
  .max(256, 'must be at most 256 characters');

export const interestsSchema = z
  .array(text().trim().toLowerCase().min(1).max(40))
  .max(20, 'at most 20 interests')
  .transform((list) => [...new Set(list)]);

export const publicProfileSchema = z
  .object({
    id: z.uuid(),
    handle: z.string(),
    displayName: z.string(),
    avatarUrl: z.string().nullable(),
    bio: z.string(),
    location: z.string(),
    interests: z.array(z.string()),
    role: z.enum(roles),
    isBot: z.boolean(),
    joinedAt: z.iso.datetime(),
  })
  .meta({ id: 'PublicProfile', description: 'What every signed-in member can see of another member.' });

export type PublicProfile = z.infer<typeof publicProfileSchema>;

export const sessionUserSchema = publicProfileSchema
  .extend({
    email: z.string().nullable(),
    status: z.enum(accountStatuses),
    hasPassword: z.boolean().describe('Whether the account can sign in with email and password'),
    ssoLinked: z.boolean().describe('Whether the account signs in through the identity provider'),
    acceptedGuidelinesVersion: z.number().int().nullable(),
  })
  .meta({ id: 'SessionUser', description: 'The signed-in member, as they see themselves.' });

export type SessionUser = z.infer<typeof sessionUserSchema>;

export const guidelinesVersionSchema = z
  .object({
    version: z.number().int().positive(),
    bodyMarkdown: z.string(),
    bodyHtml: z.string().describe('Sanitised HTML rendering of the Markdown'),
    publishedAt: z.iso.datetime(),
    publishedBy: z.string().nullable().describe('Handle of the admin who published it'),
  })
  .meta({ id: 'GuidelinesVersion' });

export type GuidelinesVersion = z.infer<typeof guidelinesVersionSchema>;

/** A member's language setting: 'auto' follows the browser, else one of the languages Hearth speaks. */
export const languageChoices = ['auto', ...locales] as const;
export type LanguageChoice = (typeof languageChoices)[number];

export const languageChoiceSchema = z
  .enum(languageChoices)
  .describe("'auto': the browser's language (and, for mail, the browser's at the last sign-in); else en, fr or ar");

export const chooseLanguageSchema = z
  .object({ language: languageChoiceSchema })
  .strict()
  .meta({ id: 'ChooseLanguage' });

export const languageSettingSchema = z
  .object({
    language: languageChoiceSchema,
    mailLanguage: z.enum(locales).describe('The language emails and the welcome bot write to me in'),
  })
  .meta({ id: 'LanguageSetting' });

export type LanguageSetting = z.infer<typeof languageSettingSchema>;

export const sessionSchema = z
  .object({
    user: sessionUserSchema.nullable(),
    csrfToken: z.string().nullable().describe('Send as X-CSRF-Token on every POST, PUT, PATCH and DELETE'),
    guidelinesRequired: z
      .boolean()
      .describe('True when the member must accept the current guidelines before doing anything else'),
    memberSeq: z
      .number()
      .int()
      .min(0)
      .nullable()
      .describe('Where my own log (mentions, notices, read markers) stood when this was read: the client replays from here with member:resume'),
    language: languageChoiceSchema
      .nullable()
      .describe('My language setting, so every device shows the language I chose; null when signed out'),
  })
  .meta({ id: 'Session' });

export type Session = z.infer<typeof sessionSchema>;

export const authConfigSchema = z
  .object({
    localAccounts: z.boolean().describe('Sign-up and sign-in with email and password are available'),
    firstAccount: z
      .boolean()
      .describe('No account exists yet: the next sign-up (always allowed) creates the network’s admin'),
    registrationPolicy: z.enum(registrationPolicies),
    minimumAge: z.number().int().nullable().describe('Members confirm they are at least this old; null: not asked'),
    oidc: z.object({ enabled: z.boolean(), buttonLabel: z.string(), loginUrl: z.string() }),
  })
  .meta({ id: 'AuthConfig', description: 'How one joins and signs in to this network.' });

export type AuthConfig = z.infer<typeof authConfigSchema>;

export const signUpSchema = z
  .object({
    email: emailSchema,
    displayName: displayNameSchema,
    handle: handleSchema,
    password: newPasswordSchema,
    inviteToken: text().min(1).max(200).optional(),
    /** Optional profile fields: the welcome bot suggests spaces and people from them. */
    location: text().trim().max(100, 'must be at most 100 characters').optional(),
    interests: interestsSchema.optional(),
  })
  .strict()
  .meta({ id: 'SignUp' });

export const signUpResultSchema = z
  .object({
    user: sessionUserSchema,
    signedIn: z.boolean().describe('False when the account waits for an admin’s approval'),
  })
  .meta({ id: 'SignUpResult' });

export const signInSchema = z
  .object({ email: emailSchema, password: z.string().min(1).max(256) })
  .strict()
  .meta({ id: 'SignIn' });

export const signInResultSchema = z.object({ user: sessionUserSchema }).meta({ id: 'SignInResult' });

export const signOutResultSchema = z
  .object({
    redirectUrl: z
      .string()
      .nullable()
      .describe('For single sign-on: the provider’s logout URL to visit next, so its session ends too'),
  })
  .meta({ id: 'SignOutResult' });

export const inviteCheckSchema = z
  .object({ valid: z.boolean(), expiresAt: z.iso.datetime().nullable() })
  .meta({ id: 'InviteCheck' });

export const updateProfileSchema = z
  .object({
    displayName: displayNameSchema.optional(),
    handle: handleSchema.optional(),
    bio: text().trim().max(500, 'must be at most 500 characters').optional(),
    location: text().trim().max(100, 'must be at most 100 characters').optional(),
    interests: interestsSchema.optional(),
  })
  .strict()
  .meta({ id: 'UpdateProfile' });

export const changePasswordSchema = z
  .object({ currentPassword: z.string().max(256).optional(), newPassword: newPasswordSchema })
  .strict()
  .meta({ id: 'ChangePassword' });

export const deleteAccountSchema = z
  .object({
    password: z.string().max(256).optional().describe('Required when the account has a password'),
    confirm: z.literal('delete my account').describe('Typed by the member, so a slip cannot delete an account'),
  })
  .strict()
  .meta({ id: 'DeleteAccount' });

export const acceptGuidelinesSchema = z
  .object({
    version: int4().positive().describe('The version the member read and accepts'),
    confirmAge: z.boolean().optional().describe('Required (true) when the network sets a minimum age'),
  })
  .strict()
  .meta({ id: 'AcceptGuidelines' });

export const consentSchema = z
  .object({ version: z.number().int(), acceptedAt: z.iso.datetime(), ageConfirmed: z.boolean() })
  .meta({ id: 'Consent' });

export const consentListSchema = z.object({ items: z.array(consentSchema) }).meta({ id: 'ConsentList' });

const handleParams = z.object({ handle: text().min(1).max(40) });
const userIdParams = z.object({ userId: z.uuid() });
const tokenParams = z.object({ token: text().min(1).max(200) });

export const accountRoutes = {
  authConfig: defineRoute({
    method: 'get',
    path: '/api/v1/auth/config',
    summary: 'How to join and sign in: local accounts, registration policy, single sign-on button.',
    tag: 'accounts',
    access: 'public',
    responses: { 200: { description: 'Sign-in options', schema: authConfigSchema } },
  }),
  session: defineRoute({
    method: 'get',
    path: '/api/v1/session',
    summary: 'The current session: the signed-in member (or null), the CSRF token, and whether guidelines must be accepted.',
    tag: 'accounts',
    access: 'public',
    responses: { 200: { description: 'The session', schema: sessionSchema } },
  }),
  signUp: defineRoute({
    method: 'post',
    path: '/api/v1/auth/sign-up',
    summary:
      'Creates a local account. Open networks sign the member in at once; invite-only networks need inviteToken; approval networks queue the account for an admin.',
    tag: 'accounts',
    access: 'public',
    body: signUpSchema,
    responses: { 201: { description: 'Account created', schema: signUpResultSchema } },
    errors: [403, 409, 429],
  }),
  signIn: defineRoute({
    method: 'post',
    path: '/api/v1/auth/sign-in',
    summary: 'Signs in with email and password; the session id is rotated. Repeated failures are rate limited per account and per address.',
    tag: 'accounts',
    access: 'public',
    body: signInSchema,
    responses: { 200: { description: 'Signed in', schema: signInResultSchema } },
    errors: [401, 403, 429],
  }),
  signOut: defineRoute({
    method: 'post',
    path: '/api/v1/auth/sign-out',
    summary: 'Ends the session and disconnects its live connections at once.',
    tag: 'accounts',
    access: 'member',
    allowBeforeGuidelines: true,
    responses: { 200: { description: 'Signed out', schema: signOutResultSchema } },
  }),
  checkInvite: defineRoute({
    method: 'get',
    path: '/api/v1/invites/:token',
    summary: 'Whether an invitation link is still valid (for the sign-up page).',
    tag: 'accounts',
    access: 'public',
    params: tokenParams,
    responses: { 200: { description: 'Validity', schema: inviteCheckSchema } },
  }),
  findMembers: defineRoute({
    method: 'get',
    path: '/api/v1/users',
    summary: 'Finds active members by the start of their handle or of a word of their name (for mentions and new conversations).',
    tag: 'profiles',
    access: 'member',
    query: z
      .object({ q: text().trim().min(1).max(60), limit: z.coerce.number().int().min(1).max(20).default(8) })
      .strict(),
    responses: { 200: { description: 'Matching members, best first', schema: z.object({ items: z.array(publicProfileSchema) }).meta({ id: 'MemberMatches' }) } },
  }),
  profile: defineRoute({
    method: 'get',
    path: '/api/v1/users/:handle',
    summary: 'A member’s profile page.',
    tag: 'profiles',
    access: 'member',
    params: handleParams,
    responses: { 200: { description: 'The profile', schema: publicProfileSchema } },
    errors: [404],
  }),
  avatar: defineRoute({
    method: 'get',
    path: '/api/v1/users/:userId/avatar',
    summary: 'A member’s uploaded avatar image.',
    tag: 'profiles',
    access: 'member',
    params: userIdParams,
    responses: { 200: { description: 'The image', contentType: 'image/*' } },
    errors: [404],
  }),
  updateProfile: defineRoute({
    method: 'patch',
    path: '/api/v1/me/profile',
    summary: 'Changes my display name, handle, bio, location or interests.',
    tag: 'profiles',
    access: 'member',
    body: updateProfileSchema,
    responses: { 200: { description: 'My updated profile', schema: sessionUserSchema } },
    errors: [409],
  }),
  uploadAvatar: defineRoute({
    method: 'put',
    path: '/api/v1/me/avatar',
    summary: 'Uploads my avatar: multipart/form-data with one file field `avatar` (PNG, JPEG, WebP or GIF, at most 1 MB).',
    tag: 'profiles',
    access: 'member',
    responses: { 200: { description: 'My updated profile', schema: sessionUserSchema } },
    errors: [413, 415],
  }),
  removeAvatar: defineRoute({
    method: 'delete',
    path: '/api/v1/me/avatar',
    summary: 'Removes my uploaded avatar.',
    tag: 'profiles',
    access: 'member',
    responses: { 200: { description: 'My updated profile', schema: sessionUserSchema } },
  }),
  changePassword: defineRoute({
    method: 'post',
    path: '/api/v1/me/password',
    summary: 'Sets a new password (the current one is required when the account has one). Other sessions are ended.',
    tag: 'profiles',
    access: 'member',
    body: changePasswordSchema,
    responses: { 200: { description: 'Changed', schema: sessionUserSchema } },
    errors: [401, 403],
  }),
  deleteAccount: defineRoute({
    method: 'delete',
    path: '/api/v1/me',
    summary:
      'Deletes my account: name, email, handle, bio, avatar, password and linked identities are erased at once, every session ends and live connections drop. Consent records are kept without personal data beyond the account id.',
    tag: 'profiles',
    access: 'member',
    allowBeforeGuidelines: true,
    body: deleteAccountSchema,
    responses: { 200: { description: 'Deleted', schema: signOutResultSchema } },
    errors: [401],
  }),
  guidelines: defineRoute({
    method: 'get',
    path: '/api/v1/guidelines',
    summary: 'The current community guidelines (readable before joining).',
    tag: 'guidelines',
    access: 'public',
    responses: { 200: { description: 'Current version', schema: guidelinesVersionSchema } },
  }),
  acceptGuidelines: defineRoute({
    method: 'post',
    path: '/api/v1/guidelines/accept',
    summary: 'Accepts the current guidelines version; stored as a consent record. Accepting an older version is refused (409).',
    tag: 'guidelines',
    access: 'member',
    allowBeforeGuidelines: true,
    body: acceptGuidelinesSchema,
    responses: { 200: { description: 'Accepted; the session as it now is', schema: sessionSchema } },
    errors: [409],
  }),
  chooseLanguage: defineRoute({
    method: 'put',
    path: '/api/v1/me/language',
    summary: "Sets my language ('auto' to follow the browser): the pages on every device I sign in from, my emails and the welcome bot's messages.",
    tag: 'profiles',
    access: 'member',
    allowBeforeGuidelines: true,
    body: chooseLanguageSchema,
    responses: { 200: { description: 'My language setting', schema: languageSettingSchema } },
  }),
  myConsents: defineRoute({
    method: 'get',
    path: '/api/v1/me/consents',
    summary: 'My consent records: each guidelines version I accepted and when.',
    tag: 'guidelines',
    access: 'member',
    allowBeforeGuidelines: true,
    responses: { 200: { description: 'Consent records', schema: consentListSchema } },
  }),
};

export { userIdParams };
