// The one owner of the live connection: docs/ARCHITECTURE.md#the-live-path
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../../../shared/protocol/events';

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export type ConnectionStatus = 'connecting' | 'live' | 'reconnecting' | 'offline';

const PING_INTERVAL_MS = 15_000;

/**
 * The live connection's state for the whole client. Every server event is routed from here to
 * the store it updates, so applying events gives the same state as reloading the page.
 */
export class LiveConnection {
  status = $state<ConnectionStatus>('connecting');
  /** Round trip of the last `system:ping`, in ms; undefined until measured. */
  latencyMs = $state<number | undefined>(undefined);
  /** Why the last attempt failed, in words a member can act on. */
  problem = $state<string | undefined>(undefined);

  readonly socket: ClientSocket;
  #pingTimer: ReturnType<typeof setInterval> | undefined;

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
      void this.ping();
    });
    this.socket.on('disconnect', (reason) => {
      this.latencyMs = undefined;
      this.status = reason === 'io client disconnect' ? 'offline' : 'reconnecting';
    });
    this.socket.on('connect_error', (error) => {
      this.status = this.socket.active ? 'reconnecting' : 'offline';
      this.problem = error.message;
    });
    this.socket.on('system:shutdown-started', () => {
      this.status = 'reconnecting';
      this.problem = 'The server is restarting';
    });
  }

  connect(): void {
    this.socket.connect();
    this.#pingTimer ??= setInterval(() => void this.ping(), PING_INTERVAL_MS);
  }

  disconnect(): void {
    clearInterval(this.#pingTimer);
    this.#pingTimer = undefined;
    this.socket.disconnect();
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
