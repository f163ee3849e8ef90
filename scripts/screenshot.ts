// Takes the README's screenshots of a running Hearth on a fresh data folder:
//   npx tsx scripts/screenshot.ts http://127.0.0.1:3998 docs/screenshots
// It signs up an admin (the first account), accepts the guidelines and photographs the screens.
import path from 'node:path';
import { launchBrowser } from '../test/e2e/support/browser';

async function main(): Promise<void> {
  const [url = 'http://127.0.0.1:3000', out = 'docs/screenshots'] = process.argv.slice(2);
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 640 } });
    await page.goto(`${url}/sign-up`);
    await page.getByTestId('sign-up-email').fill('rosa@example.org');
    await page.getByTestId('sign-up-display-name').fill('Rosa Martínez');
    await page.getByTestId('sign-up-handle').fill('rosa');
    await page.getByTestId('sign-up-password').fill('lanterns over the harbour');
    await page.getByTestId('sign-up-submit').click();
    await page.getByTestId('guidelines-gate').waitFor();
    await page.screenshot({ path: path.join(out, 'guidelines.png') });
    await page.getByTestId('accept-guidelines-checkbox').check();
    await page.getByTestId('accept-guidelines').click();
    await page.locator('[data-status="live"]').waitFor({ timeout: 10_000 });
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(out, 'home.png') });
    await page.goto(`${url}/admin/invites`);
    await page.waitForTimeout(500);
    await page.screenshot({ path: path.join(out, 'admin.png') });
  } finally {
    await browser.close();
  }
}

void main();
