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
import { buildAsyncApiDocument, buildOpenApiDocument } from './core/api/documents';
import { openDatabase, type Database } from './core/db/database';
import { securityHeaders, serveClient } from './core/http/client';
import { notFoundHandler, problemHandler } from './core/http/problems';
import { requestLog } from './core/http/request-log';
import { createRouteMounter, type RouteMounter } from './core/http/routes';
import { createLogger, type Logger } from './core/logger';
import { createMetrics, type Metrics } from './core/metrics';
import { createRealtime, type Realtime } from './core/realtime/realtime';
import { createAccountsService } from './features/accounts/accounts.service';
import { createRouteGuard, createSocketAuth } from './features/accounts/accounts.auth';
import { mountAccountRoutes } from './features/accounts/accounts.routes';
import type { Actor } from './features/accounts/actor';
import { createAdminService } from './features/accounts/admin.service';
import { createGuidelinesService, ensureDefaultGuidelines } from './features/accounts/guidelines.service';
import { createOidc } from './features/accounts/oidc';
import { ensureSiteRow, readSiteRow } from './features/site/site.repository';
import { mountSpaceRoutes } from './features/spaces/spaces.routes';
import { pruneEventLogs } from './core/db/event-logs';
import { createSpacesService } from './features/spaces/spaces.service';
import { mountChatRoutes } from './features/chat/chat.routes';
import { createChatService } from './features/chat/chat.service';
import { chatCommandHandlers } from './features/chat/chat.socket';
import { createPresence, type Presence } from './features/chat/presence';
import { createMailer } from './core/mail/mailer';
import { createEmailOutbox, type EmailOutbox } from './features/welcome/email-outbox';
import { createWelcomeService, type WelcomeService } from './features/welcome/welcome.service';
import { mountWelcomeRoutes } from './features/welcome/welcome.routes';
import { mountModerationRoutes } from './features/moderation/moderation.routes';
import { createModerationService, type ModerationService } from './features/moderation/moderation.service';
import { streamCommandHandlers } from './features/spaces/stream.socket';
import { createStreamService } from './features/spaces/stream.service';
import { createSiteService } from './features/site/site.service';
import { mountSystemRoutes } from './features/system/system.routes';
import { systemCommandHandlers } from './features/system/system.socket';
import { version } from './version';

/** JSON bodies above this are refused with 413 before they are parsed. */
export const JSON_BODY_LIMIT = '100kb';

export interface AppDeps {
  /** A database opened by the caller (tests share one); the app then neither migrates it nor closes it. */
  database?: Database;
  logger?: Logger;
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
  /** Runs the minutely moderation escalation now, as if the clock said `now` (tests; what the timer calls). */
  escalateModeration(now?: Date): Promise<number>;
}

interface Redis {
  client: RedisClientType;
  subscriber: RedisClientType;
}

async function connectRedis(url: string, logger: Logger): Promise<Redis> {
  const client: RedisClientType = createClient({ url });
  const subscriber: RedisClientType = client.duplicate();
  for (const c of [client, subscriber]) c.on('error', (error: unknown) => logger.warn({ err: error }, 'redis connection error'));
  await Promise.all([client.connect(), subscriber.connect()]);
  return { client, subscriber };
}

const SESSION_SWEEP_MS = 60 * 60 * 1000;
/** How often each node looks for moderation cases left unhandled past the admins' limit. */
const ESCALATION_CHECK_MS = 60 * 1000;

/**
 * Builds a Hearth server without touching the network or the disk; `start()` does both.
 * Tests start as many as they like on port 0.
 */
export function createApp(config: Config, deps: AppDeps = {}): App {
  const logger = deps.logger ?? createLogger(config);
  let database: Database | undefined = deps.database;
  let realtime: Realtime | undefined;
  let httpServer: http.Server | undefined;
  let expressApp: express.Express | undefined;
  let router: RouteMounter<Actor> | undefined;
  let redis: Redis | undefined;
  let sweepTimer: NodeJS.Timeout | undefined;
  let presence: Presence | undefined;
  let outbox: EmailOutbox | undefined;
  let welcomeService: WelcomeService | undefined;
  let moderationService: ModerationService | undefined;
  let escalationTimer: NodeJS.Timeout | undefined;
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
    app.use(['/api', '/auth'], sessions.middleware, csrfProtection(config));
    sweepTimer = setInterval(() => {
      sessions.store.deleteExpired().catch((error: unknown) => logger.warn({ err: error }, 'expired session sweep failed'));
      pruneEventLogs(db.db, new Date(Date.now() - config.eventLogRetentionMs)).then(
        (pruned) => logger.info({ pruned }, 'old replay events pruned'),
        (error: unknown) => logger.warn({ err: error }, 'event log pruning failed'),
      );
    }, SESSION_SWEEP_MS);
    sweepTimer.unref();

    realtime = await createRealtime({
      httpServer: server,
      config,
      logger,
      metrics,
      auth: createSocketAuth(db.db, sessions.middleware),
      // Called per connection, after listen(): spacesService exists by then.
      roomsOnConnect: (actor) => spacesService.roomsOf(actor.user.id),
      redis,
    });

    const limiters = {
      signInAccount: createLimiter(redis?.client, { keyPrefix: 'signin-account', points: 5, durationSeconds: 15 * 60, blockSeconds: 15 * 60 }),
      signInAddress: createLimiter(redis?.client, { keyPrefix: 'signin-address', points: config.limits.signInFailuresPerAddressPerHour, durationSeconds: 60 * 60 }),
      signUpAddress: createLimiter(redis?.client, { keyPrefix: 'signup-address', points: config.limits.signUpsPerAddressPerHour, durationSeconds: 60 * 60 }),
    };
    const accounts = createAccountsService({
      db: db.db,
      config,
      realtime,
      limiters,
      onErased: (userId) => spacesService.doForgetMember(userId),
    });
    // The welcome bot needs chat and the stream, which come later: hooks reach it once it exists.
    const guidelines = createGuidelinesService({
      db: db.db,
      realtime,
      sessionUserOf: accounts.sessionUserOf,
      onFirstAcceptance: (userId) => welcomeService?.onNewcomer(userId),
    });
    const admin = createAdminService({ db: db.db, config, realtime, accounts });
    const oidc = createOidc({ config, logger, accounts });
    const site = createSiteService({ db: db.db, defaultName: config.siteName, version });
    const spacesService = createSpacesService({
      db: db.db,
      realtime,
      config,
      onJoined: (userId, spaceId) => welcomeService?.onJoinedSpace(userId, spaceId),
    });
    // The word list reaches moderation once it exists (it needs the stream and chat to act).
    const stream = createStreamService({ db: db.db, realtime, onContent: (content) => moderationService?.onContent(content) });
    presence = createPresence({ db: db.db, realtime, logger });
    const chat = createChatService({
      db: db.db,
      realtime,
      presence,
      createLimiter: (options) => createLimiter(redis?.client, options),
      limits: {
        send: { points: config.limits.chatMessagesPerSecond, durationSeconds: 1 },
        burst: { points: config.limits.chatBurst, durationSeconds: 10 },
      },
      onContent: (content) => moderationService?.onContent(content),
    });
    outbox = createEmailOutbox({
      db: db.db,
      logger,
      mailer: createMailer({ ...config.mail, outboxDir: path.join(config.dataDir, 'outbox'), logger }),
    });
    const welcome = createWelcomeService({ db: db.db, config, logger, chat, stream, outbox });
    welcomeService = welcome;
    const moderation = createModerationService({ db: db.db, realtime, chat, stream, spaces: spacesService, outbox, logger, config });
    moderationService = moderation;
    outbox.kick();
    escalationTimer = setInterval(() => {
      moderation.doEscalateOverdue().then(
        (count) => count && logger.info({ count }, 'moderation cases escalated'),
        (error: unknown) => logger.warn({ err: error }, 'moderation escalation failed'),
      );
    }, ESCALATION_CHECK_MS);
    escalationTimer.unref();
    realtime.handle({ ...systemCommandHandlers, ...streamCommandHandlers(stream), ...chatCommandHandlers(chat) });

    router = createRouteMounter<Actor>(app, createRouteGuard(db.db), { checkContracts: config.checkContracts });
    const documentInfo = { version, serverUrl: config.publicUrl };
    let openapi: unknown;
    let asyncapi: unknown;
    mountSystemRoutes(router, {
      config,
      database: db,
      metrics,
      site,
      documents: {
        openapi: () => (openapi ??= buildOpenApiDocument(documentInfo)),
        asyncapi: () => (asyncapi ??= buildAsyncApiDocument(documentInfo)),
      },
    });
    mountAccountRoutes(router, {
      config,
      accounts,
      guidelines,
      admin,
      oidc,
      authConfig: async () => {
        const row = await readSiteRow(db.db);
        return {
          registrationPolicy: row.registrationPolicy,
          localAccounts: row.localAccounts,
          minimumAge: row.minimumAge,
          firstAccount: !(await accounts.hasHumanAccounts()),
        };
      },
    });

    mountSpaceRoutes(router, { spaces: spacesService, stream });
    mountChatRoutes(router, { chat });
    mountWelcomeRoutes(router, { welcome });
    mountModerationRoutes(router, { moderation });

    if (!serveClient(app, config)) {
      logger.info({ clientDist: config.clientDist }, 'client not built: serving the API only (npm run build:client)');
    }
    app.use(notFoundHandler);
    app.use(problemHandler(logger));
    return app;
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
      if (!moderationService) throw new Error('app not started');
      return moderationService.doEscalateOverdue(now);
    },

    async settle() {
      await welcomeService?.idle();
      await moderationService?.idle();
    },

    async stop() {
      if (state === 'stopped' || state === 'stopping') return;
      const wasStarted = state === 'started';
      state = 'stopping';
      clearInterval(sweepTimer);
      clearInterval(escalationTimer);
      presence?.close();
      await welcomeService?.idle().catch(() => undefined);
      await moderationService?.idle().catch(() => undefined);
      await outbox?.close();
      if (wasStarted && httpServer) {
        const server = httpServer;
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        await realtime?.close();
        server.closeIdleConnections();
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), config.shutdownTimeoutMs);
        });
        if ((await Promise.race([closed, deadline])) === 'timeout') {
          logger.warn('requests still running at the shutdown deadline; closing their connections');
          server.closeAllConnections();
          await closed;
        }
        clearTimeout(timer);
      }
      if (redis) await Promise.allSettled([redis.client.quit(), redis.subscriber.quit()]);
      if (database && !deps.database) await database.close();
      state = 'stopped';
      logger.info('Hearth stopped');
    },
  };
  return app;
}
