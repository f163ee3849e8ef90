// `npm run dev`: the server with reload (tsx watch) and the Vite dev server with hot updates.
// Open http://localhost:5173; Vite forwards /api, /auth and /socket.io to the server on :3000,
// so PUBLIC_URL is the Vite origin (the server checks socket Origins against it).
import { spawn } from 'node:child_process';

const children = [
  spawn('npx', ['tsx', 'watch', '--clear-screen=false', 'server/main.ts'], {
    stdio: 'inherit',
    env: { PUBLIC_URL: 'http://localhost:5173', PORT: '3000', ...process.env },
  }),
  spawn('npx', ['vite', '--config', 'client/vite.config.mts'], { stdio: 'inherit' }),
];
const stop = (code) => {
  for (const child of children) child.kill('SIGTERM');
  process.exit(code);
};
for (const child of children) child.on('exit', (code) => stop(code ?? 0));
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
