import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig, type Plugin } from 'vite';
import { apiRoutes } from '../shared/api/routes';

// In development the Vite server (http://localhost:5173) is the page's origin and forwards the
// API and the live connection to the Hearth server; `npm run dev` sets PUBLIC_URL to match.
const serverUrl = process.env.HEARTH_DEV_SERVER ?? 'http://127.0.0.1:3000';

/**
 * `virtual:hearth/api-routes`: the method and path of every REST endpoint, read from the shared
 * RouteSpecs when the client is built. The client's typed API calls (`lib/api.ts`) go through it,
 * so the specs' zod schemas stay out of the browser bundle while their paths cannot drift.
 */
function apiRoutesTable(): Plugin {
  const id = 'virtual:hearth/api-routes';
  const resolved = `\0${id}`;
  return {
    name: 'hearth-api-routes',
    resolveId: (source) => (source === id ? resolved : undefined),
    load(source) {
      if (source !== resolved) return undefined;
      const table = Object.fromEntries(Object.entries(apiRoutes).map(([name, route]) => [name, { method: route.method, path: route.path }]));
      return `export default ${JSON.stringify(table)};`;
    },
  };
}

const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);

/** What is worth compressing: text formats the browser loads (source maps only open in devtools). */
const compressible = /\.(js|mjs|css|html|svg|json|txt|webmanifest)$/;

/**
 * Writes `file.br` and `file.gz` beside every built text file of 1 KiB or more (when smaller than
 * the original), so the Hearth server sends them as they are with `Content-Encoding`
 * (server/core/http/client.ts) instead of compressing on each request: on a slow phone line the
 * main script shrinks to about a quarter. Brotli at its best quality costs a second or two of build.
 */
function precompress(): Plugin {
  let outDir = '';
  return {
    name: 'hearth-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir);
    },
    async closeBundle() {
      const files = (await fs.readdir(outDir, { recursive: true, withFileTypes: true }))
        .filter((entry) => entry.isFile() && compressible.test(entry.name))
        .map((entry) => path.join(entry.parentPath, entry.name));
      await Promise.all(
        files.map(async (file) => {
          const source = await fs.readFile(file);
          if (source.length < 1024) return;
          const [br, gz] = await Promise.all([
            brotli(source, {
              params: {
                [zlib.constants.BROTLI_PARAM_QUALITY]: zlib.constants.BROTLI_MAX_QUALITY,
                [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
                [zlib.constants.BROTLI_PARAM_SIZE_HINT]: source.length,
              },
            }),
            gzip(source, { level: zlib.constants.Z_BEST_COMPRESSION }),
          ]);
          if (br.length < source.length) await fs.writeFile(`${file}.br`, br);
          if (gz.length < source.length) await fs.writeFile(`${file}.gz`, gz);
        }),
      );
    },
  };
}

export default defineConfig({
  root: import.meta.dirname,
  plugins: [svelte(), apiRoutesTable(), precompress()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: true,
  },
  server: {
    port: 5173,
    strictPort: true,
    proxy: {
      '/api': serverUrl,
      '/auth': serverUrl,
      '/healthz': serverUrl,
      '/readyz': serverUrl,
      '/manifest.webmanifest': serverUrl,
      '/socket.io': { target: serverUrl, ws: true },
    },
  },
});
