import { z } from 'zod';
import { publicProfileSchema } from './accounts.routes';
import { text } from './input';
import { defineRoute } from './route-spec';

const authorSchema = publicProfileSchema.pick({ id: true, handle: true, displayName: true, avatarUrl: true, isBot: true });

export const searchResultSchema = z
  .object({
    items: z.array(
      z.object({
        kind: z.enum(['post', 'comment']),
        id: z.uuid(),
        postId: z.uuid(),
        spaceId: z.uuid(),
        spaceSlug: z.string(),
        author: authorSchema,
        snippet: z.string().describe('Plain text around the match; matched words are wrapped in « »'),
        createdAt: z.iso.datetime(),
      }),
    ),
  })
  .meta({ id: 'SearchResults' });

export const searchRoutes = {
  search: defineRoute({
    method: 'get',
    path: '/api/v1/search',
    summary: 'Full-text search over posts and comments I may read.',
    tag: 'search',
    access: 'member',
    query: z.object({ q: text().trim().min(2).max(200), spaceId: z.uuid().optional() }).strict(),
    responses: { 200: { description: 'Matches, best first', schema: searchResultSchema } },
  }),
};
