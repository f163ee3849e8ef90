// Web push: docs/decisions/023-web-push.md
//
// A member's browsers subscribe (their endpoint and keys are a row); each batch of notifications
// the centre made becomes a durable job that pushes each one still unread to its member's devices,
// when the kind's push channel is on for them and they are not in quiet hours (then the job waits
// for the end of them). The texts are built through the centre's own view of the notification, so
// a push says nothing of content its member may no longer read.
import { generateVAPIDKeys } from 'web-push';
import { sql } from 'drizzle-orm';
import type { Config } from '../../config';
import type { Db } from '../../core/db/database';
import { notifications as notificationsTable } from '../../core/db/schema';
import { AppError, problem } from '../../core/errors';
import { consume, type LimiterFactory } from '../../core/auth/rate-limit';
import { hasMessage, translator, type Languages, type Translate } from '../../core/i18n/i18n';
import type { JobContext, Jobs, NewJob } from '../../core/jobs/jobs';
import type { Logger } from '../../core/logger';
import type { PushDevice, WebManifest } from '../../../shared/api/push.routes';
import type { NotificationView } from '../../../shared/api/notifications.routes';
import { loadActor, type Actor } from '../accounts/actor';
import { readSiteRow } from '../site/site.public';
import type { NotificationKindRegistry } from './notification-kinds';
import { isQuiet, quietUntil, type NotificationPreferences, type PushPreview } from './notification-preferences';
import type { NotificationDelivery, NotificationsService } from './notifications.service';
import { MAX_DEVICES, type PushRepository, type PushSubscriptionRow, type VapidKeys } from './push.repository';
import { addressLiteralOf, type PushSender, type SendOutcome } from './push.sender';

/** The job that pushes a batch of notifications. */
export const PUSH_JOB = 'notifications.push';

/** Notifications per job: a post to 5,000 followers is ten jobs, not one of 5,000 ids. */
const IDS_PER_JOB = 500;

/** Pushes in flight at once per job (push services are quick; a slow one must not hold 5,000 sockets). */
const CONCURRENCY = 8;

/** A device that failed is tried again this many times, after 1, 4, 16 and 64 minutes. */
const RETRIES = 4;
const retryDelayMs = (retry: number) => 60_000 * 4 ** retry;

/** What the service worker shows (client/public/sw.js); kept under 3 KB, well within what push services take. */
export interface PushMessage {
  title: string;
  body: string;
  /** A path of this site, opened on click. */
  url: string;
  /** Notifications with the same tag replace each other on the device (one per notification group). */
  tag: string;
  notificationId?: string;
}

export const MAX_PAYLOAD_BYTES = 3_000;

/** The colour of the browser's bar around the installed app (the brand colour of client/index.html). */
const THEME_COLOR = '#b33c0b';

/** The job's payload: one kind's notifications, and, for a retry or a test, only these devices. */
export interface PushJobPayload extends Record<string, unknown> {
  kind: string;
  notificationIds: string[];
  devices?: string[];
  retry?: number;
}

/** 'join-request' → 'joinRequest': the kind's key in notify:push.kinds ('other' for a kind without words of its own). */
function kindKey(kind: string): string {
  const key = kind.replace(/[-.](\w)/g, (_match, letter: string) => letter.toUpperCase());
  return hasMessage(`notify:push.kinds.${key}`) ? key : 'other';
}

const truncate = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`);

/** Runs `task` over `items`, at most `limit` at a time. */
async function inPool<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * The words of a push about one notification, from the member's view of it: a notification whose
 * subject they may no longer read says only that there is something, and links to the list.
 */
export function pushMessageOf(view: NotificationView, t: Translate, preview: PushPreview = 'full'): PushMessage {
  const tag = `notification-${view.id}`;
  const gone = view.subject?.available === false;
  if (gone) return { title: t('notify:push.gone'), body: '', url: '/notifications', tag, notificationId: view.id };
  // Hidden on the lock screen: no names, no space, no words of what was written; the link opens it once unlocked.
  if (preview === 'hidden') return { title: t('notify:push.hidden'), body: '', url: '/notifications', tag, notificationId: view.id };
  const first = view.actors[0];
  const who = !first ? t('notify:push.someone') : view.actorCount > 1 ? t('notify:push.whoAndOthers', { actor: first.displayName, count: view.actorCount - 1 }) : first.displayName;
  const title = t(`notify:push.kinds.${kindKey(view.kind)}`, { who, space: view.space?.name ?? '' });
  // A space is its own title; content says what it said.
  const body = view.subject && view.subject.kind !== 'space' ? view.subject.excerpt : '';
  const url = view.link?.startsWith('/') && !view.link.startsWith('//') ? view.link : '/notifications';
  return fitted({ title: truncate(title, 120), body: truncate(body, 180), url, tag, notificationId: view.id });
}

/** The message as JSON of at most MAX_PAYLOAD_BYTES (the body gives way first, then the title). */
export function encodeMessage(message: PushMessage): string {
  return JSON.stringify(fitted(message));
}

function fitted(message: PushMessage): PushMessage {
  const size = (candidate: PushMessage) => Buffer.byteLength(JSON.stringify(candidate));
  if (size(message) <= MAX_PAYLOAD_BYTES) return message;
  const withoutBody = { ...message, body: '' };
  if (size(withoutBody) <= MAX_PAYLOAD_BYTES) return withoutBody;
  return { ...withoutBody, title: truncate(message.title, 60), url: '/notifications' };
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** An address literal or a name of this machine: a push service is neither (and is never inside our network). */
function isLocalHost(hostname: string): boolean {
  return LOOPBACK.has(hostname) || hostname.endsWith('.localhost') || addressLiteralOf(hostname) !== undefined;
}

/**
 * A push service is reached over https at a public name. Development and tests may use one on
 * this machine, over http too; production refuses any address literal or local name, so a
 * subscription cannot make the server post to something inside its own network.
 */
export function checkPushEndpoint(endpoint: string, env: Config['env']): void {
  const url = new URL(endpoint);
  const local = isLocalHost(url.hostname);
  const relaxed = env !== 'production' && LOOPBACK.has(url.hostname);
  const invalid = (error: { path: string; message: string }) => new AppError('validation_failed', 'This push endpoint cannot be used', { errors: [error] });
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && relaxed)) throw invalid({ path: 'endpoint', message: 'must be an https URL' });
  if (local && !relaxed) throw invalid({ path: 'endpoint', message: 'must name a push service, not an address' });
  if (url.username || url.password) throw invalid({ path: 'endpoint', message: 'must not carry credentials' });
}

export function createPushService(deps: {
  config: Config;
  db: Db;
  logger: Logger;
  jobs: Jobs;
  repository: PushRepository;
  sender: PushSender;
  notifications: NotificationsService;
  preferences: NotificationPreferences;
  kinds: NotificationKindRegistry;
  languages: Languages;
  createLimiter: LimiterFactory;
}) {
  const { config, db, logger, jobs, repository, sender, notifications, preferences, kinds, languages } = deps;
  const testLimiter = deps.createLimiter({ keyPrefix: 'push-test', points: 10, durationSeconds: 3600 });
  let keys: Promise<VapidKeys> | undefined;

  /** The configured pair, else the one in the database (made by the first node that needed it). */
  function vapidKeys(): Promise<VapidKeys> {
    keys ??= config.push.vapidKeys
      ? Promise.resolve(config.push.vapidKeys)
      : repository.vapidKeys(() => generateVAPIDKeys()).catch((error: unknown) => {
          keys = undefined;
          throw error;
        });
    return keys;
  }

  function deviceView(row: PushSubscriptionRow): PushDevice {
    return {
      id: row.id,
      label: row.label,
      endpoint: row.endpoint,
      service: new URL(row.endpoint).host,
      createdAt: row.createdAt.toISOString(),
      lastSuccessAt: row.lastSuccessAt?.toISOString() ?? null,
      failures: row.failures,
    };
  }

  async function sendTracked(device: PushSubscriptionRow, payload: string, topic?: string): Promise<SendOutcome> {
    const { outcome, status } = await sender.send(device, payload, { keys: await vapidKeys(), topic });
    if (outcome === 'gone') await repository.forget(device.id);
    else if (outcome === 'sent') await repository.succeeded(device.id);
    else {
      await repository.failed(device.id);
      logger.info({ device: device.id, service: new URL(device.endpoint).host, status }, 'push failed');
    }
    return outcome;
  }

  /** Builds each member's messages (through their view) and sends them, or waits out their quiet hours. */
  async function doDeliver(payload: PushJobPayload, context: JobContext): Promise<void> {
    if (!kinds.find(payload.kind)) return;
    const now = context.startedAt;
    const pushOn = await preferences.channelSql(payload.kind, 'push', sql`${notificationsTable.userId}`);
    const targets = await repository.targets(payload.notificationIds, pushOn, payload.devices);
    const byMember = new Map<string, { notificationIds: Set<string>; devices: Map<string, PushSubscriptionRow> }>();
    const versions = new Map<string, Date>();
    for (const target of targets) {
      const entry = byMember.get(target.userId) ?? { notificationIds: new Set(), devices: new Map() };
      entry.notificationIds.add(target.notificationId);
      versions.set(target.notificationId, target.version);
      entry.devices.set(target.subscription.id, target.subscription);
      byMember.set(target.userId, entry);
    }

    const later: NewJob[] = [];
    const sends: { device: PushSubscriptionRow; notificationId: string; version: Date; body: string }[] = [];
    for (const [userId, { notificationIds, devices }] of byMember) {
      const { quietHours, pushPreview } = await preferences.member.get(userId);
      if (isQuiet(quietHours, now)) {
        // Nothing is lost: the same notifications, for this member, when their quiet hours end (still only if unread then).
        later.push({
          kind: PUSH_JOB,
          payload: { kind: payload.kind, notificationIds: [...notificationIds], ...(payload.devices ? { devices: [...devices.keys()] } : {}) },
          runAt: quietUntil(quietHours, now),
          dedupeKey: `push-quiet:${context.id}:${userId}`,
        });
        continue;
      }
      const actor: Actor | undefined = await loadActor(db, userId, '');
      if (!actor || actor.user.status !== 'active') continue;
      const t = translator(await languages.of(userId));
      for (const notificationId of notificationIds) {
        let view: NotificationView;
        try {
          view = await notifications.accessOne(actor, notificationId);
        } catch (error) {
          if (error instanceof AppError && error.code === 'not_found') continue;
          throw error;
        }
        const body = encodeMessage(pushMessageOf(view, t, pushPreview));
        for (const device of devices.values()) sends.push({ device, notificationId, version: versions.get(notificationId)!, body });
      }
    }

    // Each push once: a run of this job again (a lease that ran out, a node that died) skips what
    // went already; a push that fails is given back for its retry.
    const claimed = await repository.claim(sends.map(({ device, notificationId, version }) => ({ notificationId, subscriptionId: device.id, version })));
    const failed = new Map<string, Set<string>>();
    await inPool(
      sends.filter(({ device, notificationId }) => claimed.has(`${notificationId}|${device.id}`)),
      CONCURRENCY,
      async ({ device, notificationId, version, body }) => {
        // The topic lets the push service replace an undelivered push of the same notification.
        const outcome = await sendTracked(device, body, notificationId.replace(/-/g, ''));
        if (outcome === 'failed') {
          await repository.release({ notificationId, subscriptionId: device.id, version });
          failed.set(device.id, (failed.get(device.id) ?? new Set()).add(notificationId));
        }
      },
    );
    const retry = payload.retry ?? 0;
    if (retry < RETRIES) {
      for (const [deviceId, ids] of failed) {
        later.push({
          kind: PUSH_JOB,
          payload: { kind: payload.kind, notificationIds: [...ids], devices: [deviceId], retry: retry + 1 },
          runAt: new Date(Date.now() + retryDelayMs(retry)),
          dedupeKey: `push-retry:${context.id}:${deviceId}`,
        });
      }
    }
    if (later.length) await jobs.enqueue(db, ...later);
  }

  const delivery: NotificationDelivery = {
    name: 'push',
    async afterNotify({ kind, told }) {
      const userIds = [...new Set(told.map((one) => one.userId))];
      // Most members have no device: only a batch that may reach one costs a job row.
      if (!(await repository.anyDevice(userIds))) return;
      const ids = told.map((one) => one.payload.notificationId);
      const rows: NewJob[] = [];
      for (let at = 0; at < ids.length; at += IDS_PER_JOB) rows.push({ kind: PUSH_JOB, payload: { kind, notificationIds: ids.slice(at, at + IDS_PER_JOB) } });
      await jobs.enqueue(db, ...rows);
      jobs.kick();
    },
  };

  return {
    delivery,
    doDeliver,

    /** The installable app: the site's name, its icons (client/public/icons, made by scripts/make-icons.ts). */
    async accessManifest(): Promise<WebManifest> {
      const name = (await readSiteRow(db)).name ?? config.siteName;
      const icon = (file: string, sizes: string, purpose: 'any' | 'maskable') => ({ src: `/icons/${file}`, sizes, type: 'image/png' as const, purpose });
      return {
        name,
        short_name: name.length <= 12 ? name : name.slice(0, 12).trimEnd(),
        id: '/',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        theme_color: THEME_COLOR,
        background_color: '#ffffff',
        icons: [
          icon('icon-192.png', '192x192', 'any'),
          icon('icon-512.png', '512x512', 'any'),
          icon('maskable-192.png', '192x192', 'maskable'),
          icon('maskable-512.png', '512x512', 'maskable'),
        ],
      };
    },

    async accessPublicKey(_actor: Actor): Promise<{ publicKey: string }> {
      return { publicKey: (await vapidKeys()).publicKey };
    },

    async accessDevices(actor: Actor): Promise<{ devices: PushDevice[] }> {
      return { devices: (await repository.devicesOf(actor.user.id)).map(deviceView) };
    },

    async doSubscribe(actor: Actor, input: { endpoint: string; keys: { p256dh: string; auth: string }; label: string }): Promise<PushDevice> {
      checkPushEndpoint(input.endpoint, config.env);
      const mine = await repository.devicesOf(actor.user.id);
      if (!mine.some((device) => device.endpoint === input.endpoint) && mine.length >= MAX_DEVICES) {
        throw new AppError('conflict', problem('You can receive notifications on at most {{max}} devices; remove one first', { max: MAX_DEVICES }));
      }
      const row = await repository.upsert(actor.user.id, { endpoint: input.endpoint, p256dh: input.keys.p256dh, auth: input.keys.auth, label: input.label });
      return deviceView(row);
    },

    async doRemove(actor: Actor, deviceId: string): Promise<{ removed: true }> {
      if (!(await repository.remove(actor.user.id, deviceId))) throw AppError.notFound('No such device');
      return { removed: true };
    },

    /** A push now, straight to one of my devices, with how the push service answered. */
    async doSendTest(actor: Actor, deviceId: string): Promise<{ outcome: SendOutcome }> {
      const device = await repository.device(actor.user.id, deviceId);
      if (!device) throw AppError.notFound('No such device');
      await consume(testLimiter, actor.user.id, 'Too many test notifications; try again later');
      const t = translator(await languages.of(actor.user.id));
      const message: PushMessage = { title: t('notify:push.test.title', { site: config.siteName }), body: t('notify:push.test.body', { site: config.siteName }), url: '/notifications', tag: 'hearth-test' };
      return { outcome: await sendTracked(device, encodeMessage(message)) };
    },
  };
}

export type PushService = ReturnType<typeof createPushService>;
