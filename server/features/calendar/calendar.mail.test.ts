// The RSVP confirmation email (issue #15): a member now going gets one mail, in their language,
// with the occurrence they go to attached as an .ics that the outbox makes when it sends it.
import ICAL from 'ical.js';
import { sql } from 'drizzle-orm';
import type { Space } from '../../../shared/api/spaces.routes';
import type { CalendarEvent } from '../../../shared/api/calendar.routes';
import { useTestServer } from '../../../test/support/harness';
import { createMember, uniqueHandle, type Member } from '../../../test/support/members';
import { startSmtp, tokenAfter, unfolded, type ReceivedMail } from '../../../test/support/smtp';

const ctx = useTestServer({ services: { smtp: () => startSmtp() }, env: ({ smtp }) => ({ SMTP_URL: smtp.url }) });

const nextYear = new Date().getUTCFullYear() + 1;
const member = async (prefix: string, confirmed = true) => {
  const m = await createMember(ctx.server.url, { handle: uniqueHandle(prefix) });
  await ctx.testDb.database.db.execute(sql`update users set email_verified_at = ${confirmed ? sql`now()` : sql`null`} where id = ${m.user.id}`);
  return m;
};
/** The confirmations a member got (the other mails, e.g. the address check at sign-up, left out). */
const mailsTo = (who: Member) => ctx.smtp.inbox.filter((m) => m.to.includes(who.user.email!) && /content-type:\s*text\/calendar/i.test(m.raw));
async function confirmationTo(who: Member): Promise<ReceivedMail> {
  for (let i = 0; i < 100 && mailsTo(who).length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
  const [mail] = mailsTo(who);
  if (!mail) throw new Error(`no confirmation to ${who.user.handle}`);
  return mail;
}

/**
 * The text/calendar part of a multipart message, decoded. (The test server undoes quoted-printable
 * over the whole message, which also eats the `=` padding at a base64 line's end and the line
 * break after it: the base64 is read up to the next boundary's dashes.)
 */
function calendarPart(mail: ReceivedMail): { headers: string; body: string } {
  const at = mail.raw.search(/content-type:\s*text\/calendar/i);
  if (at < 0) throw new Error('no text/calendar part');
  const rest = mail.raw.slice(at);
  const split = rest.search(/\r?\n\r?\n/);
  const headers = rest.slice(0, split);
  const body = rest.slice(split).trimStart().split('-')[0]!.replace(/\s+/g, '');
  return { headers, body: Buffer.from(body, 'base64').toString('utf8') };
}

test('a member going gets one confirmation mail with the occurrence they go to as an .ics; a waiter and an unconfirmed address get none, and answering again sends no second one', async () => {
  const [host, ann, bo] = await Promise.all([member('host'), member('ann'), member('bo')]);
  const cy = await member('cy', false);
  const space = (await host.call<Space>('POST', '/api/v1/spaces', { name: `Mill ${uniqueHandle('s')}`, slug: uniqueHandle('mill').replace(/_/g, '-'), visibility: 'public', joinPolicy: 'open' })).body;
  for (const m of [ann, bo, cy]) expect((await m.call('POST', `/api/v1/spaces/${space.id}/join`)).status).toBe(200);
  const created = await host.call<{ event: CalendarEvent }>('POST', `/api/v1/spaces/${space.id}/events`, {
    title: 'Bread & jam club',
    timeZone: 'Europe/London',
    start: `${nextYear}-03-21T19:00`,
    end: `${nextYear}-03-21T21:00`,
    recurrence: { freq: 'weekly', count: 4 },
    capacity: 2,
    location: { address: 'The old mill' },
  });
  expect(created.status).toBe(201);
  const { event } = created.body;
  const key = `${nextYear}-03-28T19:00`; // after the clocks change: 18:00 UTC
  const rsvp = (who: Member, status = 'going') => who.call<{ rsvp: { status: string } }>('PUT', `/api/v1/events/${event.id}/occurrences/${encodeURIComponent(key)}/rsvp`, { status, guests: 0 });
  expect((await rsvp(ann)).body.rsvp.status).toBe('going');
  expect((await rsvp(cy)).body.rsvp.status).toBe('going');
  expect((await rsvp(bo)).body.rsvp.status).toBe('waiting');
  await ctx.server.app.settle();
  const mail = await confirmationTo(ann);
  expect(mail.raw).toContain(`You are going to Bread & jam club in ${space.name} on`);
  expect(mail.raw).toContain(`/events/${event.id}?on=${encodeURIComponent(key)}`);

  const part = calendarPart(mail);
  expect(part.headers).toMatch(/filename="?Bread jam club\.ics"?/);
  const calendar = new ICAL.Component(ICAL.parse(part.body));
  const [vevent, ...others] = calendar.getAllSubcomponents('vevent');
  expect(others).toEqual([]);
  const single = new ICAL.Event(vevent!);
  expect(single.summary).toBe('Bread & jam club');
  expect(single.location).toBe('The old mill');
  expect(single.isRecurring()).toBe(false);
  expect(single.startDate.toString()).toBe(`${key}:00`);
  expect(vevent!.getFirstProperty('dtstart')!.getParameter('tzid')).toBe('Europe/London');
  expect(single.startDate.toJSDate().toISOString()).toBe(`${key.slice(0, 10)}T18:00:00.000Z`);
  expect(calendar.getAllSubcomponents('vtimezone').map((z) => z.getFirstPropertyValue('tzid'))).toEqual(['Europe/London']);

  // Going again (or with a guest less) is no new confirmation; the waiter and the unconfirmed address got none.
  expect((await rsvp(ann)).status).toBe(200);
  await ctx.server.app.settle();
  expect(mailsTo(ann)).toHaveLength(1);
  expect(mailsTo(bo)).toEqual([]);
  expect(mailsTo(cy)).toEqual([]);

  // Ann leaves: Bo is offered the seat, confirms, and gets their own confirmation.
  expect((await rsvp(ann, 'declined')).status).toBe(200);
  expect((await rsvp(bo)).body.rsvp.status).toBe('going');
  await ctx.server.app.settle();
  const boMail = await confirmationTo(bo);
  expect(new ICAL.Event(new ICAL.Component(ICAL.parse(calendarPart(boMail).body)).getFirstSubcomponent('vevent')!).startDate.toString()).toBe(`${key}:00`);
});

test('the confirmation is an email a member can stop: its one-click unsubscribe, or "Off" in their settings, stops the next ones; "Immediately" brings them back; it has no in-app, push or digest choice', async () => {
  const [host, ann] = await Promise.all([member('host'), member('ann')]);
  const space = (await host.call<Space>('POST', '/api/v1/spaces', { name: `Quay ${uniqueHandle('s')}`, slug: uniqueHandle('quay').replace(/_/g, '-'), visibility: 'public', joinPolicy: 'open' })).body;
  expect((await ann.call('POST', `/api/v1/spaces/${space.id}/join`)).status).toBe(200);
  const created = await host.call<{ event: CalendarEvent }>('POST', `/api/v1/spaces/${space.id}/events`, {
    title: 'Harbour clean-up',
    timeZone: 'Europe/London',
    start: `${nextYear}-06-06T10:00`,
    end: `${nextYear}-06-06T12:00`,
    recurrence: { freq: 'weekly', count: 4 },
  });
  expect(created.status).toBe(201);
  const { event } = created.body;
  const going = async (day: string) => {
    const answered = await ann.call('PUT', `/api/v1/events/${event.id}/occurrences/${encodeURIComponent(`${nextYear}-06-${day}T10:00`)}/rsvp`, { status: 'going', guests: 0 });
    expect(answered.status).toBe(200);
    await ctx.server.app.settle();
  };

  await going('06');
  const raw = unfolded((await confirmationTo(ann)).raw);
  expect(raw).toMatch(new RegExp(`List-Unsubscribe: <${ctx.server.url}/api/v1/notifications/unsubscribe\\?token=[^>]+>`));
  expect(raw).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
  expect(raw).toContain('Stop emails about confirmations of events you go to');
  expect(raw).toContain(`${ctx.server.url}/unsubscribe?token=`);

  // RFC 8058: a form POST, no cookie, no confirmation.
  const oneClick = await fetch(`${ctx.server.url}/api/v1/notifications/unsubscribe?token=${encodeURIComponent(tokenAfter(raw, '/api/v1/notifications/unsubscribe'))}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'List-Unsubscribe=One-Click',
  });
  expect([oneClick.status, await oneClick.json()]).toEqual([200, { scope: 'event.confirmation', turnedOff: 'email' }]);
  await going('13');
  expect(mailsTo(ann)).toHaveLength(1);

  // Back on in Settings → Notifications: the next one comes.
  type Prefs = { kinds: { kind: string; mailOnly: boolean; channels: { app: boolean; email: string; push: boolean } }[] };
  const prefs = await ann.call<Prefs>('PUT', '/api/v1/me/notification-preferences', { channels: { 'event.confirmation': { email: 'immediate' } } });
  expect(prefs.status).toBe(200);
  expect(prefs.body.kinds.find((k) => k.kind === 'event.confirmation')).toMatchObject({ mailOnly: true, channels: { app: false, email: 'immediate', push: false } });
  await going('20');
  expect(mailsTo(ann)).toHaveLength(2);

  // Off in Settings stops it too; an in-app, push or digest choice for it is refused.
  expect((await ann.call('PUT', '/api/v1/me/notification-preferences', { channels: { 'event.confirmation': { email: 'off' } } })).status).toBe(200);
  await going('27');
  expect(mailsTo(ann)).toHaveLength(2);
  for (const choice of [{ app: true }, { push: true }, { email: 'digest' }]) {
    const refused = await ann.call<{ code: string }>('PUT', '/api/v1/me/notification-preferences', { channels: { 'event.confirmation': choice } });
    expect([refused.status, refused.body.code]).toEqual([400, 'validation_failed']);
  }
});
