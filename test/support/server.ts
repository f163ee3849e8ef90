import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { io, type ManagerOptions, type SocketOptions } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import { createApp, type App } from '../../server/app';
import { loadConfig, type Env } from '../../server/config';
import type { Database } from '../../server/core/db/database';
import type { Ack } from '../../shared/protocol/errors';
import type { ClientToServerEvents, ServerToClientEvents } from '../../shared/protocol/events';

export type TestSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A port that was free a moment ago (for servers whose PUBLIC_URL must name their port). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface TestServer {
  app: App;
  /** http://127.0.0.1:<port>, also the server's PUBLIC_URL. */
  url: string;
  dataDir: string;
  stop(): Promise<void>;
}

/** Starts a real Hearth server from createApp on a free port, over the given database. */
/**
 * Starts a test node. The welcome bot and welcome email are switched off unless `welcome` is set:
 * otherwise every member a test creates would get a direct message and an email in the background,
 * which tests about chat and unread counts would see. test/welcome tests switch it on.
 */
export async function startTestServer(options: { database?: Database; env?: Env; welcome?: boolean; now?: () => Date } = {}): Promise<TestServer> {
  const port = options.env?.PORT ? Number(options.env.PORT) : await freePort();
  const url = `http://127.0.0.1:${port}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-test-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: url,
    DATA_DIR: dataDir,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    SHUTDOWN_TIMEOUT_MS: '2000',
    // Shared by every test server, as by the nodes of one network, so a cookie works on each.
    SESSION_SECRET: 'test-session-secret-0123456789abcdef0123456789',
    // Every test member signs up from 127.0.0.1; the limit tests set their own low values.
    SIGNUP_LIMIT_PER_HOUR: '100000',
    SIGNIN_FAILURE_LIMIT_PER_HOUR: '100000',
    ...options.env,
  });
  const app = createApp(config, { ...(options.database ? { database: options.database } : {}), ...(options.now ? { now: options.now } : {}) });
  await app.start();
  const on = options.welcome === true;
  await app.platform.settings.group('site', 'welcome').update(app.database.db, { botEnabled: on, emailEnabled: on });
  return {
    app,
    url,
    dataDir,
    async stop() {
      await app.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Opens a typed socket.io-client connection and waits until it is connected (or refused). */
export function connectSocket(
  url: string,
  options: Partial<ManagerOptions & SocketOptions> = {},
): Promise<TestSocket> {
  const socket: TestSocket = io(url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    timeout: 5_000,
    ...options,
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
}

/** Resolves with the next `event` on the socket, or rejects after `ms`. */
export function nextEvent<T>(socket: TestSocket, event: string, ms = 2_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${ms} ms`)), ms);
    (socket as unknown as { once(e: string, l: (p: T) => void): void }).once(event, (payload: T) => {
      clearTimeout(timer);
      resolve(payload);
    });
  });
}

/**
 * Watches for an event from now on, for proving silence: `after(ms)` waits ms from when it is
 * called (after the action), stops watching, and resolves with what arrived meanwhile.
 */
export function watch<T = unknown>(socket: TestSocket, event: string): { after(ms: number): Promise<T[]> } {
  const seen: T[] = [];
  const listener = (payload: T) => seen.push(payload);
  const s = socket as unknown as { on(e: string, l: (p: T) => void): void; off(e: string, l: (p: T) => void): void };
  s.on(event, listener);
  return {
    async after(ms) {
      await new Promise((resolve) => setTimeout(resolve, ms));
      s.off(event, listener);
      return seen;
    },
  };
}

/** Sends a command and answers its data; an error ack throws, naming the command. */
export async function acked<T>(socket: TestSocket, event: string, payload: unknown, ms = 5_000): Promise<T> {
  const ack = await (socket.timeout(ms).emitWithAck as (e: string, p: unknown) => Promise<Ack<T>>)(event, payload);
  if ('error' in ack) throw new Error(`${event}: ${JSON.stringify(ack.error)}`);
  return ack.data;
}

/** One command on a socket of its own for the member (as the client sends it), closed after. */
export async function commandAs<T>(url: string, cookie: string, event: string, payload: unknown): Promise<T> {
  const socket = await connectSocket(url, { extraHeaders: { cookie } });
  try {
    return await acked<T>(socket, event, payload);
  } finally {
    socket.disconnect();
  }
}
