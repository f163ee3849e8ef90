// Queries of web push (decision 023): members' devices and this network's VAPID key pair.
import { and, desc, eq, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../core/db/database';
import { notifications, pushSends, pushSubscriptions, settings, users } from '../../core/db/schema';

export type PushSubscriptionRow = typeof pushSubscriptions.$inferSelect;

/**
 * Where the generated key pair is kept: a row of the settings table that is no declared settings
 * group, so no settings page or API can read it (`settings.group('site', …)` throws for it).
 */
const VAPID_KEY = 'push.vapid-keys';

/** Devices a member may have at once (a phone, a laptop, a few browsers; more is a script). */
export const MAX_DEVICES = 20;

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

/** One unread notification to push, with a device of its member (a row per device). */
export interface PushTarget {
  notificationId: string;
  /** The notification's version (its `updated_at`): a grown group is pushed again. */
  version: Date;
  userId: string;
  subscription: PushSubscriptionRow;
}

/** One push to send: this version of a notification to this device. */
export interface PushClaim {
  notificationId: string;
  subscriptionId: string;
  version: Date;
}

export function createPushRepository(db: Db) {
  return {
    /** The stored key pair, or `generated` stored first: the first node's pair wins, every node reads it. */
    async vapidKeys(generated: () => VapidKeys): Promise<VapidKeys> {
      const [found] = await db.select({ value: settings.value }).from(settings).where(and(eq(settings.scope, 'site'), eq(settings.scopeId, ''), eq(settings.key, VAPID_KEY)));
      if (found) return found.value as unknown as VapidKeys;
      await db
        .insert(settings)
        .values({ scope: 'site', scopeId: '', key: VAPID_KEY, value: { ...generated() } })
        .onConflictDoNothing();
      const [stored] = await db.select({ value: settings.value }).from(settings).where(and(eq(settings.scope, 'site'), eq(settings.scopeId, ''), eq(settings.key, VAPID_KEY)));
      return stored!.value as unknown as VapidKeys;
    },

    async devicesOf(userId: string): Promise<PushSubscriptionRow[]> {
      return db.select().from(pushSubscriptions).where(eq(pushSubscriptions.userId, userId)).orderBy(desc(pushSubscriptions.createdAt), desc(pushSubscriptions.id));
    },

    /** Whether any of these members has a device (most have none: their notifications cost no push job). */
    async anyDevice(userIds: string[]): Promise<boolean> {
      if (userIds.length === 0) return false;
      const [row] = await db.select({ id: pushSubscriptions.id }).from(pushSubscriptions).where(inArray(pushSubscriptions.userId, userIds)).limit(1);
      return row !== undefined;
    },

    async device(userId: string, id: string): Promise<PushSubscriptionRow | undefined> {
      const [row] = await db.select().from(pushSubscriptions).where(and(eq(pushSubscriptions.id, id), eq(pushSubscriptions.userId, userId)));
      return row;
    },

    /**
     * The browser's subscription, as one row per endpoint: a browser that subscribes again (new
     * keys, or another member signed in on it) takes the row over, with its failures forgotten.
     */
    async upsert(userId: string, input: { endpoint: string; p256dh: string; auth: string; label: string }): Promise<PushSubscriptionRow> {
      const [row] = await db
        .insert(pushSubscriptions)
        .values({ userId, ...input })
        .onConflictDoUpdate({
          target: pushSubscriptions.endpoint,
          set: { userId, p256dh: input.p256dh, auth: input.auth, label: input.label, failures: 0 },
        })
        .returning();
      return row!;
    },

    async remove(userId: string, id: string): Promise<boolean> {
      const removed = await db.delete(pushSubscriptions).where(and(eq(pushSubscriptions.id, id), eq(pushSubscriptions.userId, userId))).returning({ id: pushSubscriptions.id });
      return removed.length > 0;
    },

    /** The push service said the subscription is gone (404/410). */
    async forget(id: string): Promise<void> {
      await db.delete(pushSubscriptions).where(eq(pushSubscriptions.id, id));
    },

    async succeeded(id: string): Promise<void> {
      await db.update(pushSubscriptions).set({ lastSuccessAt: sql`now()`, failures: 0 }).where(eq(pushSubscriptions.id, id));
    },

    async failed(id: string): Promise<void> {
      await db
        .update(pushSubscriptions)
        .set({ failures: sql`${pushSubscriptions.failures} + 1` })
        .where(eq(pushSubscriptions.id, id));
    },

    /**
     * The devices to push these notifications to: still unread, their member active, the kind's
     * push channel on for them (`pushOn`, preferences.channelSql over `n.user_id`), and, when
     * given, only these devices (a retry of the ones that failed).
     */
    async targets(notificationIds: string[], pushOn: SQL, onlyDevices?: string[]): Promise<PushTarget[]> {
      if (notificationIds.length === 0 || onlyDevices?.length === 0) return [];
      const rows = await db
        .select({ notificationId: notifications.id, version: notifications.updatedAt, userId: notifications.userId, subscription: pushSubscriptions })
        .from(notifications)
        .innerJoin(users, eq(users.id, notifications.userId))
        .innerJoin(pushSubscriptions, eq(pushSubscriptions.userId, notifications.userId))
        .where(
          and(
            inArray(notifications.id, notificationIds),
            isNull(notifications.readAt),
            eq(users.status, 'active'),
            pushOn,
            onlyDevices ? inArray(pushSubscriptions.id, onlyDevices) : undefined,
          ),
        )
        .orderBy(notifications.userId, notifications.id);
      return rows;
    },

    /**
     * Takes these pushes for this run, in one statement: answers those not sent before at this
     * version or a newer one (by this run or any other), as `notificationId|subscriptionId`.
     */
    async claim(pushes: PushClaim[]): Promise<Set<string>> {
      if (pushes.length === 0) return new Set();
      const rows = (await db.execute(sql`
        insert into ${pushSends} (notification_id, subscription_id, version)
        select n, s, v from unnest(${`{${pushes.map((p) => p.notificationId).join(',')}}`}::uuid[], ${`{${pushes.map((p) => p.subscriptionId).join(',')}}`}::uuid[], ${`{${pushes.map((p) => `"${p.version.toISOString()}"`).join(',')}}`}::timestamptz[]) as t(n, s, v)
        on conflict (notification_id, subscription_id) do update set version = excluded.version
          where ${pushSends.version} < excluded.version
        returning notification_id, subscription_id`)) as unknown as { rows: { notification_id: string; subscription_id: string }[] };
      return new Set(rows.rows.map((row) => `${row.notification_id}|${row.subscription_id}`));
    },

    /** Gives a push back after it failed, so the retry may send it. */
    async release(push: PushClaim): Promise<void> {
      await db
        .delete(pushSends)
        .where(and(eq(pushSends.notificationId, push.notificationId), eq(pushSends.subscriptionId, push.subscriptionId), eq(pushSends.version, push.version)));
    },
  };
}

export type PushRepository = ReturnType<typeof createPushRepository>;
