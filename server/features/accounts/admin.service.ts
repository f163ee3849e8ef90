import { desc, eq, inArray } from 'drizzle-orm';
import type { z } from 'zod';
import type {
  adminUserQuerySchema,
  createInviteSchema,
  updateSiteSettingsSchema,
  updateUserSchema,
} from '../../../shared/api/admin.routes';
import type { Config } from '../../config';
import type { Db } from '../../core/db/database';
import { identities, invites, site, users } from '../../core/db/schema';
import { decodeCursor, encodeCursor } from '../../core/db/keyset';
import { AppError } from '../../core/errors';
import { readSiteRow } from '../site/site.public';
import type { Realtime } from '../../core/realtime/realtime';
import { checkAdmin, type Actor } from './actor';
import { toAdminUser } from './accounts.dto';
import type { AccountsService } from './accounts.service';
import { hashToken, inviteLinkView, isUsable, newInviteLink } from './invite-links';
import { deleteSessionsOfUser, findUserById, listUsers, updateUser, type UserRow } from './users.repository';

type InviteRow = typeof invites.$inferSelect & { createdByHandle: string | null };

export function createAdminService(deps: { db: Db; config: Config; realtime: Realtime; accounts: AccountsService }) {
  const { db, config, realtime, accounts } = deps;

  async function ssoLinkedIds(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await db.selectDistinct({ userId: identities.userId }).from(identities).where(inArray(identities.userId, ids));
    return new Set(rows.map((row) => row.userId));
  }

  async function adminView(user: UserRow) {
    return toAdminUser(user, (await ssoLinkedIds([user.id])).has(user.id));
  }

  const inviteView = (row: InviteRow, token?: string) => inviteLinkView(row, token && `${config.publicUrl}/join/${token}`);

  async function settingsView() {
    const row = await readSiteRow(db);
    return {
      siteName: row.name ?? config.siteName,
      registrationPolicy: row.registrationPolicy,
      localAccounts: row.localAccounts,
      minimumAge: row.minimumAge,
      maxGroupSize: row.maxGroupSize,
    };
  }

  async function targetUser(actor: Actor, userId: string): Promise<UserRow> {
    checkAdmin(actor);
    const user = await findUserById(db, userId);
    if (!user || user.isBot) throw AppError.notFound('No such member');
    return user;
  }

  /** Ends every session of a member and cuts their live connections on every node. */
  async function endAllSessions(userId: string, reason: 'suspended' | 'deleted') {
    await deleteSessionsOfUser(db, userId);
    realtime.endSession(`user:${userId}`, reason);
  }

  return {
    async accessSettings(actor: Actor) {
      checkAdmin(actor);
      return settingsView();
    },

    async doUpdateSettings(actor: Actor, patch: z.output<typeof updateSiteSettingsSchema>) {
      checkAdmin(actor);
      const { siteName, ...rest } = patch;
      await db
        .update(site)
        .set({ ...rest, ...(siteName !== undefined ? { name: siteName } : {}) })
        .where(eq(site.id, 1));
      return settingsView();
    },

    async accessUsers(actor: Actor, query: z.output<typeof adminUserQuerySchema>) {
      checkAdmin(actor);
      const rows = await listUsers(db, {
        status: query.status,
        q: query.q,
        after: query.cursor ? decodeCursor(query.cursor, 'cursor') : undefined,
        limit: query.limit + 1,
      });
      const page = rows.slice(0, query.limit);
      const linked = await ssoLinkedIds(page.map((user) => user.id));
      return {
        items: page.map((user) => toAdminUser(user, linked.has(user.id))),
        nextCursor: rows.length > query.limit ? encodeCursor(page[page.length - 1]!) : null,
      };
    },

    async doDecideRegistration(actor: Actor, userId: string, decision: 'approve' | 'reject') {
      const user = await targetUser(actor, userId);
      if (user.status !== 'pending') throw new AppError('conflict', 'This account is not waiting for approval');
      const updated = await updateUser(db, user.id, { status: decision === 'approve' ? 'active' : 'rejected' });
      return adminView(updated ?? user);
    },

    /** Role changes and suspensions. Suspension ends the member's sessions and live sockets at once. */
    async doUpdateUser(actor: Actor, userId: string, patch: z.output<typeof updateUserSchema>) {
      const user = await targetUser(actor, userId);
      if (user.id === actor.user.id && (patch.status === 'suspended' || (patch.role && patch.role !== 'admin'))) {
        throw new AppError('conflict', 'You cannot suspend yourself or give up your own admin role');
      }
      if (patch.status && !['active', 'suspended', 'banned'].includes(user.status)) {
        throw new AppError('conflict', patch.status === 'active' ? 'This account cannot be reinstated here' : 'This account cannot be suspended here', { status: user.status });
      }
      const suspendedUntil = patch.suspendedUntil ? new Date(patch.suspendedUntil) : null;
      if (suspendedUntil && suspendedUntil.getTime() <= Date.now()) {
        throw new AppError('validation_failed', 'The end of a suspension must be in the future', {
          errors: [{ path: 'suspendedUntil', message: 'must be in the future' }],
        });
      }
      const updated = await updateUser(db, user.id, {
        ...(patch.role ? { role: patch.role } : {}),
        ...(patch.status === 'suspended' ? { status: 'suspended', suspendedUntil } : {}),
        ...(patch.status === 'active' ? { status: 'active', suspendedUntil: null } : {}),
      });
      if (!updated) throw AppError.notFound('No such member');
      if (patch.status === 'suspended') await endAllSessions(updated.id, 'suspended');
      else if (patch.role) realtime.publish(`user:${updated.id}`, 'me:updated', await accounts.sessionUserOf(updated));
      return adminView(updated);
    },

    async accessInvites(actor: Actor) {
      checkAdmin(actor);
      const rows = await db
        .select({ invite: invites, createdByHandle: users.handle })
        .from(invites)
        .leftJoin(users, eq(users.id, invites.createdBy))
        .orderBy(desc(invites.createdAt))
        .limit(200);
      return { items: rows.map((row) => inviteView({ ...row.invite, createdByHandle: row.createdByHandle })) };
    },

    async doCreateInvite(actor: Actor, input: z.output<typeof createInviteSchema>) {
      checkAdmin(actor);
      const { token, values } = newInviteLink(actor.user.id, input);
      const [row] = await db.insert(invites).values(values).returning();
      if (!row) throw new Error('invite insert returned nothing');
      return inviteView({ ...row, createdByHandle: actor.user.handle }, token);
    },

    async doRevokeInvite(actor: Actor, inviteId: string) {
      checkAdmin(actor);
      const [row] = await db.update(invites).set({ revokedAt: new Date() }).where(eq(invites.id, inviteId)).returning();
      if (!row) throw AppError.notFound('No such invitation');
      return inviteView({ ...row, createdByHandle: null });
    },

    /** Public: whether a link still works, for the sign-up page. Says nothing else about it. */
    async accessInviteValidity(token: string) {
      const [row] = await db.select().from(invites).where(eq(invites.tokenHash, hashToken(token)));
      const valid = row !== undefined && isUsable(row);
      return { valid, expiresAt: valid ? row.expiresAt.toISOString() : null };
    },
  };
}

export type AdminService = ReturnType<typeof createAdminService>;
