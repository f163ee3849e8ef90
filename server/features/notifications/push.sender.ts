// Sending one web push (decision 023): RFC 8291 aes128gcm encryption and RFC 8292 VAPID by the
// web-push library, the request itself by node's http(s) — web-push's own sender speaks only
// https, and a development or test push service on loopback speaks http. The connection goes
// only to a public address (`publicOnly`): a push service's name that resolves to an address
// inside our network (DNS rebinding: public when subscribed, private when sent) gets nothing.
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import webpush from 'web-push';
import type { VapidKeys } from './push.repository';

/** How long a push service keeps a push for an offline device (a day: older news is in the centre). */
export const PUSH_TTL_SECONDS = 24 * 60 * 60;

/** A push service that does not answer within this long is a failure, retried later. */
const SEND_TIMEOUT_MS = 10_000;

export type SendOutcome = 'sent' | 'gone' | 'failed';

export interface PushSender {
  /** Encrypts `payload` for the device and posts it; 404/410 mean the subscription is gone. */
  send(device: { endpoint: string; p256dh: string; auth: string }, payload: string, options: { keys: VapidKeys; topic?: string }): Promise<{ outcome: SendOutcome; status?: number }>;
}

/** Addresses no push service has: this machine, private networks, link-local, multicast, reserved. */
const notPublic = new net.BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) notPublic.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96]] as const) notPublic.addSubnet(network, prefix, 'ipv6');

/** Whether an address is one a push service on the internet could have (an IPv4-mapped IPv6 address is judged as its IPv4). */
export function isPublicAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return !notPublic.check(mapped[1]!, 'ipv4');
  const family = net.isIP(address);
  if (family === 0) return false;
  return !notPublic.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** The address a URL's host names literally ('10.0.0.1', '::1' from '[::1]'), or undefined for a name. */
export function addressLiteralOf(hostname: string): string | undefined {
  const bare = hostname.replace(/^\[|\]$/g, '');
  return net.isIP(bare) !== 0 ? bare : undefined;
}

type Lookup = NonNullable<http.RequestOptions['lookup']>;

/** A `lookup` for the request that answers only public addresses, so the connection can go nowhere else. */
export function publicOnly(lookup: Lookup = dns.lookup as Lookup): Lookup {
  return ((hostname: string, options: dns.LookupOptions, callback: (error: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void) => {
    lookup(hostname, { ...options, all: true }, (error, found) => {
      if (error) return callback(error, '');
      const addresses = (Array.isArray(found) ? found : [{ address: found as string, family: 0 }]).filter((entry) => isPublicAddress(entry.address));
      if (addresses.length === 0) {
        return callback(Object.assign(new Error(`${hostname} has no public address`), { code: 'ENOTFOUND' }), '');
      }
      if (options.all) return callback(null, addresses);
      return callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  }) as Lookup;
}

/** One POST; the answer's status (its body is not read), or a thrown error when there is none in time. */
function post(endpoint: string, headers: Record<string, string>, body: Buffer | null, lookup: Lookup | undefined): Promise<number> {
  const url = new URL(endpoint);
  const client = url.protocol === 'http:' ? http : https;
  return new Promise((resolve, reject) => {
    const request = client.request(url, { method: 'POST', headers: { ...headers, 'Content-Length': String(body?.length ?? 0) }, timeout: SEND_TIMEOUT_MS, ...(lookup && { lookup }) }, (response) => {
      // A push service answers; it does not send us elsewhere: a redirect is its status, not followed.
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('timeout', () => request.destroy(new Error('push service timed out')));
    request.on('error', reject);
    request.end(body ?? undefined);
  });
}

export function createPushSender(deps: {
  subject: string;
  /** Whether a push service may be on this machine or inside our network (development and tests); production refuses. */
  allowPrivateAddresses: boolean;
  /** The resolver under the public-address check (tests give one that answers a name of theirs). */
  lookup?: Lookup;
}): PushSender {
  const lookup = deps.allowPrivateAddresses ? deps.lookup : publicOnly(deps.lookup);
  return {
    async send(device, payload, options) {
      const { keys } = options;
      const details = webpush.generateRequestDetails({ endpoint: device.endpoint, keys: { p256dh: device.p256dh, auth: device.auth } }, payload, {
        TTL: PUSH_TTL_SECONDS,
        vapidDetails: { subject: deps.subject, publicKey: keys.publicKey, privateKey: keys.privateKey },
        contentEncoding: 'aes128gcm',
        urgency: 'normal',
        ...(options.topic ? { topic: options.topic } : {}),
      });
      const headers = Object.fromEntries(Object.entries(details.headers).map(([name, value]) => [name, String(value)]));
      delete headers['Content-Length'];
      // An address written in the URL is never looked up: it is checked here.
      const literal = addressLiteralOf(new URL(details.endpoint).hostname);
      if (!deps.allowPrivateAddresses && literal !== undefined && !isPublicAddress(literal)) return { outcome: 'failed' };
      try {
        const status = await post(details.endpoint, headers, details.body ?? null, lookup);
        if (status === 404 || status === 410) return { outcome: 'gone', status };
        return { outcome: status >= 200 && status < 300 ? 'sent' : 'failed', status };
      } catch {
        return { outcome: 'failed' };
      }
    },
  };
}
