// What every load benchmark (stream.ts, chat.ts, notifications.ts, events.ts) needs around its
// measurements: knobs from the environment, the machine it ran on, a report kept for
// .test-results, clean-up on every way out, and runs repeated while other processes disturb them.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { runAtRate, settle, type DeliveryTracker, type FanoutTarget, type Measure, type RunOptions, type RunResult } from './fanout';
import { ms } from './stats';

/** A non-negative number from BENCH_* (e.g. `envNumber('BENCH_SPACES', 50)`). */
export const envNumber = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number`);
  return value;
};

/** A comma-separated list of positive numbers (e.g. `BENCH_RATES=100,250`). */
export const envList = (name: string, fallback: number[]) =>
  process.env[name] ? process.env[name].split(',').map((v) => Number(v.trim())).filter((v) => v > 0) : fallback;

export const int = (n: number) => Math.round(n).toLocaleString('en-US');
export const seconds = (msValue: number) => `${(msValue / 1000).toFixed(1)} s`;
export const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** The facts of the machine that matter for these figures: CPU model and count, memory, versions, the load at start. */
export function describeMachine(): string[] {
  let lscpu = '';
  try {
    lscpu = execFileSync('lscpu', { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    // not everywhere
  }
  const field = (name: string) => new RegExp(`^${name}:\\s*(.+)$`, 'm').exec(lscpu)?.[1]?.trim();
  const cpu = [field('Model name') ?? os.cpus()[0]?.model ?? 'cpu', field('CPU\\(s\\)') && `${field('CPU\\(s\\)')} CPU(s)`, field('Thread\\(s\\) per core') && `${field('Thread\\(s\\) per core')} thread(s) per core`, field('Hypervisor vendor') && `hypervisor ${field('Hypervisor vendor')}`]
    .filter(Boolean)
    .join(', ');
  let osName = os.type();
  try {
    osName = /^PRETTY_NAME="?([^"\n]+)"?$/m.exec(fs.readFileSync('/etc/os-release', 'utf8'))?.[1] ?? osName;
  } catch {
    // not Linux
  }
  return [
    `machine: ${cpu}; ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; ${osName}, kernel ${os.release()}; node ${process.version}`,
    `environment: REDIS_URL ${process.env.REDIS_URL ? 'set (the server uses the Redis adapter)' : 'not set (one node, in-memory adapter)'}; ` +
      `load average at start ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`,
  ];
}

/** Lines printed as they come and kept for the result file. */
export const lines: string[] = [];
export const report = (line = '') => {
  lines.push(line);
  console.log(line);
};

// Everything started is stopped in reverse order: on success, on error, on a signal, on the watchdog.
const cleanups: (() => Promise<unknown>)[] = [];
let cleaning: Promise<void> | undefined;

/** Registers what to stop or remove at the end (servers, sockets, scratch databases). */
export function onCleanUp(cleanup: () => Promise<unknown>): void {
  cleanups.push(cleanup);
}

export function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((error: unknown) => console.error('cleanup failed:', error));
    }
  })();
  return cleaning;
}

/** Stops the benchmark, cleaning up, once it has run `minutes` (BENCH_MAX_MINUTES); answers the timer, to clear at the end. */
export function startWatchdog(name: string, minutes: number): NodeJS.Timeout {
  const watchdog = setTimeout(() => {
    console.error(`${name} bench: over BENCH_MAX_MINUTES (${minutes}); stopping`);
    void cleanUp().finally(() => process.exit(2));
  }, minutes * 60_000);
  watchdog.unref();
  return watchdog;
}

/**
 * One run at a rate, repeated (up to `retries` times, while time is left) when other processes
 * used more than `noiseLimit`% of a core during it; keeps the least disturbed attempt.
 */
export async function quietRun(
  target: FanoutTarget,
  tracker: DeliveryTracker,
  options: RunOptions,
  measure: Measure,
  limits: { deadline: number; noiseLimit: number; retries: number; unit: string; describe?: (r: RunResult) => string },
): Promise<RunResult> {
  let best: RunResult | undefined;
  for (let attempt = 0; attempt <= limits.retries; attempt++) {
    const result = await runAtRate(target, tracker, options, measure);
    if (!best || (result.cpu?.other ?? 0) < (best.cpu?.other ?? 0)) best = result;
    const other = result.cpu?.other ?? 0;
    if (other <= limits.noiseLimit) break;
    const again = attempt < limits.retries && performance.now() + (options.seconds + options.drainSeconds + 3) * 1000 < limits.deadline;
    report(
      `  (disturbed: other processes used ${other}% of a core during ${options.rate} ${limits.unit}; ${limits.describe?.(result) ?? ''}p99 ${ms(result.latency.p99)} ms` +
        `${again ? '; repeating' : '; keeping the least disturbed attempt'})`,
    );
    if (!again) break;
    await settle(3);
  }
  return best!;
}

/**
 * Runs a benchmark's main, cleans up whatever happens (signals too), and writes the report to
 * `.test-results/<name>.txt`, or `<name>.failed.txt` after a failure so the last good one stays.
 */
export function runBench(name: string, main: () => Promise<void>): void {
  process.on('SIGINT', () => {
    void cleanUp().finally(() => process.exit(130));
  });
  process.on('SIGTERM', () => {
    void cleanUp().finally(() => process.exit(143));
  });
  main()
    .then(
      () => 0,
      (error: unknown) => {
        console.error(error);
        return 1;
      },
    )
    .then(async (code) => {
      await cleanUp();
      if (lines.length > 0) {
        fs.mkdirSync('.test-results', { recursive: true });
        fs.writeFileSync(`.test-results/${name}${code === 0 ? '' : '.failed'}.txt`, `${lines.join('\n')}\n`);
      }
      process.exit(code);
    });
}
