import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium; never a browser downloaded at install time. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// Without the networking flags Chromium keeps trying to reach Google's hosts, which this closed
// network refuses.
const flags = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

let missingReported = false;

export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(chromiumPath)) {
    // `npm test` checks this before Jest starts (scripts/test.mjs); run through Jest directly,
    // the hint is given in full once and the other suites only point to it.
    const hint = missingReported
      ? `Chromium is missing at ${chromiumPath} (see the first failure).`
      : `Browser tests need Chromium at ${chromiumPath}. Install it with: apt-get install -y chromium (or set CHROMIUM_PATH).`;
    missingReported = true;
    throw new Error(hint);
  }
  return chromium.launch({ executablePath: chromiumPath, args: flags, headless: true });
}
