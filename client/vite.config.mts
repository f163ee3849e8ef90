import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

// In development the Vite server (http://localhost:5173) is the page's origin and forwards the
// API and the live connection to the Hearth server; `npm run dev` sets PUBLIC_URL to match.
const serverUrl = process.env.HEARTH_DEV_SERVER ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root: import.meta.dirname,
  plugins: [svelte()],
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
