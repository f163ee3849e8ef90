import { inArray, sql } from 'drizzle-orm';
import type { Db } from '../../core/db/database';
import { comments, posts, spaceMembers, spaces, users } from '../../core/db/schema';
import { authorOf } from '../accounts/accounts.dto';
import type { Actor } from '../accounts/actor';

export type SearchService = ReturnType<typeof createSearchService>;

export function createSearchService(deps: { db: Db }) {
  const { db } = deps;
  return {
    /** Full-text search restricted, in the query itself, to spaces the searcher may read. */
    async accessSearch(actor: Actor, query: { q: string; spaceId?: string }) {
      const readable =
        actor.user.role === 'admin'
          ? sql`true`
          : sql`(${spaces.visibility} = 'public' or exists (select 1 from ${spaceMembers} where ${spaceMembers.spaceId} = ${spaces.id} and ${spaceMembers.userId} = ${actor.user.id} and ${spaceMembers.status} = 'active'))`;
      const inSpace = query.spaceId ? sql`and ${spaces.id} = ${query.spaceId}` : sql``;
      const tsq = sql`websearch_to_tsquery('simple', ${query.q})`;
      const result = (await db.execute(sql`
        select * from (
          select 'post' as kind, p.id, p.id as post_id, p.space_id, ${spaces.slug} as space_slug, p.author_id, p.created_at,
                 ts_headline('simple', p.body_markdown, ${tsq}, 'MaxWords=30, MinWords=8, StartSel=«, StopSel=»') as snippet,
                 ts_rank(p.search, ${tsq}) as rank
            from ${posts} p join ${spaces} on ${spaces.id} = p.space_id
           where p.search @@ ${tsq} and p.deleted_at is null and p.hidden_at is null and ${readable} ${inSpace}
          union all
          select 'comment', c.id, c.post_id, c.space_id, ${spaces.slug}, c.author_id, c.created_at,
                 ts_headline('simple', c.body_markdown, ${tsq}, 'MaxWords=30, MinWords=8, StartSel=«, StopSel=»'),
                 ts_rank(c.search, ${tsq})
            from ${comments} c join ${spaces} on ${spaces.id} = c.space_id
           where c.search @@ ${tsq} and c.deleted_at is null and c.hidden_at is null and ${readable} ${inSpace}
        ) matches order by rank desc, created_at desc limit 50`)) as unknown as {
        rows: { kind: 'post' | 'comment'; id: string; post_id: string; space_id: string; space_slug: string; author_id: string; created_at: string | Date; snippet: string }[];
      };
      const authorIds = [...new Set(result.rows.map((r) => r.author_id))];
      const authors = authorIds.length ? await db.select().from(users).where(inArray(users.id, authorIds)) : [];
      const byId = new Map(authors.map((a) => [a.id, a]));
      return {
        items: result.rows.map((r) => ({
          kind: r.kind,
          id: r.id,
          postId: r.post_id,
          spaceId: r.space_id,
          spaceSlug: r.space_slug,
          author: authorOf(byId.get(r.author_id)!),
          snippet: r.snippet,
          createdAt: new Date(r.created_at).toISOString(),
        })),
      };
    },
  };
}
