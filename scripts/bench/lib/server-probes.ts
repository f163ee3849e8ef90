// What a Hearth server is doing while a benchmark runs: its memory and event-loop delay (from its
// own /metrics), what its PostgreSQL connections are waiting on, and which build is measured.
// (stream.ts still has its own copies of eventLoopDelay, sampleDatabaseActivity and describeBuild.)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { ms } from './stats';

export interface Memory {
  rss: number;
  heapUsed: number;
}

const metric = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);

/** RSS and heap used of a Hearth server, from prom-client's gauges on its /metrics (as baseline.ts reads them). */
export async function hearthMemory(url: string): Promise<Memory> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return { rss: metric(text, 'hearth_process_resident_memory_bytes'), heapUsed: metric(text, 'hearth_nodejs_heap_size_used_bytes') };
}

/**
 * The server's event-loop delay during a run, from its own /metrics (prom-client's monitor, 10 ms
 * resolution; each scrape starts a new interval): how long anything ready to run — a database
 * reply inside a transaction, the next command — waited behind other work.
 */
export async function eventLoopDelay(url: string): Promise<() => Promise<string>> {
  const scrape = async () => (await fetch(`${url}/metrics`)).text();
  await scrape();
  return async () => {
    const text = await scrape();
    const value = (name: string) => metric(text, `hearth_nodejs_eventloop_lag_${name}_seconds`) * 1000;
    return `server event-loop delay: p50 ${ms(value('p50'))} ms, p99 ${ms(value('p99'))} ms, max ${ms(value('max'))} ms`;
  };
}

/**
 * Samples every 100 ms what the server's PostgreSQL connections are doing: running, waiting for a
 * lock (writes to one space or conversation queue on its row lock), or idle inside a transaction
 * (waiting for the Node process to send the next statement). Answers the average number in each
 * state. `admin` is a pool on the same database whose application_name is 'hearth-bench'.
 */
export async function sampleDatabaseActivity(admin: pg.Pool): Promise<() => Promise<string>> {
  const totals = new Map<string, number>();
  let samples = 0;
  let stopped = false;
  const loop = (async () => {
    const until = performance.now() + 600_000;
    while (!stopped && performance.now() < until) {
      const rows = (
        await admin.query<{ state: string; n: number }>(
          `select case when state = 'active' and wait_event_type = 'Lock' then 'waiting for a lock'
                       when state = 'active' then 'running a statement'
                       when state like 'idle in transaction%' then 'idle in a transaction (waiting for Node)'
                       else null end as state, count(*)::int as n
             from pg_stat_activity
            where datname = current_database() and application_name <> 'hearth-bench' and backend_type = 'client backend'
            group by 1`,
        )
      ).rows;
      samples++;
      for (const row of rows) if (row.state) totals.set(row.state, (totals.get(row.state) ?? 0) + row.n);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  return async () => {
    stopped = true;
    await loop;
    if (samples === 0) return '';
    const parts = ['running a statement', 'waiting for a lock', 'idle in a transaction (waiting for Node)'].map(
      (state) => `${((totals.get(state) ?? 0) / samples).toFixed(2)} ${state}`,
    );
    return `PostgreSQL connections of the server, on average: ${parts.join(', ')} (${samples} samples)`;
  };
}

/** Which code is measured: the commit, uncommitted server changes, and whether dist/ is older than its sources. */
export function describeBuild(): string {
  const git = (...args: string[]) => {
    try {
      // --no-optional-locks: a reader must not take the index lock from the engineers working here.
      return execFileSync('git', ['--no-optional-locks', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return '';
    }
  };
  const head = git('log', '-1', '--format=%h %s').slice(0, 100) || 'unknown';
  const changed = git('status', '--porcelain', '--', 'server', 'shared').split('\n').filter(Boolean).length;
  const newestSource = ['server', 'shared']
    .flatMap((dir) => fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => path.join(dir, f)))
    .filter((f) => /\.(ts|sql)$/.test(f) && !f.endsWith('.test.ts'))
    .reduce((newest, f) => Math.max(newest, fs.statSync(f).mtimeMs), 0);
  const built = fs.statSync('dist/server/main.js').mtimeMs;
  return (
    `code: commit ${head}${changed ? `, with ${changed} uncommitted change(s) under server/ and shared/` : ''}; dist/ built ${new Date(built).toISOString()}` +
    (newestSource > built ? ' — WARNING: a server/ or shared/ source is newer than dist/: run `npm run build`' : '')
  );
}
