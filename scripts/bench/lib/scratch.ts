// The Hearth a load benchmark measures: a scratch PostgreSQL database with the benchmark's own small
// pool, the server over it as a child process, and members and sessions bulk-loaded into it with
// SQL (far faster than signing thousands up). What it starts is stopped or dropped by cleanUp().
import { createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createScratchPostgres } from '../../../test/support/database';
import { onCleanUp } from './harness';
import { startHearth, type ServerProcess } from './processes';

export interface ScratchDatabase {
  url: string;
  /** The benchmark's own connections (application_name hearth-bench, which serverConnections leaves out). */
  admin: pg.Pool;
}

/** A scratch database on the server in DATABASE_URL, dropped at the end unless `keep` (BENCH_KEEP_DATABASE=1). */
export async function scratchDatabase(keep: boolean): Promise<ScratchDatabase> {
  const scratch = await createScratchPostgres();
  onCleanUp(async () => {
    if (keep) console.log(`BENCH_KEEP_DATABASE=1: the scratch database stays: ${scratch.url}`);
    else await scratch.drop();
  });
  const admin = new pg.Pool({ connectionString: scratch.url, max: 2, application_name: 'hearth-bench' });
  onCleanUp(() => admin.end());
  return { url: scratch.url, admin };
}

/** The pids of the server's PostgreSQL connections, for cpuMeter: every one but the benchmark's own. */
export function serverConnections(admin: pg.Pool): () => Promise<number[]> {
  return async () =>
    (await admin.query<{ pid: number }>(`select pid from pg_stat_activity where datname = current_database() and application_name <> 'hearth-bench'`)).rows.map((r) => r.pid);
}

/** `startHearth` over the scratch database, with a data directory of its own (`hearth-bench-<name>-…`, removed at the end). */
export async function startHearthOn(database: ScratchDatabase, name: string, env: Record<string, string>): Promise<ServerProcess> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `hearth-bench-${name}-`));
  onCleanUp(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
  const hearth = await startHearth({ DATA_DIR: dataDir, DATABASE_URL: database.url, ...env });
  onCleanUp(() => hearth.stop());
  return hearth;
}

/**
 * `count` members bulk-loaded with SQL, with the password of `like` (a member signed up through
 * the API): address confirmed, the current guidelines accepted. Handles and addresses
 * `<prefix>00000`…, display names `<name> 0`…; answers their ids in that order.
 */
export async function insertMembers(admin: pg.Pool, options: { like: string; count: number; prefix: string; name: string }): Promise<string[]> {
  const hash = (await admin.query<{ password_hash: string }>('select password_hash from users where id = $1', [options.like])).rows[0]!.password_hash;
  const ids = (
    await admin.query<{ id: string }>(
      `insert into users (email, email_verified_at, handle, display_name, password_hash, accepted_guidelines_version)
       select $3::text || lpad(i::text, 5, '0') || '@example.org', now(), $3::text || lpad(i::text, 5, '0'), $4::text || i, $1,
              (select max(version) from guidelines_versions)
         from generate_series(0, $2::int - 1) as i
       order by i
       returning id`,
      [hash, options.count, options.prefix, `${options.name} `],
    )
  ).rows.map((r) => r.id);
  await admin.query(`insert into consents (user_id, version, age_confirmed) select id, accepted_guidelines_version, true from users where id = any($1::uuid[])`, [ids]);
  return ids;
}

/** express-session's signed cookie value (`s:<sid>.<HMAC-SHA256, base64 without padding>`), as cookie-signature makes it. */
function sessionCookie(sid: string, secret: string): string {
  const signature = createHmac('sha256', secret).update(sid).digest('base64').replace(/=+$/, '');
  return `hearth.sid=${encodeURIComponent(`s:${sid}.${signature}`)}`;
}

/**
 * A signed-in session for each member, as express-session stores them (the session row of
 * `like`, a member signed in through the API, as the template); answers their cookies, signed
 * with the server's SESSION_SECRET.
 */
export async function insertSessions(admin: pg.Pool, options: { like: string; userIds: string[]; secret: string }): Promise<string[]> {
  const template = (await admin.query<{ data: Record<string, unknown>; expires_at: Date }>('select data, expires_at from sessions where user_id = $1 limit 1', [options.like])).rows[0];
  if (!template) throw new Error('the admin has no session row to copy');
  const sids = options.userIds.map(() => randomBytes(24).toString('base64url'));
  await admin.query(
    `insert into sessions (sid, user_id, data, expires_at)
     select s.sid, s.user_id, $3::jsonb || jsonb_build_object('userId', s.user_id, 'csrfToken', s.csrf), $4
       from unnest($1::text[], $2::uuid[], $5::text[]) as s(sid, user_id, csrf)`,
    [sids, options.userIds, template.data, template.expires_at, sids.map(() => randomBytes(24).toString('base64url'))],
  );
  return sids.map((sid) => sessionCookie(sid, options.secret));
}
