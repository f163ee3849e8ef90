import type { CommandHandlers } from '../../core/realtime/realtime';
import type { MemberLog } from '../../core/replay-log/member-log';
import type { Db } from '../../core/db/database';

export function systemCommandHandlers(deps: { db: Db; memberLog: MemberLog }): Pick<CommandHandlers, 'system:ping' | 'member:resume'> {
  const { db, memberLog } = deps;
  return {
    'system:ping': (_context, payload) => ({ sentAt: payload.sentAt, serverTime: new Date().toISOString() }),
    // Only ever the caller's own log: the key is the signed-in member, never the payload.
    'member:resume': async ({ actor }, payload) => {
      const resumed = await memberLog.resume(db, actor.user.id, payload.afterSeq);
      return { ...resumed, events: resumed.events.map(({ event, payload: logged }) => ({ event: event as never, payload: logged })) };
    },
  };
}
