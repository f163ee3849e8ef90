import { z } from 'zod';
import { cursor, handleRef, int4, nameText, text, textCursor } from './input';
import { publicProfileSchema } from './accounts.routes';
import { createInviteSchema, inviteListSchema, inviteSchema } from './admin.routes';
import { defineRoute } from './route-spec';

export const visibilities = ['public', 'private', 'secret'] as const;
export const joinPolicies = ['open', 'request', 'invite'] as const;
export const spaceRoles = ['host', 'moderator', 'member'] as const;
export type SpaceRole = (typeof spaceRoles)[number];

/** The fixed reaction set (a toggle per member and emoji). */
export const reactionEmojis = ['👍', '❤️', '🎉', '😂', '😮', '😢', '🙏'] as const;

export const MAX_POST_CHARS = 20_000;
export const MAX_COMMENT_CHARS = 5_000;

export const slugSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9](?:[a-z0-9-]{1,38}[a-z0-9])$/, 'must be 3–40 characters: letters, digits and dashes');

/** A space's name: NFC, visible, no control or bidi characters, like a member's (issue #12). */
export const spaceNameSchema = nameText({ min: 2, max: 60 });

export const spaceSchema = z
  .object({
    id: z.uuid(),
    slug: z.string(),
    name: z.string(),
    description: z.string(),
    aboutMarkdown: z.string(),
    aboutHtml: z.string(),
    color: z.string(),
    avatarUrl: z.string().nullable().describe('The uploaded space image, or null (the client shows the colour and initials)'),
    visibility: z.enum(visibilities),
    joinPolicy: z.enum(joinPolicies),
    archived: z.boolean(),
    memberCount: z.number().int(),
    createdAt: z.iso.datetime(),
    /** The last sequence number of this space's event log (what a client resumes from). */
    seq: z.number().int(),
    /** The caller's membership: null when not a member; status 'requested' or 'invited' while pending. */
    membership: z
      .object({
        role: z.enum(spaceRoles),
        status: z.enum(['active', 'requested', 'invited']),
        lastReadSeq: z.number().int(),
        mutedUntil: z.iso.datetime().nullable().describe('Muted by the moderators until then: may read, may not post, comment or chat'),
      })
      .nullable(),
    /** Whether the caller may read the stream (public space, member, or site admin). */
    canRead: z.boolean(),
    welcomeMarkdown: z.string().describe('What the welcome bot says in the space’s chat to each member who joins ({name}, {space}, {hosts}); empty: no greeting'),
    welcomeBot: z.boolean().describe('Whether the welcome bot greets members who join this space'),
  })
  .meta({ id: 'Space' });

export type Space = z.infer<typeof spaceSchema>;

export const spaceListSchema = z
  .object({ items: z.array(spaceSchema), nextCursor: z.string().nullable() })
  .meta({ id: 'SpaceList' });

export const mySpaceSchema = spaceSchema
  .extend({ unread: z.number().int().describe('Posts created since the member last read this space') })
  .meta({ id: 'MySpace' });

export const mySpaceListSchema = z.object({ items: z.array(mySpaceSchema) }).meta({ id: 'MySpaceList' });

export const createSpaceSchema = z
  .object({
    name: spaceNameSchema,
    slug: slugSchema,
    description: text().trim().max(280).default(''),
    aboutMarkdown: text().trim().max(10_000).default(''),
    color: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour like #c2410c').default('#c2410c'),
    visibility: z.enum(visibilities).default('public'),
    joinPolicy: z.enum(joinPolicies).default('open'),
    /** Members invited to host the space: each becomes a host only by accepting (joining). */
    hostHandles: z.array(handleRef()).max(10).default([]).describe('Members invited to host; each becomes a host by accepting the invitation'),
    creatorIsHost: z
      .boolean()
      .default(true)
      .describe('false: the creator hosts only until the first invited host accepts, then becomes a member (a space always has an active host)'),
  })
  .strict()
  .meta({ id: 'CreateSpace' });

export const updateSpaceSchema = z
  .object({
    name: spaceNameSchema.optional(),
    description: text().trim().max(280).optional(),
    aboutMarkdown: text().trim().max(10_000).optional(),
    color: z.string().regex(/^#[0-9a-fA-F]{6}$/).optional(),
    visibility: z.enum(visibilities).optional(),
    joinPolicy: z.enum(joinPolicies).optional(),
    archived: z.boolean().optional(),
    welcomeMarkdown: text().trim().max(5_000).optional(),
    welcomeBot: z.boolean().optional(),
  })
  .strict()
  .meta({ id: 'UpdateSpace' });

export const spaceMemberSchema = z
  .object({
    user: publicProfileSchema,
    role: z.enum(spaceRoles),
    status: z.enum(['active', 'requested', 'invited']),
    joinedAt: z.iso.datetime(),
  })
  .meta({ id: 'SpaceMember' });

export const spaceMemberListSchema = z.object({ items: z.array(spaceMemberSchema) }).meta({ id: 'SpaceMemberList' });

export const addMemberSchema = z
  .object({ handle: handleRef(), role: z.enum(spaceRoles).default('member') })
  .strict()
  .meta({ id: 'AddSpaceMember' });

export const updateMemberSchema = z.object({ role: z.enum(spaceRoles) }).strict().meta({ id: 'UpdateSpaceMember' });

const authorSchema = publicProfileSchema.pick({ id: true, handle: true, displayName: true, avatarUrl: true, isBot: true });

export const reactionsSchema = z
  .record(z.string(), z.object({ count: z.number().int(), userIds: z.array(z.uuid()) }))
  .describe('Per emoji: how many and who reacted');

export const commentSchema = z
  .object({
    id: z.uuid(),
    postId: z.uuid(),
    spaceId: z.uuid(),
    parentId: z.uuid().nullable().describe('The comment this replies to (one level deep), or null'),
    author: authorSchema,
    bodyMarkdown: z.string().describe('Empty once deleted'),
    bodyHtml: z.string().describe('Sanitised rendering; empty once deleted'),
    reactions: reactionsSchema,
    createdAt: z.iso.datetime(),
    editedAt: z.iso.datetime().nullable(),
    deleted: z.boolean(),
    hidden: z.boolean().describe('Hidden by the moderators: shown as a placeholder, body empty, until they reverse it'),
  })
  .meta({ id: 'Comment' });

export type Comment = z.infer<typeof commentSchema>;

export const postSchema = z
  .object({
    id: z.uuid(),
    spaceId: z.uuid(),
    author: authorSchema,
    bodyMarkdown: z.string().describe('Empty once deleted'),
    bodyHtml: z.string().describe('Sanitised rendering; links get rel="nofollow noopener"; empty once deleted'),
    tags: z.array(z.string()),
    mentions: z.array(z.string()).describe('Handles mentioned'),
    reactions: reactionsSchema,
    commentCount: z.number().int(),
    pinned: z.boolean(),
    createdAt: z.iso.datetime(),
    editedAt: z.iso.datetime().nullable(),
    deleted: z.boolean(),
    hidden: z.boolean().describe('Hidden by the moderators: shown as a placeholder, body empty, until they reverse it'),
  })
  .meta({ id: 'Post' });

export type Post = z.infer<typeof postSchema>;

export const postPageSchema = z
  .object({ items: z.array(postSchema), nextCursor: z.string().nullable() })
  .meta({ id: 'PostPage', description: 'Newest first; pass nextCursor as `before` for the next (older) page.' });

export const postWithCommentsSchema = z
  .object({ post: postSchema, comments: z.array(commentSchema), space: spaceSchema })
  .meta({ id: 'PostWithComments' });

export const postEditSchema = z
  .object({ bodyMarkdown: z.string(), editedAt: z.iso.datetime(), editedBy: z.string().nullable() })
  .meta({ id: 'PostEdit' });

export const postHistorySchema = z.object({ items: z.array(postEditSchema) }).meta({ id: 'PostHistory' });

export const spaceInvitePreviewSchema = z
  .object({
    valid: z.boolean(),
    expiresAt: z.iso.datetime().nullable(),
    space: spaceSchema
      .pick({ id: true, slug: true, name: true, description: true, color: true, avatarUrl: true, visibility: true, memberCount: true })
      .nullable()
      .describe('The space the link leads to; null when the link no longer works'),
    alreadyMember: z.boolean(),
  })
  .meta({ id: 'SpaceInvitePreview' });

const spaceIdParams = z.object({ spaceId: z.uuid() });
const spaceInviteParams = z.object({ spaceId: z.uuid(), inviteId: z.uuid() });
const inviteTokenParams = z.object({ token: text().min(16).max(100) });
const memberParams = z.object({ spaceId: z.uuid(), userId: z.uuid() });
const postIdParams = z.object({ postId: z.uuid() });
const pageQuery = z
  .object({
    before: cursor().optional().describe('Cursor from the previous page'),
    limit: z.coerce.number().int().min(1).max(100).default(50),
  })
  .strict();

export const spaceRoutes = {
  spaces: defineRoute({
    method: 'get',
    path: '/api/v1/spaces',
    summary: 'The space directory: public and private spaces (secret ones only to their members), searchable by name.',
    tag: 'spaces',
    access: 'member',
    query: z.object({ q: text().trim().max(100).optional(), cursor: textCursor().optional() }).strict(),
    responses: { 200: { description: 'Spaces', schema: spaceListSchema } },
  }),
  mySpaces: defineRoute({
    method: 'get',
    path: '/api/v1/me/spaces',
    summary: 'The spaces I belong to, with unread counts.',
    tag: 'spaces',
    access: 'member',
    responses: { 200: { description: 'My spaces', schema: mySpaceListSchema } },
  }),
  createSpace: defineRoute({
    method: 'post',
    path: '/api/v1/spaces',
    summary: 'Creates a space; the creator names at least one host (themselves by default).',
    tag: 'spaces',
    access: 'member',
    body: createSpaceSchema,
    responses: { 201: { description: 'The space', schema: spaceSchema } },
    errors: [409],
  }),
  space: defineRoute({
    method: 'get',
    path: '/api/v1/spaces/:slug',
    summary: 'A space by its slug. Secret spaces answer 404 to non-members.',
    tag: 'spaces',
    access: 'member',
    params: z.object({ slug: text().max(60) }),
    responses: { 200: { description: 'The space', schema: spaceSchema } },
    errors: [404],
  }),
  updateSpace: defineRoute({
    method: 'patch',
    path: '/api/v1/spaces/:spaceId',
    summary: 'Changes a space’s settings, visibility, join policy, or archives it. Hosts and site admins.',
    tag: 'spaces',
    access: 'member',
    params: spaceIdParams,
    body: updateSpaceSchema,
    responses: { 200: { description: 'The space', schema: spaceSchema } },
    errors: [403, 404],
  }),
  join: defineRoute({
    method: 'post',
    path: '/api/v1/spaces/:spaceId/join',
    summary: 'Joins an open space, requests to join a request-only space, or accepts an invitation.',
    tag: 'spaces',
    access: 'member',
    params: spaceIdParams,
    responses: { 200: { description: 'The space with my membership', schema: spaceSchema } },
    errors: [403, 404],
  }),
  leave: defineRoute({
    method: 'post',
    path: '/api/v1/spaces/:spaceId/leave',
    summary: 'Leaves a space (or withdraws a request); my live connections stop receiving it at once.',
    tag: 'spaces',
    access: 'member',
    params: spaceIdParams,
    responses: { 200: { description: 'The space', schema: spaceSchema } },
    errors: [404, 409],
  }),
  members: defineRoute({
    method: 'get',
    path: '/api/v1/spaces/:spaceId/members',
    summary: 'Members of a space (hosts also see requests and invitations). 404 to those who may not read it.',
    tag: 'spaces',
    access: 'member',
    params: spaceIdParams,
    responses: { 200: { description: 'Members', schema: spaceMemberListSchema } },
    errors: [404],
  }),
  addMember: defineRoute({
    method: 'post',
    path: '/api/v1/spaces/:spaceId/members',
    summary:
      'Invites a member by handle, with the role they will have (default member), whatever the join policy; they become a member when they accept by joining. When that member has asked to join, this approves the request at once with that role. Hosts and site admins; 409 when they are already a member.',
    tag: 'spaces',
    access: 'member',
    params: spaceIdParams,
    body: addMemberSchema,
    responses: { 201: { description: 'The membership', schema: spaceMemberSchema } },
    errors: [403, 404, 409],
  }),
  updateMember: defineRoute({
    method: 'patch',
    path: '/api/v1/spaces/:spaceId/members/:userId',
    summary:
      'Sets the role of a member, of a pending invitation (the role they will have on joining), or of a join request, which it also approves. Hosts and site admins; 409 when it would take the role away from the space’s last active host.',
    tag: 'spaces',
    access: 'member',
    params: memberParams,
    body: updateMemberSchema,
    responses: { 200: { description: 'The membership', schema: spaceMemberSchema } },
    errors: [403, 404, 409],
  }),
  removeMember: defineRoute({
    method: 'delete',
    path: '/api/v1/spaces/:spaceId/members/:userId',
    summary: 'Removes a member or rejects a request (hosts); their live connections stop receiving the space at once.',
    tag: 'spaces',
    access: 'member',
    params: memberParams,
    responses: { 200: { description: 'The space', schema: spaceSchema } },
    errors: [403, 404, 409],
  }),
  markRead: defineRoute({
    method: 'post',
    path: '/api/v1/spaces/:spaceId/read',
    summary: 'Marks the space read up to a sequence number (unread counts go to zero across my tabs).',
    tag: 'spaces',
    access: 'member',
    params: spaceIdParams,
    body: z.object({ seq: int4().min(0) }).strict().meta({ id: 'MarkRead' }),
    responses: { 200: { description: 'The space', schema: spaceSchema } },
    errors: [404],
  }),
  spaceAvatar: defineRoute({
    method: 'get',
    path: '/api/v1/spaces/:spaceId/avatar',
    summary: 'A space’s uploaded image. 404 to those for whom the space does not exist (secret spaces).',
    tag: 'spaces',
    access: 'member',
    params: spaceIdParams,
    responses: { 200: { description: 'The image', contentType: 'image/*' } },
    errors: [404],
  }),
  uploadSpaceAvatar: defineRoute({
    method: 'put',
    path: '/api/v1/spaces/:spaceId/avatar',
    summary: 'Uploads the space’s image (hosts): multipart/form-data with one file field `avatar` (PNG, JPEG, WebP or GIF, at most 1 MB).',
    tag: 'spaces',
    access: 'member',
    params: spaceIdParams,
    responses: { 200: { description: 'The space', schema: spaceSchema } },
    errors: [403, 404, 413, 415],
  }),
  removeSpaceAvatar: defineRoute({
    method: 'delete',
    path: '/api/v1/spaces/:spaceId/avatar',
    summary: 'Removes the space’s image (hosts).',
    tag: 'spaces',
    access: 'member',
    params: spaceIdParams,
    responses: { 200: { description: 'The space', schema: spaceSchema } },
    errors: [403, 404],
  }),
  spaceInvites: defineRoute({
    method: 'get',
    path: '/api/v1/spaces/:spaceId/invites',
    summary: 'The space’s invitation links (hosts).',
    tag: 'spaces',
    access: 'member',
    params: spaceIdParams,
    responses: { 200: { description: 'Invitation links, newest first', schema: inviteListSchema } },
    errors: [403, 404],
  }),
  createSpaceInvite: defineRoute({
    method: 'post',
    path: '/api/v1/spaces/:spaceId/invites',
    summary: 'Makes an invitation link to the space (hosts). Whoever follows it, signed in, joins whatever the join policy.',
    tag: 'spaces',
    access: 'member',
    params: spaceIdParams,
    body: createInviteSchema,
    responses: { 201: { description: 'The invitation, with its link (shown this once)', schema: inviteSchema } },
    errors: [403, 404],
  }),
  revokeSpaceInvite: defineRoute({
    method: 'delete',
    path: '/api/v1/spaces/:spaceId/invites/:inviteId',
    summary: 'Withdraws an invitation link (hosts).',
    tag: 'spaces',
    access: 'member',
    params: spaceInviteParams,
    responses: { 200: { description: 'The withdrawn invitation', schema: inviteSchema } },
    errors: [403, 404],
  }),
  spaceInvite: defineRoute({
    method: 'get',
    path: '/api/v1/space-invites/:token',
    summary: 'Where an invitation link leads, for the page that offers to join (the link holder may see a secret space’s name).',
    tag: 'spaces',
    access: 'member',
    params: inviteTokenParams,
    responses: { 200: { description: 'The invitation', schema: spaceInvitePreviewSchema } },
  }),
  acceptSpaceInvite: defineRoute({
    method: 'post',
    path: '/api/v1/space-invites/:token/accept',
    summary: 'Joins the space an invitation link leads to (uses one use of the link).',
    tag: 'spaces',
    access: 'member',
    params: inviteTokenParams,
    responses: { 200: { description: 'The space with my membership', schema: spaceSchema } },
    errors: [400, 403],
  }),
  spacePosts: defineRoute({
    method: 'get',
    path: '/api/v1/spaces/:spaceId/posts',
    summary: 'A space’s stream, newest first, keyset-paginated (stable while new posts arrive). Pinned posts come in `pinned`.',
    tag: 'stream',
    access: 'member',
    params: spaceIdParams,
    query: pageQuery,
    responses: {
      200: {
        description: 'A page of posts',
        schema: postPageSchema.extend({ pinned: z.array(postSchema), seq: z.number().int() }).meta({ id: 'SpaceStreamPage' }),
      },
    },
    errors: [404],
  }),
  homeStream: defineRoute({
    method: 'get',
    path: '/api/v1/stream',
    summary: 'My home stream: posts from all my spaces, newest first, keyset-paginated.',
    tag: 'stream',
    access: 'member',
    query: pageQuery,
    responses: { 200: { description: 'A page of posts', schema: postPageSchema } },
  }),
  post: defineRoute({
    method: 'get',
    path: '/api/v1/posts/:postId',
    summary: 'One post with its comments. 404 to those who may not read its space.',
    tag: 'stream',
    access: 'member',
    params: postIdParams,
    responses: { 200: { description: 'The post', schema: postWithCommentsSchema } },
    errors: [404],
  }),
  postHistory: defineRoute({
    method: 'get',
    path: '/api/v1/posts/:postId/history',
    summary: 'Earlier versions of an edited post. The space’s hosts and moderators and site moderators only.',
    tag: 'stream',
    access: 'member',
    params: postIdParams,
    responses: { 200: { description: 'Earlier versions, newest first', schema: postHistorySchema } },
    errors: [403, 404],
  }),
};
