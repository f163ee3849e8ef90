// `npm test`: builds the client if the browser tests will need it, then runs Jest with the
// flag PGlite needs (it loads its WebAssembly through a dynamic import).
import { spawnSync } from 'node:child_process';
import { ensureClientBuilt } from './lib/build.mjs';

const args = process.argv.slice(2);
const selects = (project) => {
  const i = args.indexOf('--selectProjects');
  return i === -1 || args.slice(i + 1).includes(project);
};
if (selects('e2e')) ensureClientBuilt();

const nodeOptions = [process.env.NODE_OPTIONS, '--experimental-vm-modules', '--no-warnings=ExperimentalWarning']
  .filter(Boolean)
  .join(' ');
const result = spawnSync(process.execPath, ['node_modules/jest/bin/jest.js', ...args], {
  stdio: 'inherit',
  env: { ...process.env, NODE_OPTIONS: nodeOptions },
});
process.exit(result.status ?? 1);
