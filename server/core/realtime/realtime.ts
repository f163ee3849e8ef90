// The live path, from a committed change to every screen: docs/ARCHITECTURE.md#the-live-path
import type http from 'node:http';
import type { IncomingMessage } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import type { RequestHandler } from 'express';
import type { RedisClientType } from 'redis';
import { Server, type Socket } from 'socket.io';
import type { sessionEndedSchema } from '../../../shared/protocol/accounts';
import type { Ack } from '../../../shared/protocol/errors';
import {
  clientCommands,
  type ClientToServerEvents,
  type CommandName,
  type CommandResult,
  type EventName,
  type EventPayload,
  serverEvents,
  type ServerToClientEvents,
} from '../../../shared/protocol/events';
import { checkContract } from '../../../shared/protocol/spec';
import type { z } from 'zod';
import type { Config } from '../../config';
import { AppError, databaseUnavailable, errorBodyOf, parseInput } from '../errors';
import { isLocale } from '../../../shared/i18n/locales';
import { requestLocale, type Languages, type Locale } from '../i18n/i18n';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';

type SessionEndedReason = z.infer<typeof sessionEndedSchema>['reason'];

// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- no node-to-node events yet
export interface InterServerEvents {}

/** What the server knows about a connection; filled in by the handshake. */
export interface SocketData {
  connectedAt: number;
  userId: string;
  sessionId: string;
}

export type HearthServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type HearthSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

/** The least the realtime module knows of a member: the app's own actor type (accounts' `Actor`) fills in the rest. */
export interface RealtimeActor {
  user: { id: string };
  sessionId: string;
}

export interface CommandContext<A extends RealtimeActor = RealtimeActor> {
  socket: HearthSocket;
  /** The member as they are now (loaded per command, so a suspension or role change applies at once). */
  actor: A;
}

/**
 * How the realtime module learns who is connecting and whether they may act; implemented by the
 * accounts feature over the same sessions REST uses.
 */
export interface SocketAuth<A extends RealtimeActor = RealtimeActor> {
  /** Express middleware that loads `req.session` (express-session), run on the handshake. */
  sessionMiddleware: RequestHandler;
  /** Resolves the handshake's member, or throws an AppError (unauthorized, account_suspended…). */
  admit(userId: string | undefined, sessionId: string): Promise<A>;
  /** Loads the member for one command and checks the command's access level. */
  actorFor(socket: HearthSocket, access: 'connected' | 'member'): Promise<A>;
  /**
   * Whether the member admitted at the handshake may still be connected, asked once the socket
   * has joined its rooms: a sign-out that ran between the admission and the join disconnected
   * the session's room before this socket was in it, so it is refused here instead.
   */
  stillAdmitted?(actor: A): Promise<boolean>;
}

/** One handler per command, checked at compile time: a new command without a handler does not build. */
export type CommandHandlers<A extends RealtimeActor = RealtimeActor> = {
  [K in CommandName]: (
    context: CommandContext<A>,
    payload: z.output<(typeof clientCommands)[K]['payload']>,
  ) => Promise<CommandResult<K>> | CommandResult<K>;
};

export interface Realtime<A extends RealtimeActor = RealtimeActor> {
  io: HearthServer;
  /**
   * The sockets in these rooms on every node, or on this node only while it cannot reach the
   * others (its link to Redis is down, or they do not answer in time): never waits unbounded.
   */
  socketsIn(rooms: string | string[]): Promise<{ id: string; data: HearthSocket['data'] }[]>;
  /** The only way anything reaches a client: call it after the change has committed. */
  publish<K extends EventName>(rooms: string | string[], event: K, payload: EventPayload<K>, options?: { except?: string[] }): void;
  /**
   * Ends the live connections in a room (`session:<sid>` or `user:<id>`) on every node: tells
   * them why, then disconnects them. The client also re-reads its session on a server disconnect,
   * so the reason arriving late or not at all does not matter.
   */
  endSession(room: string, reason: SessionEndedReason): void;
  /**
   * Installs the one handler per command (before the server listens). Services need `publish`
   * before the handlers that call them exist, hence a setter rather than an option.
   */
  handle(handlers: CommandHandlers<A>): void;
  /** Every socket in `fromRoom` (e.g. `user:<id>`) also joins `room`, on every node. */
  joinRoom(fromRoom: string, room: string): void;
  /** Every socket in `fromRoom` leaves `room`, on every node: it stops receiving that room's events at once. */
  leaveRoom(fromRoom: string, room: string): void;
  /** Tells this node's clients to reconnect elsewhere, then closes every connection. */
  close(): Promise<void>;
}

export interface RealtimeOptions<A extends RealtimeActor = RealtimeActor> {
  httpServer: http.Server;
  config: Config;
  logger: Logger;
  metrics: Metrics;
  auth: SocketAuth<A>;
  /** The rooms a member's sockets belong in from the start (their spaces), joined before any event can be missed. */
  roomsOnConnect?: (actor: A) => Promise<string[]>;
  /** Redis clients shared with the rest of the app: one for publishing, one subscribed. */
  redis?: { client: RedisClientType; subscriber: RedisClientType };
  /**
   * The member language setting (read when an error is answered, so a choice made after connecting
   * counts); a getter because the platform that holds it is built after the realtime module.
   * Without it, errors follow the handshake's language alone.
   */
  languages?: () => Pick<Languages, 'forRequest'> | undefined;
}

/**
 * The language a socket asked for at its handshake: `auth.lang` (the client's page language), else
 * the `lang` query parameter, else the upgrade request's Accept-Language.
 */
export function handshakeLocale(socket: Pick<HearthSocket, 'handshake'>): Locale {
  const auth = socket.handshake.auth as { lang?: unknown } | undefined;
  const fromQuery = socket.handshake.query?.lang;
  for (const lang of [auth?.lang, Array.isArray(fromQuery) ? fromQuery[0] : fromQuery]) {
    if (typeof lang === 'string' && isLocale(lang.toLowerCase())) return lang.toLowerCase() as Locale;
  }
  return requestLocale({ headers: socket.handshake.headers });
}

/** How long a request to the other nodes (fetchSockets) may wait for their answers. */
export const NODE_REQUEST_TIMEOUT_MS = 1_500;
/** After a Redis outage, this node's sockets reconnect spread over at most this long. */
export const RECONNECT_SPREAD_MAX_MS = 5_000;

/** Largest socket message accepted; files travel over REST, so this only has to fit a long post. */
export const MAX_SOCKET_MESSAGE_BYTES = 256 * 1024;

export async function createRealtime<A extends RealtimeActor>(options: RealtimeOptions<A>): Promise<Realtime<A>> {
  const { config, logger, metrics } = options;
  let handlers: CommandHandlers<A> | undefined;

  /** The language a socket's errors are answered in: the member's choice, else the handshake's. */
  async function socketLocale(socket: HearthSocket, error: AppError): Promise<Locale> {
    const asked = handshakeLocale(socket);
    const languages = options.languages?.();
    // An unavailable database cannot be asked for the member's setting.
    if (!languages || !socket.data.userId || error.code === 'unavailable') return asked;
    try {
      return await languages.forRequest({ headers: { 'accept-language': asked } }, socket.data.userId);
    } catch {
      return asked;
    }
  }
  const io: HearthServer = new Server(options.httpServer, {
    serveClient: false,
    maxHttpBufferSize: MAX_SOCKET_MESSAGE_BYTES,
    perMessageDeflate: false,
    httpCompression: true,
    // A browser always sends Origin on WebSocket and cross-origin requests; a foreign one is a
    // page on another site trying to ride the member's cookies, so it is refused before the handshake.
    allowRequest: (req, callback) => {
      const origin = req.headers.origin;
      if (origin && !config.allowedOrigins.has(origin)) {
        logger.warn({ origin }, 'socket connection from a foreign origin refused');
        callback('origin_refused', false);
        return;
      }
      callback(null, true);
    },
  });

  // Requests to the other nodes (fetchSockets) wait at most this long: a node cut off from Redis
  // must not hang a request on them.
  if (options.redis) io.adapter(createAdapter(options.redis.client, options.redis.subscriber, { requestsTimeout: NODE_REQUEST_TIMEOUT_MS }));

  // While this node's link to Redis is down it misses other nodes' emits and room changes (a
  // sign-out, a removal, a post). When the link is back, every socket of this node reconnects,
  // spread over a few seconds: its handshake checks the session and the rooms again, and the
  // client replays each log from where it was (streams, conversations, its own log).
  let redisLinkDown = false;
  if (options.redis) {
    const subscriber = options.redis.subscriber;
    const lost = () => {
      if (!redisLinkDown) logger.warn('link to Redis lost: this node misses the other nodes until it is back');
      redisLinkDown = true;
    };
    subscriber.on('reconnecting', lost);
    subscriber.on('end', lost);
    subscriber.on('ready', () => {
      if (!redisLinkDown) return;
      redisLinkDown = false;
      void reconnectLocalSockets().catch((error: unknown) => logger.error({ err: error }, 'could not ask the sockets to reconnect'));
    });
  }

  async function reconnectLocalSockets(): Promise<void> {
    const sockets = await io.local.fetchSockets();
    const spreadMs = Math.min(RECONNECT_SPREAD_MAX_MS, sockets.length * 5);
    logger.warn({ sockets: sockets.length, spreadMs }, 'link to Redis is back: this node’s sockets reconnect to re-check their sessions and rooms and replay what they missed');
    for (const socket of sockets) {
      const notice = { reconnectAfterMs: Math.round(Math.random() * spreadMs) };
      if (config.checkContracts) checkContract(serverEvents['system:reconnect-requested'].payload, notice, 'event system:reconnect-requested');
      metrics.eventsEmitted.inc({ event: 'system:reconnect-requested' });
      socket.emit('system:reconnect-requested', notice);
      socket.disconnect(true);
    }
  }

  // The member as admitted at the handshake: enough for 'connected' commands (a suspension or
  // sign-out disconnects the socket anyway), so those cost no database round trip.
  const admitted = new WeakMap<HearthSocket, A>();

  // The handshake carries the session cookie: the same session that REST uses admits the socket.
  io.engine.use(options.auth.sessionMiddleware);
  io.use((socket, next) => {
    const req = socket.request as IncomingMessage & { session?: { userId?: string }; sessionID?: string };
    const admit = async () => {
      const actor = await options.auth.admit(req.session?.userId, req.sessionID ?? '');
      socket.data.userId = actor.user.id;
      socket.data.sessionId = actor.sessionId;
      admitted.set(socket, actor);
      const rooms = (await options.roomsOnConnect?.(actor)) ?? [];
      await socket.join([`user:${actor.user.id}`, `session:${actor.sessionId}`, 'members', ...rooms]);
      if (options.auth.stillAdmitted && !(await options.auth.stillAdmitted(actor))) {
        for (const room of [...socket.rooms]) await socket.leave(room);
        throw new AppError('unauthorized', 'Your session has ended: sign in again');
      }
    };
    admit().then(
      () => next(),
      (error: unknown) => {
        const appError = error instanceof AppError ? error : new AppError('internal');
        if (!(error instanceof AppError)) logger.error({ err: error }, 'socket handshake failed');
        // Refused before anyone is known: in the handshake's language.
        const refusal = new Error(appError.said(handshakeLocale(socket)).message) as Error & { data?: unknown };
        refusal.data = { code: appError.code };
        next(refusal);
      },
    );
  });

  io.on('connection', (socket) => {
    socket.data.connectedAt = Date.now();
    metrics.socketsConnected.inc();
    socket.on('disconnect', () => metrics.socketsConnected.dec());
    for (const name of Object.keys(clientCommands) as CommandName[]) {
      attachCommand(socket, name);
    }
  });

  function attachCommand<K extends CommandName>(socket: HearthSocket, name: K): void {
    const spec = clientCommands[name];
    if (!handlers) throw new Error('realtime.handle() was not called before connections were accepted');
    const handler = handlers[name] as (c: CommandContext<A>, p: unknown) => Promise<unknown> | unknown;
    // Socket.IO's typed listener signature cannot be expressed generically over K.
    (socket.on as (event: string, listener: (...args: unknown[]) => void) => void)(name, (...args: unknown[]) => {
      const ack = args[args.length - 1];
      if (typeof ack !== 'function') {
        logger.debug({ command: name }, 'command sent without an ack; ignored');
        return;
      }
      const reply = ack as (answer: Ack<unknown>) => void;
      const run = async () => {
        if (args.length !== 2) throw new AppError('validation_failed', 'A command takes exactly one payload and an ack');
        const access = (spec as { access?: 'connected' | 'member' }).access ?? 'member';
        const actor = (access === 'connected' && admitted.get(socket)) || (await options.auth.actorFor(socket, access));
        const payload = parseInput(spec.payload, args[0]);
        const data = await handler({ socket, actor }, payload);
        // Development and tests: an answer its schema refuses fails the command (answered `internal`, logged).
        if (config.checkContracts) checkContract(spec.result, data, `ack of ${name}`);
        return data;
      };
      run().then(
        (data) => {
          metrics.commandsHandled.inc({ command: name, outcome: 'ok' });
          reply({ data });
        },
        (error: unknown) => {
          const appError = error instanceof AppError ? error : databaseUnavailable(error);
          if (!appError) logger.error({ err: error, command: name }, 'unhandled error in socket command');
          else if (appError.code === 'unavailable') logger.warn({ command: name }, 'database not answering: command answered unavailable');
          const answer = appError ?? new AppError('internal');
          metrics.commandsHandled.inc({ command: name, outcome: answer.code });
          void socketLocale(socket, answer).then((locale) => reply({ error: errorBodyOf(answer, locale) }));
        },
      );
    });
  }

  return {
    io,
    async socketsIn(rooms) {
      if (redisLinkDown) return io.local.in(rooms).fetchSockets();
      try {
        return await io.in(rooms).fetchSockets();
      } catch (error) {
        logger.warn({ err: error }, 'the other nodes did not answer in time: this node’s sockets only');
        return io.local.in(rooms).fetchSockets();
      }
    },
    publish(rooms, event, payload, publishOptions) {
      // Development and tests: an event its schema refuses throws here, so the command or request that published it fails.
      if (config.checkContracts) checkContract(serverEvents[event].payload, payload, `event ${event}`);
      metrics.eventsEmitted.inc({ event });
      const target = publishOptions?.except?.length ? io.to(rooms).except(publishOptions.except) : io.to(rooms);
      // Typed emit over a generic event name needs the same widening as attachCommand.
      (target.emit as (event: string, payload: unknown) => boolean)(event, payload);
    },
    handle(table) {
      handlers = table;
    },
    joinRoom(fromRoom, room) {
      io.in(fromRoom).socketsJoin(room);
    },
    leaveRoom(fromRoom, room) {
      io.in(fromRoom).socketsLeave(room);
    },
    endSession(room, reason) {
      if (config.checkContracts) checkContract(serverEvents['session:ended'].payload, { reason }, 'event session:ended');
      metrics.eventsEmitted.inc({ event: 'session:ended' });
      io.to(room).emit('session:ended', { reason });
      io.in(room).disconnectSockets(true);
    },
    async close() {
      const notice = { reconnectAfterMs: 1_000 };
      if (config.checkContracts) checkContract(serverEvents['system:shutdown-started'].payload, notice, 'event system:shutdown-started');
      io.local.emit('system:shutdown-started', notice);
      io.local.disconnectSockets(true);
      await io.close();
    },
  };
}
