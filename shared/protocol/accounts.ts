import { z } from 'zod';
import { sessionUserSchema } from '../api/accounts.routes';
import type { EventSpec } from './spec';

export const sessionEndedSchema = z
  .object({ reason: z.enum(['signed_out', 'suspended', 'banned', 'deleted', 'password_changed']) })
  .meta({ id: 'SessionEnded' });

export const guidelinesPublishedSchema = z
  .object({ version: z.number().int().positive() })
  .meta({ id: 'GuidelinesPublished' });

export const accountEvents = {
  'session:ended': {
    summary:
      'This session (or every session of this member) has ended; the server disconnects the socket right after. The client returns to the sign-in screen.',
    audience: 'session:<sessionId> or user:<userId>',
    payload: sessionEndedSchema,
  },
  'guidelines:published': {
    summary: 'An admin published new community guidelines; members must accept them before their next action.',
    audience: 'members (every signed-in socket)',
    payload: guidelinesPublishedSchema,
  },
  'me:updated': {
    summary: 'My own account changed (profile, avatar, role, accepted guidelines), so every tab shows the same.',
    audience: 'user:<userId>',
    payload: sessionUserSchema,
  },
} satisfies Record<string, EventSpec>;
