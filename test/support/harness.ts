// The beforeAll/afterAll of a test file that needs a real server: a test database, a node over it,
// the services beside it (an SMTP server, a push service) and what the file sets up once, closed
// again in the reverse order. The context is filled in by the beforeAll: read it inside tests and hooks.
import type { Env } from '../../server/config';
import { openTestDatabase, type TestDatabase } from './database';
import { createMember, uniqueHandle, type Member } from './members';
import { startTestServer, type TestServer } from './server';

interface Closable {
  close(): Promise<void>;
}

export interface TestContext {
  testDb: TestDatabase;
  /** The node under test. A test that restarts it puts the new one here; afterAll stops that one. */
  server: TestServer;
}

export interface HarnessOptions<S extends Record<string, Closable>, T extends object> {
  /** Started before the server (its env may name them), closed after it stops. */
  services?: { [K in keyof S]: () => Promise<S[K]> };
  env?: Env | ((services: S) => Env);
  /** The server's clock (startTestServer's `now`). */
  now?: () => Date;
  /** Once the server is up: what the file's tests share (members, spaces, a browser); its answer joins the context. */
  setup?: (context: TestContext & S) => Promise<T>;
  /** First thing in afterAll, before the server stops: what setup or a test opened against it (maybe not, if beforeAll failed). */
  teardown?: (context: TestContext & S & T) => Promise<unknown>;
}

/**
 * Registers the file's beforeAll and afterAll and answers the context they fill:
 * `const ctx = useHarness({ services: { smtp: () => startSmtp() }, env: ({ smtp }) => ({ SMTP_URL: smtp.url }) })`.
 */
export function useHarness<S extends Record<string, Closable> = Record<never, never>, T extends object = Record<never, never>>(
  options: HarnessOptions<S, T> = {},
): TestContext & S & T {
  const context = {} as TestContext & S & T;
  const started: Closable[] = [];

  beforeAll(async () => {
    context.testDb = await openTestDatabase();
    for (const [name, start] of Object.entries(options.services ?? {}) as [keyof S, () => Promise<Closable>][]) {
      const service = await start();
      started.push(service);
      (context as Record<keyof S, Closable>)[name] = service;
    }
    const env = typeof options.env === 'function' ? options.env(context) : options.env;
    context.server = await startTestServer({ database: context.testDb.database, ...(env && { env }), ...(options.now && { now: options.now }) });
    if (options.setup) Object.assign(context, await options.setup(context));
  });

  afterAll(async () => {
    // Fields the beforeAll did not reach (it failed) are still undefined.
    const partial = context as Partial<TestContext>;
    await options.teardown?.(context);
    await partial.server?.stop();
    for (const service of [...started].reverse()) await service.close();
    await partial.testDb?.close();
  });

  return context;
}

/**
 * useHarness for a feature's server tests: the network's first member, its admin, is made at once
 * (`ctx.admin`), so the members the tests make are plain members.
 */
export function useTestServer<S extends Record<string, Closable> = Record<never, never>>(
  options: Omit<HarnessOptions<S, { admin: Member }>, 'setup' | 'teardown'> = {},
): TestContext & S & { admin: Member } {
  return useHarness({ ...options, setup: async ({ server }) => ({ admin: await createMember(server.url, { handle: uniqueHandle('admin') }) }) });
}
