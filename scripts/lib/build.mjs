// Rebuilds the server or the client when a source file is newer than the last build, so that
// `npm start` on a fresh clone (or after a pull) always runs current code.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function newestMtime(entries) {
  let newest = 0;
  const visit = (p) => {
    let stat;
    try {
      stat = fs.statSync(p);
    } catch {
      return;
    }
    if (stat.isDirectory()) {
      if (path.basename(p) === 'node_modules' || path.basename(p) === 'dist') return;
      for (const name of fs.readdirSync(p)) visit(path.join(p, name));
    } else newest = Math.max(newest, stat.mtimeMs);
  };
  for (const entry of entries) visit(path.join(root, entry));
  return newest;
}

function mtimeOf(file) {
  try {
    return fs.statSync(path.join(root, file)).mtimeMs;
  } catch {
    return 0;
  }
}

function run(script) {
  console.log(`> npm run ${script}`);
  const result = spawnSync('npm', ['run', '--silent', script], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

export function ensureServerBuilt() {
  const built = mtimeOf('dist/server/main.js');
  if (!built || newestMtime(['server', 'shared', 'package.json', 'tsconfig.base.json', 'tsconfig.server.json']) > built) {
    run('build:server');
  }
}

export function ensureClientBuilt() {
  const built = mtimeOf('client/dist/index.html');
  if (!built || newestMtime(['client', 'shared', 'package.json']) > built) run('build:client');
}
