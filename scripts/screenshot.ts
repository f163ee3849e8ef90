// Takes the README's screenshot of a running Hearth: `npx tsx scripts/screenshot.ts URL OUT.png`.
import { launchBrowser } from '../test/e2e/support/browser';

async function main(): Promise<void> {
  const [url = 'http://127.0.0.1:3000', out = 'docs/screenshots/home.png'] = process.argv.slice(2);
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 520 } });
    await page.goto(url);
    await page.locator('[data-status="live"]').waitFor({ timeout: 10_000 });
    await page.waitForTimeout(300);
    await page.screenshot({ path: out });
  } finally {
    await browser.close();
  }
}

void main();
