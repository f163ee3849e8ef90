// `npm test` without Chromium says so once and stops, instead of failing every browser test with the same hint.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.join(__dirname, '..');

function runTests(args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, [path.join(root, 'scripts/test.mjs'), ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
}

describe('npm test', () => {
  test('when Chromium is missing and the browser tests are selected, then it prints one line and exits non-zero before running anything', () => {
    const result = runTests(['--selectProjects', 'e2e'], { CHROMIUM_PATH: '/nonexistent/chromium' });

    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    const lines = result.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('/nonexistent/chromium');
    expect(lines[0]).toContain('apt-get install -y chromium');
  });

  test('when Chromium is missing but only the server tests are selected, then they run', () => {
    const result = runTests(['test/test-script-probe.none', '--selectProjects', 'server', '--passWithNoTests'], { CHROMIUM_PATH: '/nonexistent/chromium' });

    expect(result.stderr).not.toContain('need Chromium');
    expect(result.status).toBe(0);
  });
});
