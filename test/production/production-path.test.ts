// The Dockerfile's steps, run outside Docker: the development machines have no Docker engine, so this
// is what shows that the image's recipe gives a working server (docs/deployment.md).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const repoRoot = path.resolve(__dirname, '..', '..');

/** What the Dockerfile's runtime stage copies from the build stage, besides node_modules. */
const copiedFromBuild = ['package.json', 'package-lock.json', 'dist', 'client/dist', 'server/core/db/migrations'];

let tmpRoot: string;
/** Plays the build stage's /src. */
let buildDir: string;
/** Plays the image's /app. */
let appDir: string;
const children = new Set<ChildProcess>();

/**
 * The machine's environment without anything Jest or a developer set for Hearth, so that each child
 * sees only the variables a test gives it (Jest sets NODE_ENV=test and the PGlite flag in NODE_OPTIONS).
 */
const unsetForChildren = [
  'NODE_OPTIONS',
  'NODE_ENV',
  ...['PORT', 'HOST', 'PUBLIC_URL', 'SITE_NAME', 'DATA_DIR', 'REDIS_URL', 'SESSION_SECRET', 'SMTP_URL'],
  ...['LOG_LEVEL', 'METRICS_TOKEN', 'TRUST_PROXY', 'SHUTDOWN_TIMEOUT_MS'],
];
const unsetPrefixesForChildren = ['DATABASE_', 'OIDC_'];

function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (unsetForChildren.includes(name) || unsetPrefixesForChildren.some((prefix) => name.startsWith(prefix))) continue;
    env[name] = value;
  }
  return { ...env, ...extra };
}

function tail(text: string, chars = 8_000): string {
  return text.length > chars ? `…${text.slice(-chars)}` : text;
}

function run(command: string, args: string[], cwd: string, timeoutMs: number): void {
  const result = spawnSync(command, args, {
    cwd,
    env: cleanEnv(),
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) {
    const why = result.error ? String(result.error) : `exit code ${String(result.status)}, signal ${String(result.signal)}`;
    throw new Error(`\`${command} ${args.join(' ')}\` in ${cwd} failed (${why}):\n${tail(`${result.stdout}${result.stderr}`)}`);
  }
}

/**
 * Reads .dockerignore into a predicate on context-relative paths, with the semantics Docker gives
 * the rules used there: anchored at the context root, `*` within one path segment, `**` across
 * segments, and a rule that matches a folder covers everything in it.
 */
function readDockerignore(file: string): (relativePath: string) => boolean {
  const rules = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const unsupported = rules.filter((rule) => rule.startsWith('!'));
  if (unsupported.length > 0) throw new Error(`this test does not read .dockerignore exceptions yet: ${unsupported.join(', ')}`);
  const patterns = rules.map((rule) => {
    const glob = rule.replace(/^\/+/, '').replace(/\/+$/, '');
    const source = glob
      .split(/(\*\*\/|\*\*|\*|\?)/)
      .map((part) => {
        if (part === '**/') return '(?:.*/)?';
        if (part === '**') return '.*';
        if (part === '*') return '[^/]*';
        if (part === '?') return '[^/]';
        return part.replace(/[.+^${}()|[\]\\]/g, '\\$&');
      })
      .join('');
    return new RegExp(`^${source}$`);
  });
  return (relativePath) => {
    const segments = relativePath.split('/');
    const selfAndParents = segments.map((_, i) => segments.slice(0, i + 1).join('/'));
    return patterns.some((pattern) => selfAndParents.some((candidate) => pattern.test(candidate)));
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

interface BuiltServer {
  url: string;
  /** Set once the process has exited. */
  exit: Exit | undefined;
  exited: Promise<Exit>;
  output(): string;
  process: ChildProcess;
}

/** Starts the built server the way the image's CMD does: `node dist/server/main.js` in /app. */
async function startBuiltServer(dataDir: string): Promise<BuiltServer> {
  const port = await freePort();
  const child = spawn(process.execPath, ['dist/server/main.js'], {
    cwd: appDir,
    env: cleanEnv({
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATA_DIR: dataDir,
      SHUTDOWN_TIMEOUT_MS: '5000',
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const server: BuiltServer = {
    url: `http://127.0.0.1:${port}`,
    exit: undefined,
    exited: new Promise<Exit>((resolve) => {
      child.once('exit', (code, signal) => {
        children.delete(child);
        server.exit = { code, signal };
        resolve(server.exit);
      });
    }),
    output: () => output,
    process: child,
  };
  return server;
}

/** Polls /readyz until it answers 200; fails early, with the server's log, if the process dies. */
async function waitUntilReady(server: BuiltServer, timeoutMs = 60_000): Promise<unknown> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (server.exit) {
      throw new Error(`the server exited (${JSON.stringify(server.exit)}) before it was ready:\n${tail(server.output())}`);
    }
    try {
      const res = await fetch(`${server.url}/readyz`, { signal: AbortSignal.timeout(2_000) });
      const body: unknown = await res.json();
      if (res.status === 200) return body;
      last = `${res.status} ${JSON.stringify(body)}`;
    } catch (error) {
      last = String(error);
    }
    await sleep(250);
  }
  throw new Error(`/readyz did not answer 200 within ${timeoutMs} ms (last: ${last}):\n${tail(server.output())}`);
}

/**
 * Starts the built server and waits for /readyz. The free port is only free when it was probed, so a
 * start that lost it to another process is tried again on a new one.
 */
async function startReady(dataDir: string): Promise<{ server: BuiltServer; ready: unknown }> {
  for (let attempt = 1; ; attempt++) {
    const server = await startBuiltServer(dataDir);
    try {
      return { server, ready: await waitUntilReady(server) };
    } catch (error) {
      server.process.kill('SIGKILL');
      await server.exited;
      if (attempt < 3 && server.output().includes('EADDRINUSE')) continue;
      throw error;
    }
  }
}

/** Sends SIGTERM and waits for the exit; undefined when the process is still running after `timeoutMs`. */
async function terminate(server: BuiltServer, timeoutMs = 15_000): Promise<Exit | undefined> {
  if (server.exit) return server.exit;
  server.process.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), timeoutMs);
  });
  const result = await Promise.race([server.exited, timeout]);
  clearTimeout(timer);
  return result;
}

async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  return { status: res.status, body: await res.json() };
}

function unlinkIfSymlink(file: string): void {
  try {
    if (fs.lstatSync(file).isSymbolicLink()) fs.unlinkSync(file);
  } catch {
    // not there: nothing to do
  }
}

beforeAll(() => {
  tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-production-'));

  // The build stage: the context (the checkout less what .dockerignore hides), every dependency,
  // `npm run build`. Building in a copy leaves the checkout's dist/ and client/dist/ alone, which
  // tests running at the same time may be serving. The full `npm ci` is stood in for by the
  // checkout's node_modules, installed from the same lock file.
  buildDir = path.join(tmpRoot, 'src');
  const ignored = readDockerignore(path.join(repoRoot, '.dockerignore'));
  fs.cpSync(repoRoot, buildDir, {
    recursive: true,
    filter: (source) => source === repoRoot || !ignored(path.relative(repoRoot, source).split(path.sep).join('/')),
  });
  fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(buildDir, 'node_modules'), 'dir');
  run('npm', ['run', 'build'], buildDir, 180_000);
  unlinkIfSymlink(path.join(buildDir, 'node_modules'));

  // The runtime stage: only what it copies from the build stage, then production dependencies.
  appDir = path.join(tmpRoot, 'app');
  for (const entry of copiedFromBuild) {
    fs.cpSync(path.join(buildDir, entry), path.join(appDir, entry), { recursive: true });
  }
  run('npm', ['ci', '--omit=dev', '--legacy-peer-deps', '--no-audit', '--no-fund', '--prefer-offline'], appDir, 180_000);
}, 4 * 60_000);

afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
  if (!tmpRoot) return;
  // Never let the recursive removal reach the checkout's node_modules through the link.
  if (buildDir) unlinkIfSymlink(path.join(buildDir, 'node_modules'));
  fs.rmSync(tmpRoot, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
});

describe("the Dockerfile's steps, outside Docker", () => {
  test('when the production dependencies are installed, then no package the lock file marks as dev-only is among them', () => {
    const lock = JSON.parse(fs.readFileSync(path.join(appDir, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean }>;
    };
    const manifest = JSON.parse(fs.readFileSync(path.join(appDir, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };

    const devOnlyPresent = Object.entries(lock.packages)
      .filter(([location, meta]) => location.startsWith('node_modules/') && meta.dev === true)
      .map(([location]) => location)
      .filter((location) => fs.existsSync(path.join(appDir, location)));
    const runtimeMissing = Object.keys(manifest.dependencies).filter(
      (name) => !fs.existsSync(path.join(appDir, 'node_modules', name, 'package.json')),
    );

    expect(devOnlyPresent).toEqual([]);
    expect(runtimeMissing).toEqual([]);
    for (const tool of ['typescript', 'jest', 'vite']) {
      expect(fs.existsSync(path.join(appDir, 'node_modules', tool))).toBe(false);
    }
  });

  test('when the built server starts without DATABASE_URL, then /readyz answers 200 on the embedded database', async () => {
    const { server, ready } = await startReady(path.join(tmpRoot, 'data-ready'));
    await terminate(server);

    expect(ready).toEqual({ status: 'ready', database: 'pglite' });
  }, 120_000);

  test('when the running server gets SIGTERM, then it exits by itself with code 0', async () => {
    const { server } = await startReady(path.join(tmpRoot, 'data-sigterm'));

    const exit = await terminate(server);

    expect(exit).toEqual({ code: 0, signal: null });
  }, 120_000);

  test('when the server restarts on the same DATA_DIR, then the site keeps its instanceId and createdAt', async () => {
    const dataDir = path.join(tmpRoot, 'data-restart');
    const first = await startReady(dataDir);
    const before = await getJson(`${first.server.url}/api/v1/site`);
    const firstExit = await terminate(first.server);

    const second = await startReady(dataDir);
    const after = await getJson(`${second.server.url}/api/v1/site`);
    await terminate(second.server);

    expect(firstExit).toEqual({ code: 0, signal: null });
    expect(before.status).toBe(200);
    expect(after.status).toBe(200);
    const { instanceId, createdAt } = before.body as { instanceId: string; createdAt: string };
    expect(typeof instanceId).toBe('string');
    expect(after.body).toMatchObject({ instanceId, createdAt });
  }, 240_000);

  test('when NODE_ENV is production with DATABASE_URL but no SESSION_SECRET, then the server exits 78 and says why on stderr', () => {
    const result = spawnSync(process.execPath, ['dist/server/main.js'], {
      cwd: appDir,
      env: cleanEnv({
        NODE_ENV: 'production',
        // Never reached: the configuration is refused before any connection is tried.
        DATABASE_URL: 'postgres://hearth@127.0.0.1:9/hearth',
        DATA_DIR: path.join(tmpRoot, 'data-config'),
        PORT: '0',
      }),
      encoding: 'utf8',
      timeout: 30_000,
    });

    expect({ status: result.status, stderr: result.stderr }).toMatchObject({
      status: 78,
      stderr: expect.stringContaining('SESSION_SECRET') as unknown,
    });
    expect(result.stderr).not.toMatch(/^\s+at /m); // a message for a person, not a stack trace
  }, 60_000);
});
