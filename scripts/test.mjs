// `npm test`: builds the client if the browser tests will need it, then runs Jest with the
// flag PGlite needs (it loads its WebAssembly through a dynamic import).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { ensureClientBuilt } from './lib/build.mjs';

const args = process.argv.slice(2);
const selects = (project) => {
  const i = args.indexOf('--selectProjects');
  return i === -1 || args.slice(i + 1).includes(project);
};

if (selects('e2e')) {
  // The browser tests drive Debian's Chromium (test/e2e/support/browser.ts reads the same path).
  // Without it every one of them would fail with the same hint: say it once, before anything runs.
  const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  let found = true;
  try {
    fs.accessSync(chromium, fs.constants.X_OK);
  } catch {
    found = false;
  }
  if (!found) {
    process.stderr.write(
      `npm test: the browser tests need Chromium at ${chromium}: install it (apt-get install -y chromium) or set CHROMIUM_PATH; to run the other tests only: npm test -- --selectProjects server\n`,
    );
    process.exit(1);
  }
  ensureClientBuilt();
}

const nodeOptions = [process.env.NODE_OPTIONS, '--experimental-vm-modules', '--no-warnings=ExperimentalWarning']
  .filter(Boolean)
  .join(' ');
const result = spawnSync(process.execPath, ['node_modules/jest/bin/jest.js', ...args], {
  stdio: 'inherit',
  env: { ...process.env, NODE_OPTIONS: nodeOptions },
});
process.exit(result.status ?? 1);
