// Events calendar figures for docs/performance.md (issue #15).
//   npm run build:server && DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npx tsx scripts/bench/events.ts
// It needs PostgreSQL and refuses to run without DATABASE_URL (a scratch database is created and
// dropped): the events and members are bulk-loaded with SQL from this process. Sizes are the
// BENCH_* constants below; the defaults take two to three minutes on a busy 2-core machine.
//
// What it measures (decision 021):
//   (a) the month view (GET /api/v1/spaces/:id/calendar?from&to) of a space holding 10,000
//       events, series among them (weekly, monthly by nth weekday, yearly, daily; endless and
//       counted; some with a cancelled occurrence), with RSVPs, as a member who answered some:
//       the first request of each month (series not yet expanded on this node) and then
//       BENCH_REQUESTS requests over the next twelve months, one after another;
//   (b) 1,000 members, each with a connected socket, answering "going" to one 100-place event
//       through `calendar:rsvp` within 10 s: the ack's latency; then exactly 100 going and 900
//       waiting, one row each (no RSVP lost or doubled), the waiting positions 1–900 once each,
//       and the last `calendar:rsvp-changed` every socket saw carrying the final counts.
// As in stream.ts and notifications.ts the server is a child process (node dist/server/main.js)
// and this process is the load; they share the machine's cores with PostgreSQL.
import { randomBytes, randomUUID } from 'node:crypto';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Recurrence } from '../../shared/api/calendar.routes';
import { instantOf, seriesEnd, slotsBetween, type Timing } from '../../server/features/calendar/calendar.recurrence';
import { describeMachine, envNumber, int, onCleanUp, report, runBench, seconds } from './lib/harness';
import { api, createSpace, joinSpace, signUpMember, switchOffWelcome } from './lib/hearth-api';
import { connectLean, type LeanSocket } from './lib/lean-socket';
import { cpuMeter, describeCpu, processCpuSeconds } from './lib/processes';
import { insertMembers, insertSessions, scratchDatabase, serverConnections, startHearthOn } from './lib/scratch';
import { describeBuild, hearthMemory } from './lib/server-probes';
import { describe, ms, summarise } from './lib/stats';

const EVENTS = envNumber('BENCH_EVENTS', 10_000); // events in the calendar space, series included
const SERIES = envNumber('BENCH_SERIES', 200); // of which repeat
const YEARS_BACK = envNumber('BENCH_YEARS_BACK', 8); // the space's history: events spread over these years…
const YEARS_AHEAD = envNumber('BENCH_YEARS_AHEAD', 2); // …and these ahead
const RSVPS_PER_EVENT = envNumber('BENCH_RSVPS_PER_EVENT', 8); // at most, on one-off events (0–N each)
const REQUESTS = Math.max(1, envNumber('BENCH_REQUESTS', 200)); // measured month views
const MEMBERS = envNumber('BENCH_MEMBERS', 1000); // members RSVPing, each with a lean socket
const CAPACITY = envNumber('BENCH_CAPACITY', 100);
const WINDOW_S = envNumber('BENCH_WINDOW_SECONDS', 10); // the RSVPs are spread evenly over this
const MONTH_GOAL_MS = envNumber('BENCH_GOAL_MS', 50); // issue #15: month view p99 < 50 ms
const KEEP_DATABASE = process.env.BENCH_KEEP_DATABASE === '1';
const MAX_MINUTES = envNumber('BENCH_MAX_MINUTES', 10);

const RSVP_FRAME = Buffer.from('42["calendar:rsvp-changed",');
const sleep = (msValue: number) => new Promise((resolve) => setTimeout(resolve, msValue));

/** A deterministic pseudo-random sequence (mulberry32), so every run loads the same calendar. */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const pad = (n: number) => String(n).padStart(2, '0');
const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;

interface EventRow {
  id: string;
  postId: string;
  title: string;
  description: string;
  timing: Timing;
}

/** The calendar's events: one-offs spread over the years, and series of the kinds people make. */
function makeEvents(now: Date): EventRow[] {
  const rnd = random(15);
  const zones = ['Europe/London', 'Europe/London', 'Europe/London', 'Europe/Paris', 'America/New_York'];
  const first = now.getTime() - YEARS_BACK * 365 * 86_400_000;
  const span = (YEARS_BACK + YEARS_AHEAD) * 365 * 86_400_000;
  const events: EventRow[] = [];
  for (let i = 0; i < EVENTS; i++) {
    const day = new Date(first + rnd() * span);
    const hour = 9 + Math.floor(rnd() * 11);
    const startLocal = `${day.getUTCFullYear()}-${pad(day.getUTCMonth() + 1)}-${pad(day.getUTCDate())}T${pad(hour)}:${rnd() < 0.5 ? '00' : '30'}`;
    const endLocal = `${startLocal.slice(0, 11)}${pad(hour + 1 + Math.floor(rnd() * 3))}:${startLocal.slice(14)}`;
    let recurrence: Recurrence | null = null;
    if (i < SERIES) {
      const kind = i % 10;
      const weekday = WEEKDAYS[(day.getUTCDay() + 6) % 7]!;
      if (kind < 3) recurrence = { freq: 'weekly', interval: 1 }; // endless weekly
      else if (kind < 5) recurrence = { freq: 'weekly', interval: 1 + (i % 2), count: 10 + Math.floor(rnd() * 40) };
      else if (kind < 7) recurrence = { freq: 'monthly', interval: 1, byNthWeekday: { n: 1 + (i % 4), weekday } }; // endless, e.g. 2nd Tuesday
      else if (kind < 8) recurrence = { freq: 'yearly', interval: 1 };
      else recurrence = { freq: 'daily', interval: 1, count: 5 + Math.floor(rnd() * 25) };
    }
    events.push({
      id: randomUUID(),
      postId: randomUUID(),
      title: `${recurrence ? 'Series' : 'Event'} ${i}: ${['Repair café', 'Seed swap', 'Work party', 'Film night', 'Open meeting'][i % 5]}`,
      description: `Bring a friend. We meet at the **community hall**; tea from half past.\n\nEvent ${i}, see [the notes](https://example.org/notes/${i}).`,
      timing: { timeZone: zones[i % zones.length]!, allDay: false, startLocal, endLocal, recurrence },
    });
  }
  return events;
}

async function main(): Promise<void> {
  if (!process.env.DATABASE_URL) {
    throw new Error('scripts/bench/events.ts needs PostgreSQL: set DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test); it bulk-loads with SQL from this process.');
  }
  const benchStart = performance.now();
  const watchdog = setTimeout(() => {
    console.error(`events bench: over BENCH_MAX_MINUTES (${MAX_MINUTES}); stopping`);
    process.kill(process.pid, 'SIGTERM');
  }, MAX_MINUTES * 60_000);
  watchdog.unref();
  const cores = os.cpus().length;
  report(`# Hearth events calendar benchmark (scripts/bench/events.ts), ${new Date().toISOString()}`);
  for (const line of describeMachine()) report(line);
  report(`NOTE: the load (this process), the server and PostgreSQL share these ${cores} cores with whatever else runs on the machine ("other" below).`);
  report(describeBuild());

  const scratch = await scratchDatabase(KEEP_DATABASE);
  const { admin } = scratch;
  const secret = `bench-secret-${randomBytes(16).toString('hex')}`;
  // CHECK_CONTRACTS=false as in production: otherwise every answer is checked against its schema, a cost of development only.
  const hearth = await startHearthOn(scratch, 'events', {
    SESSION_SECRET: secret,
    SIGNUP_LIMIT_PER_HOUR: '1000000',
    POSTS_PER_MINUTE: '100000',
    CHECK_CONTRACTS: process.env.CHECK_CONTRACTS ?? 'false',
  });
  const url = hearth.url;
  report(`server: Hearth ${url} (pid ${hearth.pid}, ready in ${hearth.startMs.toFixed(0)} ms; CHECK_CONTRACTS=${process.env.CHECK_CONTRACTS ?? 'false'})`);

  // ---------------------------------------------------------------- setup
  report('');
  report('## Setup');
  let t = performance.now();
  const host = await signUpMember(url, 'bench_host');
  await switchOffWelcome(url, host);
  const reader = await signUpMember(url, 'bench_reader');
  const calendarSpace = await createSpace(url, host, 'calendar-square', 'Calendar square');
  const hall = await createSpace(url, host, 'rsvp-hall', 'RSVP hall');
  await joinSpace(url, reader, calendarSpace);

  const memberIds = await insertMembers(admin, { like: host.id, count: MEMBERS, prefix: 'r', name: 'Rsvp' });
  await admin.query(`insert into space_members (space_id, user_id) select s, u from unnest($1::uuid[]) as s, unnest($2::uuid[]) as u`, [[calendarSpace, hall], memberIds]);
  const cookies = await insertSessions(admin, { like: host.id, userIds: memberIds, secret });
  report(`  admin, a reader, 2 public spaces through the REST API; ${int(MEMBERS)} members bulk-loaded with SQL (members of both spaces, a session each) in ${seconds(performance.now() - t)}`);

  t = performance.now();
  const now = new Date();
  const events = makeEvents(now);
  const rnd = random(21);
  const rows = events.map((e) => ({ e, startsAt: instantOf(e.timing.startLocal, e.timing.timeZone), seriesEndsAt: seriesEnd(e.timing) }));
  for (let i = 0; i < rows.length; i += 1000) {
    const chunk = rows.slice(i, i + 1000);
    await admin.query(
      `insert into posts (id, space_id, author_id, body_markdown, body_html, tags, seq)
       select p.id, $2, $3, p.body, p.body, '{event}', 0 from unnest($1::uuid[], $4::text[]) as p(id, body)`,
      [chunk.map((r) => r.e.postId), calendarSpace, host.id, chunk.map((r) => `**${r.e.title}**\n\n${r.e.description}`)],
    );
    await admin.query(
      `insert into calendar_events (id, space_id, post_id, created_by, title, description_markdown, time_zone, start_local, end_local, starts_at, series_ends_at, recurrence)
       select * from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::timestamptz[], $11::timestamptz[], $12::jsonb[])`,
      [
        chunk.map((r) => r.e.id),
        chunk.map(() => calendarSpace),
        chunk.map((r) => r.e.postId),
        chunk.map(() => host.id),
        chunk.map((r) => r.e.title),
        chunk.map((r) => r.e.description),
        chunk.map((r) => r.e.timing.timeZone),
        chunk.map((r) => r.e.timing.startLocal),
        chunk.map((r) => r.e.timing.endLocal),
        chunk.map((r) => r.startsAt.toISOString()),
        chunk.map((r) => r.seriesEndsAt?.toISOString() ?? null),
        chunk.map((r) => (r.e.timing.recurrence ? JSON.stringify(r.e.timing.recurrence) : null)),
      ],
    );
  }
  // RSVPs on the one-off events (0–N members each, going or maybe), the reader going to one in ten.
  const rsvp = { event: [] as string[], key: [] as string[], user: [] as string[], status: [] as string[] };
  for (const { e } of rows) {
    if (e.timing.recurrence) continue;
    const n = Math.floor(rnd() * (RSVPS_PER_EVENT + 1));
    const start = Math.floor(rnd() * Math.max(1, MEMBERS - n));
    for (let k = 0; k < n && start + k < MEMBERS; k++) {
      rsvp.event.push(e.id);
      rsvp.key.push(e.timing.startLocal);
      rsvp.user.push(memberIds[start + k]!);
      rsvp.status.push(rnd() < 0.8 ? 'going' : 'maybe');
    }
    if (rnd() < 0.1) {
      rsvp.event.push(e.id);
      rsvp.key.push(e.timing.startLocal);
      rsvp.user.push(reader.id);
      rsvp.status.push('going');
    }
  }
  // Every endless series has one occurrence cancelled and one moved in the coming year; its next occurrence has RSVPs.
  const horizon = new Date(now.getTime() + 365 * 86_400_000);
  let edits = 0;
  for (const { e } of rows) {
    if (!e.timing.recurrence || e.timing.recurrence.count !== undefined) continue;
    const ahead = slotsBetween(e.timing, now, horizon, 12);
    if (ahead.length < 3) continue;
    await admin.query(`insert into calendar_occurrences (event_id, occurrence_key, cancelled_at) values ($1, $2, now())`, [e.id, ahead[1]!.key]);
    await admin.query(`insert into calendar_occurrences (event_id, occurrence_key, title) values ($1, $2, 'Moved indoors')`, [e.id, ahead[2]!.key]);
    edits += 2;
    for (let k = 0; k < 5; k++) {
      rsvp.event.push(e.id);
      rsvp.key.push(ahead[0]!.key);
      rsvp.user.push(memberIds[(edits * 7 + k) % MEMBERS]!);
      rsvp.status.push('going');
    }
  }
  for (let i = 0; i < rsvp.event.length; i += 5000) {
    await admin.query(
      `insert into calendar_rsvps (event_id, occurrence_key, user_id, status) select * from unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[]) on conflict do nothing`,
      [rsvp.event.slice(i, i + 5000), rsvp.key.slice(i, i + 5000), rsvp.user.slice(i, i + 5000), rsvp.status.slice(i, i + 5000)],
    );
  }
  await admin.query('vacuum (analyze) posts, calendar_events, calendar_rsvps, calendar_occurrences, space_members, sessions, users');
  const seriesRows = rows.filter((r) => r.e.timing.recurrence);
  report(
    `  ${int(EVENTS)} events bulk-loaded with SQL (each with its post) over ${YEARS_BACK} years back and ${YEARS_AHEAD} ahead: ${int(EVENTS - SERIES)} one-offs and ${int(SERIES)} series ` +
      `(${seriesRows.filter((r) => r.seriesEndsAt === null).length} without end: weekly, monthly on the nth weekday, yearly; the rest weekly or daily with a count), ` +
      `${int(rsvp.event.length)} RSVPs, ${int(edits)} edited or cancelled occurrences, in ${seconds(performance.now() - t)}`,
  );

  // ---------------------------------------------------------------- (a) month views
  report('');
  report(`## (a) Month view of a space with ${int(EVENTS)} events, as a member (GET /api/v1/spaces/:id/calendar), the next 12 months`);
  const months = Array.from({ length: 12 }, (_, i) => {
    const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + i, 1));
    const to = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + i + 1, 1));
    return `/api/v1/spaces/${calendarSpace}/calendar?from=${from.toISOString()}&to=${to.toISOString()}`;
  });
  const monthView = async (pathname: string) => {
    const started = performance.now();
    const res = await fetch(`${url}${pathname}`, { headers: { cookie: reader.cookie, accept: 'application/json' } });
    const text = await res.text();
    const elapsed = performance.now() - started;
    if (res.status !== 200) throw new Error(`month view: ${res.status} ${text.slice(0, 300)}`);
    const body = JSON.parse(text) as { events: unknown[]; occurrences: { my: unknown; cancelled: boolean }[] };
    return { elapsed, bytes: text.length, events: body.events.length, occurrences: body.occurrences.length, mine: body.occurrences.filter((o) => o.my).length, cancelled: body.occurrences.filter((o) => o.cancelled).length };
  };
  const cold = [];
  for (const month of months) cold.push(await monthView(month));
  report(`  first request of each month (this node expands the series then): ${describe(summarise(cold.map((c) => c.elapsed)))}`);
  report(
    `  a month holds ${Math.min(...cold.map((c) => c.occurrences))}–${Math.max(...cold.map((c) => c.occurrences))} occurrences of ${Math.min(...cold.map((c) => c.events))}–${Math.max(...cold.map((c) => c.events))} events ` +
      `(${Math.min(...cold.map((c) => c.mine))}–${Math.max(...cold.map((c) => c.mine))} with the reader's RSVP, ${Math.min(...cold.map((c) => c.cancelled))}–${Math.max(...cold.map((c) => c.cancelled))} cancelled); ` +
      `${Math.round(Math.min(...cold.map((c) => c.bytes)) / 1024)}–${Math.round(Math.max(...cold.map((c) => c.bytes)) / 1024)} KiB of JSON`,
  );
  const shares = cpuMeter(hearth.pid, serverConnections(admin), cores);
  const stopMonthShares = await shares();
  const warm: number[] = [];
  const server0 = processCpuSeconds(hearth.pid) ?? 0;
  for (let i = 0; i < REQUESTS; i++) warm.push((await monthView(months[i % months.length]!)).elapsed);
  const serverCpuPerView = (((processCpuSeconds(hearth.pid) ?? server0) - server0) * 1000) / REQUESTS;
  const monthShares = await stopMonthShares();
  const warmSummary = summarise(warm);
  report(`  ${REQUESTS} requests, one after another, cycling over the 12 months: ${describe(warmSummary)}`);
  report(`  server CPU ${ms(serverCpuPerView)} ms per month view; ${describeCpu(monthShares)}`);
  report(`  goal p99 < ${MONTH_GOAL_MS} ms: ${warmSummary.p99 < MONTH_GOAL_MS ? 'met' : 'NOT MET'}`);

  // ---------------------------------------------------------------- (b) 1,000 RSVPs for 100 places
  report('');
  report(`## (b) ${int(MEMBERS)} members, each with a connected socket, answer "going" to one ${CAPACITY}-place event within ${WINDOW_S} s (calendar:rsvp)`);
  const startDay = new Date(now.getTime() + 30 * 86_400_000);
  const key = `${startDay.getUTCFullYear()}-${pad(startDay.getUTCMonth() + 1)}-${pad(startDay.getUTCDate())}T19:00`;
  const created = await api<{ event: { id: string } }>(url, 'POST', `/api/v1/spaces/${hall}/events`, {
    member: host,
    body: { title: 'Harvest supper', timeZone: 'Europe/London', start: key, end: `${key.slice(0, 11)}22:00`, capacity: CAPACITY },
  });
  if (created.status !== 201) throw new Error(`create event: ${created.status} ${JSON.stringify(created.body)}`);
  const eventId = created.body.event.id;

  t = performance.now();
  const lastFrame: (Buffer | undefined)[] = new Array(MEMBERS);
  const frames = new Array<number>(MEMBERS).fill(0);
  const sockets: LeanSocket[] = [];
  onCleanUp(async () => sockets.forEach((s) => s.close()));
  for (let batch = 0; batch < MEMBERS; batch += 100) {
    sockets.push(
      ...(await Promise.all(
        cookies.slice(batch, batch + 100).map((cookie, j) =>
          connectLean({
            url,
            cookie,
            onEvent: (frame) => {
              if (frame.compare(RSVP_FRAME, 0, RSVP_FRAME.length, 0, Math.min(RSVP_FRAME.length, frame.length)) !== 0) return;
              lastFrame[batch + j] = frame;
              frames[batch + j]!++;
            },
          }),
        ),
      )),
    );
  }
  report(`  ${int(MEMBERS)} lean sockets connected, 100 at a time, in ${seconds(performance.now() - t)}`);
  await sleep(1000);

  const acks: { ms: number; status?: string; position?: number | null; error?: unknown }[] = new Array(MEMBERS);
  const stopRsvpShares = await shares();
  const memory0 = await hearthMemory(url);
  const sentAt = performance.now();
  await Promise.all(
    sockets.map(async (socket, i) => {
      await sleep((i * WINDOW_S * 1000) / MEMBERS);
      const started = performance.now();
      const raw = await socket.emitWithAck('calendar:rsvp', { eventId, occurrence: key, status: 'going', guests: 0 }, 30_000);
      const elapsed = performance.now() - started;
      const answer = raw ? (JSON.parse(raw.toString('utf8')) as [{ data?: { rsvp: { status: string; waitingPosition: number | null } }; error?: unknown }]) : undefined;
      acks[i] = { ms: elapsed, status: answer?.[0]?.data?.rsvp.status, position: answer?.[0]?.data?.rsvp.waitingPosition, error: answer ? answer[0]?.error : 'no ack within 30 s' };
    }),
  );
  const allAckedMs = performance.now() - sentAt;
  const rsvpShares = await stopRsvpShares();
  // Let the last broadcasts arrive: until no socket got a frame for a second.
  let seen = -1;
  for (let total = frames.reduce((a, b) => a + b, 0); total !== seen; total = frames.reduce((a, b) => a + b, 0)) {
    seen = total;
    await sleep(1000);
  }
  const memory1 = await hearthMemory(url);

  const failed = acks.filter((a) => a.error || !a.status);
  const going = acks.filter((a) => a.status === 'going').length;
  const waitingPositions = acks.filter((a) => a.status === 'waiting').map((a) => a.position ?? -1).sort((a, b) => a - b);
  const ackSummary = summarise(acks.map((a) => a.ms));
  report(`  all ${int(MEMBERS)} sent over ${WINDOW_S} s (${int(MEMBERS / WINDOW_S)}/s), the last ack ${seconds(allAckedMs)} after the first send`);
  report(`  RSVP ack: ${describe(ackSummary)}`);
  report(`  ${describeCpu(rsvpShares)}; server memory ${Math.round(memory0.rss / 2 ** 20)} → ${Math.round(memory1.rss / 2 ** 20)} MiB RSS`);

  const db = (await admin.query<{ status: string; n: number; users: number }>(`select status, count(*)::int as n, count(distinct user_id)::int as users from calendar_rsvps where event_id = $1 group by status`, [eventId])).rows;
  const dbCount = (status: string) => db.find((r) => r.status === status)?.n ?? 0;
  const dbRows = db.reduce((a, r) => a + r.n, 0);
  const final = await api<{ occurrence: { counts: { going: number; waiting: number } } }>(url, 'GET', `/api/v1/events/${eventId}?occurrence=${encodeURIComponent(key)}`, { member: host });
  const counts = final.body.occurrence.counts;
  const lastCounts = lastFrame.map((frame) => (frame ? (JSON.parse(frame.subarray(2).toString('utf8')) as [string, { counts: { going: number; waiting: number }; seq: number }])[1] : undefined));
  const rightAtEnd = lastCounts.filter((c) => c && c.counts.going === counts.going && c.counts.waiting === counts.waiting).length;
  const expectedWaiting = Array.from({ length: MEMBERS - CAPACITY }, (_, i) => i + 1);
  const checks: [string, boolean][] = [
    [`every RSVP acknowledged without error (${MEMBERS - failed.length}/${MEMBERS})`, failed.length === 0],
    [`exactly ${CAPACITY} going by the acks (${going}) and in the database (${dbCount('going')}); ${MEMBERS - CAPACITY} waiting (${dbCount('waiting')})`, going === CAPACITY && dbCount('going') === CAPACITY && dbCount('waiting') === MEMBERS - CAPACITY],
    [`one row per member: ${dbRows} rows for ${MEMBERS} members, none lost or doubled`, dbRows === MEMBERS && db.reduce((a, r) => a + r.users, 0) === MEMBERS],
    [`the waiting positions in the acks are 1–${MEMBERS - CAPACITY}, each once`, JSON.stringify(waitingPositions) === JSON.stringify(expectedWaiting)],
    [`the event's counts after: ${counts.going} going, ${counts.waiting} waiting`, counts.going === CAPACITY && counts.waiting === MEMBERS - CAPACITY],
    [`every socket's last calendar:rsvp-changed carried those counts (${rightAtEnd}/${MEMBERS}; ${int(Math.min(...frames))}–${int(Math.max(...frames))} frames each)`, rightAtEnd === MEMBERS],
  ];
  for (const [what, ok] of checks) report(`  ${ok ? 'ok  ' : 'FAIL'} ${what}`);
  const errors = new Map<string, number>();
  for (const a of failed) errors.set(JSON.stringify(a.error).slice(0, 200), (errors.get(JSON.stringify(a.error).slice(0, 200)) ?? 0) + 1);
  for (const [error, n] of errors) report(`  ${n} × ${error}`);
  report('');
  report(`total run time ${seconds(performance.now() - benchStart)}`);
  if (checks.some(([, ok]) => !ok)) throw new Error('the RSVP checks failed');
}

runBench('bench-events', main);
