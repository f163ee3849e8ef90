import type { RequestHandler } from 'express';
import { destroySession } from '../../core/auth/session';
import type { Db } from '../../core/db/database';
import { AppError } from '../../core/errors';
import type { RouteGuard } from '../../core/http/routes';
import type { HearthSocket, SocketAuth } from '../../core/realtime/realtime';
import { checkActive, checkGuidelines, loadActor, type Actor } from './actor';

/**
 * The one gate in front of every REST route: anonymous callers reach public routes only; a
 * session whose account was suspended or deleted is ended; members who owe the current
 * guidelines get guidelines_required everywhere but the few routes that let them accept them.
 */
export function createRouteGuard(db: Db): RouteGuard<Actor> {
  return async (req, spec) => {
    if (spec.access === 'metrics') return undefined;
    const userId = req.session?.userId;
    if (!userId) {
      if (spec.access === 'member') throw new AppError('unauthorized');
      return undefined;
    }
    const actor = await loadActor(db, userId, req.sessionID);
    if (!actor || actor.user.status !== 'active') {
      await destroySession(req);
      if (spec.access !== 'member') return undefined;
      if (actor) checkActive(actor.user);
      throw new AppError('unauthorized');
    }
    if (spec.access === 'member' && !spec.allowBeforeGuidelines) checkGuidelines(actor);
    return actor;
  };
}

/** The same rules for the live connection: the handshake needs a member's session; commands need their access level. */
export function createSocketAuth(db: Db, sessionMiddleware: RequestHandler): SocketAuth<Actor> {
  // The session must still exist at every step: signing out (or a password change) deletes the
  // row before it disconnects the sockets, so a handshake or command that races it is refused.
  async function activeActor(userId: string | undefined, sessionId: string): Promise<Actor> {
    if (!userId) throw new AppError('unauthorized', 'Sign in to connect');
    const actor = await loadActor(db, userId, sessionId, { session: 'live' });
    if (!actor) throw new AppError('unauthorized', 'Your session has ended: sign in again');
    checkActive(actor.user);
    return actor;
  }
  return {
    sessionMiddleware,
    admit: activeActor,
    async stillAdmitted(actor) {
      return (await loadActor(db, actor.user.id, actor.sessionId, { session: 'live' }))?.user.status === 'active';
    },
    async actorFor(socket: HearthSocket, access) {
      let actor: Actor;
      try {
        actor = await activeActor(socket.data.userId, socket.data.sessionId);
      } catch (error) {
        // A socket whose session or account has ended is cut, after this answer reaches it (a
        // database error is not a verdict on the session: the socket stays).
        if (error instanceof AppError) setImmediate(() => socket.disconnect(true));
        throw error;
      }
      if (access === 'member') checkGuidelines(actor);
      return actor;
    },
  };
}
