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
        spaceName: z.string(),
        author: authorSchema,
        snippet: z.string().describe('Plain text around the match; matched words are wrapped in « »'),
        createdAt: z.iso.datetime(),
      }),
    ),
    people: z.array(authorSchema).describe('Active members whose name or handle has words starting with the query’s words (none when searching one space)'),
    spaces: z
      .array(
        z.object({
          id: z.uuid(),
          slug: z.string(),
          name: z.string(),
          description: z.string(),
          color: z.string(),
          avatarUrl: z.string().nullable(),
          visibility: z.enum(['public', 'private', 'secret']),
          archived: z.boolean(),
        }),
      )
      .describe('Spaces named so that I may read: public ones and those I belong to (none when searching one space)'),
  })
  .meta({ id: 'SearchResults' });

export const searchRoutes = {
  search: defineRoute({
    method: 'get',
    path: '/api/v1/search',
    summary:
      'Search by word beginnings (any language: “spade” finds “spades”) over the posts and comments I may read, members by name or handle, and spaces I may read by name.',
    tag: 'search',
    access: 'member',
    query: z.object({ q: text().trim().min(2).max(200), spaceId: z.uuid().optional() }).strict(),
    responses: { 200: { description: 'Matches, best first', schema: searchResultSchema } },
  }),
};
