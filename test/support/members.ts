import type { Session, SessionUser } from '../../shared/api/accounts.routes';
import { connectSocket, type TestSocket } from './server';

/** A signed-in member driving the API the way the client does: session cookie plus CSRF header. */
export interface Member {
  user: SessionUser;
  cookie: string;
  csrfToken: string;
  password: string;
  /** JSON request with this member's cookie and CSRF token; answers status and parsed body. */
  call<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T; headers: Headers }>;
  connect(): Promise<TestSocket>;
  refreshSession(): Promise<Session>;
}

let counter = 0;

export function uniqueHandle(prefix = 'member'): string {
  counter += 1;
  return `${prefix}_${process.pid % 10_000}_${counter}`.slice(0, 30);
}

export function cookieFrom(res: Response): string | undefined {
  const header = res.headers.getSetCookie().find((c) => c.startsWith('hearth.sid='));
  return header?.split(';')[0];
}

export async function call<T = unknown>(
  baseUrl: string,
  method: string,
  path: string,
  options: { body?: unknown; cookie?: string; csrfToken?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: T; headers: Headers; response: Response }> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.cookie) headers.cookie = options.cookie;
  if (options.csrfToken) headers['x-csrf-token'] = options.csrfToken;
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    redirect: 'manual',
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON
  }
  return { status: response.status, body: body as T, headers: response.headers, response };
}

/** Builds a Member from a session cookie (after sign-up or sign-in). */
export async function memberFromCookie(baseUrl: string, cookie: string, password: string): Promise<Member> {
  const session = (await call<Session>(baseUrl, 'GET', '/api/v1/session', { cookie })).body;
  if (!session.user || !session.csrfToken) throw new Error(`no signed-in session for cookie ${cookie}`);
  const member: Member = {
    user: session.user,
    cookie,
    csrfToken: session.csrfToken,
    password,
    call: (method, path, body) => call(baseUrl, method, path, { body, cookie, csrfToken: member.csrfToken }),
    connect: () => connectSocket(baseUrl, { extraHeaders: { cookie } }),
    async refreshSession() {
      const fresh = (await call<Session>(baseUrl, 'GET', '/api/v1/session', { cookie })).body;
      if (fresh.user) member.user = fresh.user;
      return fresh;
    },
  };
  return member;
}

/**
 * Signs up a new member (the first one on a network becomes admin) and, unless told otherwise,
 * accepts the current guidelines so the member can act.
 */
export async function createMember(
  baseUrl: string,
  options: {
    handle?: string;
    displayName?: string;
    email?: string;
    password?: string;
    acceptGuidelines?: boolean;
    inviteToken?: string;
    profile?: { location?: string; interests?: string[] };
    /** The browser's language at sign-up (`Accept-Language`): what the server writes to them until they choose. */
    browserLanguage?: string;
  } = {},
): Promise<Member> {
  const handle = options.handle ?? uniqueHandle();
  const password = options.password ?? 'a long and unusual passphrase';
  const res = await call<{ signedIn: boolean }>(baseUrl, 'POST', '/api/v1/auth/sign-up', {
    body: {
      email: options.email ?? `${handle}@example.org`,
      displayName: options.displayName ?? `Member ${handle}`,
      handle,
      password,
      ...(options.inviteToken ? { inviteToken: options.inviteToken } : {}),
      ...options.profile,
    },
    headers: options.browserLanguage ? { 'accept-language': options.browserLanguage } : undefined,
  });
  if (res.status !== 201) throw new Error(`sign-up failed: ${res.status} ${JSON.stringify(res.body)}`);
  const cookie = cookieFrom(res.response);
  if (!cookie) throw new Error('sign-up set no session cookie');
  const member = await memberFromCookie(baseUrl, cookie, password);
  if (options.acceptGuidelines !== false) {
    const guidelines = (await call<{ version: number }>(baseUrl, 'GET', '/api/v1/guidelines')).body;
    const accepted = await member.call('POST', '/api/v1/guidelines/accept', { version: guidelines.version, confirmAge: true });
    if (accepted.status !== 200) throw new Error(`accepting guidelines failed: ${accepted.status} ${JSON.stringify(accepted.body)}`);
    await member.refreshSession();
  }
  return member;
}

export async function signIn(baseUrl: string, email: string, password: string) {
  const res = await call<{ user: SessionUser }>(baseUrl, 'POST', '/api/v1/auth/sign-in', { body: { email, password } });
  return { ...res, cookie: cookieFrom(res.response) };
}
