import { and, asc, count, desc, eq, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import type { Comment, Post, Space } from '../../../shared/api/spaces.routes';
import type { Db } from '../../core/db/database';
import { comments, posts, reactions, spaceEvents, spaceMembers, spaces, users } from '../../core/db/schema';
import { encodeCursor, type Cursor } from '../../core/db/keyset';
import { isoOf } from '../../core/db/sql';
import type { FollowUps } from '../../core/jobs/jobs';
import { toldNobody, type MemberTellSql, type Told } from '../../core/replay-log/member-log';
import { defineReplayLog } from '../../core/replay-log/replay-log';
import { renderMarkdown } from '../../core/markdown';
import { authorOf } from '../accounts/accounts.dto';
import { reactionsOf, type Reactions } from './reactions';
import type { MembershipRow, SpaceRow } from './spaces.access';

type UserRow = typeof users.$inferSelect;
export type PostRow = typeof posts.$inferSelect;
export type CommentRow = typeof comments.$inferSelect;

export function toPost(row: PostRow, author: UserRow, reactionMap: Map<string, Reactions>): Post {
  const deleted = row.deletedAt !== null;
  const hidden = row.hiddenAt !== null;
  // Deleted or hidden: a placeholder for everyone (the moderators' case keeps a snapshot).
  const gone = deleted || hidden;
  return {
    id: row.id,
    spaceId: row.spaceId,
    author: authorOf(author),
    bodyMarkdown: gone ? '' : row.bodyMarkdown,
    bodyHtml: gone ? '' : row.bodyHtml,
    tags: gone ? [] : row.tags,
    mentions: gone ? [] : row.mentions,
    reactions: gone ? {} : (reactionMap.get(row.id) ?? {}),
    commentCount: row.commentCount,
    // A hidden pinned post leaves the pinned list while hidden (its pin comes back with it).
    pinned: !gone && row.pinnedAt !== null,
    createdAt: row.createdAt.toISOString(),
    editedAt: row.editedAt?.toISOString() ?? null,
    deleted,
    hidden,
  };
}

export function toComment(row: CommentRow, author: UserRow, reactionMap: Map<string, Reactions>): Comment {
  const deleted = row.deletedAt !== null;
  const hidden = row.hiddenAt !== null;
  const gone = deleted || hidden;
  return {
    id: row.id,
    postId: row.postId,
    spaceId: row.spaceId,
    parentId: row.parentId,
    author: authorOf(author),
    bodyMarkdown: gone ? '' : row.bodyMarkdown,
    bodyHtml: gone ? '' : row.bodyHtml,
    reactions: gone ? {} : (reactionMap.get(row.id) ?? {}),
    createdAt: row.createdAt.toISOString(),
    editedAt: row.editedAt?.toISOString() ?? null,
    deleted,
    hidden,
  };
}

/**
 * A post's reactions as [emoji, userId] pairs, oldest first, read in the same query as the post
 * (a page of posts is then one round trip instead of two).
 */
const reactionPairs = sql<[string, string][] | null>`(
  select json_agg(json_build_array(r.emoji, r.user_id) order by r.created_at) from ${reactions} r where r.target_id = ${posts.id})`;

/** The same grouping as reactionsOf, from one post's pairs. */
function reactionsFromPairs(pairs: [string, string][] | null): Reactions {
  const byEmoji: Reactions = {};
  for (const [emoji, userId] of pairs ?? []) {
    const entry = (byEmoji[emoji] ??= { count: 0, userIds: [] });
    entry.count += 1;
    entry.userIds.push(userId);
  }
  return byEmoji;
}

const pageColumns = { post: posts, author: users, reactions: reactionPairs };

function toPostOfPage(row: { post: PostRow; author: UserRow; reactions: [string, string][] | null }): Post {
  return toPost(row.post, row.author, new Map([[row.post.id, reactionsFromPairs(row.reactions)]]));
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
 * The stream pages as prepared statements, one per shape: every stream read runs one of them, so
 * Drizzle builds their SQL once (it cost about a third of a page's server CPU) and PostgreSQL parses
 * them once per connection. The limit is a parameter: PostgreSQL keeps planning each execution
 * with its values as long as a generic plan, which has to guess the limit (10% of the rows), looks
 * costlier, which it does on any table big enough for the choice to matter.
 * Pages are newest first, strictly older than the cursor: a (created_at, id) keyset, so a page
 * never repeats or skips a post however many arrive meanwhile.
 */
/** Pinned posts shown above a space's stream. */
const MAX_PINNED = 20;

function preparePages(db: Db) {
  const olderThanCursor = sql`(${posts.createdAt}, ${posts.id}) < (${sql.placeholder('beforeAt')}::timestamptz, ${sql.placeholder('beforeId')}::uuid)`;
  const inSpace = eq(posts.spaceId, sql.placeholder('spaceId'));
  const page = () => db.select(pageColumns).from(posts).innerJoin(users, eq(users.id, posts.authorId));
  // The home stream: for each of the member's spaces, its newest posts from the per-space index
  // (a LATERAL join, at most `limit` rows each), merged by time; the outer query loads the page's
  // rows and reactions. Cost grows with the number of spaces a member is in, not with the posts.
  const home = (older: boolean) =>
    page()
      .where(
        sql`${posts.id} in (
          select p.id from ${spaceMembers} m
          cross join lateral (
            select ${posts.id} as id, ${posts.createdAt} as created_at from ${posts}
             where ${posts.spaceId} = m.space_id and ${posts.deletedAt} is null and ${posts.hiddenAt} is null ${older ? sql`and ${olderThanCursor}` : sql``}
             order by ${posts.createdAt} desc, ${posts.id} desc limit ${sql.placeholder('limit')}
          ) p
          where m.user_id = ${sql.placeholder('userId')} and m.status = 'active'
          order by p.created_at desc, p.id desc limit ${sql.placeholder('limit')})`,
      )
      .orderBy(desc(posts.createdAt), desc(posts.id));
  return {
    space: page().where(inSpace).orderBy(desc(posts.createdAt), desc(posts.id)).limit(sql.placeholder('limit')).prepare('hearth_space_page'),
    spaceOlder: page()
      .where(and(inSpace, olderThanCursor))
      .orderBy(desc(posts.createdAt), desc(posts.id))
      .limit(sql.placeholder('limit'))
      .prepare('hearth_space_page_older'),
    pinned: page()
      .where(and(inSpace, sql`${posts.pinnedAt} is not null`, isNull(posts.deletedAt), isNull(posts.hiddenAt)))
      .orderBy(desc(posts.createdAt), desc(posts.id))
      .limit(MAX_PINNED + 1)
      .prepare('hearth_pinned_posts'),
    home: home(false).prepare('hearth_home_page'),
    homeOlder: home(true).prepare('hearth_home_page_older'),
  };
}

const pageQueries = new WeakMap<Db, ReturnType<typeof preparePages>>();

function pagesOf(db: Db) {
  let queries = pageQueries.get(db);
  if (!queries) pageQueries.set(db, (queries = preparePages(db)));
  return queries;
}

type PageRow = { post: PostRow; author: UserRow; reactions: [string, string][] | null };

/** Rows fetched with one extra: whether there is a next page, and its cursor. */
function toPage(rows: PageRow[], limit: number): { items: Post[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  return {
    items: page.map(toPostOfPage),
    nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1]!.post) : null,
  };
}

const cursorValues = (before: Cursor | undefined) => (before ? { beforeAt: before.createdAt.toISOString(), beforeId: before.id } : {});

/** A page of a space's posts (deleted ones included, as tombstones), newest first. */
export async function pageOfSpace(db: Db, spaceId: string, before: Cursor | undefined, limit: number) {
  const queries = pagesOf(db);
  const rows = await (before ? queries.spaceOlder : queries.space).execute({ spaceId, limit: limit + 1, ...cursorValues(before) });
  return toPage(rows, limit);
}

/** The space's pinned posts, newest first. */
export async function pinnedOfSpace(db: Db, spaceId: string): Promise<Post[]> {
  return toPage(await pagesOf(db).pinned.execute({ spaceId }), MAX_PINNED).items;
}

/** The home stream: the newest posts of all the member's spaces. */
export async function pageOfHomeStream(db: Db, userId: string, before: Cursor | undefined, limit: number) {
  const queries = pagesOf(db);
  const rows = await (before ? queries.homeOlder : queries.home).execute({ userId, limit: limit + 1, ...cursorValues(before) });
  return toPage(rows, limit);
}

/** More missed events than this and a client reloads the space instead of replaying. */
export const MAX_REPLAY = 500;

/** Each space's stream: numbered by the space row's `seq` (server/core/replay-log). */
export const streamLog = defineReplayLog({
  noun: 'space',
  head: { table: spaces, key: spaces.id, seq: spaces.seq },
  events: { table: spaceEvents, key: spaceEvents.spaceId },
  maxReplay: MAX_REPLAY,
});

/**
 * Appends an event to the space's log inside the caller's transaction (numbered 1, 2, 3… in
 * commit order). Returns the payload to publish after commit.
 */
export async function appendEvent<P extends Record<string, unknown>>(
  tx: Db,
  spaceId: string,
  event: string,
  /** Runs after the seq was taken, so under the space row's lock until COMMIT: reads here see every earlier change of the space. */
  build: (seq: number) => P | Promise<P>,
): Promise<P & { spaceId: string; seq: number }> {
  const { payload } = await streamLog.append(tx, spaceId, event, async (seq) => ({ spaceId, seq, ...(await build(seq)) }));
  return payload;
}

/**
 * Creates a post and logs its `post:created` event in one statement (one round trip, atomic
 * without BEGIN/COMMIT): the space's seq is incremented under its row lock, the post is inserted
 * with that seq, and the event is written with the post's JSON plus its database-assigned
 * `createdAt`. The row lock is held only while PostgreSQL runs this statement, never while Node
 * is busy elsewhere. The lock is taken only when the author may post (space not archived; an
 * active member, or a site admin): otherwise nothing is written and `undefined` is returned, and
 * the caller runs the full checks to say why.
 */
export async function insertPostLogged(
  db: Db,
  values: { id: string; spaceId: string; authorId: string; authorIsAdmin: boolean; bodyMarkdown: string; bodyHtml: string; tags: string[]; mentions: string[] },
  post: Omit<Post, 'createdAt'>,
  /** Jobs that must follow the post (durable subscribers of `content.written`): written by the same statement, only if the post is. */
  followUps?: FollowUps,
  /** The mentioned members' own logs (`memberLog.tellSql`): written by the same statement, only if the post is. */
  mentions?: (onlyIf: SQL) => MemberTellSql,
): Promise<{ seq: number; createdAt: string; told: Told } | undefined> {
  const told = mentions?.(sql`exists (select 1 from p)`);
  const { id, spaceId, authorId } = values;
  const result = (await db.execute(sql`
    with s as (
      update ${spaces} set seq = seq + 1
       where id = ${spaceId} and archived_at is null
         and (${values.authorIsAdmin}::boolean or exists (
               select 1 from ${spaceMembers} m where m.space_id = ${spaceId} and m.user_id = ${authorId} and m.status = 'active'
                 and (m.muted_until is null or m.muted_until <= now())))
      returning seq
    ), p as (
      insert into ${posts} (id, space_id, author_id, body_markdown, body_html, tags, mentions, seq)
      select ${id}::uuid, ${spaceId}::uuid, ${authorId}::uuid, ${values.bodyMarkdown}, ${values.bodyHtml},
             ${sql.param(values.tags, posts.tags)}::text[], ${sql.param(values.mentions, posts.mentions)}::text[], s.seq
        from s
      returning created_at
    ), e as (
      insert into ${spaceEvents} (space_id, seq, event, payload)
      select ${spaceId}::uuid, s.seq, 'post:created',
             jsonb_build_object('spaceId', ${spaceId}::text, 'seq', s.seq, 'post', ${JSON.stringify(post)}::jsonb || jsonb_build_object('createdAt', ${isoOf(sql`p.created_at`)}))
        from s, p
    )${followUps ? sql`, j as (${followUps(sql`exists (select 1 from p)`)})` : sql``}${told ? sql`, ${told.ctes}` : sql``}
    select s.seq, ${isoOf(sql`p.created_at`)} as created_at,
           ${told?.told ?? toldNobody} as told
      from s, p`)) as unknown as { rows: { seq: number; created_at: string; told: Told }[] };
  const row = result.rows[0];
  return row ? { seq: Number(row.seq), createdAt: row.created_at, told: row.told } : undefined;
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

/** The end of a member's mute while it lasts, else null. */
export function activeMute(membership: { mutedUntil: Date | null }): Date | null {
  return membership.mutedUntil && membership.mutedUntil.getTime() > Date.now() ? membership.mutedUntil : null;
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
    avatarUrl: space.avatarVersion > 0 ? `/api/v1/spaces/${space.id}/avatar?v=${space.avatarVersion}` : null,
    visibility: space.visibility,
    joinPolicy: space.joinPolicy,
    archived: space.archivedAt !== null,
    memberCount,
    createdAt: space.createdAt.toISOString(),
    seq: space.seq,
    membership: membership
      ? { role: membership.role, status: membership.status, lastReadSeq: membership.lastReadSeq, mutedUntil: activeMute(membership)?.toISOString() ?? null }
      : null,
    canRead,
    welcomeMarkdown: space.welcomeMarkdown,
    welcomeBot: space.welcomeBot,
  };
}
