import { and, asc, desc, eq, gt, ilike, inArray, isNull, ne, or, sql, type SQL } from 'drizzle-orm';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import type { z } from 'zod';
import type { createInviteSchema } from '../../../shared/api/admin.routes';
import type { addMemberSchema, createSpaceSchema, updateSpaceSchema } from '../../../shared/api/spaces.routes';
import type { Config } from '../../config';
import type { Db } from '../../core/db/database';
import { posts, spaceAvatars, spaceInvites, spaceMembers, spaces, users } from '../../core/db/schema';
import { AppError, problem } from '../../core/errors';
import { checkImage } from '../../core/images';
import type { Work } from '../../core/events/unit-of-work';
import type { Realtime } from '../../core/realtime/realtime';
import { toPublicProfile } from '../accounts/accounts.dto';
import type { Actor } from '../accounts/actor';
import { hashToken, inviteLinkView, isUsable, newInviteLink, takeInviteUse } from '../accounts/invite-links';
import {
  accessVisibleSpace,
  canManage,
  canRead,
  checkCanManage,
  loadAccess,
  type MembershipRow,
  type SpaceAccess,
  type SpaceRow,
} from './spaces.access';
import type { MembershipChange } from './spaces.events';
import { activeMute, appendEvent, memberCounts, toSpace } from './stream.repository';

export const spaceRoom = (spaceId: string) => `space:${spaceId}`;
const userRoom = (userId: string) => `user:${userId}`;

/** Addresses no space may take (the client's own pages); refused exactly like a taken one. */
const RESERVED_SLUGS = new Set(['new', 'admin', 'api', 'settings', 'search', 'spaces', 'invite', 'home', 'explore', 'directory']);

/**
 * One answer for every address that cannot be had — a space of any visibility holds it, or it is
 * reserved — so creating a space tells nobody that a secret space exists (docs/permissions.md).
 */
const addressUnavailable = () =>
  new AppError('conflict', 'That address is not available: choose another', { errors: [{ path: 'slug', message: 'is not available' }] });

/**
 * A space as this member may see it: someone who cannot read a private (or, through an
 * invitation, secret) space gets its name and description, not its about text or greeting.
 */
function spaceFor(space: SpaceRow, membership: MembershipRow | undefined, memberCount: number, readable: boolean) {
  const shown = toSpace(space, membership, memberCount, readable);
  // Outsiders of a private space see its name and description only (docs/permissions.md): not
  // even whether the welcome bot greets there.
  return readable ? shown : { ...shown, aboutMarkdown: '', aboutHtml: '', welcomeMarkdown: '', welcomeBot: false };
}

export function createSpacesService(deps: {
  db: Db;
  realtime: Realtime;
  config: Pick<Config, 'publicUrl'>;
  work: Work;
}) {
  const { db, realtime, config, work } = deps;

  async function view(access: SpaceAccess) {
    const counts = await memberCounts(db, [access.space.id]);
    return spaceFor(access.space, access.membership, counts.get(access.space.id) ?? 0, canRead(access));
  }

  async function reload(actor: Actor, spaceId: string) {
    const access = await loadAccess(db, actor, { id: spaceId });
    if (!access) throw AppError.notFound('No such space');
    return access;
  }

  function tellMember(userId: string, spaceId: string, membership: MembershipRow | undefined) {
    realtime.publish(userRoom(userId), 'space:membership-changed', {
      spaceId,
      membership: membership
        ? { role: membership.role, status: membership.status, lastReadSeq: membership.lastReadSeq, mutedUntil: activeMute(membership)?.toISOString() ?? null }
        : null,
    });
  }

  /** Room membership follows space membership on every node: active members' sockets are in the room. */
  function syncRooms(userId: string, spaceId: string, active: boolean) {
    if (active) realtime.joinRoom(userRoom(userId), spaceRoom(spaceId));
    else realtime.leaveRoom(userRoom(userId), spaceRoom(spaceId));
  }

  /** Writes a membership and tells the other features (`space.membership-changed`) once it committed. */
  async function setMembership(spaceId: string, userId: string, values: Partial<MembershipRow>, via: MembershipChange['via']): Promise<MembershipRow> {
    return work.transaction(async ({ tx, emit }) => {
      const [before] = await tx
        .select({ status: spaceMembers.status })
        .from(spaceMembers)
        .where(and(eq(spaceMembers.spaceId, spaceId), eq(spaceMembers.userId, userId)))
        .for('update');
      const [row] = await tx
        .insert(spaceMembers)
        .values({ spaceId, userId, role: values.role ?? 'member', status: values.status ?? 'active' })
        .onConflictDoUpdate({ target: [spaceMembers.spaceId, spaceMembers.userId], set: values })
        .returning();
      if (!row) throw new Error('membership upsert returned nothing');
      if (before?.status !== row.status) emit('space.membership-changed', { spaceId, userId, before: before?.status ?? null, after: row.status, via });
      return row;
    });
  }

  /** Ends memberships (one space, or all of a member's) and tells the other features once it committed. */
  async function deleteMemberships(where: SQL, via: MembershipChange['via']): Promise<MembershipRow[]> {
    return work.transaction(async ({ tx, emit }) => {
      const gone = await tx.delete(spaceMembers).where(where).returning();
      for (const m of gone) emit('space.membership-changed', { spaceId: m.spaceId, userId: m.userId, before: m.status, after: null, via });
      return gone;
    });
  }

  /** The membership a host is about to change: they must manage the space, and it must exist. */
  async function managedMembership(actor: Actor, spaceId: string, userId: string): Promise<MembershipRow> {
    checkCanManage(await accessVisibleSpace(db, actor, { id: spaceId }));
    const [existing] = await db
      .select()
      .from(spaceMembers)
      .where(and(eq(spaceMembers.spaceId, spaceId), eq(spaceMembers.userId, userId)));
    if (!existing) throw AppError.notFound('Not a member of this space');
    return existing;
  }

  /** A space always keeps an active host: refuses to take the last one away. */
  async function checkKeepsAHost(membership: MembershipRow, message = 'A space needs at least one host'): Promise<void> {
    if (membership.role === 'host' && membership.status === 'active' && (await activeHostCount(membership.spaceId)) <= 1) {
      throw new AppError('conflict', message);
    }
  }

  const memberView = (user: typeof users.$inferSelect, membership: MembershipRow) => ({
    user: toPublicProfile(user),
    role: membership.role,
    status: membership.status,
    joinedAt: membership.joinedAt.toISOString(),
  });

  async function activeHostCount(spaceId: string): Promise<number> {
    const [row] = await db
      .select({ n: sql<number>`count(*)`.mapWith(Number) })
      .from(spaceMembers)
      .where(and(eq(spaceMembers.spaceId, spaceId), eq(spaceMembers.role, 'host'), eq(spaceMembers.status, 'active')));
    return row?.n ?? 0;
  }

  /**
   * A named host accepted (hosts accept first): if the creator asked not to host, they step down
   * to member now that someone else hosts. Run after the acceptance committed; the flag is cleared
   * by the same statement that reads it, so two hosts accepting at once hand over once.
   */
  async function completeHandover(spaceId: string, accepted: MembershipRow): Promise<void> {
    if (accepted.role !== 'host' || accepted.status !== 'active') return;
    const [space] = await db
      .update(spaces)
      .set({ creatorStepsDown: false })
      .where(and(eq(spaces.id, spaceId), eq(spaces.creatorStepsDown, true), ne(spaces.createdBy, accepted.userId)))
      .returning({ createdBy: spaces.createdBy });
    if (!space?.createdBy) return;
    const [stepped] = await db
      .update(spaceMembers)
      .set({ role: 'member' })
      .where(and(eq(spaceMembers.spaceId, spaceId), eq(spaceMembers.userId, space.createdBy), eq(spaceMembers.role, 'host')))
      .returning();
    if (stepped) tellMember(stepped.userId, spaceId, stepped);
  }

  /**
   * Changes the space row and logs `space:updated` in one transaction (a replay never shows a state
   * that was not), then tells the room. `also` runs first in the same transaction; `beforeTelling`
   * after the commit, before the room hears of it (who is in the room changes with the space).
   */
  async function commitSpaceChange(
    spaceId: string,
    set: PgUpdateSetSource<typeof spaces>,
    also?: (tx: Db) => Promise<void>,
    beforeTelling?: () => Promise<void>,
  ) {
    const memberCount = (await memberCounts(db, [spaceId])).get(spaceId) ?? 0;
    const event = await db.transaction(async (txRaw) => {
      const tx = txRaw as unknown as Db;
      if (also) await also(tx);
      const [updated] = await tx
        .update(spaces)
        .set(set)
        .where(eq(spaces.id, spaceId))
        .returning();
      if (!updated) throw AppError.notFound('No such space');
      return appendEvent(tx, spaceId, 'space:updated', (seq) => {
        const { membership: _membership, canRead: _canRead, ...shared } = toSpace({ ...updated, seq }, undefined, memberCount, true);
        return { space: shared };
      });
    });
    await beforeTelling?.();
    realtime.publish(spaceRoom(spaceId), 'space:updated', event);
  }

  return {
    /** Rooms a member's socket joins on connect: every space they are an active member of. */
    async roomsOf(userId: string): Promise<string[]> {
      const rows = await db
        .select({ spaceId: spaceMembers.spaceId })
        .from(spaceMembers)
        .where(and(eq(spaceMembers.userId, userId), eq(spaceMembers.status, 'active')));
      return rows.map((row) => spaceRoom(row.spaceId));
    },

    async accessDirectory(actor: Actor, query: { q?: string; cursor?: string }) {
      const conditions: SQL[] = [];
      if (actor.user.role !== 'admin') {
        conditions.push(
          or(
            ne(spaces.visibility, 'secret'),
            sql`exists (select 1 from ${spaceMembers} where ${spaceMembers.spaceId} = ${spaces.id} and ${spaceMembers.userId} = ${actor.user.id})`,
          )!,
        );
      }
      if (query.q) conditions.push(ilike(spaces.name, `%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`));
      if (query.cursor) conditions.push(gt(spaces.name, Buffer.from(query.cursor, 'base64url').toString('utf8')));
      const rows = await db
        .select({ space: spaces, membership: spaceMembers })
        .from(spaces)
        .leftJoin(spaceMembers, and(eq(spaceMembers.spaceId, spaces.id), eq(spaceMembers.userId, actor.user.id)))
        .where(and(isNull(spaces.archivedAt), ...conditions))
        .orderBy(asc(spaces.name))
        .limit(51);
      const page = rows.slice(0, 50);
      const counts = await memberCounts(db, page.map((r) => r.space.id));
      return {
        items: page.map((r) => {
          const access = { space: r.space, membership: r.membership ?? undefined, actor };
          return spaceFor(r.space, access.membership, counts.get(r.space.id) ?? 0, canRead(access));
        }),
        nextCursor: rows.length > 50 ? Buffer.from(page[page.length - 1]!.space.name).toString('base64url') : null,
      };
    },

    async accessMySpaces(actor: Actor) {
      const rows = await db
        .select({
          space: spaces,
          membership: spaceMembers,
          unread: sql<number>`(select count(*) from ${posts} where ${posts.spaceId} = ${spaces.id} and ${posts.seq} > ${spaceMembers.lastReadSeq} and ${posts.deletedAt} is null and ${posts.authorId} <> ${actor.user.id})`.mapWith(Number),
        })
        .from(spaceMembers)
        .innerJoin(spaces, eq(spaces.id, spaceMembers.spaceId))
        .where(and(eq(spaceMembers.userId, actor.user.id), eq(spaceMembers.status, 'active')))
        .orderBy(asc(spaces.name));
      const counts = await memberCounts(db, rows.map((r) => r.space.id));
      return {
        items: rows.map((r) => ({ ...toSpace(r.space, r.membership, counts.get(r.space.id) ?? 0, true), unread: r.unread })),
      };
    },

    async accessSpace(actor: Actor, slug: string) {
      return view(await accessVisibleSpace(db, actor, { slug }));
    },

    /**
     * Creates a space. Every named host must be an active member of the network and is invited as
     * host: they host once they accept (join). The creator hosts until then, also when they asked
     * not to (`creatorIsHost: false`), and steps down when the first named host accepts.
     */
    async doCreateSpace(actor: Actor, input: z.output<typeof createSpaceSchema>) {
      const hostHandles = [...new Set(input.hostHandles.filter((h) => h !== actor.user.handle))];
      const hosts = hostHandles.length
        ? await db.select().from(users).where(and(inArray(users.handle, hostHandles), eq(users.status, 'active')))
        : [];
      const missing = hostHandles.filter((h) => !hosts.some((u) => u.handle === h));
      if (missing.length) {
        throw new AppError('validation_failed', problem('No member with the handle {{handles}}', { handles: missing.map((h) => `@${h}`).join(', ') }), {
          errors: [{ path: 'hostHandles', message: `unknown: ${missing.join(', ')}` }],
        });
      }
      if (!input.creatorIsHost && hosts.length === 0) {
        throw new AppError('validation_failed', 'A space needs at least one host', {
          errors: [{ path: 'hostHandles', message: 'name at least one host' }],
        });
      }
      if (RESERVED_SLUGS.has(input.slug)) throw addressUnavailable();
      const [exists] = await db.select({ id: spaces.id }).from(spaces).where(eq(spaces.slug, input.slug));
      if (exists) throw addressUnavailable();
      let space: SpaceRow;
      let memberships: MembershipRow[];
      try {
        ({ space, memberships } = await work.transaction(async ({ tx, emit }) => {
          const [created] = await tx
            .insert(spaces)
            .values({
              slug: input.slug,
              name: input.name,
              description: input.description,
              aboutMarkdown: input.aboutMarkdown,
              color: input.color,
              visibility: input.visibility,
              joinPolicy: input.joinPolicy,
              createdBy: actor.user.id,
              creatorStepsDown: !input.creatorIsHost,
            })
            .returning();
          if (!created) throw new Error('space insert returned nothing');
          // Nobody is made a host without saying yes: named hosts are invited, and the creator
          // keeps the space hosted until one of them accepts.
          const members = [
            { spaceId: created.id, userId: actor.user.id, role: 'host' as const, status: 'active' as const },
            ...hosts.map((host) => ({ spaceId: created.id, userId: host.id, role: 'host' as const, status: 'invited' as const })),
          ];
          const made = await tx.insert(spaceMembers).values(members).returning();
          for (const m of made) emit('space.membership-changed', { spaceId: m.spaceId, userId: m.userId, before: null, after: m.status, via: 'creation' });
          return { space: created, memberships: made };
        }));
      } catch (error) {
        if (/spaces_slug_unique/.test(String((error as { cause?: unknown }).cause ?? error))) throw addressUnavailable();
        throw error;
      }
      for (const membership of memberships) {
        if (membership.status === 'active') syncRooms(membership.userId, space.id, true);
        tellMember(membership.userId, space.id, membership);
      }
      return view(await reload(actor, space.id));
    },

    async doUpdateSpace(actor: Actor, spaceId: string, patch: z.output<typeof updateSpaceSchema>) {
      const access = await accessVisibleSpace(db, actor, { id: spaceId });
      checkCanManage(access);
      const { archived, ...rest } = patch;
      const closing = Boolean(patch.visibility && patch.visibility !== 'public' && access.space.visibility === 'public');
      // Viewers who are not members stop receiving it at once, before the change itself is told:
      // empty the room, then put the members back.
      const onlyMembersInRoom = async () => {
        realtime.leaveRoom(spaceRoom(spaceId), spaceRoom(spaceId));
        const members = await db
          .select({ userId: spaceMembers.userId })
          .from(spaceMembers)
          .where(and(eq(spaceMembers.spaceId, spaceId), eq(spaceMembers.status, 'active')));
        for (const member of members) syncRooms(member.userId, spaceId, true);
      };
      await commitSpaceChange(spaceId, { ...rest, ...(archived === undefined ? {} : { archivedAt: archived ? new Date() : null }) }, undefined, closing ? onlyMembersInRoom : undefined);
      return view(await reload(actor, spaceId));
    },

    async doJoin(actor: Actor, spaceId: string) {
      const access = await accessVisibleSpace(db, actor, { id: spaceId });
      if (access.space.archivedAt) throw new AppError('forbidden', 'This space is archived');
      const current = access.membership;
      if (current?.status === 'active') return view(access);
      let membership: MembershipRow;
      if (current?.status === 'invited') membership = await setMembership(spaceId, actor.user.id, { status: 'active', joinedAt: new Date() }, 'invitation');
      else if (access.space.joinPolicy === 'open') membership = await setMembership(spaceId, actor.user.id, { status: 'active' }, 'join');
      else if (access.space.joinPolicy === 'request') membership = await setMembership(spaceId, actor.user.id, { status: 'requested' }, 'join');
      else throw new AppError('forbidden', 'This space is invitation-only: ask one of its hosts to invite you');
      if (membership.status === 'active') syncRooms(actor.user.id, spaceId, true);
      tellMember(actor.user.id, spaceId, membership);
      if (current?.status === 'invited') await completeHandover(spaceId, membership);
      return view(await reload(actor, spaceId));
    },

    async doLeave(actor: Actor, spaceId: string) {
      const access = await accessVisibleSpace(db, actor, { id: spaceId });
      if (!access.membership) throw new AppError('conflict', 'You are not a member of this space');
      await checkKeepsAHost(access.membership, 'You are the only host: make someone else a host before leaving');
      await deleteMemberships(and(eq(spaceMembers.spaceId, spaceId), eq(spaceMembers.userId, actor.user.id))!, 'leave');
      syncRooms(actor.user.id, spaceId, false);
      tellMember(actor.user.id, spaceId, undefined);
      return view(await reload(actor, spaceId));
    },

    async accessMembers(actor: Actor, spaceId: string) {
      const access = await loadAccess(db, actor, { id: spaceId });
      if (!access || !canRead(access)) throw AppError.notFound('No such space');
      const manager = canManage(access);
      const rows = await db
        .select({ membership: spaceMembers, user: users })
        .from(spaceMembers)
        .innerJoin(users, eq(users.id, spaceMembers.userId))
        .where(and(eq(spaceMembers.spaceId, spaceId), manager ? undefined : eq(spaceMembers.status, 'active')))
        .orderBy(asc(spaceMembers.role), asc(users.displayName));
      return { items: rows.map((r) => memberView(r.user, r.membership)) };
    },

    /** Hosts invite by handle; the member accepts by joining. */
    async doAddMember(actor: Actor, spaceId: string, input: z.output<typeof addMemberSchema>) {
      const access = await accessVisibleSpace(db, actor, { id: spaceId });
      checkCanManage(access);
      const [user] = await db.select().from(users).where(and(eq(users.handle, input.handle), eq(users.status, 'active')));
      if (!user) throw AppError.notFound(problem('No member with the handle {{handles}}', { handles: `@${input.handle}` }));
      const [existing] = await db
        .select()
        .from(spaceMembers)
        .where(and(eq(spaceMembers.spaceId, spaceId), eq(spaceMembers.userId, user.id)));
      if (existing?.status === 'active') throw new AppError('conflict', problem('@{{handle}} is already a member', { handle: user.handle }));
      const membership =
        existing?.status === 'requested'
          ? await setMembership(spaceId, user.id, { status: 'active', role: input.role }, 'approval')
          : await setMembership(spaceId, user.id, { status: 'invited', role: input.role }, 'host');
      if (membership.status === 'active') syncRooms(user.id, spaceId, true);
      tellMember(user.id, spaceId, membership);
      return memberView(user, membership);
    },

    /** Changes a role, or approves a request (hosts). */
    async doUpdateMember(actor: Actor, spaceId: string, userId: string, role: MembershipRow['role']) {
      const existing = await managedMembership(actor, spaceId, userId);
      if (role !== 'host') await checkKeepsAHost(existing);
      const status = existing.status === 'requested' ? 'active' : existing.status;
      const membership = await setMembership(spaceId, userId, { role, status }, 'approval');
      if (membership.status === 'active') syncRooms(userId, spaceId, true);
      tellMember(userId, spaceId, membership);
      const [user] = await db.select().from(users).where(eq(users.id, userId));
      return memberView(user!, membership);
    },

    /** Removes a member, rejects a request or withdraws an invitation (hosts). */
    async doRemoveMember(actor: Actor, spaceId: string, userId: string) {
      await checkKeepsAHost(await managedMembership(actor, spaceId, userId));
      await deleteMemberships(and(eq(spaceMembers.spaceId, spaceId), eq(spaceMembers.userId, userId))!, 'removal');
      syncRooms(userId, spaceId, false);
      tellMember(userId, spaceId, undefined);
      return view(await reload(actor, spaceId));
    },

    // ── trusted writes for the moderation service (it has checked the moderator's rights) ──

    /** Mutes a member in a space until then (null: lifts it); their tabs hear of it. Returns the membership, if any. */
    async doSetMute(spaceId: string, userId: string, until: Date | null): Promise<MembershipRow | undefined> {
      const [row] = await db
        .update(spaceMembers)
        .set({ mutedUntil: until })
        .where(and(eq(spaceMembers.spaceId, spaceId), eq(spaceMembers.userId, userId)))
        .returning();
      if (row) tellMember(userId, spaceId, row);
      return row;
    },

    /** Removes a member from a space (never its last host); returns the role they had, or undefined if they were not a member. */
    async doRemoveByModeration(spaceId: string, userId: string): Promise<MembershipRow['role'] | undefined> {
      const [existing] = await db
        .select()
        .from(spaceMembers)
        .where(and(eq(spaceMembers.spaceId, spaceId), eq(spaceMembers.userId, userId)));
      if (!existing) return undefined;
      await checkKeepsAHost(existing, 'This member is the space’s last host');
      await deleteMemberships(and(eq(spaceMembers.spaceId, spaceId), eq(spaceMembers.userId, userId))!, 'removal');
      syncRooms(userId, spaceId, false);
      tellMember(userId, spaceId, undefined);
      return existing.role;
    },

    /** Puts a removed member back with the role they had (reversing a removal). */
    async doRestoreMember(spaceId: string, userId: string, role: MembershipRow['role']): Promise<void> {
      const membership = await setMembership(spaceId, userId, { role, status: 'active' }, 'host');
      syncRooms(userId, spaceId, true);
      tellMember(userId, spaceId, membership);
    },

    async accessAvatar(actor: Actor, spaceId: string) {
      await accessVisibleSpace(db, actor, { id: spaceId });
      const [avatar] = await db.select().from(spaceAvatars).where(eq(spaceAvatars.spaceId, spaceId));
      if (!avatar) throw AppError.notFound('This space has no image');
      return avatar;
    },

    async doSetAvatar(actor: Actor, spaceId: string, file: { buffer: Buffer; size: number } | undefined) {
      checkCanManage(await accessVisibleSpace(db, actor, { id: spaceId }));
      const image = await checkImage(file, 'avatar');
      await commitSpaceChange(spaceId, { avatarVersion: sql`${spaces.avatarVersion} + 1` }, async (tx) => {
        await tx
          .insert(spaceAvatars)
          .values({ spaceId, ...image })
          .onConflictDoUpdate({ target: spaceAvatars.spaceId, set: { ...image, updatedAt: new Date() } });
      });
      return view(await reload(actor, spaceId));
    },

    async doRemoveAvatar(actor: Actor, spaceId: string) {
      checkCanManage(await accessVisibleSpace(db, actor, { id: spaceId }));
      await commitSpaceChange(spaceId, { avatarVersion: 0 }, async (tx) => {
        await tx.delete(spaceAvatars).where(eq(spaceAvatars.spaceId, spaceId));
      });
      return view(await reload(actor, spaceId));
    },

    async accessInvites(actor: Actor, spaceId: string) {
      checkCanManage(await accessVisibleSpace(db, actor, { id: spaceId }));
      const rows = await db
        .select({ invite: spaceInvites, createdByHandle: users.handle })
        .from(spaceInvites)
        .leftJoin(users, eq(users.id, spaceInvites.createdBy))
        .where(eq(spaceInvites.spaceId, spaceId))
        .orderBy(desc(spaceInvites.createdAt))
        .limit(200);
      return { items: rows.map((row) => inviteLinkView({ ...row.invite, createdByHandle: row.createdByHandle })) };
    },

    async doCreateInvite(actor: Actor, spaceId: string, input: z.output<typeof createInviteSchema>) {
      const access = await accessVisibleSpace(db, actor, { id: spaceId });
      checkCanManage(access);
      if (access.space.archivedAt) throw new AppError('forbidden', 'This space is archived');
      const { token, values } = newInviteLink(actor.user.id, input);
      const [row] = await db
        .insert(spaceInvites)
        .values({ ...values, spaceId })
        .returning();
      if (!row) throw new Error('invite insert returned nothing');
      return inviteLinkView({ ...row, createdByHandle: actor.user.handle }, `${config.publicUrl}/invite/${token}`);
    },

    async doRevokeInvite(actor: Actor, spaceId: string, inviteId: string) {
      checkCanManage(await accessVisibleSpace(db, actor, { id: spaceId }));
      const [row] = await db
        .update(spaceInvites)
        .set({ revokedAt: sql`coalesce(${spaceInvites.revokedAt}, now())` })
        .where(and(eq(spaceInvites.id, inviteId), eq(spaceInvites.spaceId, spaceId)))
        .returning();
      if (!row) throw AppError.notFound('No such invitation');
      return inviteLinkView({ ...row, createdByHandle: null });
    },

    /** What a link leads to. Holding a working link is what lets a member see a secret space's name. */
    async accessInvite(actor: Actor, token: string) {
      const [row] = await db
        .select({ invite: spaceInvites, space: spaces })
        .from(spaceInvites)
        .innerJoin(spaces, eq(spaces.id, spaceInvites.spaceId))
        .where(eq(spaceInvites.tokenHash, hashToken(token)));
      if (!row || !isUsable(row.invite) || row.space.archivedAt) return { valid: false, expiresAt: null, space: null, alreadyMember: false };
      const access = await reload(actor, row.space.id);
      const { id, slug, name, description, color, avatarUrl, visibility, memberCount } = await view(access);
      return {
        valid: true,
        expiresAt: row.invite.expiresAt.toISOString(),
        space: { id, slug, name, description, color, avatarUrl, visibility, memberCount },
        alreadyMember: access.membership?.status === 'active',
      };
    },

    /** Joins through a link whatever the join policy; a member already in the space does not use it up. */
    async doAcceptInvite(actor: Actor, token: string) {
      const [invite] = await db.select().from(spaceInvites).where(eq(spaceInvites.tokenHash, hashToken(token)));
      if (!invite) throw new AppError('invite_invalid', 'This invitation link has expired, been used up or revoked');
      const access = await reload(actor, invite.spaceId);
      if (access.membership?.status === 'active') return view(access);
      if (access.space.archivedAt) throw new AppError('forbidden', 'This space is archived');
      await work.transaction(async ({ tx, emit }) => {
        await takeInviteUse(tx, spaceInvites, token);
        // An invitation by link makes a member; a role offered by a host's invitation by handle is kept.
        await tx
          .insert(spaceMembers)
          .values({ spaceId: invite.spaceId, userId: actor.user.id, status: 'active' })
          .onConflictDoUpdate({ target: [spaceMembers.spaceId, spaceMembers.userId], set: { status: 'active', joinedAt: new Date() } });
        emit('space.membership-changed', { spaceId: invite.spaceId, userId: actor.user.id, before: access.membership?.status ?? null, after: 'active', via: 'link' });
      });
      const joined = await reload(actor, invite.spaceId);
      syncRooms(actor.user.id, invite.spaceId, true);
      tellMember(actor.user.id, invite.spaceId, joined.membership);
      if (access.membership?.status === 'invited' && joined.membership) {
        await completeHandover(invite.spaceId, joined.membership);
        return view(await reload(actor, invite.spaceId));
      }
      return view(joined);
    },

    /**
     * A member's account was erased: they leave every space, and a space they alone hosted gets a
     * new host (its longest-standing moderator, else its longest-standing member), so no space is
     * left without someone to look after it.
     */
    async doForgetMember(userId: string): Promise<void> {
      const left = await deleteMemberships(eq(spaceMembers.userId, userId), 'erasure');
      for (const membership of left) {
        syncRooms(userId, membership.spaceId, false);
        if (membership.role !== 'host' || membership.status !== 'active' || (await activeHostCount(membership.spaceId)) > 0) continue;
        const [heir] = await db
          .select({ userId: spaceMembers.userId })
          .from(spaceMembers)
          .innerJoin(users, eq(users.id, spaceMembers.userId))
          .where(and(eq(spaceMembers.spaceId, membership.spaceId), eq(spaceMembers.status, 'active'), eq(users.isBot, false)))
          .orderBy(sql`case ${spaceMembers.role} when 'moderator' then 0 else 1 end`, asc(spaceMembers.joinedAt))
          .limit(1);
        if (heir) tellMember(heir.userId, membership.spaceId, await setMembership(membership.spaceId, heir.userId, { role: 'host' }, 'host'));
      }
    },

    async doMarkRead(actor: Actor, spaceId: string, seq: number) {
      const access = await accessVisibleSpace(db, actor, { id: spaceId });
      if (access.membership?.status === 'active') {
        const upTo = Math.min(seq, access.space.seq);
        const [membership] = await db
          .update(spaceMembers)
          .set({ lastReadSeq: sql`greatest(${spaceMembers.lastReadSeq}, ${upTo})` })
          .where(and(eq(spaceMembers.spaceId, spaceId), eq(spaceMembers.userId, actor.user.id)))
          .returning();
        tellMember(actor.user.id, spaceId, membership);
      }
      return view(await reload(actor, spaceId));
    },
  };
}

export type SpacesService = ReturnType<typeof createSpacesService>;
