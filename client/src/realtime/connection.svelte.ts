// The one owner of the live connection: docs/ARCHITECTURE.md#the-live-path
import { io, type Socket } from 'socket.io-client';
import type {
  ClientToServerEvents,
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

  constructor(url = '/') {
    this.socket = io(url, {
      path: '/socket.io/',
      withCredentials: true,
      autoConnect: false,
      transports: ['websocket', 'polling'],
      reconnectionDelayMax: 10_000,
    });
    this.socket.on('connect', () => {
      this.status = 'live';
      this.problem = undefined;
      this.#restartDelayMs = undefined;
      void this.ping();
    });
    this.socket.on('disconnect', (reason) => {
      this.latencyMs = undefined;
      if (reason === 'io client disconnect') {
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
      this.problem = error.message;
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
      this.problem = 'The server is restarting';
      this.#restartDelayMs = reconnectAfterMs;
    });
  }

  connect(): void {
    if (this.socket.connected || this.socket.active) return;
    if (this.status === 'idle' || this.status === 'offline') this.status = 'connecting';
    this.socket.connect();
    this.#pingTimer ??= setInterval(() => void this.ping(), PING_INTERVAL_MS);
  }

  disconnect(): void {
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
