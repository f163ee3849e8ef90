import { moderationCaseSchema } from '../api/moderation.routes';
import type { EventSpec } from './events';

export const moderationEvents = {
  'moderation:case-opened': {
    summary: 'A new case reached a queue I look after.',
    audience: 'user:<id> of each moderator who may see it (site moderators; the space’s hosts and moderators unless it is about a host)',
    payload: moderationCaseSchema,
  },
  'moderation:case-updated': {
    summary: 'A case changed: another report, taken, closed.',
    audience: 'as moderation:case-opened',
    payload: moderationCaseSchema,
  },
} satisfies Record<string, EventSpec>;
