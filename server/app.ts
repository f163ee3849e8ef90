// How the pieces fit together: docs/ARCHITECTURE.md
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createClient, type RedisClientType } from 'redis';
import type { RouteSpec } from '../shared/api/route-spec';
import type { Config } from './config';
import { createLimiter } from './core/auth/rate-limit';
import { createSessionMiddleware, csrfProtection, resolveSessionSecret } from './core/auth/session';
import { openDatabase, type Database } from './core/db/database';
import { createDomainEventBus } from './core/events/domain-events';
import { createWork } from './core/events/unit-of-work';
import { securityHeaders, serveClient } from './core/http/client';
import { notFoundHandler, problemHandler } from './core/http/problems';
import { requestLog } from './core/http/request-log';
import { createRouteMounter, type RouteMounter } from './core/http/routes';
import { createJobs, type Jobs } from './core/jobs/jobs';
import { createLogger, type Logger } from './core/logger';
import { createMailer } from './core/mail/mailer';
import { createOutboxMail, type OutboxMail } from './core/mail/outbox';
import { createMetrics, type Metrics } from './core/metrics';
import type { FeatureModule, Platform } from './core/module';
import { createRealtime, type CommandHandlers, type Realtime } from './core/realtime/realtime';
import { createMemberLog, memberReplayLog } from './core/replay-log/member-log';
import { pruneLogs } from './core/replay-log/replay-log';
import { createLanguages } from './core/i18n/languages';
import { createSettingsRegistry } from './core/settings/settings';
import type { CommandName } from '../shared/protocol/events';
import { accountsModule } from './features/accounts/accounts.module';
import { createRouteGuard, createSocketAuth } from './features/accounts/accounts.auth';
import type { Actor } from './features/accounts/actor';
import { ensureDefaultGuidelines } from './features/accounts/guidelines.service';
import { calendarModule } from './features/calendar/calendar.module';
import { chatModule } from './features/chat/chat.module';
import { moderationModule } from './features/moderation/moderation.module';
import { ensureSiteRow } from './features/site/site.repository';
import { searchModule } from './features/search/search.module';
import { notificationsModule } from './features/notifications/notifications.module';
import { pushModule } from './features/notifications/push.module';
import { notificationMailModule } from './features/notifications/mail/notification-mail.module';
import { createContentRegistry } from './core/content/content-registry';
import { chatContentKinds } from './features/chat/chat.content';
import { streamContentKinds } from './features/spaces/stream.content';
import { recoveryModule } from './features/accounts/recovery.module';
import { spacesModule } from './features/spaces/spaces.module';
import { systemModule } from './features/system/system.module';
import { welcomeModule } from './features/welcome/welcome.module';

/** JSON bodies above this are refused with 413 before they are parsed. */
export const JSON_BODY_LIMIT = '100kb';

export interface AppDeps {
  /** A database opened by the caller (tests share one); the app then neither migrates it nor closes it. */
  database?: Database;
  logger?: Logger;
  /** The clock of the features that take one (the calendar's offers and reminders); tests move it. */
  now?: () => Date;
}

export interface App {
  readonly config: Config;
  readonly logger: Logger;
  /** Opens the database, applies migrations, and listens. Resolves with the bound URL. */
  start(): Promise<{ url: string; port: number }>;
  /** Graceful shutdown: stop accepting, tell live clients, drain requests, close the database. */
  stop(): Promise<void>;
  /** Available after start(). */
  readonly database: Database;
  readonly realtime: Realtime;
  readonly httpServer: http.Server;
  readonly express: express.Express;
  readonly metrics: Metrics;
  /** The route specs the server mounted, for the test that holds the API document to them. */
  readonly mountedRoutes: ReadonlySet<RouteSpec>;
  /** Waits for background work in progress: welcome greetings, and the emails being sent. */
  settle(): Promise<void>;
  /** What every module stands on (tests reach the bus, the job queue and the unit of work through it). Available after start(). */
  readonly platform: Platform<Actor>;
  /** Runs the minutely moderation escalation now, as if the clock said `now` (tests; what the timer calls). */
  escalateModeration(now?: Date): Promise<number>;
}

interface Redis {
  client: RedisClientType;
  subscriber: RedisClientType;
  /**
   * For the rate limits: without an offline queue, so while Redis is away a limit check fails at
   * once (and the limiter falls back to this node's memory) instead of waiting for it to return.
   */
  limits: RedisClientType;
}

async function connectRedis(url: string, logger: Logger): Promise<Redis> {
  const client: RedisClientType = createClient({ url });
  const subscriber: RedisClientType = client.duplicate();
  const limits: RedisClientType = client.duplicate({ disableOfflineQueue: true });
  for (const c of [client, subscriber, limits]) c.on('error', (error: unknown) => logger.warn({ err: error }, 'redis connection error'));
  await Promise.all([client.connect(), subscriber.connect(), limits.connect()]);
  return { client, subscriber, limits };
}

const SESSION_SWEEP_MS = 60 * 60 * 1000;

type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;
/** The commands no module of the list handles: `never` when every command has its handler. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- a module without commands adds none
type CommandsOf<M> = M extends { commands: infer C } ? C : {};
type UnhandledCommands<M extends readonly unknown[]> = Exclude<CommandName, keyof UnionToIntersection<CommandsOf<M[number]>>>;

/**
 * The features of Hearth, in the order they are built: a module gets the platform and the public
 * face (`api`) of modules before it, never a callback into one after it.
 */
function createModules(platform: Platform<Actor>, options: { now?: () => Date } = {}) {
  const system = systemModule(platform);
  const accounts = accountsModule(platform);
  const spaces = spacesModule(platform);
  const chat = chatModule(platform);
  const welcome = welcomeModule(platform, { chat: chat.api.chat, stream: spaces.api.stream, spaces: spaces.api.spaces });
  // Every kind of content, one registry: moderation and notifications reach content only through it.
  const content = createContentRegistry<Actor>().register(
    ...streamContentKinds({ db: platform.db, stream: spaces.api.stream }),
    ...chatContentKinds({ db: platform.db, chat: chat.api.chat }),
  );
  const moderation = moderationModule(platform, { content, spaces: spaces.api.spaces });
  const search = searchModule(platform);
  const notifications = notificationsModule(platform, { content, conversations: chat.api.chat });
  const notificationMail = notificationMailModule(platform, { centre: notifications.api, content });
  const recovery = recoveryModule(platform);
  const calendar = calendarModule(platform, { stream: spaces.api.stream, notifications: notifications.api, notificationMail: notificationMail.api.notificationMail, now: options.now });
  const push = pushModule(platform, { notifications: notifications.api });
  return [system, accounts, spaces, chat, welcome, moderation, search, notifications, notificationMail, recovery, calendar, push] as const;
}

/** Every socket command handled by exactly the modules that declare it; a command without a handler does not compile. */
function commandsOf<M extends readonly unknown[]>(
  modules: M,
  ..._everyCommandHandled: [UnhandledCommands<M>] extends [never] ? [] : [missing: UnhandledCommands<M>]
): CommandHandlers<Actor> {
  return Object.assign({}, ...(modules as readonly FeatureModule<Actor>[]).map((m) => m.commands ?? {})) as CommandHandlers<Actor>;
}

/**
 * Builds a Hearth server without touching the network or the disk; `start()` does both.
 * Tests start as many as they like on port 0.
 */
export function createApp(config: Config, deps: AppDeps = {}): App {
  const logger = deps.logger ?? createLogger(config);
  let database: Database | undefined = deps.database;
  let realtime: Realtime<Actor> | undefined;
  let httpServer: http.Server | undefined;
  let expressApp: express.Express | undefined;
  let router: RouteMounter<Actor> | undefined;
  let redis: Redis | undefined;
  let jobs: Jobs | undefined;
  let mail: OutboxMail | undefined;
  let modules: readonly FeatureModule<Actor>[] = [];
  let bus: ReturnType<typeof createDomainEventBus> | undefined;
  let escalate: ((now?: Date) => Promise<number>) | undefined;
  let platformRef: Platform<Actor> | undefined;
  const metrics = createMetrics(() => database);
  let state: 'new' | 'starting' | 'started' | 'stopping' | 'stopped' = 'new';

  async function wire(db: Database, server: http.Server): Promise<express.Express> {
    const app = express();
    app.disable('x-powered-by');
    app.set('trust proxy', config.trustProxy);
    app.set('query parser', 'simple');

    // Request id and one log line per request (replaces pino-http: server/core/http/request-log.ts).
    app.use(requestLog(logger));
    app.use((req, res, next) => {
      const end = metrics.httpDuration.startTimer({ method: req.method });
      res.on('finish', () => {
        // The matched route template, never the raw URL: label values must stay few.
        const route = (req.route as { path?: unknown } | undefined)?.path;
        end({ route: typeof route === 'string' ? route : 'unmatched', status: String(res.statusCode) });
      });
      next();
    });
    app.use(securityHeaders(config));
    app.use(express.json({ limit: JSON_BODY_LIMIT, strict: true, type: ['application/json', 'application/*+json'] }));

    // Sessions only where they are used: static files and health checks never touch the store.
    const sessions = createSessionMiddleware(config, db.db, resolveSessionSecret(config, logger));
    app.use(['/api', '/auth'], sessions.middleware, csrfProtection(config, logger));

    const live = await createRealtime<Actor>({
      httpServer: server,
      config,
      logger,
      metrics,
      auth: createSocketAuth(db.db, sessions.middleware),
      // Called per connection, after listen(): the modules exist by then.
      roomsOnConnect: async (actor) => (await Promise.all(modules.map((m) => m.roomsOnConnect?.(actor) ?? []))).flat(),
      redis,
      // Error acks in the member's language (the platform is built just below).
      languages: () => platformRef?.languages,
    });
    realtime = live;

    // The platform every module stands on.
    const queue = createJobs({ db: db.db, logger, pollMs: config.jobPollMs, tickMs: config.jobPollMs * 3, worker: config.jobWorker });
    jobs = queue;
    const events = createDomainEventBus({ jobs: queue, logger });
    bus = events;
    const settings = createSettingsRegistry({ db: db.db, logger, events, redis: redis?.client });
    await settings.start();
    mail = createOutboxMail({
      db: db.db,
      jobs: queue,
      mailer: createMailer({ ...config.mail, outboxDir: path.join(config.dataDir, 'outbox'), logger }),
    });
    const platform: Platform<Actor> = {
      config,
      logger,
      database: db,
      db: db.db,
      realtime: live,
      metrics,
      events,
      jobs: queue,
      work: createWork({ db: db.db, realtime: live, bus: events, jobs: queue }),
      mail,
      memberLog: createMemberLog(),
      createLimiter: (options) => createLimiter(redis?.limits, options),
      settings,
      languages: createLanguages(settings),
      redis,
    };

    // Housekeeping of the platform itself: each run on one node.
    queue.define('platform.sweep', {
      run: async () => {
        await sessions.store.deleteExpired();
        const logs = [memberReplayLog, ...modules.flatMap((m) => m.logs ?? [])];
        const pruned = await pruneLogs(db.db, logs, new Date(Date.now() - config.eventLogRetentionMs));
        logger.info({ pruned }, 'expired sessions and old replay events removed');
      },
    });
    queue.schedule({ name: 'platform.sweep', everyMs: SESSION_SWEEP_MS, job: 'platform.sweep' });

    platformRef = platform;
    const list = createModules(platform, { now: deps.now });
    modules = list as readonly FeatureModule<Actor>[];
    escalate = list[5].api.doEscalateOverdue;
    for (const m of modules) {
      for (const subscription of m.subscriptions ?? []) events.on(subscription);
      for (const [kind, definition] of Object.entries(m.jobs ?? {})) queue.define(kind, definition as never);
      for (const schedule of m.schedules ?? []) queue.schedule(schedule);
    }
    live.handle(commandsOf(list));

    router = createRouteMounter<Actor>(app, createRouteGuard(db.db), { checkContracts: config.checkContracts });
    for (const m of modules) m.routes?.(router);

    if (!serveClient(app, config)) {
      logger.info({ clientDist: config.clientDist }, 'client not built: serving the API only (npm run build:client)');
    }
    app.use(notFoundHandler);
    app.use(problemHandler(logger, platform.languages));
    queue.start();
    return app;
  }

  /** Waits until no live subscriber and no due job is left, across what they cause in turn. */
  async function settle(): Promise<void> {
    for (let round = 0; round < 3; round++) {
      await bus?.idle();
      await Promise.all(modules.map((m) => m.idle?.()));
      await jobs?.drain();
    }
  }

  const app: App = {
    config,
    logger,
    metrics,
    get mountedRoutes() {
      return router?.mounted ?? new Set<RouteSpec>();
    },
    get database() {
      if (!database) throw new Error('app not started');
      return database;
    },
    get realtime() {
      if (!realtime) throw new Error('app not started');
      return realtime;
    },
    get platform() {
      if (!platformRef) throw new Error('app not started');
      return platformRef;
    },
    get httpServer() {
      if (!httpServer) throw new Error('app not started');
      return httpServer;
    },
    get express() {
      if (!expressApp) throw new Error('app not started');
      return expressApp;
    },

    async start() {
      if (state !== 'new') throw new Error(`cannot start an app that is ${state}`);
      state = 'starting';
      if (!database) {
        database = await openDatabase({
          databaseUrl: config.databaseUrl,
          dataDir: config.dataDir,
          poolSize: config.databasePoolSize,
          logger,
        });
        await database.migrate();
      }
      await ensureSiteRow(database.db);
      await ensureDefaultGuidelines(database.db);
      if (config.redisUrl) redis = await connectRedis(config.redisUrl, logger);
      const server = http.createServer();
      httpServer = server;
      // Slow clients must not hold a connection open forever.
      server.headersTimeout = 20_000;
      server.requestTimeout = 60_000;
      expressApp = await wire(database, server);
      server.on('request', expressApp);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      state = 'started';
      const port = (server.address() as AddressInfo).port;
      const url = `http://${config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host}:${port}`;
      logger.info({ port, publicUrl: config.publicUrl, database: database.kind, redis: Boolean(redis) }, 'Hearth is listening');
      return { url, port };
    },

    async escalateModeration(now) {
      if (!escalate) throw new Error('app not started');
      return escalate(now);
    },

    settle,

    async stop() {
      if (state === 'stopped' || state === 'stopping') return;
      const wasStarted = state === 'started';
      state = 'stopping';
      await bus?.idle().catch(() => undefined);
      await Promise.all(modules.map((m) => m.idle?.().catch(() => undefined)));
      await jobs?.stop();
      for (const m of modules) await m.stop?.();
      mail?.close();
      if (wasStarted && httpServer) {
        const server = httpServer;
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        // Socket.IO's close waits for the HTTP server's too, so both are bounded by the deadline.
        const realtimeClosed = realtime?.close() ?? Promise.resolve();
        // A request answered after close() leaves its keep-alive connection idle (the browser may hold
        // it for a minute): close idle connections as they appear, not only those idle at the start.
        server.closeIdleConnections();
        const sweeper = setInterval(() => server.closeIdleConnections(), 50);
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), config.shutdownTimeoutMs);
        });
        if ((await Promise.race([Promise.all([closed, realtimeClosed]), deadline])) === 'timeout') {
          logger.warn('requests still running at the shutdown deadline; closing their connections');
          server.closeAllConnections();
          await Promise.all([closed, realtimeClosed]);
        }
        clearInterval(sweeper);
        clearTimeout(timer);
      }
      await platformRef?.settings.stop();
      if (redis) await Promise.allSettled([redis.client.quit(), redis.subscriber.quit(), redis.limits.quit()]);
      if (database && !deps.database) await database.close();
      state = 'stopped';
      logger.info('Hearth stopped');
    },
  };
  return app;
}
