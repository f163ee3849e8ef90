// The stream's write path and replay: docs/ARCHITECTURE.md#the-live-path
import { randomUUID } from 'node:crypto';
import { and, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { z } from 'zod';
import type { Comment, Post } from '../../../shared/api/spaces.routes';
import type {
  createCommentSchema,
  createPostSchema,
  resumeSchema,
  updateCommentSchema,
  updatePostSchema,
} from '../../../shared/protocol/stream';
import type { EventName, EventPayload } from '../../../shared/protocol/events';
import type { Db } from '../../core/db/database';
import { comments, postEdits, posts, spaceMembers, users } from '../../core/db/schema';
import { decodeCursor } from '../../core/db/keyset';
import { AppError, problem } from '../../core/errors';
import { mentionedHandles, renderWithMentions } from '../../core/markdown';
import { excerptText } from '../../core/plain-text';
import type { DomainEvents } from '../../core/events/domain-events';
import type { UnitOfWork, Work } from '../../core/events/unit-of-work';
import type { MemberEventBody, MemberLog } from '../../core/replay-log/member-log';
import type { Realtime } from '../../core/realtime/realtime';
import { oneAtATime, type MemberLimit } from '../../core/auth/rate-limit';
import type { Actor } from '../accounts/actor';
import {
  accessReadableSpace,
  canModerate,
  canRead,
  checkCanPost,
  loadAccess,
  MUTED_UNTIL,
  type SpaceAccess,
} from './spaces.access';
import { toggleReaction } from './reactions';
import { spaceRoom } from './spaces.service';
import {
  appendEvent,
  commentsOfPost,
  streamLog,
  insertPostLogged,
  loadComment,
  loadPost,
  pageOfHomeStream,
  pageOfSpace,
  pinnedOfSpace,
  toPost,
  toSpace,
  memberCounts,
  activeMute,
  type CommentRow,
  type PostRow,
} from './stream.repository';

type Published = { event: EventName; room: string; payload: unknown };

type Written = DomainEvents['content.written'];

/** Per-member limits on each kind of write (issue #12; `memberLimit` in server/core/auth/rate-limit.ts). */
export interface StreamLimits {
  posts: MemberLimit;
  comments: MemberLimit;
  reactions: MemberLimit;
  edits: MemberLimit;
  /** Events one resume answers at most. */
  resumeEvents: number;
}

const unlimited: StreamLimits = { posts: async () => {}, comments: async () => {}, reactions: async () => {}, edits: async () => {}, resumeEvents: 1000 };

export function createStreamService(deps: { db: Db; realtime: Realtime; work: Work; memberLog: MemberLog; limits?: StreamLimits }) {
  const { db, realtime, work, memberLog } = deps;
  const limits = deps.limits ?? unlimited;
  // One resume per member at a time on this node: 16 at once held 16 answers in memory together.
  const resumeTurn = oneAtATime({ waiting: 2, message: 'A resume is already running for you; try again in a moment' });

  /** Publishes after the transaction has committed — never before, or a client could see a change that rolled back. */
  function publishAll(events: Published[]) {
    for (const e of events) realtime.publish(e.room, e.event, e.payload as EventPayload<typeof e.event>);
  }

  /** Members mentioned who may read the space (others are not told: a mention must not leak a private space). */
  async function readableMentions(access: SpaceAccess, handles: string[]) {
    if (handles.length === 0) return [];
    const found = await db
      .select({ id: users.id, handle: users.handle, role: users.role, membership: spaceMembers.status })
      .from(users)
      .leftJoin(spaceMembers, and(eq(spaceMembers.userId, users.id), eq(spaceMembers.spaceId, access.space.id)))
      .where(and(inArray(users.handle, handles), eq(users.status, 'active')));
    return found.filter((u) => access.space.visibility === 'public' || u.membership === 'active' || u.role === 'admin');
  }

  /** What a mention tells: the same for each member mentioned (never the author), through their own log. */
  function mentionOf(access: SpaceAccess, actor: Actor, postId: string, commentId: string | null, markdown: string): MemberEventBody<'mention:received'> {
    return {
      spaceId: access.space.id,
      postId,
      commentId,
      by: { id: actor.user.id, handle: actor.user.handle, displayName: actor.user.displayName },
      excerpt: excerptText(markdown),
    };
  }

  const othersThan = (actor: Actor, mentioned: { id: string }[]) => mentioned.filter((u) => u.id !== actor.user.id).map((u) => u.id);

  /** Tells each member mentioned, in the write's transaction (released after COMMIT). */
  function tellMentions(mentioned: { id: string }[], actor: Actor, mention: MemberEventBody<'mention:received'>) {
    return async (uow: UnitOfWork) => {
      for (const userId of othersThan(actor, mentioned)) await memberLog.tell(uow, userId, 'mention:received', mention);
    };
  }

  async function writablePost(actor: Actor, postId: string) {
    const found = await loadPost(db, postId);
    if (!found) throw AppError.notFound('No such post');
    const access = await loadAccess(db, actor, { id: found.row.spaceId });
    if (!access || !canRead(access)) throw AppError.notFound('No such post');
    return { ...found, access };
  }

  async function writableComment(actor: Actor, commentId: string) {
    const found = await loadComment(db, commentId);
    if (!found) throw AppError.notFound('No such comment');
    const access = await loadAccess(db, actor, { id: found.row.spaceId });
    if (!access || !canRead(access)) throw AppError.notFound('No such comment');
    return { ...found, access };
  }

  /** Runs a change and logs its event in one transaction; the returned state is what was committed. */
  async function logPostChange(
    spaceId: string,
    event: 'post:created' | 'post:updated' | 'post:deleted',
    change: (tx: Db, uow: UnitOfWork) => Promise<string>,
    written?: Written,
    also?: (uow: UnitOfWork) => Promise<void>,
  ) {
    const payload = await work.transaction(async (uow) => {
      const { tx, emit } = uow;
      if (written) emit('content.written', written);
      await also?.(uow);
      const postId = await change(tx, uow);
      // Read under the space row's lock (taken by the append): a concurrent change of the same
      // post committed before it, so the event carries the state as it now is.
      const logged = await appendEvent(tx, spaceId, event, async () => {
        const loaded = await loadPost(tx, postId);
        if (!loaded) throw AppError.notFound('No such post');
        return { post: loaded.post };
      });
      // Unread counts compare a post's seq with the member's last read seq.
      if (event === 'post:created') await tx.update(posts).set({ seq: logged.seq }).where(eq(posts.id, postId));
      return logged;
    });
    return payload;
  }

  async function logCommentChange(
    spaceId: string,
    event: 'comment:created' | 'comment:updated' | 'comment:deleted',
    change: (tx: Db, uow: UnitOfWork) => Promise<string>,
    written?: Written,
    also?: (uow: UnitOfWork) => Promise<void>,
  ) {
    return work.transaction(async (uow) => {
      const { tx, emit } = uow;
      if (written) emit('content.written', written);
      await also?.(uow);
      const commentId = await change(tx, uow);
      // As for posts: read under the space row's lock.
      return appendEvent(tx, spaceId, event, async () => {
        const loaded = await loadComment(tx, commentId);
        if (!loaded) throw AppError.notFound('No such comment');
        const [post] = await tx.select({ commentCount: posts.commentCount }).from(posts).where(eq(posts.id, loaded.row.postId));
        return { comment: loaded.comment, commentCount: post?.commentCount ?? 0 };
      });
    });
  }

  /** Deletes, hides or shows again a post through its log, and tells the space: an author's delete and the moderators' share it. */
  async function changePostVisibility(row: PostRow, change: 'hide' | 'unhide' | 'delete'): Promise<Post> {
    const event = change === 'delete' ? 'post:deleted' : 'post:updated';
    const payload = await logPostChange(row.spaceId, event, async (tx) => {
      await tx
        .update(posts)
        .set(change === 'delete' ? { deletedAt: new Date(), pinnedAt: null } : { hiddenAt: change === 'hide' ? new Date() : null })
        .where(eq(posts.id, row.id));
      return row.id;
    });
    publishAll([{ event, room: spaceRoom(row.spaceId), payload }]);
    return payload.post;
  }

  /** As changePostVisibility, for a comment (a deletion also lowers its post's comment count). */
  async function changeCommentVisibility(row: CommentRow, change: 'hide' | 'unhide' | 'delete'): Promise<Comment> {
    const event = change === 'delete' ? 'comment:deleted' : 'comment:updated';
    const payload = await logCommentChange(row.spaceId, event, async (tx) => {
      if (change === 'delete') {
        await tx.update(comments).set({ deletedAt: new Date() }).where(eq(comments.id, row.id));
        await tx.update(posts).set({ commentCount: sql`greatest(${posts.commentCount} - 1, 0)` }).where(eq(posts.id, row.postId));
      } else {
        await tx.update(comments).set({ hiddenAt: change === 'hide' ? new Date() : null }).where(eq(comments.id, row.id));
      }
      return row.id;
    });
    publishAll([{ event, room: spaceRoom(row.spaceId), payload }]);
    return payload.comment;
  }

  /** Whether a moderators' change would change anything: nothing on deleted content, no hiding twice. */
  const changes = (row: { deletedAt: Date | null; hiddenAt: Date | null }, change: 'hide' | 'unhide' | 'delete') =>
    !row.deletedAt && (change === 'delete' || (change === 'hide') !== (row.hiddenAt !== null));

  /** Deleted or hidden content takes no edits, reactions or comments. */
  function checkNotGone(row: { deletedAt: Date | null; hiddenAt: Date | null }, what: 'post' | 'comment') {
    if (row.deletedAt) throw new AppError('conflict', what === 'post' ? 'This post was deleted' : 'This comment was deleted');
    if (row.hiddenAt) throw new AppError('conflict', what === 'post' ? 'The moderators hid this post' : 'The moderators hid this comment');
  }

  function checkOwnOrModerate(access: SpaceAccess, authorId: string, actor: Actor, what: 'edit' | 'delete') {
    if (authorId !== actor.user.id && !canModerate(access)) {
      throw new AppError('forbidden', what === 'edit' ? 'You can only edit your own posts and comments' : 'You can only delete your own posts and comments');
    }
  }

  /** An archived space is read-only: no pins and no deletions by members either (moderation still acts). */
  function checkNotArchived(access: SpaceAccess) {
    if (access.space.archivedAt) throw new AppError('forbidden', 'This space is archived and read-only');
  }

  /** A muted member may read but not change what the space shows (checkCanPost says the same for new writes). */
  function checkNotMuted(access: SpaceAccess) {
    const until = access.membership ? activeMute(access.membership) : null;
    if (until) throw new AppError('muted', problem(MUTED_UNTIL, { until }), { until: until.toISOString() });
  }

  return {
    async doCreatePost(actor: Actor, input: z.output<typeof createPostSchema>): Promise<Post> {
      await limits.posts(actor);
      const spaceId = input.spaceId;
      // Mentions tell only members who may read the space, so with mentions the space is checked
      // first; without (the common case) the write itself checks that the author may post.
      const asked = mentionedHandles(input.bodyMarkdown);
      let mentionedIn: { access: SpaceAccess; mentioned: { id: string; handle: string }[] } | undefined;
      if (asked.length > 0) {
        const access = await accessReadableSpace(db, actor, spaceId);
        checkCanPost(access);
        mentionedIn = { access, mentioned: await readableMentions(access, asked) };
      }
      const handles = mentionedIn?.mentioned.map((m) => m.handle) ?? [];
      const row: PostRow = {
        id: randomUUID(),
        spaceId,
        authorId: actor.user.id,
        bodyMarkdown: input.bodyMarkdown,
        bodyHtml: renderWithMentions(input.bodyMarkdown, handles),
        tags: [...new Set(input.tags)],
        mentions: handles,
        commentCount: 0,
        seq: 0,
        pinnedAt: null,
        editedAt: null,
        deletedAt: null,
        hiddenAt: null,
        createdAt: new Date(0), // the database's clock decides; replaced below
        search: null,
      };
      // The post as loading it back would give: the author is the member who just acted, no reactions yet.
      const created = toPost(row, actor.user, new Map());
      const { createdAt: _placeholder, ...withoutTime } = created;
      const values = { ...row, authorIsAdmin: actor.user.role === 'admin' };
      const followUps = await work.followUpsSql([
        { name: 'content.written', payload: { kind: 'post', id: row.id, authorId: actor.user.id, markdown: input.bodyMarkdown, change: 'created' } },
      ]);
      // Mentions go into the mentioned members' own logs in the same statement.
      const mention = mentionedIn && mentionOf(mentionedIn.access, actor, row.id, null, input.bodyMarkdown);
      const told = mentionedIn ? othersThan(actor, mentionedIn.mentioned) : [];
      const mentions = mention && told.length > 0 ? (onlyIf: SQL) => memberLog.tellSql(told, 'mention:received', mention, onlyIf) : undefined;
      let logged = await insertPostLogged(db, values, withoutTime, followUps, mentions);
      if (!logged) {
        // Nothing written: the full checks say why (404 unreadable, 403 archived or not a member).
        checkCanPost(await accessReadableSpace(db, actor, spaceId));
        // They passed, so access changed in between (joined, unarchived): once more.
        logged = await insertPostLogged(db, values, withoutTime, followUps, mentions);
        if (!logged) throw new AppError('conflict', 'The space changed while posting; try again');
      }
      const payload = { spaceId, seq: logged.seq, post: { ...created, createdAt: logged.createdAt } };
      publishAll([{ event: 'post:created', room: spaceRoom(spaceId), payload }]);
      if (mention) work.release({ publishes: memberLog.told(logged.told, 'mention:received', mention) });
      work.release({ events: [{ name: 'content.written', payload: { kind: 'post', id: row.id, authorId: actor.user.id, markdown: input.bodyMarkdown, change: 'created' } }] });
      return payload.post;
    },

    async doUpdatePost(actor: Actor, input: z.output<typeof updatePostSchema>): Promise<Post> {
      await limits.edits(actor);
      const { row, access } = await writablePost(actor, input.postId);
      checkNotGone(row, 'post');
      checkOwnOrModerate(access, row.authorId, actor, 'edit');
      checkNotArchived(access);
      checkNotMuted(access);
      const mentioned = await readableMentions(access, mentionedHandles(input.bodyMarkdown));
      const handles = mentioned.map((m) => m.handle);
      const newlyMentioned = mentioned.filter((m) => !row.mentions.includes(m.handle));
      const told = tellMentions(newlyMentioned, actor, mentionOf(access, actor, row.id, null, input.bodyMarkdown));
      const payload = await logPostChange(access.space.id, 'post:updated', async (tx) => {
        await tx.insert(postEdits).values({ postId: row.id, bodyMarkdown: row.bodyMarkdown, editedBy: actor.user.id });
        await tx
          .update(posts)
          .set({
            bodyMarkdown: input.bodyMarkdown,
            bodyHtml: renderWithMentions(input.bodyMarkdown, handles),
            mentions: handles,
            editedAt: new Date(),
            ...(input.tags ? { tags: [...new Set(input.tags)] } : {}),
          })
          .where(eq(posts.id, row.id));
        return row.id;
      }, { kind: 'post', id: row.id, authorId: row.authorId, markdown: input.bodyMarkdown, change: 'edited' }, told);
      publishAll([{ event: 'post:updated', room: spaceRoom(access.space.id), payload }]);
      return payload.post;
    },

    async doDeletePost(actor: Actor, postId: string): Promise<Post> {
      const { row, access, post } = await writablePost(actor, postId);
      if (row.deletedAt) return post;
      checkOwnOrModerate(access, row.authorId, actor, 'delete');
      checkNotArchived(access);
      return changePostVisibility(row, 'delete');
    },

    async doPinPost(actor: Actor, postId: string, pinned: boolean): Promise<Post> {
      const { row, access } = await writablePost(actor, postId);
      if (!canModerate(access)) throw new AppError('forbidden', 'Only the space’s hosts and moderators can pin posts');
      checkNotArchived(access);
      checkNotGone(row, 'post');
      const payload = await logPostChange(access.space.id, 'post:updated', async (tx) => {
        await tx.update(posts).set({ pinnedAt: pinned ? new Date() : null }).where(eq(posts.id, row.id));
        return row.id;
      });
      publishAll([{ event: 'post:updated', room: spaceRoom(access.space.id), payload }]);
      return payload.post;
    },

    async doReactPost(actor: Actor, postId: string, emoji: string): Promise<Post> {
      await limits.reactions(actor);
      const { row, access } = await writablePost(actor, postId);
      checkCanPost(access);
      checkNotGone(row, 'post');
      const payload = await logPostChange(access.space.id, 'post:updated', async (tx, { emit }) => {
        if ((await toggleReaction(tx, row.id, actor.user.id, emoji)) === 'added') emit('content.reacted', { kind: 'post', id: row.id, authorId: row.authorId, reactorId: actor.user.id });
        return row.id;
      });
      publishAll([{ event: 'post:updated', room: spaceRoom(access.space.id), payload }]);
      return payload.post;
    },

    async doCreateComment(actor: Actor, input: z.output<typeof createCommentSchema>): Promise<Comment> {
      await limits.comments(actor);
      const { row: post, access } = await writablePost(actor, input.postId);
      checkCanPost(access);
      checkNotGone(post, 'post');
      if (input.parentId) {
        const [parent] = await db.select().from(comments).where(eq(comments.id, input.parentId));
        if (!parent || parent.postId !== post.id) throw AppError.notFound('No such comment to reply to');
        // One level of replies: a reply to a reply answers the same top-level comment.
        input = { ...input, parentId: parent.parentId ?? parent.id };
      }
      const mentioned = await readableMentions(access, mentionedHandles(input.bodyMarkdown));
      const commentId = randomUUID();
      const payload = await logCommentChange(access.space.id, 'comment:created', async (tx) => {
        const [created] = await tx
          .insert(comments)
          .values({
            id: commentId,
            postId: post.id,
            spaceId: access.space.id,
            parentId: input.parentId ?? null,
            authorId: actor.user.id,
            bodyMarkdown: input.bodyMarkdown,
            bodyHtml: renderWithMentions(input.bodyMarkdown, mentioned.map((m) => m.handle)),
          })
          .returning({ id: comments.id });
        await tx.update(posts).set({ commentCount: sql`${posts.commentCount} + 1` }).where(eq(posts.id, post.id));
        return created!.id;
      }, { kind: 'comment', id: commentId, authorId: actor.user.id, markdown: input.bodyMarkdown, change: 'created' }, tellMentions(mentioned, actor, mentionOf(access, actor, post.id, commentId, input.bodyMarkdown)));
      publishAll([{ event: 'comment:created', room: spaceRoom(access.space.id), payload }]);
      return payload.comment;
    },

    async doUpdateComment(actor: Actor, input: z.output<typeof updateCommentSchema>): Promise<Comment> {
      await limits.edits(actor);
      const { row, access } = await writableComment(actor, input.commentId);
      checkNotGone(row, 'comment');
      if (row.authorId !== actor.user.id) throw new AppError('forbidden', 'You can only edit your own comments');
      checkCanPost(access);
      const mentioned = await readableMentions(access, mentionedHandles(input.bodyMarkdown));
      const payload = await logCommentChange(access.space.id, 'comment:updated', async (tx) => {
        await tx
          .update(comments)
          .set({ bodyMarkdown: input.bodyMarkdown, bodyHtml: renderWithMentions(input.bodyMarkdown, mentioned.map((m) => m.handle)), editedAt: new Date() })
          .where(eq(comments.id, row.id));
        return row.id;
      }, { kind: 'comment', id: row.id, authorId: row.authorId, markdown: input.bodyMarkdown, change: 'edited' });
      publishAll([{ event: 'comment:updated', room: spaceRoom(access.space.id), payload }]);
      return payload.comment;
    },

    async doDeleteComment(actor: Actor, commentId: string): Promise<Comment> {
      const { row, access, comment } = await writableComment(actor, commentId);
      if (row.deletedAt) return comment;
      checkOwnOrModerate(access, row.authorId, actor, 'delete');
      checkNotArchived(access);
      return changeCommentVisibility(row, 'delete');
    },

    async doReactComment(actor: Actor, commentId: string, emoji: string): Promise<Comment> {
      await limits.reactions(actor);
      const { row, access } = await writableComment(actor, commentId);
      checkCanPost(access);
      checkNotGone(row, 'comment');
      const payload = await logCommentChange(access.space.id, 'comment:updated', async (tx, { emit }) => {
        if ((await toggleReaction(tx, row.id, actor.user.id, emoji)) === 'added') emit('content.reacted', { kind: 'comment', id: row.id, authorId: row.authorId, reactorId: actor.user.id });
        return row.id;
      });
      publishAll([{ event: 'comment:updated', room: spaceRoom(access.space.id), payload }]);
      return payload.comment;
    },

    /**
     * Trusted write for the moderation service (it checked the moderator's rights): hides, unhides
     * or deletes a post and tells every screen of the space, through its log like any change.
     * Returns false when there was nothing to change (already so, or gone).
     */
    async doModeratePost(postId: string, change: 'hide' | 'unhide' | 'delete'): Promise<boolean> {
      const found = await loadPost(db, postId);
      if (!found || !changes(found.row, change)) return false;
      await changePostVisibility(found.row, change);
      return true;
    },

    /** As doModeratePost, for a comment. */
    async doModerateComment(commentId: string, change: 'hide' | 'unhide' | 'delete'): Promise<boolean> {
      const found = await loadComment(db, commentId);
      if (!found || !changes(found.row, change)) return false;
      await changeCommentVisibility(found.row, change);
      return true;
    },

    async accessSpaceStream(actor: Actor, spaceId: string, query: { before?: string; limit: number }) {
      const access = await accessReadableSpace(db, actor, spaceId);
      const before = query.before ? decodeCursor(query.before, 'before') : undefined;
      // The seq is read first: events after it may or may not be in the page, and replaying them is harmless.
      const seq = access.space.seq;
      const page = await pageOfSpace(db, spaceId, before, query.limit);
      const pinned = before ? [] : await pinnedOfSpace(db, spaceId);
      return { ...page, pinned, seq };
    },

    async accessHomeStream(actor: Actor, query: { before?: string; limit: number }) {
      return pageOfHomeStream(db, actor.user.id, query.before ? decodeCursor(query.before, 'before') : undefined, query.limit);
    },

    async accessPost(actor: Actor, postId: string) {
      const { post, access } = await writablePost(actor, postId);
      const counts = await memberCounts(db, [access.space.id]);
      return {
        post,
        comments: await commentsOfPost(db, postId),
        space: toSpace(access.space, access.membership, counts.get(access.space.id) ?? 0, true),
      };
    },

    async accessPostHistory(actor: Actor, postId: string) {
      const { access } = await writablePost(actor, postId);
      if (!canModerate(access)) throw new AppError('forbidden', 'Only the space’s hosts and moderators can read edit history');
      const rows = await db
        .select({ edit: postEdits, handle: users.handle })
        .from(postEdits)
        .leftJoin(users, eq(users.id, postEdits.editedBy))
        .where(eq(postEdits.postId, postId))
        .orderBy(desc(postEdits.editedAt), desc(postEdits.id));
      return { items: rows.map((r) => ({ bodyMarkdown: r.edit.bodyMarkdown, editedAt: r.edit.editedAt.toISOString(), editedBy: r.handle })) };
    },

    /** Lets a member watch a readable space live without joining it (public spaces). */
    async doSubscribe(actor: Actor, spaceId: string) {
      const access = await accessReadableSpace(db, actor, spaceId);
      return { seq: access.space.seq };
    },

    /**
     * Whether a socket that asks to stop watching a space should leave its room: not when the
     * member belongs to the space (membership keeps them in it; only leaving the space ends that).
     */
    async checkUnsubscribe(actor: Actor, spaceId: string): Promise<boolean> {
      const access = await loadAccess(db, actor, { id: spaceId });
      return access?.membership?.status !== 'active';
    },

    /**
     * The events each space logged after the given seq, in order; `reset` when too many, no longer
     * readable, or beyond the command's budget. A space named twice is answered once, after the
     * smallest seq asked (one command naming a space 60 times answered its log 60 times).
     */
    async accessResume(actor: Actor, input: z.output<typeof resumeSchema>) {
      return resumeTurn(actor.user.id, async () => {
        const asked = new Map<string, number>();
        for (const { spaceId, afterSeq } of input.spaces) asked.set(spaceId, Math.min(afterSeq, asked.get(spaceId) ?? afterSeq));
        let budget = limits.resumeEvents;
        const results = [];
        for (const [spaceId, afterSeq] of asked) {
          const access = await loadAccess(db, actor, { id: spaceId });
          // Beyond the budget the client reloads over REST, as for a gap too large to replay.
          if (!access || !canRead(access) || access.space.seq - afterSeq > budget) {
            results.push({ spaceId, events: [], reset: true });
            continue;
          }
          // Too much missed, or the events after afterSeq were pruned from the log: reload instead.
          const { reset, events } = await streamLog.resume(db, spaceId, afterSeq, access.space.seq);
          budget = Math.max(0, budget - events.length);
          results.push({ spaceId, reset, events: events.map((r) => ({ event: r.event as never, payload: r.payload })) });
        }
        return { spaces: results };
      });
    },
  };
}

export type StreamService = ReturnType<typeof createStreamService>;
