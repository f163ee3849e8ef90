// First load on a slow network, for docs/performance.md (issue #13, "Slow networks"): how long a
// newcomer on 50 KB/s with 800 ms latency looks at a white page, how long until the app is usable,
// and how many bytes the first load and the admin area cost, compressed and not.
//   npm run build && npx tsx scripts/bench/slow-network.ts
// The built server runs on a fresh embedded database (a child process); Debian's Chromium loads the
// landing page with a cold cache under Chrome DevTools network throttling (BENCH_KBPS, BENCH_RTT_MS),
// once as browsers do (Accept-Encoding: br, gzip) and once asking for no compression (identity).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { cleanUp, envNumber, onCleanUp, report, runBench, seconds } from './lib/harness';
import { startHearth } from './lib/processes';

const KBPS = envNumber('BENCH_KBPS', 50); // download and upload, kilobytes per second
const RTT_MS = envNumber('BENCH_RTT_MS', 800);
const RUNS = Math.max(1, envNumber('BENCH_RUNS', 3)); // cold loads per encoding; the median is reported
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

interface Load {
  firstPaintMs: number;
  /** The app mounted and the landing page's heading is on screen. */
  usableMs: number;
  /** Bytes over the wire (headers included) and the requests made. */
  bytes: number;
  requests: number;
  scriptBytes: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;

async function throttle(page: Page, encoding: 'browser' | 'identity') {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: RTT_MS,
    downloadThroughput: KBPS * 1024,
    uploadThroughput: KBPS * 1024,
  });
  if (encoding === 'identity') await cdp.send('Network.setExtraHTTPHeaders', { headers: { 'Accept-Encoding': 'identity' } });
  const transferred = new Map<string, { bytes: number; script: boolean }>();
  const types = new Map<string, string>();
  cdp.on('Network.responseReceived', (event) => types.set(event.requestId, event.type));
  cdp.on('Network.loadingFinished', (event) => {
    transferred.set(event.requestId, { bytes: event.encodedDataLength, script: types.get(event.requestId) === 'Script' });
  });
  return transferred;
}

async function coldLoad(url: string, encoding: 'browser' | 'identity', then?: (page: Page) => Promise<void>): Promise<Load> {
  const browser = await chromium.launch({ executablePath: chromiumPath, args: flags, headless: true });
  try {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    const transferred = await throttle(page, encoding);
    const started = Date.now();
    await page.goto(url, { waitUntil: 'commit' });
    await page.locator('#main h1').first().waitFor({ state: 'visible', timeout: 120_000 });
    const usableMs = Date.now() - started;
    const firstPaintMs = await page.evaluate(() => {
      const paint = performance.getEntriesByType('paint' as never).find((entry) => entry.name === 'first-contentful-paint');
      return paint ? paint.startTime : Number.NaN;
    });
    if (then) await then(page);
    const rows = [...transferred.values()];
    return {
      firstPaintMs,
      usableMs,
      bytes: rows.reduce((sum, row) => sum + row.bytes, 0),
      requests: rows.length,
      scriptBytes: rows.filter((row) => row.script).reduce((sum, row) => sum + row.bytes, 0),
    };
  } finally {
    await browser.close();
  }
}

function describeLoads(label: string, loads: Load[]) {
  report(
    `| ${label} | ${seconds(median(loads.map((l) => l.firstPaintMs)))} | ${seconds(median(loads.map((l) => l.usableMs)))} | ` +
      `${kb(median(loads.map((l) => l.bytes)))} | ${kb(median(loads.map((l) => l.scriptBytes)))} | ${median(loads.map((l) => l.requests))} |`,
  );
}

runBench('slow-network', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-slow-'));
  onCleanUp(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
  const server = await startHearth({ DATA_DIR: dataDir, NODE_ENV: 'production' });
  onCleanUp(() => server.stop());

  report(`# First load at ${KBPS} KB/s, ${RTT_MS} ms round trip, cold cache, 390×844 (median of ${RUNS})`);
  report(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GB; Chromium ${chromiumPath}`);
  report('');
  report('| encoding | first paint | landing usable | bytes | of which scripts | requests |');
  report('|---|---|---|---|---|---|');
  for (const encoding of ['browser', 'identity'] as const) {
    const loads: Load[] = [];
    for (let run = 0; run < RUNS; run++) loads.push(await coldLoad(server.url, encoding));
    describeLoads(encoding === 'browser' ? 'br/gzip (as browsers ask)' : 'none (identity)', loads);
  }

  // What the landing page did not load: the admin and moderation code (split routes).
  const files = fs.readdirSync(path.join('client', 'dist', 'assets')).filter((name) => name.endsWith('.js'));
  const sizes = files.map((name) => {
    const full = path.join('client', 'dist', 'assets', name);
    const br = fs.existsSync(`${full}.br`) ? fs.statSync(`${full}.br`).size : undefined;
    return { name, raw: fs.statSync(full).size, br };
  });
  report('');
  report('| built script | raw | brotli |');
  report('|---|---|---|');
  for (const size of sizes.sort((a, b) => b.raw - a.raw).slice(0, 8)) {
    report(`| ${size.name.replace(/-[\w-]{8}\.js$/, '.js')} | ${kb(size.raw)} | ${size.br === undefined ? '—' : kb(size.br)} |`);
  }
  await cleanUp();
});
