import type { WebManifest } from '../../shared/api/push.routes';
import { createMember, uniqueHandle } from '../support/members';
import { useBrowserTest } from './support/harness';
import { liveBadge, pageOpener } from './support/pages';

// What headless Chromium can check of web push here (decision 023): no push service is reachable,
// so no subscription can be made; the service worker registers for the whole site and the client
// links a valid manifest whose icons load, under the CSP.
const ctx = useBrowserTest({ setup: async ({ server }) => ({ member: await createMember(server.url, { handle: uniqueHandle('pusher') }) }) });

/** The little of the page's globals these checks use (the test project has no DOM types). */
interface PushPage {
  navigator: { serviceWorker: { ready: Promise<{ scope: string; active: { scriptURL: string } | null; pushManager?: unknown }> } };
  Image: new () => { src: string; naturalWidth: number; naturalHeight: number; decode(): Promise<void> };
}

const openAs = pageOpener(() => ({ browser: ctx.browser, url: ctx.server.url }), { pageErrors: true });

test('when a member opens Hearth, then the service worker is active for the whole site and the linked manifest is valid, with icons that load', async () => {
  const { page, consoleErrors } = await openAs(ctx.member);
  await page.goto(`${ctx.server.url}/`);
  await liveBadge(page).waitFor({ timeout: 10_000 });

  const worker = await page.evaluate(async () => {
    const registration = await (globalThis as unknown as PushPage).navigator.serviceWorker.ready;
    return { scope: registration.scope, script: registration.active?.scriptURL ?? null, push: registration.pushManager !== undefined };
  });
  expect(worker).toEqual({ scope: `${ctx.server.url}/`, script: `${ctx.server.url}/sw.js`, push: true });

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
