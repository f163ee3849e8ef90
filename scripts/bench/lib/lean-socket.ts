// A Socket.IO client that costs the load generator as little as possible: it receives events as
// raw frames and sends commands with acks (chat.ts: one socket per member both sends and receives).
//
// socket.io-client decodes every event with JSON.parse and dispatches it through an emitter; at
// 1,000 sockets × hundreds of posts/s that costs the load process more CPU than the server spends
// broadcasting, and the load shares the server's 2 cores. This client speaks the same wire
// protocol (Engine.IO 4 over WebSocket, Socket.IO 5 packets) with the `ws` package socket.io uses,
// answers pings, and hands each event frame (and each ack) over as raw bytes. To the server it is
// an ordinary WebSocket client: same handshake (session cookie), same rooms, same frames.
import WebSocket from 'ws';

export interface LeanSocket {
  close(): void;
  readonly closed: boolean;
  /**
   * Sends `42<id>["event",payload]` and resolves with the ack's arguments as raw bytes (e.g.
   * `[{"data":…}]`), or undefined when no ack came within `timeoutMs` or the socket closed.
   */
  emitWithAck(event: string, payload: unknown, timeoutMs: number): Promise<Buffer | undefined>;
}

export interface LeanOptions {
  /** http://host:port of the Socket.IO server (default path /socket.io/). */
  url: string;
  cookie?: string;
  /** The CONNECT packet's auth payload. */
  auth?: unknown;
  /** Every EVENT frame (`42[...]`) as received. */
  onEvent: (frame: Buffer) => void;
  timeoutMs?: number;
}

const PING = 0x32; // '2'
const MESSAGE = 0x34; // '4'
const CONNECT = 0x30; // '0' (Socket.IO packet type, after the Engine.IO '4')
const EVENT = 0x32; // '2'
const ACK = 0x33; // '3'
const CONNECT_ERROR = 0x34; // '4'

/** Resolves once the server accepted the Socket.IO connection; rejects with its connect_error. */
export function connectLean(options: LeanOptions): Promise<LeanSocket> {
  const wsUrl = `${options.url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`;
  const ws = new WebSocket(wsUrl, {
    headers: options.cookie ? { cookie: options.cookie } : {},
    perMessageDeflate: false,
  });
  let closed = false;
  const pending = new Map<number, (answer: Buffer | undefined) => void>();
  let nextAckId = 0;
  const abandon = () => {
    closed = true;
    for (const done of pending.values()) done(undefined);
    pending.clear();
  };
  const socket: LeanSocket = {
    close() {
      abandon();
      ws.close();
    },
    get closed() {
      return closed;
    },
    emitWithAck(event, payload, timeoutMs) {
      if (closed) return Promise.resolve(undefined);
      const id = nextAckId++;
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          resolve(undefined);
        }, timeoutMs);
        pending.set(id, (answer) => {
          clearTimeout(timer);
          resolve(answer);
        });
        ws.send(`42${id}${JSON.stringify([event, payload])}`);
      });
    },
  };
  return new Promise((resolve, reject) => {
    let connected = false;
    const timer = setTimeout(() => fail(new Error('Socket.IO connection timed out')), options.timeoutMs ?? 10_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      if (!connected) reject(error);
      abandon();
      ws.terminate();
    };
    ws.on('error', (error) => fail(error));
    ws.on('close', () => {
      abandon();
      if (!connected) fail(new Error('closed before the Socket.IO connection was accepted'));
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary || data.length === 0) return;
      const type = data[0];
      if (type === PING) {
        ws.send('3');
        return;
      }
      if (type !== MESSAGE || data.length < 2) {
        // '0' open: the server waits for our CONNECT packet.
        if (type === 0x30) ws.send(`40${options.auth === undefined ? '' : JSON.stringify(options.auth)}`);
        return;
      }
      const packet = data[1];
      if (packet === EVENT) {
        options.onEvent(data);
      } else if (packet === ACK) {
        // '43<id>[…]': the id in decimal, then the ack's arguments.
        let i = 2;
        let id = 0;
        while (i < data.length && data[i]! >= 0x30 && data[i]! <= 0x39) id = id * 10 + (data[i++]! - 0x30);
        const done = pending.get(id);
        pending.delete(id);
        done?.(data.subarray(i));
      } else if (packet === CONNECT && !connected) {
        connected = true;
        clearTimeout(timer);
        resolve(socket);
      } else if (packet === CONNECT_ERROR) {
        fail(new Error(`connect_error: ${data.subarray(2).toString('utf8')}`));
      }
    });
  });
}
