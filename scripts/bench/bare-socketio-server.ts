// The yardstick for scripts/bench/stream.ts: Socket.IO with nothing behind it (no auth, no
// database), configured like Hearth's (server/core/realtime/realtime.ts: no per-message
// compression, 256 KiB messages). A client names its rooms at the handshake; a `post` is
// broadcast to its room as a `post:created` shaped like Hearth's, then acknowledged.
//   PORT=4000 node --import tsx scripts/bench/bare-socketio-server.ts
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { Server } from 'socket.io';

const port = Number(process.env.PORT ?? 0);
const host = '127.0.0.1';

const httpServer = http.createServer((req, res) => {
  // The bench polls this until the server listens; Socket.IO answers its own path first.
  res.writeHead(req.url === '/healthz' ? 200 : 404, { 'content-type': 'text/plain' });
  res.end(req.url === '/healthz' ? 'ok' : 'not found');
});

const io = new Server(httpServer, { serveClient: false, perMessageDeflate: false, maxHttpBufferSize: 256 * 1024 });

// One author for every post: the payload has the size and shape of Hearth's, not its content.
const author = { id: randomUUID(), handle: 'bench_bare', displayName: 'Bench (bare)', avatarUrl: null, isBot: false };
const seqOf = new Map<string, number>();

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

io.on('connection', (socket) => {
  const rooms = (socket.handshake.auth as { rooms?: unknown }).rooms;
  if (Array.isArray(rooms)) void socket.join(rooms.filter((r): r is string => typeof r === 'string').slice(0, 100));
  socket.on('post', (payload: { room?: unknown; bodyMarkdown?: unknown }, ack?: (answer: unknown) => void) => {
    if (typeof ack !== 'function') return;
    if (typeof payload?.room !== 'string' || typeof payload.bodyMarkdown !== 'string') {
      ack({ error: { code: 'validation_failed', message: 'room and bodyMarkdown are required' } });
      return;
    }
    const seq = (seqOf.get(payload.room) ?? 0) + 1;
    seqOf.set(payload.room, seq);
    const post = {
      id: randomUUID(),
      spaceId: payload.room,
      author,
      bodyMarkdown: payload.bodyMarkdown,
      bodyHtml: `<p>${escapeHtml(payload.bodyMarkdown)}</p>\n`,
      tags: [],
      mentions: [],
      reactions: {},
      commentCount: 0,
      pinned: false,
      createdAt: new Date().toISOString(),
      editedAt: null,
      deleted: false,
    };
    io.to(payload.room).emit('post:created', { spaceId: payload.room, seq, post });
    ack({ data: post });
  });
});

httpServer.listen(port, host, () => {
  const address = httpServer.address();
  process.stdout.write(`bare socket.io server listening on ${typeof address === 'object' && address ? address.port : port}\n`);
});

const stop = () => {
  // Closes every connection and the HTTP server with it.
  void io.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2_000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
