// `npm start`: build what is missing or stale, then run the server (embedded database unless
// DATABASE_URL is set). In the container image the server is started directly instead.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ensureClientBuilt, ensureServerBuilt, root } from './lib/build.mjs';

ensureServerBuilt();
ensureClientBuilt();
const child = spawn(process.execPath, [path.join(root, 'dist/server/main.js')], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
