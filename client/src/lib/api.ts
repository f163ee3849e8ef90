import type { Problem } from '../../../shared/protocol/errors';

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

async function send(method: string, path: string, body: unknown): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json' };
  let payload: BodyInit | undefined;
  if (body instanceof FormData) {
    // The browser writes the multipart boundary into content-type itself.
    payload = body;
  } else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const token = safeMethods.has(method) ? null : hooks.csrfToken();
  if (token) headers['x-csrf-token'] = token;
  try {
    return await fetch(path, { method, credentials: 'same-origin', headers, body: payload });
  } catch {
    throw new ApiError(0, 'unavailable', 'The server cannot be reached. Check your connection.');
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
  return new ApiError(response.status, 'internal', `The server answered ${response.status}`);
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

export const api = {
  get: <T>(path: string) => request<T>('GET', path),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, body ?? {}),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, body),
  /** A JSON body, or a FormData sent as multipart/form-data. */
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, body),
  delete: <T>(path: string, body?: unknown) => request<T>('DELETE', path, body),
};
