import { z } from 'zod';
import { int4, text } from '../api/input';
import { conversationSchema, MAX_MESSAGE_CHARS, messageSchema, readMarkerSchema, sendMessageBodySchema } from '../api/chat.routes';
import { reactionEmojis } from '../api/spaces.routes';
import { inMemberLog } from './member';
import type { CommandSpec, EventSpec } from './spec';

export const sendMessageSchema = sendMessageBodySchema
  .extend({ conversationId: z.uuid() })
  .strict()
  .meta({ id: 'SendMessage' });

export const editMessageSchema = z
  .object({
    messageId: z.uuid(),
    bodyMarkdown: text()
      .max(MAX_MESSAGE_CHARS, `must be at most ${MAX_MESSAGE_CHARS} characters`)
      .refine((text) => text.trim().length > 0, 'must not be empty'),
  })
  .strict()
  .meta({ id: 'EditMessage' });

export const messageRefSchema = z.object({ messageId: z.uuid() }).strict().meta({ id: 'MessageRef' });
export const reactMessageSchema = z.object({ messageId: z.uuid(), emoji: z.enum(reactionEmojis) }).strict().meta({ id: 'ReactMessage' });
export const conversationRefSchema = z.object({ conversationId: z.uuid() }).strict().meta({ id: 'ConversationRef' });
export const markConversationReadSchema = z
  .object({ conversationId: z.uuid(), seq: int4().min(0) })
  .strict()
  .meta({ id: 'MarkConversationRead' });

/**
 * How long after a member's last socket closes they are announced offline (presence:changed): a
 * reload within it is never seen. The presence service's default and the AsyncAPI document's text.
 */
export const PRESENCE_GRACE_MS = 2_000;

/** Every event about a conversation carries its place in that conversation's log: apply each seq once, in order. */
const inConversation = { conversationId: z.uuid(), seq: z.number().int().positive() };

export const messageEventSchema = z.object({ ...inConversation, message: messageSchema }).meta({ id: 'MessageEvent' });

export const chatEventNames = ['chat:message-created', 'chat:message-updated'] as const;
export type ChatEventName = (typeof chatEventNames)[number];

export const chatLogEventSchema = z
  .object({ event: z.enum(chatEventNames), payload: messageEventSchema })
  .meta({ id: 'ChatLogEvent' });

export const chatResumeSchema = z
  .object({
    conversations: z
      .array(z.object({ conversationId: z.uuid(), afterSeq: int4().min(0) }))
      .max(500)
      .describe('For each conversation: the last sequence number the client applied'),
  })
  .strict()
  .meta({ id: 'ChatResume' });

export const chatResumeResultSchema = z
  .object({
    conversations: z.array(
      z.object({
        conversationId: z.uuid(),
        events: z.array(chatLogEventSchema).describe('Missed events, in order'),
        reset: z.boolean().describe('Too much was missed (or access changed): reload the conversation instead'),
        upToSeq: z.number().int().describe('Apply up to here: events from members I blocked are left out, so seqs can skip'),
      }),
    ),
  })
  .meta({ id: 'ChatResumeResult' });

export { readMarkerSchema };

export const typingSchema = z
  .object({
    conversationId: z.uuid(),
    user: z.object({ id: z.uuid(), handle: z.string(), displayName: z.string() }),
    expiresInMs: z.number().int().describe('Forget it after this long unless it is repeated'),
  })
  .meta({ id: 'Typing' });

export const chatMentionSchema = z
  .object({
    conversationId: z.uuid(),
    messageId: z.uuid(),
    by: z.object({ id: z.uuid(), handle: z.string(), displayName: z.string() }),
    excerpt: z.string(),
  })
  .meta({ id: 'ChatMention' });

export const presenceChangedSchema = z
  .object({ userId: z.uuid(), online: z.boolean(), lastSeenAt: z.iso.datetime().nullable() })
  .meta({ id: 'PresenceChanged' });

export const chatCommands = {
  'chat:send': {
    summary: 'Sends a message. The clientId makes it exactly-once: a retried send returns the original message.',
    payload: sendMessageSchema,
    result: messageSchema,
  },
  'chat:edit': { summary: 'Edits my message; the earlier text is kept in its history.', payload: editMessageSchema, result: messageSchema },
  'chat:delete': {
    summary: 'Deletes a message, leaving a tombstone (its author; in a space, also its hosts and moderators).',
    payload: messageRefSchema,
    result: messageSchema,
  },
  'chat:react': { summary: 'Toggles my reaction with this emoji on a message.', payload: reactMessageSchema, result: messageSchema },
  'chat:typing': {
    summary: 'Says I am typing in a conversation (send at most every 2 s while typing; more often is ignored).',
    payload: conversationRefSchema,
    result: z.object({}).meta({ id: 'TypingAck' }),
  },
  'chat:read': {
    summary: 'Moves my read marker in a conversation; my other tabs and devices hear of it.',
    payload: markConversationReadSchema,
    result: readMarkerSchema,
  },
  'chat:resume': {
    summary: 'After a reconnect: the events each conversation logged after the given sequence numbers, in order.',
    payload: chatResumeSchema,
    result: chatResumeResultSchema,
  },
} satisfies Record<string, CommandSpec>;

export const chatEvents = {
  'chat:message-created': {
    summary: 'A message was sent.',
    audience: 'space:<id> for a space’s chat; user:<id> of each participant for direct messages',
    payload: messageEventSchema,
  },
  'chat:message-updated': {
    summary: 'A message changed (edit, delete, reaction, reply count); carries its full new state.',
    audience: 'as chat:message-created',
    payload: messageEventSchema,
  },
  'chat:conversation-updated': {
    summary: 'A direct conversation I am in was opened or changed.',
    audience: 'user:<userId>',
    payload: conversationSchema,
  },
  'chat:mentioned': { summary: 'Someone mentioned me in a chat I can read.', audience: 'user:<userId>', payload: chatMentionSchema.extend(inMemberLog).meta({ id: 'ChatMentioned' }) },
  'chat:read': { summary: 'My read marker moved (in another tab, or here).', audience: 'user:<userId>', payload: readMarkerSchema.extend(inMemberLog).meta({ id: 'ReadMarkerMoved' }) },
  'chat:typing': { summary: 'Someone is typing in a conversation.', audience: 'as chat:message-created, without the typist', payload: typingSchema },
  'presence:changed': {
    summary: `A member came online, or went offline: ${PRESENCE_GRACE_MS / 1000} s after their last tab closed (a reload within that is not announced).`,
    audience: 'space:<id> of their spaces and user:<id> of those they have direct conversations with',
    payload: presenceChangedSchema,
  },
} satisfies Record<string, EventSpec>;
