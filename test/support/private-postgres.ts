import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './server';

const run = promisify(execFile);

/**
 * A PostgreSQL server of the test's own (initdb in a temporary folder, on a free port), so a fault
 * test may stop and restart it without touching the shared server other suites use in parallel.
 */
export interface PrivatePostgres {
  /** Connection string of the database created for the test. */
  url: string;
  port: number;
  /** `pg_ctl stop -m fast`: the server closes every connection and shuts down cleanly. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** `pg_ctl restart -m fast -w`. */
  restart(): Promise<void>;
  /** Stops the server at once (`-m immediate`) and removes its folder. */
  destroy(): Promise<void>;
}

/** The folder holding initdb and pg_ctl: pg_config's answer, else the newest Debian install. */
function findBinDir(): string {
  const candidates: string[] = [];
  if (process.env.PG_BINDIR) candidates.push(process.env.PG_BINDIR);
  const debian = '/usr/lib/postgresql';
  if (fs.existsSync(debian)) {
    const versions = fs.readdirSync(debian).sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => path.join(debian, v, 'bin')));
  }
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, 'initdb')) && fs.existsSync(path.join(dir, 'pg_ctl')));
  if (!found) throw new Error(`no PostgreSQL binaries (initdb, pg_ctl) found in ${candidates.join(', ') || debian}; set PG_BINDIR`);
  return found;
}

export async function startPrivatePostgres(database = 'hearth'): Promise<PrivatePostgres> {
  const bin = findBinDir();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-pg-'));
  const dataDir = path.join(root, 'data');
  const logFile = path.join(root, 'server.log');
  const port = await freePort();
  // PostgreSQL refuses to run as root: then every command runs as the postgres user, who owns the folder.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    fs.chownSync(root, Number(stdout.trim()), Number(gid.trim()));
  }
  const tool = async (name: string, args: string[]) => {
    const command = path.join(bin, name);
    try {
      if (asRoot) await run('runuser', ['-u', 'postgres', '--', command, ...args], { timeout: 60_000 });
      else await run(command, args, { timeout: 60_000 });
    } catch (error) {
      const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').slice(-2_000) : '';
      throw new Error(`${name} ${args.join(' ')} failed: ${(error as Error).message}\n${log}`);
    }
  };
  const ctl = (...args: string[]) => tool('pg_ctl', ['-D', dataDir, '-l', logFile, ...args]);
  const options = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1`;

  await tool('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  await ctl('-o', options, '-w', '-t', '30', 'start');
  const admin = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
  await admin.connect();
  try {
    await admin.query(`create database ${database}`);
  } finally {
    await admin.end();
  }

  return {
    url: `postgres://postgres@127.0.0.1:${port}/${database}`,
    port,
    stop: () => ctl('-m', 'fast', '-w', '-t', '30', 'stop'),
    start: () => ctl('-o', options, '-w', '-t', '30', 'start'),
    restart: () => ctl('-o', options, '-m', 'fast', '-w', '-t', '30', 'restart'),
    async destroy() {
      await ctl('-m', 'immediate', '-w', '-t', '30', 'stop').catch(() => undefined);
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}
