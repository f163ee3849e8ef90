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

export default defineConfig({
  root: import.meta.dirname,
  plugins: [svelte(), apiRoutesTable()],
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
      '/socket.io': { target: serverUrl, ws: true },
    },
  },
});
