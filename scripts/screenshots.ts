// The README's screenshots, desktop (1280×800) and phone (390×844), of a lived-in network:
//   npx tsx scripts/screenshots.ts [docs/screenshots]
// Builds the client when it is stale, starts Hearth on a fresh embedded database in a temporary
// data folder (nothing of yours is touched), fills it with the demo content of the browser tests
// (test/e2e/support/demo-content.ts) and photographs, signed in as the admin: home, a space's
// stream, its chat, and on the phone the menu open. Needs Chromium (apt-get install -y chromium).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { createApp } from '../server/app';
import { loadConfig } from '../server/config';
import { launchBrowser } from '../test/e2e/support/browser';
import { seedDemo, type Demo } from '../test/e2e/support/demo-content';
import { mainPages, openAuditPage, visit, viewports, type Viewport } from '../test/e2e/support/main-pages';

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const shots = [
  { file: 'home', page: 'home' },
  { file: 'space', page: 'space stream' },
  { file: 'chat', page: 'space chat' },
] as const;

async function photograph(browser: Browser, url: string, demo: Demo, viewport: Viewport, out: string): Promise<string[]> {
  const written: string[] = [];
  for (const shot of shots) {
    const target = mainPages.find((p) => p.name === shot.page);
    if (!target) throw new Error(`no main page called ${shot.page}`);
    const audit = await openAuditPage(browser, url, demo.admin, { viewport });
    try {
      await visit(audit.page, url, target, demo);
      await audit.page.locator('[data-status="live"]').first().waitFor({ timeout: 10_000 });
      const file = path.join(out, `${viewport.name}-${shot.file}.png`);
      await audit.page.screenshot({ path: file });
      written.push(file);
      if (viewport.name === 'phone' && shot.file === 'home') written.push(await phoneMenu(audit.page, out));
    } finally {
      await audit.close();
    }
  }
  return written;
}

/** The phone's menu open over home: the destinations that do not fit in the tab bar. */
async function phoneMenu(page: Page, out: string): Promise<string> {
  const toggle = page.getByTestId('menu-button');
  await toggle.click();
  await page.locator(`#${await toggle.getAttribute('aria-controls')}`).waitFor();
  await page.waitForTimeout(300); // its opening transition
  const file = path.join(out, 'phone-menu.png');
  await page.screenshot({ path: file });
  return file;
}

async function main(): Promise<void> {
  const out = path.resolve(process.argv[2] ?? 'docs/screenshots');
  fs.mkdirSync(out, { recursive: true });
  // Same rule as npm start and npm test: rebuild the client when a source is newer than the build.
  const built = spawnSync(process.execPath, ['--input-type=module', '-e', "import { ensureClientBuilt } from './scripts/lib/build.mjs'; ensureClientBuilt();"], {
    cwd: path.resolve(__dirname, '..'),
    stdio: 'inherit',
  });
  if (built.status !== 0) throw new Error('building the client failed');

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-screenshots-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const app = createApp(
    loadConfig({
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: url,
      DATA_DIR: dataDir,
      SITE_NAME: 'Riverside Mutual Aid',
      LOG_LEVEL: 'warn',
    }),
  );
  let browser: Browser | undefined;
  try {
    await app.start();
    // The welcome bot would greet each demo member with a direct message: not what the pictures are about.
    await app.platform.settings.group('site', 'welcome').update(app.database.db, { botEnabled: false, emailEnabled: false });
    const demo = await seedDemo(url);
    await app.settle();
    browser = await launchBrowser();
    const written: string[] = [];
    for (const viewport of viewports) written.push(...(await photograph(browser, url, demo, viewport, out)));
    for (const file of written) console.log(`wrote ${path.relative(process.cwd(), file)}`);
  } finally {
    await browser?.close();
    await app.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
