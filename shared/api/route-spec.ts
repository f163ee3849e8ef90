import type { z } from 'zod';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface ResponseSpec {
  description: string;
  /** A schema with `.meta({ id })`, so the OpenAPI document can reference it by name. */
  schema?: z.ZodType;
  /** Defaults to application/json. */
  contentType?: string;
}

/**
 * One REST endpoint: the server mounts it and validates with these schemas, and the OpenAPI
 * document is generated from it, so the two cannot drift apart.
 */
export interface RouteSpec {
  method: HttpMethod;
  /** Express-style path (`/api/v1/spaces/:spaceId`). */
  path: string;
  summary: string;
  tag: string;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** Success responses; the documented problem responses are added by the generator. */
  responses: Record<number, ResponseSpec>;
  /** Error codes this route can answer with, beyond the ones every route can. */
  errors?: number[];
  /** Who may call it, for the document: anyone, a signed-in member, or the metrics scraper. */
  access: 'public' | 'member' | 'metrics';
  /**
   * With access 'member': also callable by a member who has not accepted the current community
   * guidelines yet (signing out, reading and accepting them). Everything else answers
   * `guidelines_required` until they do.
   */
  allowBeforeGuidelines?: boolean;
}

/**
 * Declares a REST endpoint.
 * @example
 *   export const getSite = defineRoute({ method: 'get', path: '/api/v1/site', summary: 'About this network',
 *     tag: 'site', access: 'public', responses: { 200: { description: 'The site', schema: siteSchema } } });
 */
export function defineRoute<const R extends RouteSpec>(route: R): R {
  return route;
}

/** `/api/v1/spaces/:spaceId` → `/api/v1/spaces/{spaceId}` (OpenAPI's path template). */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}
