import { z } from 'zod';
import { moderationCaseSchema, moderationNoticeSchema } from '../api/moderation.routes';
import { inMemberLog } from './member';
import type { CommandSpec, EventSpec } from './spec';

export const moderationEvents = {
  'moderation:case-opened': {
    summary: 'A case (re)entered a queue I look after: a new case, or a closed one reopened by an appeal (its `appeal` says so).',
    audience: 'user:<id> of each moderator who may see it (site moderators; the space’s hosts and moderators unless it is about a host)',
    payload: moderationCaseSchema,
  },
  'moderation:case-updated': {
    summary: 'A case changed: another report, taken, closed.',
    audience: 'as moderation:case-opened',
    payload: moderationCaseSchema,
  },
  'moderation:notice': {
    summary: 'The moderators sent me a notice: the outcome of my report, an action on my content or account, the answer to my appeal.',
    audience: 'user:<id> of the member it is for',
    payload: moderationNoticeSchema.extend(inMemberLog).meta({ id: 'ModerationNoticeSent' }),
  },
  'moderation:notices-read': {
    summary: 'I marked my notices read (on another tab).',
    audience: 'user:<id>',
    payload: z.object({ unread: z.number().int(), ...inMemberLog }),
  },
} satisfies Record<string, EventSpec>;

export const undoCaseActionSchema = z.object({ caseId: z.uuid() }).strict().meta({ id: 'UndoCaseAction' });

export const moderationCommands = {
  'moderation:undo': {
    summary: 'Takes back my own last action on a case within 10 minutes of it, as POST /api/v1/moderation/cases/{caseId}/undo.',
    payload: undoCaseActionSchema,
    result: moderationCaseSchema,
  },
} satisfies Record<string, CommandSpec>;
