import type { z } from 'zod';
import type { searchResultSchema } from '../../../shared/api/search.routes';

// Types only: zod stays out of the bundle.
export type SearchResults = z.output<typeof searchResultSchema>;
export type SearchResult = SearchResults['items'][number];
export type SearchPerson = SearchResults['people'][number];
export type SearchSpace = SearchResults['spaces'][number];
