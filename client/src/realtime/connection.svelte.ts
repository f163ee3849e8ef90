// The one owner of the live connection: docs/ARCHITECTURE.md#the-live-path
import { io, type Socket } from 'socket.io-client';
import { i18n, t } from '../lib/i18n.svelte';
import type { Ack, ErrorBody } from '../../../shared/protocol/errors';
import type {
  ClientToServerEvents,
  CommandName,
  CommandPayload,
  CommandResult,
  EventName,
  EventPayload,
  ServerToClientEvents,
} from '../../../shared/protocol/events';

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** `idle`: not asked to connect (nobody is signed in); `offline`: asked, but the server refused. */
export type ConnectionStatus = 'idle' | 'connecting' | 'live' | 'reconnecting' | 'offline';

/** One handler per server event, each given the event's typed payload. */
export type EventRoutes = { [K in EventName]?: (payload: EventPayload<K>) => void };

const PING_INTERVAL_MS = 15_000;
const COMMAND_TIMEOUT_MS = 10_000;

/** A command the server refused (its error ack), or one that got no answer (`unavailable`). */
export class CommandError extends Error {
  constructor(
    readonly code: ErrorBody['code'],
    message: string,
    /** With validation_failed: each field that failed and why. */
    readonly fieldErrors: { path: string; message: string }[] = [],
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'CommandError';
  }

  static of(body: ErrorBody): CommandError {
    const details = (body.details ?? {}) as { errors?: unknown; retryAfterSeconds?: unknown };
    const fieldErrors = Array.isArray(details.errors)
      ? details.errors.filter(
          (item): item is { path: string; message: string } =>
            typeof item === 'object' && item !== null && typeof item.path === 'string' && typeof item.message === 'string',
        )
      : [];
    const retryAfter = typeof details.retryAfterSeconds === 'number' ? details.retryAfterSeconds : undefined;
    return new CommandError(body.code, body.message, fieldErrors, retryAfter);
  }
}

/**
 * The live connection's state for the whole client. Nothing else touches the socket: the
 * dispatcher (`dispatch.svelte.ts`) hands this class the store updates for each server event.
 */
export class LiveConnection {
  status = $state<ConnectionStatus>('idle');
  /** Round trip of the last `system:ping`, in ms; undefined until measured. */
  latencyMs = $state<number | undefined>(undefined);
  /** Why the last attempt failed, in words a member can act on. */
  problem = $state<string | undefined>(undefined);

  readonly socket: ClientSocket;
  #pingTimer: ReturnType<typeof setInterval> | undefined;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  #restartDelayMs: number | undefined;
  #droppedListeners: (() => void)[] = [];
  #connectListeners: (() => void)[] = [];
  /** The browser said it lost the network: we hung up ourselves and wait for it to come back. */
  #waitingForNetwork = false;

  constructor(url = '/') {
    this.socket = io(url, {
      path: '/socket.io/',
      withCredentials: true,
      autoConnect: false,
      transports: ['websocket', 'polling'],
      reconnectionDelayMax: 10_000,
      // Read at every (re)connection: the server answers this socket's errors in the page's language.
      auth: (callback) => callback({ lang: i18n.locale }),
    });
    this.socket.on('connect', () => {
      this.status = 'live';
      this.problem = undefined;
      this.#restartDelayMs = undefined;
      void this.ping();
      for (const listener of this.#connectListeners) listener();
    });
    this.socket.on('disconnect', (reason) => {
      this.latencyMs = undefined;
      if (this.#waitingForNetwork) {
        this.status = 'reconnecting';
      } else if (reason === 'io client disconnect') {
        this.status = 'idle';
      } else if (reason === 'io server disconnect') {
        // Socket.IO does not retry after the server hung up on purpose. A stopping node still
        // wants us back (after its delay); any other hang-up is for the session to look into.
        if (this.#restartDelayMs !== undefined) {
          this.status = 'reconnecting';
          this.#reconnectTimer = setTimeout(() => this.socket.connect(), this.#restartDelayMs);
        } else {
          this.status = 'offline';
          this.#notifyDropped();
        }
      } else {
        this.status = 'reconnecting';
      }
    });
    this.socket.on('connect_error', (error) => {
      // The server's refusal carries a code and its words in our language; a transport failure only
      // Socket.IO's English ("websocket error").
      const refused = (error as Error & { data?: { code?: unknown } }).data?.code !== undefined;
      this.problem = refused ? error.message : t('errors:connection.unreachable');
      if (this.socket.active) {
        this.status = 'reconnecting';
      } else {
        // Refused by the server's handshake (e.g. the session is gone): no automatic retry.
        this.status = 'offline';
        this.#notifyDropped();
      }
    });
    this.socket.on('system:shutdown-started', ({ reconnectAfterMs }) => {
      this.status = 'reconnecting';
      this.problem = t('errors:connection.restarting');
      this.#restartDelayMs = reconnectAfterMs;
    });
    // The node lost touch with the others for a while: reconnect (the handshake checks the
    // session and rooms again) and replay what was missed, as after any reconnection.
    this.socket.on('system:reconnect-requested', ({ reconnectAfterMs }) => {
      this.status = 'reconnecting';
      this.problem = t('errors:connection.catchingUp');
      this.#restartDelayMs = reconnectAfterMs;
    });
  }

  /**
   * Follows the browser's network state: offline, the connection is dead whatever the socket
   * believes, so we stop retrying; back online, we reconnect at once instead of after a back-off.
   * Returns the undo.
   */
  followNetwork(): () => void {
    const onOffline = () => {
      if (!this.socket.active && !this.socket.connected) return;
      this.#waitingForNetwork = true;
      this.socket.disconnect();
      this.status = 'reconnecting';
      this.problem = t('errors:connection.offline');
    };
    const onOnline = () => {
      if (!this.#waitingForNetwork) return;
      this.#waitingForNetwork = false;
      this.connect();
    };
    window.addEventListener('offline', onOffline);
    window.addEventListener('online', onOnline);
    return () => {
      window.removeEventListener('offline', onOffline);
      window.removeEventListener('online', onOnline);
    };
  }

  connect(): void {
    if (this.#waitingForNetwork) {
      // Asked to connect while the device is offline: the online event will do it.
      if (this.status === 'idle') this.status = 'reconnecting';
      return;
    }
    if (this.socket.connected || this.socket.active) return;
    if (this.status === 'idle' || this.status === 'offline') this.status = 'connecting';
    this.socket.connect();
    this.#pingTimer ??= setInterval(() => void this.ping(), PING_INTERVAL_MS);
  }

  disconnect(): void {
    this.#waitingForNetwork = false;
    clearInterval(this.#pingTimer);
    clearTimeout(this.#reconnectTimer);
    this.#pingTimer = undefined;
    this.#restartDelayMs = undefined;
    this.socket.disconnect();
    this.status = 'idle';
    this.latencyMs = undefined;
    this.problem = undefined;
  }

  /** Attaches the handler of each server event; returns the undo. */
  route(routes: EventRoutes): () => void {
    // Socket.IO's typed `on` cannot be called over a union of event names; each pair is typed above.
    const socket = this.socket as unknown as {
      on(event: string, listener: (payload: unknown) => void): void;
      off(event: string, listener: (payload: unknown) => void): void;
    };
    const attached = Object.entries(routes) as [string, (payload: unknown) => void][];
    for (const [event, listener] of attached) socket.on(event, listener);
    return () => {
      for (const [event, listener] of attached) socket.off(event, listener);
    };
  }

  /** Called on every (re)connection, after the socket is live: the place to catch up on what was missed. */
  onConnect(listener: () => void): () => void {
    this.#connectListeners.push(listener);
    return () => {
      this.#connectListeners = this.#connectListeners.filter((l) => l !== listener);
    };
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  /**
   * Sends a command and resolves with its `data`; throws a CommandError with the server's code
   * (or `unavailable` when not connected or not answered in time).
   */
  async command<K extends CommandName>(name: K, payload: CommandPayload<K>, timeoutMs = COMMAND_TIMEOUT_MS): Promise<CommandResult<K>> {
    if (!this.socket.connected) {
      throw new CommandError('unavailable', t('errors:command.notConnected'));
    }
    // Socket.IO's typed emitWithAck cannot be called over a union of command names; the pair is typed above.
    const socket = this.socket.timeout(timeoutMs) as unknown as {
      emitWithAck(event: string, payload: unknown): Promise<Ack<CommandResult<K>>>;
    };
    let answer: Ack<CommandResult<K>>;
    try {
      answer = await socket.emitWithAck(name, payload);
    } catch {
      throw new CommandError('unavailable', t('errors:command.noAnswer'));
    }
    if ('error' in answer) throw CommandError.of(answer.error);
    return answer.data;
  }

  /** Called when the server ends or refuses the connection on purpose. */
  onDropped(listener: () => void): () => void {
    this.#droppedListeners.push(listener);
    return () => {
      this.#droppedListeners = this.#droppedListeners.filter((l) => l !== listener);
    };
  }

  #notifyDropped(): void {
    for (const listener of this.#droppedListeners) listener();
  }

  async ping(): Promise<void> {
    if (!this.socket.connected) return;
    const sentAt = performance.now();
    try {
      const answer = await this.socket.timeout(5_000).emitWithAck('system:ping', { sentAt });
      if ('data' in answer) this.latencyMs = Math.round(performance.now() - answer.data.sentAt);
    } catch {
      this.latencyMs = undefined;
    }
  }
}

export const live = new LiveConnection();
