import type { SearchResults } from '../../../client/src/lib/search-api';
import type { Post, Space } from '../../../shared/api/spaces.routes';
import type { Ack } from '../../../shared/protocol/errors';
import { openTestDatabase, type TestDatabase } from '../../../test/support/database';
import { createMember, uniqueHandle, type Member } from '../../../test/support/members';
import { startTestServer, type TestServer } from '../../../test/support/server';

// GET /api/v1/search: word beginnings in any language, posts and comments with their space's
// name, members and spaces; nothing of a space the searcher may not read.
let testDb: TestDatabase;
let server: TestServer;
let admin: Member;
let host: Member;
let insider: Member;
let outsider: Member;
let pub: Space;
let priv: Space;

let counter = 0;
async function createSpace(by: Member, name: string, visibility: 'public' | 'private' | 'secret'): Promise<Space> {
  counter += 1;
  const res = await by.call<Space>('POST', '/api/v1/spaces', { name, slug: `search-${process.pid}-${counter}`, visibility, joinPolicy: visibility === 'public' ? 'open' : 'invite' });
  if (res.status !== 201) throw new Error(`create space: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

async function post(by: Member, spaceId: string, bodyMarkdown: string): Promise<Post> {
  const socket = await by.connect();
  try {
    const ack = (await (socket.timeout(5_000).emitWithAck as (e: string, p: unknown) => Promise<Ack<Post>>)('post:create', { spaceId, bodyMarkdown }));
    if ('error' in ack) throw new Error(`post:create: ${JSON.stringify(ack.error)}`);
    return ack.data;
  } finally {
    socket.close();
  }
}

const search = async (who: Member, q: string) => {
  const res = await who.call<SearchResults>('GET', `/api/v1/search?q=${encodeURIComponent(q)}`);
  expect(res.status).toBe(200);
  return res.body;
};

beforeAll(async () => {
  testDb = await openTestDatabase();
  server = await startTestServer({ database: testDb.database });
  admin = await createMember(server.url, { handle: uniqueHandle('admin') });
  [host, insider, outsider] = await Promise.all([
    createMember(server.url, { handle: uniqueHandle('host'), displayName: 'Hostess Marguerite' }),
    createMember(server.url, { handle: uniqueHandle('insider') }),
    createMember(server.url, { handle: uniqueHandle('outsider') }),
  ]);
  pub = await createSpace(host, 'Card Players Lounge', 'public');
  priv = await createSpace(host, 'Card Sharks Hideout', 'private');
  const invited = await host.call('POST', `/api/v1/spaces/${priv.id}/members`, { handle: insider.user.handle });
  expect(invited.status).toBe(201);
  expect((await insider.call('POST', `/api/v1/spaces/${priv.id}/join`)).status).toBe(200);
});

afterAll(async () => {
  await server?.stop();
  await testDb?.close();
});

describe('searching posts and comments', () => {
  test('when a member searches the beginning of a word, then posts with the longer word are found, with a plain-text snippet and the space’s name', async () => {
    const written = await post(host, pub.id, 'We play **spades** every [Friday](https://example.org/friday) night');

    const found = await search(outsider, 'spade');

    const hit = found.items.find((i) => i.id === written.id);
    expect(hit).toMatchObject({ kind: 'post', spaceId: pub.id, spaceSlug: pub.slug, spaceName: 'Card Players Lounge' });
    expect(hit!.snippet).toBe('We play «spades» every Friday night');
  });

  test('when a query is in French or Arabic, then word beginnings match in those languages too', async () => {
    const french = await post(host, pub.id, 'Les élèves préfèrent la belote');
    const arabic = await post(host, pub.id, 'نلعب الورق مساء الجمعة');

    expect((await search(outsider, 'élè belo')).items.map((i) => i.id)).toContain(french.id);
    expect((await search(outsider, 'الجمع')).items.map((i) => i.id)).toContain(arabic.id);
  });

  test('when the words of a query are all needed, then a post with only some of them is not found', async () => {
    const both = await post(host, pub.id, 'rummy and canasta tonight');
    const one = await post(host, pub.id, 'rummy only tonight');

    const ids = (await search(outsider, 'rumm canas')).items.map((i) => i.id);

    expect(ids).toContain(both.id);
    expect(ids).not.toContain(one.id);
  });

  test('when a query has only punctuation or tsquery operators, then it finds nothing and fails nothing', async () => {
    expect(await search(outsider, "!& | ':*")).toEqual({ items: [], people: [], spaces: [] });
    expect((await search(outsider, "spade:* | every")).items.map((i) => i.snippet)).toContain("We play «spades» «every» Friday night");
  });

  test('when a private space’s post matches, then a non-member does not find it and a member does', async () => {
    const secret = await post(host, priv.id, 'bluffing tactics for poker');

    expect((await search(outsider, 'bluff')).items).toEqual([]);
    expect((await search(insider, 'bluff')).items.map((i) => i.id)).toEqual([secret.id]);
    expect((await search(insider, 'bluff')).items[0]).toMatchObject({ spaceName: 'Card Sharks Hideout' });
  });
});

describe('searching people and spaces', () => {
  test('when a member searches a name’s beginning, then active members are found by display name and by handle', async () => {
    expect((await search(outsider, 'margue')).people.map((p) => p.id)).toContain(host.user.id);
    expect((await search(outsider, insider.user.handle.slice(0, 6))).people.map((p) => p.id)).toContain(insider.user.id);
  });

  test('when a member is suspended, then they are no longer found', async () => {
    const gone = await createMember(server.url, { handle: uniqueHandle('zeppelin'), displayName: 'Zeppelin Quartz' });
    expect((await search(outsider, 'zeppel')).people.map((p) => p.id)).toContain(gone.user.id);

    const suspended = await admin.call('PATCH', `/api/v1/admin/users/${gone.user.id}`, { status: 'suspended', suspendedUntil: null });
    expect(suspended.status).toBe(200);

    expect((await search(outsider, 'zeppel')).people.map((p) => p.id)).not.toContain(gone.user.id);
  });

  test('when a member searches a space’s name, then a public space is found, and a private one only by its members', async () => {
    const byOutsider = await search(outsider, 'card');
    expect(byOutsider.spaces.map((s) => s.id)).toContain(pub.id);
    expect(byOutsider.spaces.map((s) => s.id)).not.toContain(priv.id);
    expect(byOutsider.spaces.find((s) => s.id === pub.id)).toMatchObject({ name: 'Card Players Lounge', slug: pub.slug, visibility: 'public', archived: false });

    const byInsider = await search(insider, 'card');
    expect(byInsider.spaces.map((s) => s.id)).toEqual(expect.arrayContaining([pub.id, priv.id]));
    expect((await search(outsider, 'sharks hideo')).spaces.map((s) => s.id)).not.toContain(priv.id);
    expect((await search(insider, 'sharks hideo')).spaces.map((s) => s.id)).toEqual([priv.id]);
  });

  test('when a search is limited to one space, then it lists no people or spaces, and a private space gives a non-member nothing', async () => {
    const limited = await outsider.call<SearchResults>('GET', `/api/v1/search?q=bluff&spaceId=${priv.id}`);
    expect(limited.status).toBe(200);
    expect(limited.body).toEqual({ items: [], people: [], spaces: [] });
    const asMember = await insider.call<SearchResults>('GET', `/api/v1/search?q=card&spaceId=${pub.id}`);
    expect(asMember.body.people).toEqual([]);
    expect(asMember.body.spaces).toEqual([]);
  });
});
