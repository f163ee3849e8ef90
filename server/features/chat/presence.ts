// Who is online: a member is online while any of their tabs is connected to any node, and goes
// offline a short grace period after the last one closes (a reload does not flicker).
import { PRESENCE_GRACE_MS } from '../../../shared/protocol/chat';
import { and, eq, inArray, ne } from 'drizzle-orm';
import type { Db } from '../../core/db/database';
import { conversationParticipants, spaceMembers, users } from '../../core/db/schema';
import type { Logger } from '../../core/logger';
import type { Realtime } from '../../core/realtime/realtime';

const userRoom = (userId: string) => `user:${userId}`;

export interface Presence {
  /** Which of these members have a live connection on any node. */
  onlineAmong(userIds: string[]): Promise<Set<string>>;
  close(): void;
}

export function createPresence(deps: { db: Db; realtime: Realtime; logger: Logger; graceMs?: number }): Presence {
  const { db, realtime, logger } = deps;
  const graceMs = deps.graceMs ?? PRESENCE_GRACE_MS;
  /** Sockets per member on this node. */
  const local = new Map<string, number>();
  const goingOffline = new Map<string, NodeJS.Timeout>();
  let closed = false;

  /**
   * Those who may see this member's presence: the rooms of their spaces (members, and readers of
   * a public space, who can read its member list anyway) and the members they talk with directly.
   */
  async function audienceOf(userId: string): Promise<string[]> {
    const [spaceRows, partnerRows] = await Promise.all([
      db
        .select({ spaceId: spaceMembers.spaceId })
        .from(spaceMembers)
        .where(and(eq(spaceMembers.userId, userId), eq(spaceMembers.status, 'active'))),
      db
        .selectDistinct({ userId: conversationParticipants.userId })
        .from(conversationParticipants)
        .where(
          and(
            ne(conversationParticipants.userId, userId),
            inArray(
              conversationParticipants.conversationId,
              db
                .select({ id: conversationParticipants.conversationId })
                .from(conversationParticipants)
                .where(eq(conversationParticipants.userId, userId)),
            ),
          ),
        ),
    ]);
    return [...spaceRows.map((r) => `space:${r.spaceId}`), ...partnerRows.map((r) => userRoom(r.userId))];
  }

  async function announce(userId: string, online: boolean, lastSeenAt: Date | null): Promise<void> {
    const rooms = await audienceOf(userId);
    if (rooms.length === 0) return;
    realtime.publish(rooms, 'presence:changed', { userId, online, lastSeenAt: lastSeenAt?.toISOString() ?? null }, { except: [userRoom(userId)] });
  }

  const report = (error: unknown) => {
    if (!closed) logger.warn({ err: error }, 'presence update failed');
  };

  async function settleOffline(userId: string): Promise<void> {
    goingOffline.delete(userId);
    if (closed || local.has(userId)) return;
    // Another node may still hold a tab of theirs.
    const elsewhere = await realtime.socketsIn(userRoom(userId));
    if (elsewhere.length > 0 || local.has(userId) || closed) return;
    const lastSeenAt = new Date();
    await db.update(users).set({ lastSeenAt }).where(eq(users.id, userId));
    await announce(userId, false, lastSeenAt);
  }

  realtime.io.on('connection', (socket) => {
    const userId = socket.data.userId;
    const count = (local.get(userId) ?? 0) + 1;
    local.set(userId, count);
    const pending = goingOffline.get(userId);
    if (pending) {
      // Back within the grace period (a reload): they were never announced offline.
      clearTimeout(pending);
      goingOffline.delete(userId);
    } else if (count === 1) {
      announce(userId, true, null).catch(report);
    }
    socket.on('disconnect', () => {
      const left = (local.get(userId) ?? 1) - 1;
      if (left > 0) {
        local.set(userId, left);
        return;
      }
      local.delete(userId);
      if (closed) return;
      const timer = setTimeout(() => settleOffline(userId).catch(report), graceMs);
      timer.unref();
      goingOffline.set(userId, timer);
    });
  });

  return {
    async onlineAmong(userIds) {
      const ids = [...new Set(userIds)];
      if (ids.length === 0) return new Set();
      const sockets = await realtime.socketsIn(ids.map(userRoom));
      // Within the grace after their last tab closed a member has not been announced offline:
      // REST says online too, so a client that reads it and then follows the events agrees.
      const online = new Set(sockets.map((s) => s.data.userId));
      for (const id of ids) if (goingOffline.has(id)) online.add(id);
      return online;
    },
    close() {
      closed = true;
      for (const timer of goingOffline.values()) clearTimeout(timer);
      goingOffline.clear();
    },
  };
}
