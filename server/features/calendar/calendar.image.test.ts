// An event's cover image (issue #15): its creator and the space's hosts set or remove it; it is
// re-encoded like every upload and served only to those who may read the event's space.
import sharp from 'sharp';
import type { CalendarEvent } from '../../../shared/api/calendar.routes';
import type { Space } from '../../../shared/api/spaces.routes';
import { openTestDatabase, type TestDatabase } from '../../../test/support/database';
import { createMember, uniqueHandle, type Member } from '../../../test/support/members';
import { nextEvent, startTestServer, type TestServer } from '../../../test/support/server';

type Detail = { event: CalendarEvent; viewer: { canEdit: boolean } };

let testDb: TestDatabase;
let server: TestServer;
let photo: Buffer;

beforeAll(async () => {
  testDb = await openTestDatabase();
  server = await startTestServer({ database: testDb.database });
  await createMember(server.url, { handle: uniqueHandle('admin') });
  photo = await sharp({ create: { width: 40, height: 20, channels: 3, background: 'orange' } })
    .jpeg()
    .withExif({ IFD0: { Make: 'PhoneCo', Model: 'Snapper 9' } })
    .toBuffer();
});

afterAll(async () => {
  await server?.stop();
  await testDb?.close();
});

const nextYear = new Date().getUTCFullYear() + 1;
const member = (prefix: string) => createMember(server.url, { handle: uniqueHandle(prefix) });

async function space(host: Member, visibility: 'public' | 'private', ...members: Member[]): Promise<Space> {
  const res = await host.call<Space>('POST', '/api/v1/spaces', {
    name: `Garden ${uniqueHandle('s')}`,
    slug: uniqueHandle('garden').replace(/_/g, '-'),
    visibility,
    joinPolicy: visibility === 'public' ? 'open' : 'invite',
  });
  expect(res.status).toBe(201);
  for (const m of members) {
    if (visibility === 'private') expect((await host.call('POST', `/api/v1/spaces/${res.body.id}/members`, { handle: m.user.handle })).status).toBeLessThan(300);
    expect((await m.call('POST', `/api/v1/spaces/${res.body.id}/join`)).status).toBe(200);
  }
  return res.body;
}

const createEvent = async (who: Member, where: Space) => {
  const res = await who.call<Detail>('POST', `/api/v1/spaces/${where.id}/events`, {
    title: 'Seed swap',
    timeZone: 'Europe/Paris',
    start: `${nextYear}-04-11T14:00`,
    end: `${nextYear}-04-11T16:00`,
    recurrence: { freq: 'weekly', interval: 2 },
  });
  expect(res.status).toBe(201);
  return res.body.event;
};

function upload(who: Member, eventId: string, bytes: Buffer, type = 'image/jpeg') {
  const form = new FormData();
  form.append('image', new Blob([bytes], { type }), 'cover.jpg');
  return fetch(`${server.url}/api/v1/events/${eventId}/image`, { method: 'PUT', headers: { cookie: who.cookie, 'x-csrf-token': who.csrfToken }, body: form });
}

const fetchAs = (who: Member, url: string) => fetch(`${server.url}${url}`, { headers: { cookie: who.cookie } });

test('when a host sets a cover image, then readers of the space see it live and get it without its EXIF; removing it takes it away', async () => {
  const [host, reader] = await Promise.all([member('host'), member('reader')]);
  const garden = await space(host, 'public', reader);
  const event = await createEvent(host, garden);
  expect(event.imageUrl).toBeNull();
  const socket = await reader.connect();
  try {
    const changed = nextEvent<{ event: CalendarEvent }>(socket, 'calendar:event-changed', 5_000);
    const res = await upload(host, event.id, photo);
    expect(res.status).toBe(200);
    const { event: withImage } = (await res.json()) as Detail;
    expect(withImage.imageUrl).toMatch(new RegExp(`^/api/v1/events/${event.id}/image\\?v=\\d+$`));
    expect((await changed).event.imageUrl).toBe(withImage.imageUrl);

    const served = await fetchAs(reader, withImage.imageUrl!);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/jpeg');
    expect(served.headers.get('x-content-type-options')).toBe('nosniff');
    const meta = await sharp(Buffer.from(await served.arrayBuffer())).metadata();
    expect(meta).toMatchObject({ format: 'jpeg', width: 40, height: 20 });
    expect(meta.exif).toBeUndefined();

    // The stream's card reads the same event, image included.
    const ofPosts = await reader.call<{ items: Record<string, CalendarEvent> }>('GET', `/api/v1/events-of-posts?ids=${event.postId}`);
    expect(ofPosts.body.items[event.postId]?.imageUrl).toBe(withImage.imageUrl);

    // A second image gets a new URL, so caches do not keep the old one.
    const again = (await (await upload(host, event.id, await sharp(photo).png().toBuffer(), 'image/png')).json()) as Detail;
    expect(again.event.imageUrl).not.toBe(withImage.imageUrl);

    const removed = await host.call<Detail>('DELETE', `/api/v1/events/${event.id}/image`);
    expect(removed.status).toBe(200);
    expect(removed.body.event.imageUrl).toBeNull();
    expect((await fetchAs(reader, `/api/v1/events/${event.id}/image`)).status).toBe(404);
  } finally {
    socket.disconnect();
  }
});

test('when a member who is not its creator or a host tries to change an event’s image, then it is refused and the image stays', async () => {
  const [host, member1] = await Promise.all([member('host'), member('member')]);
  const garden = await space(host, 'public', member1);
  const event = await createEvent(host, garden);
  expect((await upload(host, event.id, photo)).status).toBe(200);

  const refused = await upload(member1, event.id, photo);
  expect(refused.status).toBe(403);
  expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect((await member1.call('DELETE', `/api/v1/events/${event.id}/image`)).status).toBe(403);
  expect((await fetchAs(member1, `/api/v1/events/${event.id}/image`)).status).toBe(200);
});

test('when an event is in a private space, then an outsider gets 404 for its image and cannot set one, and a member gets it', async () => {
  const [host, insider, outsider] = await Promise.all([member('host'), member('insider'), member('outsider')]);
  const room = await space(host, 'private', insider);
  const event = await createEvent(host, room);
  const res = await upload(host, event.id, photo);
  const url = ((await res.json()) as Detail).event.imageUrl!;

  expect((await fetchAs(insider, url)).status).toBe(200);
  const hidden = await fetchAs(outsider, url);
  expect(hidden.status).toBe(404);
  expect(Buffer.from(await hidden.arrayBuffer()).includes(Buffer.from([0xff, 0xd8, 0xff]))).toBe(false);
  expect((await upload(outsider, event.id, photo)).status).toBe(404);
  // Not signed in: nothing either.
  expect((await fetch(`${server.url}${url}`)).status).toBe(401);
});

test('when the upload is not an image, or too large, then it is refused with a clear problem and the event keeps no image', async () => {
  const host = await member('host');
  const garden = await space(host, 'public');
  const event = await createEvent(host, garden);

  const notImage = await upload(host, event.id, Buffer.from('<svg onload="alert(1)"></svg>'), 'image/png');
  expect(notImage.status).toBe(415);
  expect(((await notImage.json()) as { code: string }).code).toBe('unsupported_media_type');
  const tooLarge = await upload(host, event.id, Buffer.alloc(1024 * 1024 + 10, 1), 'image/jpeg');
  expect(tooLarge.status).toBe(413);
  const detail = await host.call<Detail>('GET', `/api/v1/events/${event.id}`);
  expect(detail.body.event.imageUrl).toBeNull();
  expect((await fetchAs(host, `/api/v1/events/${event.id}/image`)).status).toBe(404);
});

test('when a series is split at an occurrence ("this and following"), then the new series keeps the cover image', async () => {
  const host = await member('host');
  const garden = await space(host, 'public');
  const event = await createEvent(host, garden);
  expect((await upload(host, event.id, photo)).status).toBe(200);

  const split = await host.call<Detail>('PATCH', `/api/v1/events/${event.id}`, { scope: 'following', occurrence: `${nextYear}-04-25T14:00`, changes: { title: 'Seed swap, summer' } });
  expect(split.status).toBe(200);
  expect(split.body.event.id).not.toBe(event.id);
  expect(split.body.event.imageUrl).not.toBeNull();
  const served = await fetchAs(host, split.body.event.imageUrl!);
  expect(served.status).toBe(200);
  expect(served.headers.get('content-type')).toBe('image/jpeg');
});
