import { z } from 'zod';
import { int4, text } from '../api/input';
import {
  commentSchema,
  MAX_COMMENT_CHARS,
  MAX_POST_CHARS,
  postSchema,
  reactionEmojis,
  spaceSchema,
} from '../api/spaces.routes';
import { inMemberLog } from './member';
import type { CommandSpec, EventSpec } from './spec';

const body = (max: number) =>
  text()
    .max(max, `must be at most ${max} characters`)
    .refine((text) => text.trim().length > 0, 'must not be empty');

const tagsSchema = z
  .array(z.string().trim().toLowerCase().regex(/^[\p{L}\p{N}_-]{1,30}$/u, 'tags are single words'))
  .max(10)
  .default([]);

export const createPostSchema = z
  .object({
    spaceId: z.uuid(),
    bodyMarkdown: body(MAX_POST_CHARS),
    tags: tagsSchema,
  })
  .strict()
  .meta({ id: 'CreatePost' });

export const updatePostSchema = z
  .object({ postId: z.uuid(), bodyMarkdown: body(MAX_POST_CHARS), tags: tagsSchema.optional() })
  .strict()
  .meta({ id: 'UpdatePost' });

export const postRefSchema = z.object({ postId: z.uuid() }).strict().meta({ id: 'PostRef' });
export const pinPostSchema = z.object({ postId: z.uuid(), pinned: z.boolean() }).strict().meta({ id: 'PinPost' });
export const reactPostSchema = z.object({ postId: z.uuid(), emoji: z.enum(reactionEmojis) }).strict().meta({ id: 'ReactPost' });

export const createCommentSchema = z
  .object({ postId: z.uuid(), parentId: z.uuid().optional(), bodyMarkdown: body(MAX_COMMENT_CHARS) })
  .strict()
  .meta({ id: 'CreateComment' });
export const updateCommentSchema = z
  .object({ commentId: z.uuid(), bodyMarkdown: body(MAX_COMMENT_CHARS) })
  .strict()
  .meta({ id: 'UpdateComment' });
export const commentRefSchema = z.object({ commentId: z.uuid() }).strict().meta({ id: 'CommentRef' });
export const reactCommentSchema = z
  .object({ commentId: z.uuid(), emoji: z.enum(reactionEmojis) })
  .strict()
  .meta({ id: 'ReactComment' });

export const spaceRefSchema = z.object({ spaceId: z.uuid() }).strict().meta({ id: 'SpaceRef' });

/** Every event about a space carries its place in that space's log: apply each seq once, in order. */
const inSpace = { spaceId: z.uuid(), seq: z.number().int().positive() };

export const postEventSchema = z.object({ ...inSpace, post: postSchema }).meta({ id: 'PostEvent' });
export const commentEventSchema = z
  .object({ ...inSpace, comment: commentSchema, commentCount: z.number().int() })
  .meta({ id: 'CommentEvent' });
export const spaceEventSchema = z
  .object({ ...inSpace, space: spaceSchema.omit({ membership: true, canRead: true }) })
  .meta({ id: 'SpaceUpdatedEvent' });

/** The events that go through a space's log (and can be replayed). */
export const streamEventNames = [
  'post:created',
  'post:updated',
  'post:deleted',
  'comment:created',
  'comment:updated',
  'comment:deleted',
  'space:updated',
  // The calendar's (shared/protocol/calendar.ts): events ride their space's log.
  'calendar:event-changed',
  'calendar:rsvp-changed',
] as const;
export type StreamEventName = (typeof streamEventNames)[number];

export const streamEventSchema = z
  .object({ event: z.enum(streamEventNames), payload: z.record(z.string(), z.unknown()) })
  .meta({ id: 'StreamEvent', description: 'One logged event: the name it was emitted under and its payload.' });

export const resumeSchema = z
  .object({
    spaces: z
      .array(z.object({ spaceId: z.uuid(), afterSeq: int4().min(0) }))
      .max(500)
      .describe('For each space: the last sequence number the client applied'),
  })
  .strict()
  .meta({ id: 'Resume' });

export const resumeResultSchema = z
  .object({
    spaces: z.array(
      z.object({
        spaceId: z.uuid(),
        events: z.array(streamEventSchema).describe('Missed events, in order'),
        reset: z.boolean().describe('Too much was missed (or access changed): reload the space instead'),
      }),
    ),
  })
  .meta({ id: 'ResumeResult' });

export const mentionSchema = z
  .object({
    spaceId: z.uuid(),
    postId: z.uuid(),
    commentId: z.uuid().nullable(),
    by: z.object({ id: z.uuid(), handle: z.string(), displayName: z.string() }),
    excerpt: z.string(),
  })
  .meta({ id: 'Mention' });

export const membershipChangedSchema = z
  .object({
    spaceId: z.uuid(),
    membership: z
      .object({
        role: z.enum(['host', 'moderator', 'member']),
        status: z.enum(['active', 'requested', 'invited']),
        lastReadSeq: z.number().int(),
        mutedUntil: z.iso.datetime().nullable(),
      })
      .nullable()
      .describe('Null: no longer a member'),
  })
  .meta({ id: 'MembershipChanged' });

export const streamCommands = {
  'post:create': { summary: 'Posts in a space (Markdown; @handles notify those members).', payload: createPostSchema, result: postSchema },
  'post:update': { summary: 'Edits my post (hosts and moderators too); the earlier text is kept in its history.', payload: updatePostSchema, result: postSchema },
  'post:delete': { summary: 'Deletes a post, leaving a tombstone (author, hosts, moderators).', payload: postRefSchema, result: postSchema },
  'post:pin': { summary: 'Pins or unpins a post (hosts and moderators).', payload: pinPostSchema, result: postSchema },
  'post:react': { summary: 'Toggles my reaction with this emoji on a post.', payload: reactPostSchema, result: postSchema },
  'comment:create': { summary: 'Comments on a post, or replies to a top-level comment.', payload: createCommentSchema, result: commentSchema },
  'comment:update': { summary: 'Edits my comment.', payload: updateCommentSchema, result: commentSchema },
  'comment:delete': { summary: 'Deletes a comment, leaving a tombstone.', payload: commentRefSchema, result: commentSchema },
  'comment:react': { summary: 'Toggles my reaction with this emoji on a comment.', payload: reactCommentSchema, result: commentSchema },
  'space:subscribe': {
    summary: 'Receives a readable space’s live events without being a member (viewing a public space). Members receive theirs already.',
    payload: spaceRefSchema,
    result: z.object({ seq: z.number().int() }).meta({ id: 'Subscribed' }),
  },
  'space:unsubscribe': {
    summary: 'Stops receiving a space viewed with space:subscribe (membership rooms are unaffected).',
    payload: spaceRefSchema,
    result: z.object({}).meta({ id: 'Unsubscribed' }),
  },
  'stream:resume': {
    summary:
      'After a reconnect: the events each space logged after the given sequence numbers, in order, so nothing is missed. Spaces the caller may no longer read come back with reset.',
    payload: resumeSchema,
    result: resumeResultSchema,
  },
} satisfies Record<string, CommandSpec>;

export const streamEvents = {
  'post:created': { summary: 'A post was created.', audience: 'space:<id>', payload: postEventSchema },
  'post:updated': { summary: 'A post changed (edit, pin, reaction); carries its full new state.', audience: 'space:<id>', payload: postEventSchema },
  'post:deleted': { summary: 'A post was deleted (tombstone).', audience: 'space:<id>', payload: postEventSchema },
  'comment:created': { summary: 'A comment was added.', audience: 'space:<id>', payload: commentEventSchema },
  'comment:updated': { summary: 'A comment changed (edit, reaction).', audience: 'space:<id>', payload: commentEventSchema },
  'comment:deleted': { summary: 'A comment was deleted (tombstone).', audience: 'space:<id>', payload: commentEventSchema },
  'space:updated': { summary: 'A space’s settings changed.', audience: 'space:<id>', payload: spaceEventSchema },
  'space:membership-changed': {
    summary: 'My membership of a space changed (joined, approved, role, removed); my tabs update their space list.',
    audience: 'user:<userId>',
    payload: membershipChangedSchema,
  },
  'mention:received': { summary: 'Someone mentioned me in a post or comment.', audience: 'user:<userId>', payload: mentionSchema.extend(inMemberLog).meta({ id: 'MentionReceived' }) },
} satisfies Record<string, EventSpec>;
