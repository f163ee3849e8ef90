import { and, asc, count, desc, eq, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import type { Comment, Post, Space } from '../../../shared/api/spaces.routes';
import type { Db } from '../../core/db/database';
import { comments, posts, reactions, spaceEvents, spaceMembers, spaces, users } from '../../core/db/schema';
import { AppError } from '../../core/errors';
import { encodeCursor, olderThan, type Cursor } from '../../core/db/keyset';
import { renderMarkdown } from '../../core/markdown';
import { avatarUrlOf } from '../accounts/accounts.dto';
import type { MembershipRow, SpaceRow } from './spaces.access';

type UserRow = typeof users.$inferSelect;
export type PostRow = typeof posts.$inferSelect;
export type CommentRow = typeof comments.$inferSelect;

export const authorOf = (user: UserRow) => ({
  id: user.id,
  handle: user.handle,
  displayName: user.displayName,
  avatarUrl: avatarUrlOf(user),
  isBot: user.isBot,
});

type Reactions = Record<string, { count: number; userIds: string[] }>;

/** Reactions of many posts or comments in one query. */
export async function reactionsOf(db: Db, targetIds: string[]): Promise<Map<string, Reactions>> {
  const result = new Map<string, Reactions>();
  if (targetIds.length === 0) return result;
  const rows = await db
    .select({ targetId: reactions.targetId, emoji: reactions.emoji, userId: reactions.userId })
    .from(reactions)
    .where(inArray(reactions.targetId, targetIds))
    .orderBy(asc(reactions.createdAt));
  for (const row of rows) {
    const byEmoji = result.get(row.targetId) ?? {};
    const entry = (byEmoji[row.emoji] ??= { count: 0, userIds: [] });
    entry.count += 1;
    entry.userIds.push(row.userId);
    result.set(row.targetId, byEmoji);
  }
  return result;
}

export function toPost(row: PostRow, author: UserRow, reactionMap: Map<string, Reactions>): Post {
  const deleted = row.deletedAt !== null;
  return {
    id: row.id,
    spaceId: row.spaceId,
    author: authorOf(author),
    bodyMarkdown: deleted ? '' : row.bodyMarkdown,
    bodyHtml: deleted ? '' : row.bodyHtml,
    tags: deleted ? [] : row.tags,
    mentions: deleted ? [] : row.mentions,
    reactions: deleted ? {} : (reactionMap.get(row.id) ?? {}),
    commentCount: row.commentCount,
    pinned: row.pinnedAt !== null,
    createdAt: row.createdAt.toISOString(),
    editedAt: row.editedAt?.toISOString() ?? null,
    deleted,
  };
}

export function toComment(row: CommentRow, author: UserRow, reactionMap: Map<string, Reactions>): Comment {
  const deleted = row.deletedAt !== null;
  return {
    id: row.id,
    postId: row.postId,
    spaceId: row.spaceId,
    parentId: row.parentId,
    author: authorOf(author),
    bodyMarkdown: deleted ? '' : row.bodyMarkdown,
    bodyHtml: deleted ? '' : row.bodyHtml,
    reactions: deleted ? {} : (reactionMap.get(row.id) ?? {}),
    createdAt: row.createdAt.toISOString(),
    editedAt: row.editedAt?.toISOString() ?? null,
    deleted,
  };
}

/** Posts with their authors and reactions, in the order given. */
export async function postsWithDetails(db: Db, rows: { post: PostRow; author: UserRow }[]): Promise<Post[]> {
  const reactionMap = await reactionsOf(db, rows.map((r) => r.post.id));
  return rows.map((r) => toPost(r.post, r.author, reactionMap));
}

export async function loadPost(db: Db, postId: string): Promise<{ row: PostRow; post: Post } | undefined> {
  const [found] = await db.select({ post: posts, author: users }).from(posts).innerJoin(users, eq(users.id, posts.authorId)).where(eq(posts.id, postId));
  if (!found) return undefined;
  const [post] = await postsWithDetails(db, [found]);
  return { row: found.post, post: post! };
}

export async function loadComment(db: Db, commentId: string): Promise<{ row: CommentRow; comment: Comment } | undefined> {
  const [found] = await db
    .select({ comment: comments, author: users })
    .from(comments)
    .innerJoin(users, eq(users.id, comments.authorId))
    .where(eq(comments.id, commentId));
  if (!found) return undefined;
  const reactionMap = await reactionsOf(db, [found.comment.id]);
  return { row: found.comment, comment: toComment(found.comment, found.author, reactionMap) };
}

export async function commentsOfPost(db: Db, postId: string): Promise<Comment[]> {
  const rows = await db
    .select({ comment: comments, author: users })
    .from(comments)
    .innerJoin(users, eq(users.id, comments.authorId))
    .where(eq(comments.postId, postId))
    .orderBy(asc(comments.createdAt), asc(comments.id));
  const reactionMap = await reactionsOf(db, rows.map((r) => r.comment.id));
  return rows.map((r) => toComment(r.comment, r.author, reactionMap));
}

/**
 * A page of posts, newest first, strictly older than the cursor: (created_at, id) keyset, so a
 * page never repeats or skips a post however many arrive meanwhile.
 */
export async function pageOfPosts(db: Db, filter: SQL, before: Cursor | undefined, limit: number): Promise<{ items: Post[]; nextCursor: string | null }> {
  const conditions: SQL[] = [filter];
  if (before) conditions.push(olderPost(before));
  const rows = await db
    .select({ post: posts, author: users })
    .from(posts)
    .innerJoin(users, eq(users.id, posts.authorId))
    .where(and(...conditions))
    .orderBy(desc(posts.createdAt), desc(posts.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  return {
    items: await postsWithDetails(db, page),
    nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1]!.post) : null,
  };
}

export const notDeleted = isNull(posts.deletedAt);

const olderPost = (before: Cursor) => olderThan(posts.createdAt, posts.id, before);

/**
 * The home stream: for each of the member's spaces, its newest posts from the per-space index
 * (a LATERAL join, at most `limit + 1` rows each), merged by time. Cost grows with the number of
 * spaces a member is in, not with the number of posts in the database.
 */
export async function pageOfHomeStream(db: Db, userId: string, before: Cursor | undefined, limit: number) {
  const result = (await db.execute(sql`
    select p.id from ${spaceMembers} m
    cross join lateral (
      select ${posts.id} as id, ${posts.createdAt} as created_at from ${posts}
       where ${posts.spaceId} = m.space_id and ${posts.deletedAt} is null ${before ? sql`and ${olderPost(before)}` : sql``}
       order by ${posts.createdAt} desc, ${posts.id} desc limit ${limit + 1}
    ) p
    where m.user_id = ${userId} and m.status = 'active'
    order by p.created_at desc, p.id desc limit ${limit + 1}`)) as unknown as { rows: { id: string }[] };
  const ids = result.rows.map((r) => r.id);
  if (ids.length === 0) return { items: [], nextCursor: null };
  const rows = await db.select({ post: posts, author: users }).from(posts).innerJoin(users, eq(users.id, posts.authorId)).where(inArray(posts.id, ids));
  const order = new Map(ids.map((id, i) => [id, i]));
  rows.sort((a, b) => order.get(a.post.id)! - order.get(b.post.id)!);
  const page = rows.slice(0, limit);
  return {
    items: await postsWithDetails(db, page),
    nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1]!.post) : null,
  };
}

/**
 * Appends an event to the space's log inside the caller's transaction: the space row's `seq` is
 * incremented under its row lock, so events of one space are numbered 1, 2, 3… with no gaps, in
 * commit order. Returns the payload to publish after commit.
 */
export async function appendEvent<P extends Record<string, unknown>>(
  tx: Db,
  spaceId: string,
  event: string,
  build: (seq: number) => P,
): Promise<P & { spaceId: string; seq: number }> {
  const [row] = await tx
    .update(spaces)
    .set({ seq: sql`${spaces.seq} + 1` })
    .where(eq(spaces.id, spaceId))
    .returning({ seq: spaces.seq });
  if (!row) throw AppError.notFound('No such space');
  const payload = { spaceId, seq: row.seq, ...build(row.seq) };
  await tx.insert(spaceEvents).values({ spaceId, seq: row.seq, event, payload });
  return payload;
}

export async function eventsAfter(db: Db, spaceId: string, afterSeq: number, limit: number) {
  return db
    .select({ event: spaceEvents.event, payload: spaceEvents.payload, seq: spaceEvents.seq })
    .from(spaceEvents)
    .where(and(eq(spaceEvents.spaceId, spaceId), sql`${spaceEvents.seq} > ${afterSeq}`))
    .orderBy(asc(spaceEvents.seq))
    .limit(limit);
}

export async function memberCounts(db: Db, spaceIds: string[]): Promise<Map<string, number>> {
  if (spaceIds.length === 0) return new Map();
  const rows = await db
    .select({ spaceId: spaceMembers.spaceId, n: count() })
    .from(spaceMembers)
    .where(and(inArray(spaceMembers.spaceId, spaceIds), eq(spaceMembers.status, 'active')))
    .groupBy(spaceMembers.spaceId);
  return new Map(rows.map((r) => [r.spaceId, Number(r.n)]));
}

export function toSpace(space: SpaceRow, membership: MembershipRow | undefined, memberCount: number, canRead: boolean): Space {
  return {
    id: space.id,
    slug: space.slug,
    name: space.name,
    description: space.description,
    aboutMarkdown: space.aboutMarkdown,
    aboutHtml: renderMarkdown(space.aboutMarkdown),
    color: space.color,
    visibility: space.visibility,
    joinPolicy: space.joinPolicy,
    archived: space.archivedAt !== null,
    memberCount,
    createdAt: space.createdAt.toISOString(),
    seq: space.seq,
    membership: membership ? { role: membership.role, status: membership.status, lastReadSeq: membership.lastReadSeq } : null,
    canRead,
  };
}
