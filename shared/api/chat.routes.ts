import { z } from 'zod';
import { handleRef, int4, int4Query, text } from './input';
import { publicProfileSchema } from './accounts.routes';
import { defineRoute } from './route-spec';
import { reactionsSchema } from './spaces.routes';

export const MAX_MESSAGE_CHARS = 4_000;
/** The largest group conversation unless an admin sets another limit. */
export const DEFAULT_MAX_GROUP_SIZE = 8;

const authorSchema = publicProfileSchema.pick({ id: true, handle: true, displayName: true, avatarUrl: true, isBot: true });

export const messageSchema = z
  .object({
    id: z.uuid(),
    conversationId: z.uuid(),
    /** The sender's own id for this message: sending it again returns this message instead of a copy. */
    clientId: z.string(),
    /** Its place in the conversation's log (the seq of the event that created it). */
    seq: z.number().int(),
    parentId: z.uuid().nullable().describe('The message this replies to in a thread, or null'),
    replyCount: z.number().int(),
    author: authorSchema,
    bodyMarkdown: z.string().describe('Empty once deleted'),
    bodyHtml: z.string().describe('Sanitised rendering; empty once deleted'),
    mentions: z.array(z.string()),
    reactions: reactionsSchema,
    createdAt: z.iso.datetime(),
    editedAt: z.iso.datetime().nullable(),
    deleted: z.boolean(),
    hidden: z.boolean().describe('Hidden by the moderators: shown as a placeholder, body empty, until they reverse it'),
  })
  .meta({ id: 'Message' });

export type Message = z.infer<typeof messageSchema>;

export const participantSchema = authorSchema
  .extend({ online: z.boolean(), lastSeenAt: z.iso.datetime().nullable() })
  .meta({ id: 'Participant' });

export const conversationSchema = z
  .object({
    id: z.uuid(),
    kind: z.enum(['space', 'direct']),
    /** For a space's chat: the space. */
    space: z.object({ id: z.uuid(), slug: z.string(), name: z.string(), color: z.string() }).nullable(),
    /** For direct messages: everyone in it, me included. */
    participants: z.array(participantSchema),
    title: z.string().describe('The space name, or the other participants’ names'),
    seq: z.number().int().describe('The last sequence number of its log'),
    lastReadSeq: z.number().int(),
    unread: z.number().int().describe('Messages from others after my read marker'),
    lastMessageAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'Conversation' });

export type Conversation = z.infer<typeof conversationSchema>;

export const conversationListSchema = z
  .object({ items: z.array(conversationSchema), unreadTotal: z.number().int() })
  .meta({ id: 'ConversationList' });

export const messagePageSchema = z
  .object({
    items: z.array(messageSchema).describe('Oldest first'),
    hasOlder: z.boolean(),
    hasNewer: z.boolean(),
  })
  .meta({ id: 'MessagePage', description: 'Pass the first item’s seq as `before` for older messages.' });

export const threadSchema = z.object({ root: messageSchema, replies: z.array(messageSchema) }).meta({ id: 'Thread' });

export const messageHistorySchema = z
  .object({ items: z.array(z.object({ bodyMarkdown: z.string(), editedAt: z.iso.datetime() })) })
  .meta({ id: 'MessageHistory' });

export const chatSearchSchema = z
  .object({
    items: z.array(
      z.object({
        message: messageSchema,
        conversation: z.object({ id: z.uuid(), title: z.string(), kind: z.enum(['space', 'direct']) }),
        snippet: z.string().describe('Plain text around the match; matched words are wrapped in « »'),
      }),
    ),
  })
  .meta({ id: 'ChatSearchResults' });

export const createConversationSchema = z
  .object({ handles: z.array(handleRef()).min(1).max(50) })
  .strict()
  .meta({ id: 'CreateConversation', description: 'The other participants; the same set of people always gets the same conversation.' });

export const sendMessageBodySchema = z
  .object({
    clientId: z.string().min(8).max(64).regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, - and _'),
    bodyMarkdown: text()
      .max(MAX_MESSAGE_CHARS, `must be at most ${MAX_MESSAGE_CHARS} characters`)
      .refine((text) => text.trim().length > 0, 'must not be empty'),
    parentId: z.uuid().optional(),
  })
  .strict()
  .meta({ id: 'SendMessageBody' });

export const blockSchema = z
  .object({ user: publicProfileSchema, blockedAt: z.iso.datetime() })
  .meta({ id: 'Block' });
export const blockListSchema = z.object({ items: z.array(blockSchema) }).meta({ id: 'BlockList' });

export const presenceSchema = z
  .object({ online: z.array(z.uuid()).describe('Members of the space connected now') })
  .meta({ id: 'SpacePresence' });

const conversationParams = z.object({ conversationId: z.uuid() });
const messageParams = z.object({ messageId: z.uuid() });

/** Where my read marker stands in a conversation, and what is still unread after it. */
export const readMarkerSchema = z
  .object({ conversationId: z.uuid(), lastReadSeq: z.number().int(), unread: z.number().int() })
  .meta({ id: 'ReadMarker' });

export const markReadBodySchema = z
  .object({ seq: int4().min(0).describe('The last seq I have seen; a marker never moves back') })
  .strict()
  .meta({ id: 'MarkReadBody' });

export const chatRoutes = {
  conversations: defineRoute({
    method: 'get',
    path: '/api/v1/chat/conversations',
    summary: 'My direct conversations and the chats of my spaces, most recent first, with unread counts and the badge total.',
    tag: 'chat',
    access: 'member',
    responses: { 200: { description: 'Conversations', schema: conversationListSchema } },
  }),
  createConversation: defineRoute({
    method: 'post',
    path: '/api/v1/chat/conversations',
    summary: 'Opens a direct conversation with one or more members (up to the group limit an admin sets); the same people get the same conversation.',
    tag: 'chat',
    access: 'member',
    body: createConversationSchema,
    responses: { 200: { description: 'The conversation', schema: conversationSchema } },
    errors: [403, 404],
  }),
  conversation: defineRoute({
    method: 'get',
    path: '/api/v1/chat/conversations/:conversationId',
    summary: 'One conversation. 404 to anyone who may not read it (admins included, for direct messages).',
    tag: 'chat',
    access: 'member',
    params: conversationParams,
    responses: { 200: { description: 'The conversation', schema: conversationSchema } },
    errors: [404],
  }),
  spaceChat: defineRoute({
    method: 'get',
    path: '/api/v1/spaces/:spaceId/chat',
    summary: 'A space’s chat conversation. 404 to those who may not read the space.',
    tag: 'chat',
    access: 'member',
    params: z.object({ spaceId: z.uuid() }),
    responses: { 200: { description: 'The conversation', schema: conversationSchema } },
    errors: [404],
  }),
  spacePresence: defineRoute({
    method: 'get',
    path: '/api/v1/spaces/:spaceId/presence',
    summary: 'Which members of a space are online now. 404 to those who may not read it.',
    tag: 'chat',
    access: 'member',
    params: z.object({ spaceId: z.uuid() }),
    responses: { 200: { description: 'Who is online', schema: presenceSchema } },
    errors: [404],
  }),
  messages: defineRoute({
    method: 'get',
    path: '/api/v1/chat/conversations/:conversationId/messages',
    summary: 'Messages (not thread replies), oldest first: the newest page, the page `before` a seq, or the page `around` a message (jump to it).',
    tag: 'chat',
    access: 'member',
    params: conversationParams,
    query: z
      .object({
        before: int4Query().min(1).optional().describe('A message seq: the page of messages before it'),
        around: z.uuid().optional(),
        limit: z.coerce.number().int().min(1).max(100).default(50),
      })
      .strict(),
    responses: { 200: { description: 'A page of messages', schema: messagePageSchema } },
    errors: [404],
  }),
  markConversationRead: defineRoute({
    method: 'post',
    path: '/api/v1/chat/conversations/:conversationId/read',
    summary: 'Moves my read marker up to `seq` (the same as the chat:read command; never backwards); my other tabs and devices hear of it.',
    tag: 'chat',
    access: 'member',
    params: conversationParams,
    body: markReadBodySchema,
    responses: { 200: { description: 'My read marker and what is still unread', schema: readMarkerSchema } },
    errors: [404],
  }),
  sendMessage: defineRoute({
    method: 'post',
    path: '/api/v1/chat/conversations/:conversationId/messages',
    summary: 'Sends a message (the same as the chat:send command). Sending the same clientId again returns the first message.',
    tag: 'chat',
    access: 'member',
    params: conversationParams,
    body: sendMessageBodySchema,
    responses: { 200: { description: 'The message', schema: messageSchema } },
    errors: [403, 404, 429],
  }),
  thread: defineRoute({
    method: 'get',
    path: '/api/v1/chat/messages/:messageId/thread',
    summary: 'A message and its replies, oldest first.',
    tag: 'chat',
    access: 'member',
    params: messageParams,
    responses: { 200: { description: 'The thread', schema: threadSchema } },
    errors: [404],
  }),
  messageHistory: defineRoute({
    method: 'get',
    path: '/api/v1/chat/messages/:messageId/history',
    summary: 'Earlier versions of an edited message: the participants of a direct conversation; a space’s hosts and moderators.',
    tag: 'chat',
    access: 'member',
    params: messageParams,
    responses: { 200: { description: 'Earlier versions, newest first', schema: messageHistorySchema } },
    errors: [403, 404],
  }),
  searchMessages: defineRoute({
    method: 'get',
    path: '/api/v1/chat/search',
    summary: 'Full-text search over the messages I may read.',
    tag: 'chat',
    access: 'member',
    query: z.object({ q: text().trim().min(2).max(200), conversationId: z.uuid().optional() }).strict(),
    responses: { 200: { description: 'Matches, best first', schema: chatSearchSchema } },
  }),
  blocks: defineRoute({
    method: 'get',
    path: '/api/v1/me/blocks',
    summary: 'The members I have blocked.',
    tag: 'chat',
    access: 'member',
    responses: { 200: { description: 'Blocked members', schema: blockListSchema } },
  }),
  block: defineRoute({
    method: 'post',
    path: '/api/v1/me/blocks',
    summary: 'Blocks a member: they cannot start or send direct messages to me, and their messages are hidden from me.',
    tag: 'chat',
    access: 'member',
    body: z.object({ handle: handleRef() }).strict().meta({ id: 'BlockMember' }),
    responses: { 200: { description: 'The block', schema: blockSchema } },
    errors: [404, 409],
  }),
  unblock: defineRoute({
    method: 'delete',
    path: '/api/v1/me/blocks/:userId',
    summary: 'Unblocks a member.',
    tag: 'chat',
    access: 'member',
    params: z.object({ userId: z.uuid() }),
    responses: { 200: { description: 'My remaining blocks', schema: blockListSchema } },
    errors: [404],
  }),
};
