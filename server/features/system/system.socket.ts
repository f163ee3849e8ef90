import type { CommandHandlers } from '../../core/realtime/realtime';

export const systemCommandHandlers: Pick<CommandHandlers, 'system:ping'> = {
  'system:ping': (_context, payload) => ({ sentAt: payload.sentAt, serverTime: new Date().toISOString() }),
};
