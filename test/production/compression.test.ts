// The built client reaches a slow phone compressed: the build writes Brotli and gzip files beside
// each script and stylesheet (client/vite.config.mts), and the Hearth server sends the one the
// browser accepts, as it is, with Content-Encoding, Vary and the caching each file wants
// (server/core/http/client.ts).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { createApp, type App } from '../../server/app';
import { loadConfig } from '../../server/config';
import { chooseEncoding } from '../../server/core/http/client';
import { freePort } from '../support/server';

const repoRoot = path.resolve(__dirname, '..', '..');

let tmpRoot: string;
let clientDist: string;
let app: App;
let url: string;

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A GET with exactly these headers, answered byte for byte (fetch would decompress for us). */
function get(pathname: string, headers: Record<string, string> = {}, method = 'GET'): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${url}${pathname}`, { method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end();
  });
}

/** The built file a URL path names, as it is on disk. */
function builtFile(pathname: string): Buffer {
  return fs.readFileSync(path.join(clientDist, pathname));
}

/** The entry script and stylesheet that index.html links. */
function entryAssets(): { script: string; stylesheet: string } {
  const html = fs.readFileSync(path.join(clientDist, 'index.html'), 'utf8');
  const script = /<script type="module" crossorigin src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
  const stylesheet = /<link rel="stylesheet" crossorigin href="(\/assets\/[^"]+\.css)"/.exec(html)?.[1];
  if (!script || !stylesheet) throw new Error(`index.html links no entry script or stylesheet:\n${html}`);
  return { script, stylesheet };
}

const varies = (response: RawResponse) =>
  String(response.headers.vary ?? '')
    .toLowerCase()
    .split(/\s*,\s*/)
    .includes('accept-encoding');

beforeAll(async () => {
  // A build of its own, so the checkout's client/dist (which browser tests may be serving) stays as it is.
  tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-compression-'));
  clientDist = path.join(tmpRoot, 'dist');
  const build = spawnSync(
    process.execPath,
    ['node_modules/vite/bin/vite.js', 'build', '--config', 'client/vite.config.mts', '--outDir', clientDist, '--emptyOutDir', '--logLevel', 'warn'],
    { cwd: repoRoot, encoding: 'utf8', timeout: 180_000, env: { ...process.env, NODE_OPTIONS: '' } },
  );
  if (build.status !== 0) throw new Error(`the client build failed:\n${build.stdout}${build.stderr}`);

  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  const config = loadConfig(
    {
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: url,
      DATA_DIR: path.join(tmpRoot, 'data'),
      LOG_LEVEL: 'silent',
      SHUTDOWN_TIMEOUT_MS: '2000',
      SESSION_SECRET: 'test-session-secret-0123456789abcdef0123456789',
    },
    { clientDist },
  );
  app = createApp(config);
  await app.start();
}, 240_000);

afterAll(async () => {
  await app?.stop();
  if (tmpRoot) fs.rmSync(tmpRoot, { recursive: true, force: true });
});

describe('the built client, compressed', () => {
  test('when the build has run, then every script and stylesheet has a smaller Brotli and gzip file beside it', () => {
    const assets = fs.readdirSync(path.join(clientDist, 'assets')).filter((name) => /\.(js|css)$/.test(name));
    const large = assets.filter((name) => fs.statSync(path.join(clientDist, 'assets', name)).size >= 1024);
    expect(large.length).toBeGreaterThan(3);
    for (const name of large) {
      const original = builtFile(`/assets/${name}`);
      for (const [suffix, decode] of [
        ['.br', zlib.brotliDecompressSync],
        ['.gz', zlib.gunzipSync],
      ] as const) {
        const compressed = builtFile(`/assets/${name}${suffix}`);
        expect(compressed.length).toBeLessThan(original.length);
        expect(decode(compressed).equals(original)).toBe(true);
      }
    }
    // The main script, the one a phone waits for, is at most a third of its size in Brotli.
    const { script } = entryAssets();
    expect(builtFile(`${script}.br`).length).toBeLessThan(builtFile(script).length / 3);
  });

  test('when a browser accepts Brotli, then the main script and stylesheet come as Brotli with their own type, Vary and a year of caching', async () => {
    const { script, stylesheet } = entryAssets();
    for (const [asset, type] of [
      [script, /^text\/javascript; charset=utf-8$/],
      [stylesheet, /^text\/css; charset=utf-8$/],
    ] as const) {
      const response = await get(asset, { 'accept-encoding': 'gzip, deflate, br, zstd' });

      expect(response.status).toBe(200);
      expect(response.headers['content-encoding']).toBe('br');
      expect(response.headers['content-type']).toMatch(type);
      expect(varies(response)).toBe(true);
      expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(Number(response.headers['content-length'])).toBe(builtFile(`${asset}.br`).length);
      expect(zlib.brotliDecompressSync(response.body).equals(builtFile(asset))).toBe(true);
    }
  });

  test('when a browser accepts only gzip, then the assets come as gzip', async () => {
    const { script, stylesheet } = entryAssets();
    for (const asset of [script, stylesheet]) {
      const response = await get(asset, { 'accept-encoding': 'gzip' });

      expect(response.status).toBe(200);
      expect(response.headers['content-encoding']).toBe('gzip');
      expect(varies(response)).toBe(true);
      expect(zlib.gunzipSync(response.body).equals(builtFile(asset))).toBe(true);
    }
  });

  test('when a client accepts no compression (or refuses both with q=0), then it gets the file as it is, still with Vary', async () => {
    const { script } = entryAssets();
    const variants: Record<string, string>[] = [{}, { 'accept-encoding': 'identity' }, { 'accept-encoding': 'br;q=0, gzip;q=0' }, { 'accept-encoding': '*;q=0, identity' }];
    for (const headers of variants) {
      const response = await get(script, headers);

      expect(response.status).toBe(200);
      expect(response.headers['content-encoding']).toBeUndefined();
      expect(response.headers['content-type']).toMatch(/^text\/javascript/);
      expect(varies(response)).toBe(true);
      expect(response.body.equals(builtFile(script))).toBe(true);
    }
  });

  test('when a page is opened, then index.html comes compressed too, and is never cached', async () => {
    for (const page of ['/', '/s/some-space', '/index.html']) {
      const response = await get(page, { accept: 'text/html', 'accept-encoding': 'gzip, br' });

      expect(response.status).toBe(200);
      expect(response.headers['content-encoding']).toBe('br');
      expect(response.headers['content-type']).toMatch(/^text\/html; charset=utf-8$/);
      expect(response.headers['cache-control']).toBe('no-cache');
      expect(varies(response)).toBe(true);
      expect(zlib.brotliDecompressSync(response.body).equals(builtFile('/index.html'))).toBe(true);
    }
  });

  test('when a HEAD request asks for a script, then the headers are those of the compressed answer and no body follows', async () => {
    const { script } = entryAssets();

    const response = await get(script, { 'accept-encoding': 'br' }, 'HEAD');

    expect(response.status).toBe(200);
    expect(response.headers['content-encoding']).toBe('br');
    expect(response.body.length).toBe(0);
  });

  test('when an asset does not exist, then the answer is 404, not index.html or a compressed file', async () => {
    const response = await get('/assets/nothing-here.js', { 'accept-encoding': 'br' });

    expect(response.status).toBe(404);
    expect(response.headers['content-encoding']).toBeUndefined();
  });

  test('when the API answers, then its JSON is not touched by the client files', async () => {
    const response = await get('/api/v1/site', { accept: 'application/json', 'accept-encoding': 'br' });

    expect(response.status).toBe(200);
    expect(response.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(response.body.toString('utf8'))).toHaveProperty('name');
  });
});

describe('choosing an encoding', () => {
  test.each([
    ['gzip, deflate, br', ['br', 'gzip'], 'br'],
    ['gzip', ['br', 'gzip'], 'gzip'],
    ['br;q=0.5, gzip;q=0.8', ['br', 'gzip'], 'gzip'],
    ['BR', ['br', 'gzip'], 'br'],
    ['*', ['br', 'gzip'], 'br'],
    ['*;q=0.1, br;q=0', ['br', 'gzip'], 'gzip'],
    ['br;q=0, gzip;q=0', ['br', 'gzip'], undefined],
    ['identity', ['br', 'gzip'], undefined],
    ['br', ['gzip'], undefined],
    ['', ['br', 'gzip'], undefined],
    [undefined, ['br', 'gzip'], undefined],
    ['br;q=abc, gzip', ['br', 'gzip'], 'gzip'],
  ] as const)('Accept-Encoding %p with %p available gives %p', (header, available, expected) => {
    expect(chooseEncoding(header, available)).toBe(expected);
  });
});
