// Two projects: everything that runs in Node (`server`), and the browser tests (`e2e`), which
// need the built client and Debian's Chromium. `npm test` runs both; see scripts/test.mjs.
const transform = {
  '^.+\\.ts$': [
    '@swc/jest',
    {
      jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
      module: { type: 'commonjs' },
      sourceMaps: 'inline',
    },
  ],
  // temporal-polyfill (and temporal-utils under it) ships ES modules only (Node 20 requires them; Jest's runtime does not): compiled like our own files.
  '^.+/node_modules/(temporal-polyfill|temporal-utils)/.+\\.js$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
};
const transformIgnorePatterns = ['/node_modules/(?!(temporal-polyfill|temporal-utils)/)'];

// Suites that need a real PostgreSQL or Redis server are named *.postgres.test.ts and
// *.redis.test.ts; they are part of the run exactly when DATABASE_URL / REDIS_URL are set (CI sets both).
const serviceSuites = [
  ...(process.env.DATABASE_URL ? [] : ['\\.postgres\\.test\\.ts$']),
  ...(process.env.REDIS_URL ? [] : ['\\.redis\\.test\\.ts$']),
];

/** @type {import('jest').Config} */
module.exports = {
  // Jest's default (one worker fewer than the cores) runs a 2-core machine's suites one after
  // another, and most of a suite's time is spent waiting on PostgreSQL, Chromium or a timer: two
  // at once take about half the time there (docs/decisions/024-two-test-workers.md).
  maxWorkers: Math.max(2, require('node:os').availableParallelism() - 1),
  // Bounds a hang, not speed: a PGlite instance takes ~3 s to start and a browser test drives
  // Chromium, slower still on a busy 2-core machine.
  testTimeout: 60_000,
  projects: [
    {
      displayName: 'server',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      roots: ['<rootDir>/server', '<rootDir>/shared', '<rootDir>/test'],
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '/dist/', '<rootDir>/test/e2e/', ...serviceSuites],
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      roots: ['<rootDir>/test/e2e'],
      testMatch: ['**/*.e2e.ts'],
    },
  ],
};
