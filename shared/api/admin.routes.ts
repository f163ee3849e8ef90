import { z } from 'zod';
import { cursor, nameText, text } from './input';
import {
  accountStatuses,
  guidelinesVersionSchema,
  registrationPolicies,
  roles,
  sessionUserSchema,
  userIdParams,
} from './accounts.routes';
import { defineRoute } from './route-spec';

export const siteSettingsSchema = z
  .object({
    siteName: z.string(),
    registrationPolicy: z.enum(registrationPolicies),
    localAccounts: z.boolean().describe('Off for networks that sign in only through single sign-on'),
    minimumAge: z.number().int().nullable(),
    maxGroupSize: z.number().int().describe('The most people in one direct conversation'),
  })
  .meta({ id: 'SiteSettings' });

export const updateSiteSettingsSchema = z
  .object({
    siteName: nameText({ min: 1, max: 80 }).optional(),
    registrationPolicy: z.enum(registrationPolicies).optional(),
    localAccounts: z.boolean().optional(),
    minimumAge: z.number().int().min(13).max(21).nullable().optional(),
    maxGroupSize: z.number().int().min(2).max(50).optional(),
  })
  .strict()
  .meta({ id: 'UpdateSiteSettings' });

export const adminUserSchema = sessionUserSchema
  .extend({ suspendedUntil: z.iso.datetime().nullable(), lastSeenAt: z.iso.datetime().nullable() })
  .meta({ id: 'AdminUser', description: 'A member as admins see them.' });

export type AdminUser = z.infer<typeof adminUserSchema>;

export const adminUserListSchema = z
  .object({ items: z.array(adminUserSchema), nextCursor: z.string().nullable() })
  .meta({ id: 'AdminUserList' });

export const adminUserQuerySchema = z
  .object({
    status: z.enum(accountStatuses).optional(),
    q: text().trim().max(100).optional().describe('Matches handle, display name or email'),
    cursor: cursor().optional(),
    limit: z.coerce.number().int().min(1).max(100).default(50),
  })
  .strict();

export const updateUserSchema = z
  .object({
    role: z.enum(roles).optional(),
    status: z.enum(['active', 'suspended']).optional(),
    suspendedUntil: z.iso.datetime().nullable().optional().describe('With status suspended: when it ends (null: until lifted)'),
  })
  .strict()
  .meta({ id: 'UpdateUser' });

export const inviteSchema = z
  .object({
    id: z.uuid(),
    url: z.string().nullable().describe('The link to share; only in the answer that created it'),
    note: z.string(),
    createdBy: z.string().nullable(),
    createdAt: z.iso.datetime(),
    expiresAt: z.iso.datetime(),
    maxUses: z.number().int().nullable(),
    uses: z.number().int(),
    revoked: z.boolean(),
  })
  .meta({ id: 'Invite' });

export const inviteListSchema = z.object({ items: z.array(inviteSchema) }).meta({ id: 'InviteList' });

export const createInviteSchema = z
  .object({
    expiresInHours: z.number().int().min(1).max(24 * 90).default(24 * 7),
    maxUses: z.number().int().min(1).max(1000).nullable().default(1),
    note: text().trim().max(200).default(''),
  })
  .strict()
  .meta({ id: 'CreateInvite' });

export const publishGuidelinesSchema = z
  .object({ bodyMarkdown: text().trim().min(1, 'must not be empty').max(50_000) })
  .strict()
  .meta({ id: 'PublishGuidelines' });

export const guidelinesVersionListSchema = z
  .object({ items: z.array(guidelinesVersionSchema.extend({ acceptedBy: z.number().int() })) })
  .meta({ id: 'GuidelinesVersionList' });

const inviteIdParams = z.object({ inviteId: z.uuid() });

export const adminRoutes = {
  settings: defineRoute({
    method: 'get',
    path: '/api/v1/admin/settings',
    summary: 'Network settings: name, registration policy, local accounts, minimum age. Admins only.',
    tag: 'admin',
    access: 'member',
    responses: { 200: { description: 'Settings', schema: siteSettingsSchema } },
    errors: [403],
  }),
  updateSettings: defineRoute({
    method: 'patch',
    path: '/api/v1/admin/settings',
    summary: 'Changes network settings. Admins only.',
    tag: 'admin',
    access: 'member',
    body: updateSiteSettingsSchema,
    responses: { 200: { description: 'Settings', schema: siteSettingsSchema } },
    errors: [403],
  }),
  users: defineRoute({
    method: 'get',
    path: '/api/v1/admin/users',
    summary: 'Members, newest first, filtered by status (e.g. pending: the approval queue) or text. Admins only.',
    tag: 'admin',
    access: 'member',
    query: adminUserQuerySchema,
    responses: { 200: { description: 'A page of members', schema: adminUserListSchema } },
    errors: [403],
  }),
  updateUser: defineRoute({
    method: 'patch',
    path: '/api/v1/admin/users/:userId',
    summary: 'Changes a member’s site role, or suspends them (their live connections end at once) or lifts it. Admins only.',
    tag: 'admin',
    access: 'member',
    params: userIdParams,
    body: updateUserSchema,
    responses: { 200: { description: 'The member', schema: adminUserSchema } },
    errors: [403, 404, 409],
  }),
  approveUser: defineRoute({
    method: 'post',
    path: '/api/v1/admin/users/:userId/approve',
    summary: 'Approves a pending account; the member can sign in. Admins only.',
    tag: 'admin',
    access: 'member',
    params: userIdParams,
    responses: { 200: { description: 'The member', schema: adminUserSchema } },
    errors: [403, 404, 409],
  }),
  rejectUser: defineRoute({
    method: 'post',
    path: '/api/v1/admin/users/:userId/reject',
    summary: 'Rejects a pending account. Admins only.',
    tag: 'admin',
    access: 'member',
    params: userIdParams,
    responses: { 200: { description: 'The member', schema: adminUserSchema } },
    errors: [403, 404, 409],
  }),
  invites: defineRoute({
    method: 'get',
    path: '/api/v1/admin/invites',
    summary: 'Invitations, newest first. Admins only.',
    tag: 'admin',
    access: 'member',
    responses: { 200: { description: 'Invitations', schema: inviteListSchema } },
    errors: [403],
  }),
  createInvite: defineRoute({
    method: 'post',
    path: '/api/v1/admin/invites',
    summary: 'Creates an invitation link with an expiry and a use limit. The link is shown once. Admins only.',
    tag: 'admin',
    access: 'member',
    body: createInviteSchema,
    responses: { 201: { description: 'The invitation, with its link', schema: inviteSchema } },
    errors: [403],
  }),
  revokeInvite: defineRoute({
    method: 'delete',
    path: '/api/v1/admin/invites/:inviteId',
    summary: 'Revokes an invitation. Admins only.',
    tag: 'admin',
    access: 'member',
    params: inviteIdParams,
    responses: { 200: { description: 'The revoked invitation', schema: inviteSchema } },
    errors: [403, 404],
  }),
  guidelinesVersions: defineRoute({
    method: 'get',
    path: '/api/v1/admin/guidelines',
    summary: 'Every guidelines version, newest first, with how many members accepted each. Admins only.',
    tag: 'admin',
    access: 'member',
    responses: { 200: { description: 'Versions', schema: guidelinesVersionListSchema } },
    errors: [403],
  }),
  publishGuidelines: defineRoute({
    method: 'post',
    path: '/api/v1/admin/guidelines',
    summary: 'Publishes a new guidelines version; every member must accept it on their next action. Admins only.',
    tag: 'admin',
    access: 'member',
    body: publishGuidelinesSchema,
    responses: { 201: { description: 'The new version', schema: guidelinesVersionSchema } },
    errors: [403],
  }),
};
