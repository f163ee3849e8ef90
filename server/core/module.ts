// What a feature hands the app: docs/ARCHITECTURE.md#feature-modules
//
// The app is core wiring plus a list of modules (server/app.ts). A module declares everything the
// app must know of it — routes, socket command handlers, rooms to join on connect, the domain
// events it reacts to, its jobs and schedules, and what to wait for on shutdown — so adding a
// feature edits no other feature. Another module's services reach it only through that module's
// `api` (its small public face), passed explicitly where the module is created.
import type { RedisClientType } from 'redis';
import type { Config } from '../config';
import type { Database, Db } from './db/database';
import type { AnySubscription, DomainEventBus } from './events/domain-events';
import type { Work } from './events/unit-of-work';
import type { RouteMounter } from './http/routes';
import type { JobDefinition, Jobs, Schedule } from './jobs/jobs';
import type { Languages } from './i18n/i18n';
import type { Logger } from './logger';
import type { OutboxMail } from './mail/outbox';
import type { Metrics } from './metrics';
import type { CommandHandlers, Realtime, RealtimeActor } from './realtime/realtime';
import type { MemberLog } from './replay-log/member-log';
import type { ReplayLog } from './replay-log/replay-log';
import type { LimiterFactory } from './auth/rate-limit';
import type { AnySettingsGroup, SettingsRegistry } from './settings/settings';

/** What every module is built with: the platform, never another feature. */
export interface Platform<A extends RealtimeActor = RealtimeActor> {
  config: Config;
  logger: Logger;
  database: Database;
  db: Db;
  realtime: Realtime<A>;
  metrics: Metrics;
  events: DomainEventBus;
  jobs: Jobs;
  work: Work;
  mail: OutboxMail;
  /** Each member's own numbered log: events only they receive, replayed after a reconnect. */
  memberLog: MemberLog;
  /** A rate limiter shared by every node through Redis when there is one. */
  createLimiter: LimiterFactory;
  /** Site, space and member settings declared by the modules, cached per node and dropped on every node on change. */
  settings: SettingsRegistry;
  /** Each member's language (their setting, else their browser's) and the server's words in it (server/core/i18n). */
  languages: Languages;
  redis?: { client: RedisClientType };
}

export interface FeatureModule<A extends RealtimeActor = RealtimeActor, Api = unknown> {
  name: string;
  /** The module's public face for the modules created after it. */
  api?: Api;
  /** Mounts its shared RouteSpecs. */
  routes?(router: RouteMounter<A>): void;
  /** Its socket commands; the app checks at compile time that every command has one handler. */
  commands?: Partial<CommandHandlers<A>>;
  /** Rooms a member's sockets join at the handshake (before any event can be missed). */
  roomsOnConnect?(actor: A): Promise<string[]>;
  /** Domain events it reacts to. */
  subscriptions?: AnySubscription[];
  /** Job kinds it runs. */
  jobs?: Record<string, JobDefinition<never>>;
  /** Recurring work (each run on one node). */
  schedules?: Schedule[];
  /** Its replay logs (server/core/replay-log), pruned with every other after the retention. */
  logs?: ReplayLog[];
  /** The settings groups it declared (platform.settings.define), so the list of modules tells every setting there is. */
  settings?: readonly AnySettingsGroup[];
  /** Waits for its background work (tests, shutdown). */
  idle?(): Promise<void>;
  /** Releases what it holds (timers, connections), after the HTTP server stopped. */
  stop?(): Promise<void> | void;
}
