import sharp from 'sharp';
import type { SessionUser } from '../../shared/api/accounts.routes';
import type { Space } from '../../shared/api/spaces.routes';
import { openTestDatabase, type TestDatabase } from '../../test/support/database';
import { createMember, uniqueHandle, type Member } from '../../test/support/members';
import { startTestServer, type TestServer } from '../../test/support/server';

// Issue #12, item 10: an uploaded photo is re-encoded before it is stored, so what members are
// served carries no EXIF (no GPS position, no camera serial), whatever the upload carried.
let testDb: TestDatabase;
let server: TestServer;
let admin: Member;
let photo: Buffer;

beforeAll(async () => {
  testDb = await openTestDatabase();
  server = await startTestServer({ database: testDb.database });
  admin = await createMember(server.url, { handle: uniqueHandle('admin') });
  photo = await sharp({ create: { width: 16, height: 12, channels: 3, background: 'red' } })
    .jpeg()
    .withExif({
      IFD0: { Make: 'PhoneCo', Model: 'Snapper 9', Copyright: 'Home address 12 Elm Street' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1', GPSLongitudeRef: 'W', GPSLongitude: '0/1 7/1 0/1' },
    })
    .toBuffer();
});

afterAll(async () => {
  await server?.stop();
  await testDb?.close();
});

function put(who: Member, path: string, bytes: Buffer, type: string) {
  const form = new FormData();
  form.append('avatar', new Blob([bytes], { type }), 'photo.jpg');
  return fetch(`${server.url}${path}`, { method: 'PUT', headers: { cookie: who.cookie, 'x-csrf-token': who.csrfToken }, body: form });
}

async function served(who: Member, url: string): Promise<{ type: string | null; bytes: Buffer }> {
  const res = await fetch(`${server.url}${url}`, { headers: { cookie: who.cookie } });
  expect(res.status).toBe(200);
  return { type: res.headers.get('content-type'), bytes: Buffer.from(await res.arrayBuffer()) };
}

test('the test photo carries EXIF with a GPS position', async () => {
  const meta = await sharp(photo).metadata();
  expect(meta.exif).toBeDefined();
  expect(meta.exif!.toString('latin1')).toContain('Snapper 9');
});

test('when a member uploads a JPEG with EXIF and GPS as their avatar, then the image served to others is a JPEG of the same size without any EXIF', async () => {
  const member = await createMember(server.url);
  const res = await put(member, '/api/v1/me/avatar', photo, 'image/jpeg');
  expect(res.status).toBe(200);
  const me = (await res.json()) as SessionUser;
  const image = await served(admin, me.avatarUrl!);
  expect(image.type).toBe('image/jpeg');
  const meta = await sharp(image.bytes).metadata();
  expect(meta).toMatchObject({ format: 'jpeg', width: 16, height: 12 });
  expect(meta.exif).toBeUndefined();
  expect(image.bytes.includes(Buffer.from('Snapper 9'))).toBe(false);
});

test('when a host uploads a JPEG with EXIF and GPS as the space image, then the image served to members has no EXIF', async () => {
  const space = (await admin.call<Space>('POST', '/api/v1/spaces', { name: 'Photos', slug: uniqueHandle('photos').replace(/_/g, '-'), visibility: 'public' })).body;
  const res = await put(admin, `/api/v1/spaces/${space.id}/avatar`, photo, 'image/jpeg');
  expect(res.status).toBe(200);
  const updated = (await res.json()) as Space;
  const member = await createMember(server.url);
  const image = await served(member, updated.avatarUrl!);
  expect(image.type).toBe('image/jpeg');
  const meta = await sharp(image.bytes).metadata();
  expect(meta.format).toBe('jpeg');
  expect(meta.exif).toBeUndefined();
});

test('when an upload has an image’s first bytes but is not a decodable image, then it is refused with 415', async () => {
  const member = await createMember(server.url);
  const fake = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('<html><script>alert(1)</script></html>')]);
  const res = await put(member, '/api/v1/me/avatar', fake, 'image/jpeg');
  expect(res.status).toBe(415);
  expect((await member.refreshSession()).user?.avatarUrl).toBeNull();
});
