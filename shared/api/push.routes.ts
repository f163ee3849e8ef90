import { z } from 'zod';
import { text } from './input';
import { defineRoute } from './route-spec';

// Web push (decision 023): this server's VAPID public key, the browsers a member allowed to show
// notifications (their devices), and a test push to one. A member's devices are theirs only.

/** What `PushSubscription.toJSON()` gives, plus a name for the device. */
export const pushSubscribeSchema = z
  .object({
    endpoint: z.url({ protocol: /^https?$/ }).max(2048).describe("The push service's URL for this browser (https)"),
    keys: z
      .object({
        // 65 bytes (an uncompressed P-256 point, first byte 4) and 16 bytes, in URL-safe base64.
        p256dh: z.string().regex(/^B[A-Za-z0-9_-]{86}=?$/, "must be the browser's P-256 public key (65 bytes, URL-safe base64)"),
        auth: z.string().regex(/^[A-Za-z0-9_-]{22}(==)?$/, "must be the browser's authentication secret (16 bytes, URL-safe base64)"),
      })
      .strict(),
    /** Ignored: the browser's own field (null for the push services Hearth uses). */
    expirationTime: z.number().nullable().optional(),
    label: text().normalize('NFC').trim().max(80).default('').describe('My name for this device ("Phone"), or the browser\'s description'),
  })
  .strict()
  .meta({ id: 'PushSubscribe' });

export const pushDeviceSchema = z
  .object({
    id: z.uuid(),
    label: z.string(),
    /** The browser's push service URL, so the page can tell which device is this one. */
    endpoint: z.string(),
    /** The push service's host (fcm.googleapis.com, updates.push.services.mozilla.com, web.push.apple.com…). */
    service: z.string(),
    createdAt: z.iso.datetime(),
    lastSuccessAt: z.iso.datetime().nullable(),
    /** Failed sends since the last success. */
    failures: z.number().int().min(0),
  })
  .meta({ id: 'PushDevice' });

export type PushDevice = z.infer<typeof pushDeviceSchema>;

export const pushTestResultSchema = z
  .object({
    /** 'sent': the push service took it; 'gone': the browser unsubscribed, the device is removed; 'failed': try again later. */
    outcome: z.enum(['sent', 'gone', 'failed']),
  })
  .meta({ id: 'PushTestResult' });

/** The web app manifest (what makes the client installable: a home-screen app, and on iOS the way to web push). */
export const webManifestSchema = z
  .object({
    name: z.string(),
    short_name: z.string(),
    id: z.string(),
    start_url: z.string(),
    scope: z.string(),
    display: z.literal('standalone'),
    theme_color: z.string(),
    background_color: z.string(),
    icons: z.array(z.object({ src: z.string(), sizes: z.string(), type: z.literal('image/png'), purpose: z.enum(['any', 'maskable']) })),
  })
  .meta({ id: 'WebManifest' });

export type WebManifest = z.infer<typeof webManifestSchema>;

const deviceParams = z.object({ deviceId: z.uuid() }).strict();

export const pushRoutes = {
  webManifest: defineRoute({
    method: 'get',
    path: '/manifest.webmanifest',
    summary: "The web app manifest, named after the site, linked from the client's index.html.",
    tag: 'site',
    access: 'public',
    responses: { 200: { description: 'The manifest', schema: webManifestSchema, contentType: 'application/manifest+json' } },
  }),
  pushKey: defineRoute({
    method: 'get',
    path: '/api/v1/push/key',
    summary: "This server's VAPID public key, for PushManager.subscribe's applicationServerKey.",
    tag: 'notifications',
    access: 'member',
    responses: { 200: { description: 'The key', schema: z.object({ publicKey: z.string() }).meta({ id: 'PushKey' }) } },
  }),
  pushDevices: defineRoute({
    method: 'get',
    path: '/api/v1/push/devices',
    summary: 'The browsers I allowed to show notifications, newest first.',
    tag: 'notifications',
    access: 'member',
    responses: { 200: { description: 'My devices', schema: z.object({ devices: z.array(pushDeviceSchema) }).meta({ id: 'PushDevices' }) } },
  }),
  subscribePush: defineRoute({
    method: 'post',
    path: '/api/v1/push/devices',
    summary: 'Lets this browser show my notifications (its push subscription); the same browser again updates its row.',
    tag: 'notifications',
    access: 'member',
    body: pushSubscribeSchema,
    responses: { 201: { description: 'The device', schema: pushDeviceSchema } },
    errors: [409],
  }),
  removePushDevice: defineRoute({
    method: 'delete',
    path: '/api/v1/push/devices/:deviceId',
    summary: 'Stops notifications on one of my devices.',
    tag: 'notifications',
    access: 'member',
    params: deviceParams,
    responses: { 200: { description: 'Removed', schema: z.object({ removed: z.literal(true) }).meta({ id: 'PushDeviceRemoved' }) } },
    errors: [404],
  }),
  testPushDevice: defineRoute({
    method: 'post',
    path: '/api/v1/push/devices/:deviceId/test',
    summary: 'Sends a test notification to one of my devices and says how the push service answered.',
    tag: 'notifications',
    access: 'member',
    params: deviceParams,
    responses: { 200: { description: 'What happened', schema: pushTestResultSchema } },
    errors: [404, 429],
  }),
};
