// Settings of the site, of each space and of each member, declared by the features: decision 013.
//
// A feature declares a group (scope, key, zod schema, defaults). Its values live in one table
// (`settings`), one JSON object per scope id holding only the fields someone set, so the defaults
// of the running version fill in the rest. Every node keeps what it read for a short while; a
// change makes every node drop its copy at once through Redis when there is one, and the TTL bounds
// how long a node can miss it (no Redis, a lost message, a reconnect).
import { randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { PgTransaction } from 'drizzle-orm/pg-core';
import type { RedisClientType } from 'redis';
import type { z } from 'zod';
import type { Db } from '../db/database';
import { settings as settingsTable } from '../db/platform.schema';
import { parseInput } from '../errors';
import { subscribe, type DomainEventBus } from '../events/domain-events';
import type { UnitOfWork } from '../events/unit-of-work';
import type { Logger } from '../logger';
import type { SettingsScope } from './settings.events';

export type { SettingsScope } from './settings.events';

/** How long a node trusts its copy when nothing told it of a change (decision 011's 15 s). */
export const SETTINGS_TTL_MS = 15_000;

/** The Redis channel on which every node hears of changed settings. */
export const SETTINGS_CHANNEL = 'hearth:settings:changed';

/** Copies kept per node at most (space and member scopes grow with the network); the oldest go first. */
const MAX_CACHED = 10_000;

/** The scope id a group's calls take: none for the site, a space's or a member's id otherwise. */
export type ScopeIdArgs<S extends SettingsScope> = S extends 'site' ? [] : [scopeId: string];

export interface SettingsDefinition<Schema extends z.ZodObject, S extends SettingsScope> {
  scope: S;
  /** Unique per scope, e.g. 'welcome'. */
  key: string;
  /** Each field is checked on its own when read, so one field that no longer parses costs only itself. */
  schema: Schema;
  defaults: z.output<Schema>;
}

/** A declared group: what a feature reads and writes its settings through. */
export interface SettingsGroup<T extends object = Record<string, unknown>, S extends SettingsScope = SettingsScope, P = Partial<T>> {
  readonly scope: S;
  readonly key: string;
  readonly defaults: Readonly<T>;
  /** The settings with the defaults filled in: this node's copy while it is fresh, else read. */
  get(...scopeId: ScopeIdArgs<S>): Promise<Readonly<T>>;
  /** This node's fresh copy without a query; undefined when it has none. */
  peek(...scopeId: ScopeIdArgs<S>): Readonly<T> | undefined;
  /**
   * Checks `patch` against the schema (validation_failed) and writes the fields it sets. Given a
   * unit of work it writes in that transaction, and every node drops its copy after COMMIT; given
   * the database it writes at once and tells every node.
   */
  update(target: Db | UnitOfWork, patch: P, ...scopeId: ScopeIdArgs<S>): Promise<Readonly<T>>;
}

export interface SettingsRegistry {
  /** Declares a group; each (scope, key) once per registry. */
  define<Schema extends z.ZodObject, S extends SettingsScope>(
    definition: SettingsDefinition<Schema, S>,
  ): SettingsGroup<z.output<Schema>, S, Partial<z.input<Schema>>>;
  /** A declared group by name, loosely typed (tests, tools); throws when there is none. */
  group(scope: SettingsScope, key: string): SettingsGroup;
  /** Deletes every group's value of one space or member (for when it is gone) and tells every node. */
  forget(target: Db | UnitOfWork, scope: Exclude<SettingsScope, 'site'>, scopeId: string): Promise<void>;
  /** Listens for other nodes' changes (Redis); without Redis there is nothing to start. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

interface Change {
  scope: SettingsScope;
  scopeId: string;
  /** Null: every key of the scope id. */
  key: string | null;
}

/** What one node tells the others over Redis. */
interface Message extends Change {
  node: string;
}

const cacheKey = (scope: SettingsScope, scopeId: string, key: string) => `${scope}:${scopeId}:${key}`;

function isUnitOfWork(target: Db | UnitOfWork): target is UnitOfWork {
  return 'tx' in target && 'emit' in target;
}

/** The cached values are shared by every caller on the node: nobody may change them in place. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

function isMessage(value: unknown): value is Message {
  if (value === null || typeof value !== 'object') return false;
  const m = value as Record<string, unknown>;
  return (
    typeof m.node === 'string' &&
    (m.scope === 'site' || m.scope === 'space' || m.scope === 'member') &&
    typeof m.scopeId === 'string' &&
    (m.key === null || typeof m.key === 'string')
  );
}

export function createSettingsRegistry(deps: {
  db: Db;
  logger: Logger;
  /** Lets a write in a unit of work drop every node's copy after its COMMIT. */
  events?: DomainEventBus;
  /** The app's Redis client: changes are published on it; the registry listens on its own duplicate. */
  redis?: RedisClientType;
  ttlMs?: number;
}): SettingsRegistry {
  const { db, logger, events, redis } = deps;
  const ttlMs = deps.ttlMs ?? SETTINGS_TTL_MS;
  const node = randomUUID();
  const groups = new Map<string, SettingsGroup>();
  const cache = new Map<string, { value: object; at: number }>();
  // A read in flight is remembered so concurrent readers share it, and forgotten when a change
  // arrives meanwhile: a read that started before the change must not be kept as fresh.
  const reading = new Map<string, Promise<object>>();
  let subscriber: RedisClientType | undefined;

  function drop({ scope, scopeId, key }: Change): void {
    if (key !== null) {
      const k = cacheKey(scope, scopeId, key);
      cache.delete(k);
      reading.delete(k);
      return;
    }
    const prefix = cacheKey(scope, scopeId, '');
    for (const map of [cache, reading]) for (const k of [...map.keys()]) if (k.startsWith(prefix)) map.delete(k);
  }

  function remember(k: string, value: object, at: number): void {
    cache.delete(k);
    cache.set(k, { value, at });
    if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value!);
  }

  /** Tells the other nodes; a node that misses it (Redis down, a reconnect) catches up within the TTL. */
  async function tell(change: Change): Promise<void> {
    if (!redis) return;
    // Not queued while Redis is away: the write would wait for the reconnect.
    if (!redis.isReady) {
      logger.warn({ ...change }, 'settings change not published (Redis is not connected): other nodes see it within their TTL');
      return;
    }
    const message: Message = { node, ...change };
    try {
      await redis.publish(SETTINGS_CHANNEL, JSON.stringify(message));
    } catch (error) {
      logger.warn({ err: error, ...change }, 'settings change not published: other nodes see it within their TTL');
    }
  }

  function hear(raw: string): void {
    let message: unknown;
    try {
      message = JSON.parse(raw);
    } catch {
      message = undefined;
    }
    if (!isMessage(message)) {
      logger.warn({ message: raw }, 'settings: unreadable message on the settings channel');
      return;
    }
    if (message.node !== node) drop(message);
  }

  events?.on(
    subscribe({
      event: 'settings.changed',
      name: 'settings.drop-copies',
      durable: false,
      // Runs right after COMMIT: this node first, then the others.
      handle: async (change) => {
        drop(change);
        await tell(change);
      },
    }),
  );

  /** After a write: this node drops its copy now, every node after COMMIT (at once when there is no transaction). */
  async function changed(target: Db | UnitOfWork, change: Change): Promise<void> {
    drop(change);
    if (isUnitOfWork(target)) {
      if (!events) throw new Error('settings: writing in a unit of work needs the registry built with the event bus');
      target.emit('settings.changed', change);
    } else {
      await tell(change);
    }
  }

  function dbOf(target: Db | UnitOfWork): Db {
    if (isUnitOfWork(target)) return target.tx;
    // A bare transaction would let other nodes re-read the old value before it commits, and keep it.
    if (target instanceof PgTransaction) throw new Error('settings: inside a transaction, pass its unit of work (server/core/events/unit-of-work.ts)');
    return target;
  }

  function scopeIdOf(scope: SettingsScope, args: readonly string[]): string {
    const id = args[0] ?? '';
    if ((scope === 'site') !== (id === '')) {
      throw new Error(scope === 'site' ? 'settings: a site setting takes no scope id' : `settings: a ${scope} setting needs the ${scope}'s id`);
    }
    return id;
  }

  return {
    define<Schema extends z.ZodObject, S extends SettingsScope>(definition: SettingsDefinition<Schema, S>) {
      type T = z.output<Schema>;
      const { scope, key, schema } = definition;
      const name = `${scope}:${key}`;
      if (groups.has(name)) throw new Error(`settings: ${name} is declared twice`);
      if (key.includes(':')) throw new Error(`settings: a key has no ':' (${key})`);
      const defaults = deepFreeze(schema.parse(definition.defaults) as T);
      const fields = Object.entries(schema.shape as Record<string, z.ZodType>);
      const patchSchema = schema.partial().strict();

      /** The stored JSON read field by field: unknown fields ignored, one that no longer parses replaced by its default. */
      function valueOf(stored: unknown, scopeId: string): Readonly<T> {
        if (stored === undefined) return defaults;
        const value: Record<string, unknown> = { ...defaults };
        const broken: string[] = [];
        if (stored === null || typeof stored !== 'object' || Array.isArray(stored)) {
          broken.push('*');
        } else {
          for (const [field, fieldSchema] of fields) {
            if (!Object.hasOwn(stored, field)) continue;
            const parsed = fieldSchema.safeParse((stored as Record<string, unknown>)[field]);
            if (parsed.success) value[field] = parsed.data;
            else broken.push(field);
          }
        }
        if (broken.length) logger.warn({ scope, scopeId, key, fields: broken }, 'stored settings no longer match their schema: their defaults are used');
        return deepFreeze(value as T);
      }

      async function read(scopeId: string): Promise<Readonly<T>> {
        const [row] = await db
          .select({ value: settingsTable.value })
          .from(settingsTable)
          .where(and(eq(settingsTable.scope, scope), eq(settingsTable.scopeId, scopeId), eq(settingsTable.key, key)));
        return valueOf(row?.value, scopeId);
      }

      const group: SettingsGroup<T, S, Partial<z.input<Schema>>> = {
        scope,
        key,
        defaults,

        peek(...args) {
          const hit = cache.get(cacheKey(scope, scopeIdOf(scope, args), key));
          return hit && Date.now() - hit.at < ttlMs ? (hit.value as Readonly<T>) : undefined;
        },

        async get(...args) {
          const scopeId = scopeIdOf(scope, args);
          const k = cacheKey(scope, scopeId, key);
          const hit = cache.get(k);
          if (hit && Date.now() - hit.at < ttlMs) return hit.value as Readonly<T>;
          const inFlight = reading.get(k);
          if (inFlight) return inFlight as Promise<Readonly<T>>;
          const at = Date.now();
          const pending: Promise<Readonly<T>> = read(scopeId).then(
            (value) => {
              // Kept only if no change arrived while it was read (drop() forgot the read then).
              if (reading.get(k) === pending) {
                reading.delete(k);
                remember(k, value, at);
              }
              return value;
            },
            (error: unknown) => {
              if (reading.get(k) === pending) reading.delete(k);
              throw error;
            },
          );
          reading.set(k, pending);
          return pending;
        },

        async update(target, patch, ...args) {
          const scopeId = scopeIdOf(scope, args);
          const set = Object.fromEntries(
            Object.entries(parseInput(patchSchema, patch, `${key} settings`) as Record<string, unknown>).filter(([, v]) => v !== undefined),
          );
          const [row] = await dbOf(target)
            .insert(settingsTable)
            .values({ scope, scopeId, key, value: set })
            .onConflictDoUpdate({
              target: [settingsTable.scope, settingsTable.scopeId, settingsTable.key],
              // Only the fields this patch sets: a concurrent change of other fields is kept.
              set: { value: sql`${settingsTable.value} || excluded.value`, updatedAt: sql`now()` },
            })
            .returning({ value: settingsTable.value });
          const value = valueOf(row!.value, scopeId);
          await changed(target, { scope, scopeId, key });
          // Committed already (no transaction): this node's copy is the new value.
          if (!isUnitOfWork(target)) remember(cacheKey(scope, scopeId, key), value, Date.now());
          return value;
        },
      };
      groups.set(name, group as unknown as SettingsGroup);
      return group;
    },

    group(scope, key) {
      const found = groups.get(`${scope}:${key}`);
      if (!found) throw new Error(`settings: no group ${scope}:${key} is declared`);
      return found;
    },

    async forget(target, scope, scopeId) {
      scopeIdOf(scope, [scopeId]);
      await dbOf(target).delete(settingsTable).where(and(eq(settingsTable.scope, scope), eq(settingsTable.scopeId, scopeId)));
      await changed(target, { scope, scopeId, key: null });
    },

    async start() {
      if (!redis || subscriber) return;
      const listener = redis.duplicate();
      listener.on('error', (error: unknown) => logger.warn({ err: error }, 'settings: redis subscriber error'));
      let connected = false;
      listener.on('ready', () => {
        // Back after a disconnect: changes told meanwhile were missed, so every copy goes.
        if (connected) {
          cache.clear();
          reading.clear();
        }
        connected = true;
      });
      await listener.connect();
      await listener.subscribe(SETTINGS_CHANNEL, hear);
      subscriber = listener;
    },

    async stop() {
      const listener = subscriber;
      subscriber = undefined;
      if (listener) await listener.quit().catch(() => undefined);
    },
  };
}

/** Any declared group, whatever its fields and scope (a module's list mixes them). */
export type AnySettingsGroup = SettingsGroup<object, SettingsScope, never>;
