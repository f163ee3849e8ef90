// Search over what a member may read: posts and comments, members, spaces. Words match by their
// beginning in the 'simple' configuration (no stemming, no stop words), so it works alike in every
// language (decision in docs/decisions/018-search-by-word-beginnings.md).
import { inArray, sql } from 'drizzle-orm';
import type { Db } from '../../core/db/database';
import { comments, posts, spaceMembers, spaces, users } from '../../core/db/schema';
import { plainTextOf, queryWords, snippetAround } from '../../core/plain-text';
import { authorOf } from '../accounts/accounts.dto';
import type { Actor } from '../accounts/actor';

const MAX_CONTENT = 50;
const MAX_PEOPLE = 10;
const MAX_SPACES = 10;

export type SearchService = ReturnType<typeof createSearchService>;

/**
 * A tsquery where each word of the query must begin a word of the text: `spade:* & club:*`. The
 * words hold only letters, digits and marks, so no tsquery operator can come from the query.
 */
export function prefixQuery(words: string[]): string {
  return words.map((w) => `${w}:*`).join(' & ');
}

type ContentRow = {
  kind: 'post' | 'comment';
  id: string;
  post_id: string;
  space_id: string;
  space_slug: string;
  space_name: string;
  author_id: string;
  created_at: string | Date;
  body_markdown: string;
};

type SpaceHit = {
  id: string;
  slug: string;
  name: string;
  description: string;
  color: string;
  avatar_version: number;
  visibility: 'public' | 'private' | 'secret';
  archived_at: string | Date | null;
};

export function createSearchService(deps: { db: Db }) {
  const { db } = deps;

  /** The spaces whose content the searcher may read, as a condition on `spaces`: public ones and their own (admins: all). */
  const readableBy = (actor: Actor) =>
    actor.user.role === 'admin'
      ? sql`true`
      : sql`(${spaces.visibility} = 'public' or exists (select 1 from ${spaceMembers} where ${spaceMembers.spaceId} = ${spaces.id} and ${spaceMembers.userId} = ${actor.user.id} and ${spaceMembers.status} = 'active'))`;

  async function content(actor: Actor, tsq: ReturnType<typeof sql>, words: string[], spaceId?: string) {
    const readable = readableBy(actor);
    const inSpace = spaceId ? sql`and ${spaces.id} = ${spaceId}` : sql``;
    const result = (await db.execute(sql`
      select * from (
        select 'post' as kind, p.id, p.id as post_id, p.space_id, ${spaces.slug} as space_slug, ${spaces.name} as space_name,
               p.author_id, p.created_at, p.body_markdown, ts_rank(p.search, ${tsq}) as rank
          from ${posts} p join ${spaces} on ${spaces.id} = p.space_id
         where p.search @@ ${tsq} and p.deleted_at is null and p.hidden_at is null and ${readable} ${inSpace}
        union all
        select 'comment', c.id, c.post_id, c.space_id, ${spaces.slug}, ${spaces.name},
               c.author_id, c.created_at, c.body_markdown, ts_rank(c.search, ${tsq})
          from ${comments} c join ${spaces} on ${spaces.id} = c.space_id
         where c.search @@ ${tsq} and c.deleted_at is null and c.hidden_at is null and ${readable} ${inSpace}
      ) matches order by rank desc, created_at desc limit ${MAX_CONTENT}`)) as unknown as { rows: ContentRow[] };
    const authorIds = [...new Set(result.rows.map((r) => r.author_id))];
    const authors = authorIds.length ? await db.select().from(users).where(inArray(users.id, authorIds)) : [];
    const byId = new Map(authors.map((a) => [a.id, a]));
    return result.rows.map((r) => ({
      kind: r.kind,
      id: r.id,
      postId: r.post_id,
      spaceId: r.space_id,
      spaceSlug: r.space_slug,
      spaceName: r.space_name,
      author: authorOf(byId.get(r.author_id)!),
      // The snippet is made from the text as read, not from its Markdown.
      snippet: snippetAround(plainTextOf(r.body_markdown), words),
      createdAt: new Date(r.created_at).toISOString(),
    }));
  }

  /** Active members only: a suspended, banned, pending or erased account is not found. */
  async function people(tsq: ReturnType<typeof sql>) {
    const found = await db
      .select()
      .from(users)
      .where(sql`${users.status} = 'active' and to_tsvector('simple', ${users.handle} || ' ' || ${users.displayName}) @@ ${tsq}`)
      .orderBy(users.displayName, users.handle)
      .limit(MAX_PEOPLE);
    return found.map(authorOf);
  }

  /** Spaces the searcher may read: a private or secret space is never found by a non-member. */
  async function spacesNamed(actor: Actor, tsq: ReturnType<typeof sql>) {
    const result = (await db.execute(sql`
      select ${spaces.id} as id, ${spaces.slug} as slug, ${spaces.name} as name, ${spaces.description} as description,
             ${spaces.color} as color, ${spaces.avatarVersion} as avatar_version, ${spaces.visibility} as visibility, ${spaces.archivedAt} as archived_at
        from ${spaces}
       where to_tsvector('simple', ${spaces.name} || ' ' || ${spaces.slug}) @@ ${tsq} and ${readableBy(actor)}
       order by ${spaces.archivedAt} is not null, ${spaces.name} limit ${MAX_SPACES}`)) as unknown as { rows: SpaceHit[] };
    return result.rows.map((s) => ({
      id: s.id,
      slug: s.slug,
      name: s.name,
      description: s.description,
      color: s.color,
      avatarUrl: s.avatar_version > 0 ? `/api/v1/spaces/${s.id}/avatar?v=${s.avatar_version}` : null,
      visibility: s.visibility,
      archived: s.archived_at !== null,
    }));
  }

  return {
    /** Restricted, in each query itself, to what the searcher may read. */
    async accessSearch(actor: Actor, query: { q: string; spaceId?: string }) {
      const words = queryWords(query.q);
      if (!words.length) return { items: [], people: [], spaces: [] };
      const tsq = sql`to_tsquery('simple', ${prefixQuery(words)})`;
      const items = await content(actor, tsq, words, query.spaceId);
      if (query.spaceId) return { items, people: [], spaces: [] };
      return { items, people: await people(tsq), spaces: await spacesNamed(actor, tsq) };
    },
  };
}
