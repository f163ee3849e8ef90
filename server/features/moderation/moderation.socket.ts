import type { CommandHandlers } from '../../core/realtime/realtime';
import type { Actor } from '../accounts/actor';
import type { ModerationService } from './moderation.service';

/** Thin entry points: the payload is already validated; each calls one service function (as REST does). */
export function moderationCommandHandlers(moderation: ModerationService): Pick<CommandHandlers<Actor>, 'moderation:undo'> {
  return {
    'moderation:undo': ({ actor }, payload) => moderation.doUndo(actor, payload.caseId),
  };
}
