import type { z } from 'zod';
import type { RouteSpec } from '../../../shared/api/route-spec';
import type { Problem } from '../../../shared/protocol/errors';
import type { RouteRef } from './api-routes';
import { i18n, t } from './i18n.svelte';
import { queryString } from './url';

/** A failed REST call, carrying the server's stable problem code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly problem?: Problem,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/**
 * What the API wrapper needs from the session without importing it (the session store imports
 * this module): the CSRF token to send, a way to fetch a fresh one, and a look at every failure.
 */
export interface ApiHooks {
  csrfToken(): string | null;
  /** Fetches the session again; resolves true when the token changed, so a retry may succeed. */
  refreshCsrfToken(): Promise<boolean>;
  onError(error: ApiError): void;
}

let hooks: ApiHooks = {
  csrfToken: () => null,
  refreshCsrfToken: () => Promise.resolve(false),
  onError: () => {},
};

export function setApiHooks(next: ApiHooks): void {
  hooks = next;
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The requests on their way: reads can be abandoned, changes are waited for (`settle`). */
const reads = new Set<AbortController>();
const changes = new Set<Promise<unknown>>();

/**
 * Before the session ends (signing out, deleting the account): every read on its way is abandoned
 * (its answer would be for a session that is ending; it rejects with the code `aborted`), and each
 * change on its way (a message just sent) is waited for, up to `limitMs`, so it is not lost.
 */
export async function settle(limitMs = 5_000): Promise<void> {
  for (const controller of reads) controller.abort();
  if (changes.size === 0) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    Promise.allSettled([...changes]),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, limitMs))),
  ]);
  clearTimeout(timer);
}

async function send(method: string, path: string, body: unknown): Promise<Response> {
  // The page's language: the server writes its problems (title, detail, field messages) in it.
  const headers: Record<string, string> = { accept: 'application/json', 'accept-language': i18n.locale };
  let payload: BodyInit | undefined;
  if (body instanceof FormData) {
    // The browser writes the multipart boundary into content-type itself.
    payload = body;
  } else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const safe = safeMethods.has(method);
  const token = safe ? null : hooks.csrfToken();
  if (token) headers['x-csrf-token'] = token;
  const controller = safe ? new AbortController() : undefined;
  const sent = fetch(path, { method, credentials: 'same-origin', headers, body: payload, signal: controller?.signal });
  if (controller) reads.add(controller);
  else changes.add(sent);
  try {
    return await sent;
  } catch {
    if (controller?.signal.aborted) throw new ApiError(0, 'aborted', t('errors:network.aborted'));
    throw new ApiError(0, 'unavailable', t('errors:network.unreachable'));
  } finally {
    if (controller) reads.delete(controller);
    else changes.delete(sent);
  }
}

async function errorOf(response: Response): Promise<ApiError> {
  const contentType = response.headers.get('content-type') ?? '';
  if (contentType.includes('json')) {
    try {
      const problem = (await response.json()) as Problem;
      return new ApiError(response.status, problem.code, problem.detail ?? problem.title, problem);
    } catch {
      // fall through to the generic error
    }
  }
  return new ApiError(response.status, 'internal', t('errors:network.status', { status: response.status }));
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  let response = await send(method, path, body);
  let error = response.ok ? undefined : await errorOf(response);
  // A rotated session (sign-in elsewhere in this browser, a password change) invalidates the
  // token this page holds; one fresh look at the session is enough to carry on.
  if (error?.code === 'csrf_failed' && (await hooks.refreshCsrfToken())) {
    response = await send(method, path, body);
    error = response.ok ? undefined : await errorOf(response);
  }
  if (error) {
    hooks.onError(error);
    throw error;
  }
  return (response.status === 204 ? undefined : await response.json()) as T;
}

/** `/api/v1/spaces/:spaceId/members/:userId` → `'spaceId' | 'userId'`. */
type PathParams<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? Name | PathParams<`/${Rest}`>
  : P extends `${string}:${infer Name}`
    ? Name
    : never;

type ParamsOf<R extends RouteSpec> = [PathParams<R['path']>] extends [never]
  ? { params?: undefined }
  : { params: Record<PathParams<R['path']>, string> };

type QueryOf<R extends RouteSpec> = R extends { query: infer Q extends z.ZodType } ? { query?: Partial<z.input<Q>> } : { query?: undefined };

/** A body the spec describes, as the server takes it in; a spec without one may take a FormData (an upload). */
type BodyOf<R extends RouteSpec> = R extends { body: infer B extends z.ZodType }
  ? object extends z.input<B>
    ? { body?: z.input<B> }
    : { body: z.input<B> }
  : { body?: FormData };

export type CallOptions<R extends RouteSpec> = ParamsOf<R> & QueryOf<R> & BodyOf<R>;

type Schema<S> = S extends { schema: infer T extends z.ZodType } ? z.output<T> : unknown;

/** What the route's first success response carries (nothing for a 204; unknown for a file). */
export type ResponseOf<R extends RouteSpec> = R['responses'] extends infer Rs
  ? Rs extends { 200: infer S }
    ? Schema<S>
    : Rs extends { 201: infer S }
      ? Schema<S>
      : Rs extends { 202: infer S }
        ? Schema<S>
        : Rs extends { 204: unknown }
          ? undefined
          : unknown
  : never;

type CallArgs<R extends RouteSpec> = object extends CallOptions<R> ? [options?: CallOptions<R>] : [options: CallOptions<R>];

/**
 * The address of an endpoint with its path parameters filled in (each encoded) and its query:
 * for what the browser itself loads, such as a file to download or an image.
 * @example hrefOf(routes.exportLog) // → '/api/v1/moderation/log/export'
 * @example hrefOf(routes.spacePosts, { spaceId }, { limit: 20 }) // → '/api/v1/spaces/…/posts?limit=20'
 */
export function hrefOf<R extends RouteSpec>(
  route: RouteRef<R>,
  ...[params, query]: [PathParams<R['path']>] extends [never]
    ? [params?: undefined, query?: QueryOf<R>['query']]
    : [params: Record<PathParams<R['path']>, string>, query?: QueryOf<R>['query']]
): string {
  const values = (params ?? {}) as Record<string, string>;
  const path = route.path.replace(/:([A-Za-z0-9_]+)/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`${route.path} needs its ${name}`);
    return encodeURIComponent(value);
  });
  return path + queryString((query ?? {}) as Record<string, string | number | undefined | null>);
}

/**
 * Calls a REST endpoint. Its params, query and body are typed from the route's shared spec, and
 * so is the answer (its first success response, unchecked: the server validated it already).
 * @example const space = await api.call(routes.space, { params: { slug: 'garden' } });
 * @example await api.call(routes.markRead, { params: { spaceId }, body: { seq } });
 */
function call<R extends RouteSpec>(route: RouteRef<R>, ...[options]: CallArgs<R>): Promise<ResponseOf<R>> {
  const { params, query, body } = (options ?? {}) as { params?: Record<string, string>; query?: object; body?: unknown };
  const href = (hrefOf as (route: RouteRef, params?: Record<string, string>, query?: object) => string)(route, params, query);
  const method = route.method.toUpperCase();
  // A POST always sends a JSON body, even an empty one (the server's parsers expect one).
  return request<ResponseOf<R>>(method, href, body ?? (method === 'POST' ? {} : undefined));
}

export const api = { call, settle };
