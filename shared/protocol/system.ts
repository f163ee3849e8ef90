import { z } from 'zod';
import type { CommandSpec, EventSpec } from './spec';

export const pingPayloadSchema = z
  .object({ sentAt: z.number().finite().describe('Client clock in ms, echoed back to measure the round trip') })
  .strict()
  .meta({ id: 'PingPayload' });

export const pingResultSchema = z
  .object({ sentAt: z.number(), serverTime: z.iso.datetime() })
  .meta({ id: 'PingResult' });

export const shutdownStartedSchema = z
  .object({ reconnectAfterMs: z.number().int().min(0).describe('Wait this long before reconnecting') })
  .meta({ id: 'ShutdownStarted' });

export const systemCommands = {
  'system:ping': {
    summary: 'Measures the round trip of the live connection; the client shows it as connection quality.',
    payload: pingPayloadSchema,
    result: pingResultSchema,
    access: 'connected',
  },
} satisfies Record<string, CommandSpec>;

export const systemEvents = {
  'system:shutdown-started': {
    summary:
      'This server node is shutting down gracefully; the client should reconnect (to this or another node) after the given delay.',
    audience: 'every socket of the stopping node',
    payload: shutdownStartedSchema,
  },
  'system:reconnect-requested': {
    summary:
      'This node was cut off from the other nodes for a while (its link to Redis) and may have missed events: reconnect after the given delay; the handshake checks the session and rooms again and the client replays its logs.',
    audience: 'every socket of that node',
    payload: shutdownStartedSchema,
  },
} satisfies Record<string, EventSpec>;
