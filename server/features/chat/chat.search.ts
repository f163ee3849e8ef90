// Full-text search over the messages a member may read (not by someone they blocked), ranked,
// with a highlighted snippet (docs/permissions.md, "Chat").
import { eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../core/db/database';
import { blocks, conversationParticipants, conversations, messages, spaceMembers, spaces, users } from '../../core/db/schema';
import type { Actor } from '../accounts/actor';
import { selectMessages } from './chat.repository';

export function createChatSearch(deps: { db: Db }) {
  const { db } = deps;

  return {
    async accessSearch(actor: Actor, query: { q: string; conversationId?: string }) {
      const me = actor.user.id;
      const readableSpace =
        actor.user.role === 'admin'
          ? sql`true`
          : sql`(s.visibility = 'public' or exists (select 1 from ${spaceMembers} sm where sm.space_id = s.id and sm.user_id = ${me} and sm.status = 'active'))`;
      const inConversation = query.conversationId ? sql`and c.id = ${query.conversationId}` : sql``;
      const tsq = sql`websearch_to_tsquery('simple', ${query.q})`;
      const result = (await db.execute(sql`
        select m.id, c.id as conversation_id, c.kind, s.name as space_name,
               ts_headline('simple', m.body_markdown, ${tsq}, 'MaxWords=30, MinWords=8, StartSel=«, StopSel=»') as snippet
          from ${messages} m
          join ${conversations} c on c.id = m.conversation_id
          left join ${spaces} s on s.id = c.space_id
         where m.search @@ ${tsq} and m.deleted_at is null and m.hidden_at is null
           and m.author_id not in (select blocked_id from ${blocks} where blocker_id = ${me})
           and ((c.kind = 'space' and ${readableSpace})
             or (c.kind = 'direct' and exists (select 1 from ${conversationParticipants} p where p.conversation_id = c.id and p.user_id = ${me})))
           ${inConversation}
         order by ts_rank(m.search, ${tsq}) desc, m.created_at desc
         limit 50`)) as unknown as { rows: { id: string; conversation_id: string; kind: 'space' | 'direct'; space_name: string | null; snippet: string }[] };
      const found = result.rows.length
        ? await selectMessages(db, inArray(messages.id, result.rows.map((r) => r.id)), 'asc', 50)
        : [];
      const byId = new Map(found.map((m) => [m.id, m]));
      const directIds = [...new Set(result.rows.filter((r) => r.kind === 'direct').map((r) => r.conversation_id))];
      const titles = new Map<string, string>();
      if (directIds.length) {
        const people = await db
          .select({ conversationId: conversationParticipants.conversationId, name: users.displayName, id: users.id })
          .from(conversationParticipants)
          .innerJoin(users, eq(users.id, conversationParticipants.userId))
          .where(inArray(conversationParticipants.conversationId, directIds));
        for (const id of directIds) {
          titles.set(id, people.filter((p) => p.conversationId === id && p.id !== me).map((p) => p.name).join(', ') || 'Only you');
        }
      }
      return {
        items: result.rows.flatMap((r) => {
          const message = byId.get(r.id);
          if (!message) return [];
          return [{ message, conversation: { id: r.conversation_id, kind: r.kind, title: r.space_name ?? titles.get(r.conversation_id) ?? '' }, snippet: r.snippet }];
        }),
      };
    },
  };
}
