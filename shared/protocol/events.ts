import type { z } from 'zod';
import type { Ack } from './errors';
import { accountEvents } from './accounts';
import { calendarCommands, calendarEvents } from './calendar';
import { chatCommands, chatEvents } from './chat';
import { memberCommands } from './member';
import { moderationCommands, moderationEvents } from './moderation';
import { notificationEvents } from './notifications';
import { streamCommands, streamEvents } from './stream';
import { systemCommands, systemEvents } from './system';

export type { CommandSpec, EventSpec } from './spec';

/** Every command a client may send. The server registers exactly one handler for each. */
export const clientCommands = {
  ...systemCommands,
  ...streamCommands,
  ...chatCommands,
  ...memberCommands,
  ...moderationCommands,
  ...calendarCommands,
} as const;

/** Every event the server may emit. */
export const serverEvents = {
  ...systemEvents,
  ...accountEvents,
  ...streamEvents,
  ...chatEvents,
  ...moderationEvents,
  ...notificationEvents,
  ...calendarEvents,
} as const;

export type ClientCommands = typeof clientCommands;
export type ServerEvents = typeof serverEvents;
export type CommandName = keyof ClientCommands;
export type EventName = keyof ServerEvents;
export type CommandPayload<K extends CommandName> = z.input<ClientCommands[K]['payload']>;
export type CommandResult<K extends CommandName> = z.output<ClientCommands[K]['result']>;
export type EventPayload<K extends EventName> = z.output<ServerEvents[K]['payload']>;

/** Socket.IO's typed map of client → server events (the first generic of `Server<…>`). */
export type ClientToServerEvents = {
  [K in CommandName]: (payload: CommandPayload<K>, ack: (answer: Ack<CommandResult<K>>) => void) => void;
};

/** Socket.IO's typed map of server → client events (the second generic of `Server<…>`). */
export type ServerToClientEvents = {
  [K in EventName]: (payload: EventPayload<K>) => void;
};
