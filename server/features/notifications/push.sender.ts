// Sending one web push (decision 023): RFC 8291 aes128gcm encryption and RFC 8292 VAPID by the
// web-push library, the request itself by fetch — web-push's own sender speaks only https, and a
// development or test push service on loopback speaks http.
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

export function createPushSender(deps: { subject: string }): PushSender {
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
      // fetch sets the length itself from the body.
      delete headers['Content-Length'];
      try {
        const response = await fetch(details.endpoint, {
          method: 'POST',
          headers,
          body: details.body ?? undefined,
          // A push service answers; it does not send us elsewhere (nor to an address inside our network).
          redirect: 'manual',
          signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
        });
        await response.body?.cancel();
        if (response.status === 404 || response.status === 410) return { outcome: 'gone', status: response.status };
        return { outcome: response.status >= 200 && response.status < 300 ? 'sent' : 'failed', status: response.status };
      } catch {
        return { outcome: 'failed' };
      }
    },
  };
}
