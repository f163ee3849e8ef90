// The beforeAll/afterAll of a browser test file: a test database, a node over it and Chromium, and
// the members the file's tests share; the browser closes first, so no page holds the server open.
import type { Browser } from 'playwright-core';
import type { Env } from '../../../server/config';
import type { Space } from '../../../shared/api/spaces.routes';
import { useHarness, type TestContext } from '../../support/harness';
import { createMember, type Member } from '../../support/members';
import { launchBrowser } from './browser';

export interface BrowserTestContext extends TestContext {
  browser: Browser;
}

/**
 * Registers the file's beforeAll and afterAll and answers the context they fill:
 * `const ctx = useBrowserTest({ setup: async ({ server }) => ({ rosa: await createMember(server.url) }) })`.
 */
export function useBrowserTest<T extends object = Record<never, never>>(
  options: {
    env?: Env;
    /** Once the server and the browser are up; its answer joins the context. */
    setup?: (context: BrowserTestContext) => Promise<T>;
    /** After the browser closes, before the server stops: what a test started beside it. */
    teardown?: () => Promise<unknown>;
  } = {},
): BrowserTestContext & T {
  return useHarness({
    ...(options.env && { env: options.env }),
    setup: async (context) => {
      const withBrowser = Object.assign(context, { browser: await launchBrowser() });
      return { browser: withBrowser.browser, ...((await options.setup?.(withBrowser)) as T) };
    },
    teardown: async (context) => {
      await (context as Partial<BrowserTestContext>).browser?.close();
      await options.teardown?.();
    },
  });
}

export interface Orchard {
  /** The network's first member (its admin), host of the space. */
  host: Member;
  rosa: Member;
  ned: Member;
  /** Public and open; Rosa and Ned have joined. */
  space: Space;
}

/** Harriet Host's Orchard with Rosa Parks and Ned Neighbour in it, through the API: a neighbourhood for `setup`. */
export async function orchard(url: string): Promise<Orchard> {
  const host = await createMember(url, { displayName: 'Harriet Host', handle: 'harriet_host' });
  const rosa = await createMember(url, { displayName: 'Rosa Parks', handle: 'rosa_parks' });
  const ned = await createMember(url, { displayName: 'Ned Neighbour', handle: 'ned_neighbour' });
  const space = (await host.call<Space>('POST', '/api/v1/spaces', { name: 'Orchard', slug: 'orchard', visibility: 'public', joinPolicy: 'open' })).body;
  for (const who of [rosa, ned]) await who.call('POST', `/api/v1/spaces/${space.id}/join`);
  return { host, rosa, ned, space };
}
