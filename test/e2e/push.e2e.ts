import type { Browser } from 'playwright-core';
import type { WebManifest } from '../../shared/api/push.routes';
import { openTestDatabase, type TestDatabase } from '../support/database';
import { createMember, uniqueHandle, type Member } from '../support/members';
import { startTestServer, type TestServer } from '../support/server';
import { launchBrowser } from './support/browser';
import { liveBadge, pageOpener } from './support/pages';

// What headless Chromium can check of web push here (decision 023): no push service is reachable,
// so no subscription can be made; the service worker registers for the whole site and the client
// links a valid manifest whose icons load, under the CSP.
let testDb: TestDatabase;
let server: TestServer;
let browser: Browser;
let member: Member;

beforeAll(async () => {
  testDb = await openTestDatabase();
  server = await startTestServer({ database: testDb.database });
  browser = await launchBrowser();
  member = await createMember(server.url, { handle: uniqueHandle('pusher') });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await testDb?.close();
});

/** The little of the page's globals these checks use (the test project has no DOM types). */
interface PushPage {
  navigator: { serviceWorker: { ready: Promise<{ scope: string; active: { scriptURL: string } | null; pushManager?: unknown }> } };
  Image: new () => { src: string; naturalWidth: number; naturalHeight: number; decode(): Promise<void> };
}

const openAs = pageOpener(() => ({ browser, url: server.url }), { pageErrors: true });

test('when a member opens Hearth, then the service worker is active for the whole site and the linked manifest is valid, with icons that load', async () => {
  const { page, consoleErrors } = await openAs(member);
  await page.goto(`${server.url}/`);
  await liveBadge(page).waitFor({ timeout: 10_000 });

  const worker = await page.evaluate(async () => {
    const registration = await (globalThis as unknown as PushPage).navigator.serviceWorker.ready;
    return { scope: registration.scope, script: registration.active?.scriptURL ?? null, push: registration.pushManager !== undefined };
  });
  expect(worker).toEqual({ scope: `${server.url}/`, script: `${server.url}/sw.js`, push: true });

  const href = await page.locator('link[rel="manifest"]').getAttribute('href');
  const manifest = await page.evaluate(async (url) => {
    const res = await fetch(url);
    return { type: res.headers.get('content-type'), body: (await res.json()) as unknown };
  }, href!);
  expect(manifest.type).toContain('application/manifest+json');
  const body = manifest.body as WebManifest;
  expect(body).toMatchObject({ start_url: '/', scope: '/', display: 'standalone' });
  expect(body.icons.map((icon) => `${icon.sizes} ${icon.purpose}`).sort()).toEqual(['192x192 any', '192x192 maskable', '512x512 any', '512x512 maskable']);
  for (const icon of body.icons) {
    const size = await page.evaluate(async (src) => {
      const image = new (globalThis as unknown as PushPage).Image();
      image.src = src;
      await image.decode();
      return `${image.naturalWidth}x${image.naturalHeight}`;
    }, icon.src);
    expect(size).toBe(icon.sizes);
  }
  expect(consoleErrors).toEqual([]);
});
