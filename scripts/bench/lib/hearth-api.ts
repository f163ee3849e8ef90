// Driving a Hearth server's REST API the way the client does: session cookie plus CSRF header.

export interface BenchMember {
  id: string;
  handle: string;
  cookie: string;
  csrfToken: string;
}

export const BENCH_PASSWORD = 'lanterns over the harbour';

export async function api<T>(
  url: string,
  method: string,
  path: string,
  options: { body?: unknown; member?: BenchMember } = {},
): Promise<{ status: number; body: T; response: Response }> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.member) {
    headers.cookie = options.member.cookie;
    headers['x-csrf-token'] = options.member.csrfToken;
  }
  const response = await fetch(`${url}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON
  }
  return { status: response.status, body: body as T, response };
}

async function expectStatus<T>(what: string, call: Promise<{ status: number; body: T; response: Response }>, status = 200) {
  const result = await call;
  if (result.status !== status) throw new Error(`${what}: ${result.status} ${JSON.stringify(result.body)}`);
  return result;
}

/** Signs up a member (the first on a network becomes its admin) who accepts the guidelines (version 1). */
export async function signUpMember(url: string, handle: string): Promise<BenchMember> {
  const signUp = await expectStatus(
    `sign-up ${handle}`,
    api<{ user: { id: string } }>(url, 'POST', '/api/v1/auth/sign-up', {
      body: { email: `${handle}@example.org`, displayName: `Bench ${handle}`, handle, password: BENCH_PASSWORD },
    }),
    201,
  );
  const cookie = signUp.response.headers
    .getSetCookie()
    .find((c) => c.startsWith('hearth.sid='))
    ?.split(';')[0];
  if (!cookie) throw new Error(`sign-up ${handle}: no session cookie`);
  const session = await expectStatus(
    `session ${handle}`,
    api<{ csrfToken: string }>(url, 'GET', '/api/v1/session', { member: { id: '', handle, cookie, csrfToken: '' } }),
  );
  const member: BenchMember = { id: signUp.body.user.id, handle, cookie, csrfToken: session.body.csrfToken };
  await expectStatus(`guidelines ${handle}`, api(url, 'POST', '/api/v1/guidelines/accept', { body: { version: 1 }, member }));
  return member;
}

export async function createSpace(url: string, host: BenchMember, slug: string, name: string): Promise<string> {
  const created = await expectStatus(
    `create space ${slug}`,
    api<{ id: string }>(url, 'POST', '/api/v1/spaces', { body: { name, slug, visibility: 'public', joinPolicy: 'open' }, member: host }),
    201,
  );
  return created.body.id;
}

export async function joinSpace(url: string, member: BenchMember, spaceId: string): Promise<void> {
  await expectStatus(`join ${member.handle} → ${spaceId}`, api(url, 'POST', `/api/v1/spaces/${spaceId}/join`, { member }));
}

/** Runs `work` over `items` with at most `concurrency` at a time; resolves in input order. */
export async function inBatches<T, R>(items: T[], concurrency: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]!, index);
      }
    }),
  );
  return results;
}

/**
 * Switches off the welcome bot and the welcome email (the admin's setting): otherwise every member a
 * benchmark signs up is greeted in the background — a direct message and an email each — and that
 * work would overlap the measured runs.
 */
export async function switchOffWelcome(url: string, admin: BenchMember): Promise<void> {
  await expectStatus('welcome off', api(url, 'PATCH', '/api/v1/admin/welcome', { body: { botEnabled: false, emailEnabled: false }, member: admin }));
}
