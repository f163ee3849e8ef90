import { z } from 'zod';
import { int4 } from '../api/input';
import type { CommandSpec } from './spec';

// A member's own log: the events only they receive (mentions of them, notices from the
// moderators, their read markers) are numbered per member, so a client that reconnects replays
// what it missed exactly like a space's posts. A leaf module: the feature maps add `inMemberLog`
// to those events' payloads.

/** The events that go through a member's own log. */
export const memberEventNames = [
  'mention:received',
  'chat:mentioned',
  'moderation:notice',
  'moderation:notices-read',
  'chat:read',
  'notification:changed',
  'notification:read',
  'calendar:my-rsvp-changed',
] as const;

export type MemberEventName = (typeof memberEventNames)[number];

/** Every event of a member's own log carries its place in it: apply each memberSeq once, in order. */
export const inMemberLog = {
  memberSeq: z.number().int().positive().describe('This event’s place in my own log: apply each once, in order (member:resume replays the missed ones)'),
};

export const memberResumeSchema = z
  .object({ afterSeq: int4().min(0).describe('The last memberSeq the client applied (the session’s memberSeq at sign-in)') })
  .strict()
  .meta({ id: 'MemberResume' });

export const memberLogEventSchema = z
  .object({ event: z.enum(memberEventNames), payload: z.record(z.string(), z.unknown()) })
  .meta({ id: 'MemberLogEvent', description: 'One event of my own log: the name it was emitted under and its payload.' });

export const memberResumeResultSchema = z
  .object({
    events: z.array(memberLogEventSchema).describe('Missed events, in order'),
    reset: z.boolean().describe('Too much was missed (or it was pruned): load notices, unread counts and the like again'),
    upToSeq: z.number().int().describe('The log was read up to here'),
    more: z.boolean().describe('Only a page of what was missed: ask again after upToSeq'),
  })
  .meta({ id: 'MemberResumeResult' });

export const memberCommands = {
  'member:resume': {
    summary: 'After a reconnect: the events of my own log (mentions, notices, read markers) after the given memberSeq, in order, in pages.',
    payload: memberResumeSchema,
    result: memberResumeResultSchema,
  },
} satisfies Record<string, CommandSpec>;
