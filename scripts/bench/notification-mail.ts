// Notification emails per second through a real SMTP server on loopback (issue #14, decision 022).
//   node --import tsx scripts/bench/notification-mail.ts            (PGlite)
//   DATABASE_URL=postgres://… node --import tsx scripts/bench/notification-mail.ts   (a scratch PostgreSQL database)
//   MEMBERS=1000 to change the number of members.
// N members with a confirmed address each have one unread notification, due and older than the
// delay; one run of the immediate job builds each mail through the centre's view (access checks
// included), queues it in the outbox, and the job queue sends it over SMTP. Reported: the run
// (render + queue) and the whole (until the SMTP server has received every mail).
import { performance } from 'node:perf_hooks';
import os from 'node:os';
import { sql } from 'drizzle-orm';
import { openTestDatabase } from '../../test/support/database';
import { startTestServer } from '../../test/support/server';
import { startSmtp } from '../../test/support/smtp';
import { IMMEDIATE_JOB } from '../../server/features/notifications/mail/notification-mail.module';

const MEMBERS = Number(process.env.MEMBERS ?? 1000);

async function main(): Promise<void> {
  const smtp = await startSmtp();
  const testDb = await openTestDatabase();
  const server = await startTestServer({ database: testDb.database, env: { SMTP_URL: smtp.url, LOG_LEVEL: 'silent' } });
  const db = testDb.database.db;
  try {
    // The members, an actor, and one due join request each, made 20 minutes ago (past the 10-minute delay).
    await db.execute(sql`insert into users (email, email_verified_at, handle, display_name) values ('actor@bench.example', now(), 'bench_actor', 'Ann Actor')`);
    await db.execute(sql`insert into users (email, email_verified_at, handle, display_name)
      select 'bench' || i || '@bench.example', now(), 'bench_' || i, 'Bench Member ' || i from generate_series(1, ${MEMBERS}) i`);
    await db.execute(sql`insert into notifications (user_id, kind, group_key, actor_ids, actor_count, email_state, created_at, updated_at)
      select u.id, 'join-request', 'bench:' || u.id, array[(select id from users where handle = 'bench_actor')], 1, 'due',
        now() - interval '20 minutes', now() - interval '20 minutes'
      from users u where u.handle like 'bench\\_%' and u.handle <> 'bench_actor'`);
    await server.app.settle();
    const before = smtp.inbox.length;

    const start = performance.now();
    await server.app.platform.jobs.enqueue(db, { kind: IMMEDIATE_JOB, payload: { at: new Date().toISOString() } });
    const queued = async () => Number(((await db.execute(sql`select count(*)::int as n from emails where kind = 'notification'`)) as unknown as { rows: { n: number }[] }).rows[0]!.n);
    await server.app.settle();
    // settle() runs the immediate job and the send jobs it queued; wait for the last mail to land.
    while (smtp.inbox.length - before < MEMBERS) await new Promise((resolve) => setTimeout(resolve, 20));
    const totalMs = performance.now() - start;
    const made = await queued();
    // One worker runs the immediate job (every member's mail built and queued) before the send jobs it queued.
    const phases = ((await db.execute(sql`select extract(epoch from max(created_at))*1000 as queued, extract(epoch from min(sent_at))*1000 as first_sent,
        extract(epoch from max(sent_at))*1000 as last_sent from emails where kind = 'notification'`)) as unknown as { rows: { queued: number; first_sent: number; last_sent: number }[] }).rows[0]!;
    const buildMs = Number(phases.queued) - (performance.timeOrigin + start);
    const sendMs = Number(phases.last_sent) - Number(phases.first_sent);

    const line = (label: string, value: string) => console.log(`${label.padEnd(34)} ${value}`);
    console.log(`notification mail: ${MEMBERS} members, ${testDb.kind}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}`);
    line('mails queued', String(made));
    line('mails received by SMTP', String(smtp.inbox.length - before));
    line('wall time (render, queue, send)', `${(totalMs / 1000).toFixed(2)} s`);
    line('notification emails per second', (MEMBERS / (totalMs / 1000)).toFixed(1));
    line('  build + queue (the minutely run)', `${(buildMs / 1000).toFixed(2)} s, ${(MEMBERS / (buildMs / 1000)).toFixed(1)} members/s`);
    line('  send over SMTP (the outbox jobs)', `${(sendMs / 1000).toFixed(2)} s, ${(MEMBERS / (sendMs / 1000)).toFixed(1)} mails/s`);
    line('mean mail size', `${Math.round(smtp.inbox.slice(before).reduce((sum, mail) => sum + mail.raw.length, 0) / MEMBERS)} bytes`);
  } finally {
    await server.stop();
    await testDb.close();
    await smtp.close();
  }
}

void main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
