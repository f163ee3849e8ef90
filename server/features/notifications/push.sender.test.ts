// The push sender's one request (decision 023): it reaches a push service at a public address
// only, so a subscription whose service name resolves inside our network (DNS rebinding) gets
// nothing from the server in production; development and tests may use one on this machine.
import { createECDH, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import webpush from 'web-push';
import { createPushSender, isPublicAddress, type publicOnly } from './push.sender';

type Lookup = NonNullable<Parameters<typeof publicOnly>[0]>;

/** A resolver that answers `push.example.test` with `address` (what a rebinding name would do), and nothing else. */
const resolvingTo = (address: string): Lookup =>
  ((hostname: string, options: { all?: boolean }, callback: (error: Error | null, address: unknown, family?: number) => void) => {
    if (hostname !== 'push.example.test') return callback(Object.assign(new Error('not found'), { code: 'ENOTFOUND' }), '');
    const family = address.includes(':') ? 6 : 4;
    return options.all ? callback(null, [{ address, family }]) : callback(null, address, family);
  }) as unknown as Lookup;

let service: http.Server;
let port: number;
const received: { method?: string; encoding?: string }[] = [];

beforeAll(async () => {
  service = http.createServer((request, response) => {
    received.push({ method: request.method, encoding: request.headers['content-encoding'] as string | undefined });
    request.resume();
    request.on('end', () => response.writeHead(201).end());
  });
  await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
  port = (service.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => service.close(() => resolve()));
});

beforeEach(() => {
  received.length = 0;
});

const ecdh = createECDH('prime256v1');
ecdh.generateKeys();
const device = (endpoint: string) => ({ endpoint, p256dh: ecdh.getPublicKey().toString('base64url'), auth: randomBytes(16).toString('base64url') });
const keys = webpush.generateVAPIDKeys();

test('addresses inside a network, of this machine, link-local, multicast or reserved are not public; internet addresses are', () => {
  const notPublic = ['127.0.0.1', '10.2.3.4', '172.20.0.1', '192.168.1.10', '169.254.169.254', '100.64.1.1', '0.0.0.0', '224.0.0.1', '::1', '::', 'fd12:3456::1', 'fe80::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', 'not an address'];
  const publicOnes = ['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'];
  expect(notPublic.filter(isPublicAddress)).toEqual([]);
  expect(publicOnes.filter((address) => !isPublicAddress(address))).toEqual([]);
});

test('in production, a push service name that resolves to this machine gets no request: the send fails; where private addresses are allowed, the same push arrives encrypted', async () => {
  const endpoint = `http://push.example.test:${port}/send/abc`;
  const strict = createPushSender({ subject: 'mailto:admin@example.org', allowPrivateAddresses: false, lookup: resolvingTo('127.0.0.1') });
  expect(await strict.send(device(endpoint), '{"title":"hello"}', { keys })).toEqual({ outcome: 'failed' });
  // Mapped IPv6 is the same address.
  const mapped = createPushSender({ subject: 'mailto:admin@example.org', allowPrivateAddresses: false, lookup: resolvingTo('::ffff:127.0.0.1') });
  expect(await mapped.send(device(endpoint), '{"title":"hello"}', { keys })).toEqual({ outcome: 'failed' });
  // An address written in the URL is refused without a lookup.
  expect(await strict.send(device(`http://127.0.0.1:${port}/send/abc`), '{"title":"hello"}', { keys })).toEqual({ outcome: 'failed' });
  expect(received).toEqual([]);

  const relaxed = createPushSender({ subject: 'mailto:admin@example.org', allowPrivateAddresses: true, lookup: resolvingTo('127.0.0.1') });
  expect(await relaxed.send(device(endpoint), '{"title":"hello"}', { keys })).toEqual({ outcome: 'sent', status: 201 });
  expect(received).toEqual([{ method: 'POST', encoding: 'aes128gcm' }]);
});
