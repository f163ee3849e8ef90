// The servers a benchmark starts as child processes, and where the CPU went while it ran.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { freePort } from '../../../test/support/server';

export interface ServerProcess {
  child: ChildProcess;
  pid: number;
  url: string;
  startMs: number;
  stop(): Promise<void>;
}

async function waitUntilReady(child: ChildProcess, url: string, readyPath: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${url}: the server exited with ${child.exitCode}`);
    if (performance.now() > deadline) throw new Error(`${url}: not ready within ${timeoutMs} ms`);
    try {
      if ((await fetch(`${url}${readyPath}`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function stopper(child: ChildProcess): () => Promise<void> {
  return async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };
}

async function startChild(args: string[], env: Record<string, string>, readyPath: string): Promise<ServerProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const started = performance.now();
  // For profiling the servers, e.g. BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof".
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, ...args], {
    env: { ...process.env, NODE_OPTIONS: '', PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: url, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const stop = stopper(child);
  try {
    await waitUntilReady(child, url, readyPath, 60_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { child, pid: child.pid!, url, startMs: performance.now() - started, stop };
}

/** `node dist/server/main.js` with LOG_LEVEL=warn, ready when /readyz answers 200. */
export function startHearth(env: Record<string, string>): Promise<ServerProcess> {
  if (!fs.existsSync('dist/server/main.js')) throw new Error('run `npm run build` first');
  return startChild(['dist/server/main.js'], { LOG_LEVEL: 'warn', ...env }, '/readyz');
}

/**
 * A bare Socket.IO server under tsx's loader (only its start-up is slower for it), ready when
 * /healthz answers: scripts/bench/bare-socketio-server.ts, or another script in scripts/bench/
 * (bare-chat-server.ts).
 */
export function startBareSocketIo(script = 'bare-socketio-server.ts'): Promise<ServerProcess> {
  return startChild(['--import', 'tsx', path.join(__dirname, '..', script)], {}, '/healthz');
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU seconds (user + system) a process has used so far, from /proc; undefined once it is gone. */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

function machineTicks(): { busy: number; total: number } {
  const [cpu] = fs.readFileSync('/proc/stat', 'utf8').split('\n');
  const values = cpu!.trim().split(/\s+/).slice(1).map(Number);
  const total = values.reduce((a, b) => a + b, 0);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return { busy: total - idle, total };
}

export interface CpuShares {
  /** Per cent of one core over the interval; the machine has `cores` of them. */
  server: number;
  database: number;
  load: number;
  /** Everything else on the machine: other engineers' jobs, the kernel's own work, idle PostgreSQL. */
  other: number;
  machineBusy: number;
  cores: number;
}

/**
 * Measures where the CPU went between start() and the function it returns: the server process,
 * the PostgreSQL backends serving the scratch database (sampled by pid, so a connection opened
 * mid-interval is missed), this process (the load), and the rest of the machine.
 */
export function cpuMeter(serverPid: number, databasePids: () => Promise<number[]>, cores: number) {
  return async () => {
    const t0 = performance.now();
    const server0 = processCpuSeconds(serverPid) ?? 0;
    const load0 = process.cpuUsage();
    const machine0 = machineTicks();
    const pids = await databasePids();
    const db0 = new Map(pids.map((pid) => [pid, processCpuSeconds(pid)]));
    return async (): Promise<CpuShares> => {
      const seconds = (performance.now() - t0) / 1000;
      const server = ((processCpuSeconds(serverPid) ?? server0) - server0) / seconds;
      const loadUsage = process.cpuUsage(load0);
      const load = (loadUsage.user + loadUsage.system) / 1e6 / seconds;
      let database = 0;
      for (const [pid, before] of db0) {
        const after = processCpuSeconds(pid);
        if (before !== undefined && after !== undefined) database += after - before;
      }
      database /= seconds;
      const machine1 = machineTicks();
      const machineBusy = ((machine1.busy - machine0.busy) / Math.max(1, machine1.total - machine0.total)) * cores;
      const pct = (share: number) => Math.round(share * 100);
      return {
        server: pct(server),
        database: pct(database),
        load: pct(load),
        other: pct(Math.max(0, machineBusy - server - database - load)),
        machineBusy: pct(machineBusy),
        cores,
      };
    };
  };
}

export const describeCpu = (cpu: CpuShares) =>
  `CPU (% of one core, ${cpu.cores} cores = ${cpu.cores * 100}%): server ${cpu.server}, PostgreSQL ${cpu.database}, load ${cpu.load}, other ${cpu.other}; machine busy ${cpu.machineBusy}`;
