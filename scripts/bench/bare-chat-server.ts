// The yardstick for scripts/bench/chat.ts: Socket.IO with nothing behind it (no auth, no
// database, no rate limit), configured like Hearth's (server/core/realtime/realtime.ts: no
// per-message compression, 256 KiB messages). A client names its rooms at the handshake; a
// `chat:send` is broadcast to the room named by its conversationId as a `chat:message-created`
// shaped like Hearth's (shared/protocol/chat.ts), then acknowledged with the message.
//   PORT=4000 node --import tsx scripts/bench/bare-chat-server.ts
// GET /memory answers process.memoryUsage(), so the bench can set this server's memory beside Hearth's.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { Server } from 'socket.io';

const port = Number(process.env.PORT ?? 0);
const host = '127.0.0.1';

const httpServer = http.createServer((req, res) => {
  // The bench polls /healthz until the server listens; Socket.IO answers its own path first.
  if (req.url === '/memory') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(process.memoryUsage()));
    return;
  }
  res.writeHead(req.url === '/healthz' ? 200 : 404, { 'content-type': 'text/plain' });
  res.end(req.url === '/healthz' ? 'ok' : 'not found');
});

const io = new Server(httpServer, { serveClient: false, perMessageDeflate: false, maxHttpBufferSize: 256 * 1024 });

// One author for every message: the payload has the size and shape of Hearth's, not its content.
const author = { id: randomUUID(), handle: 'bench_bare', displayName: 'Bench (bare)', avatarUrl: null, isBot: false };
const seqOf = new Map<string, number>();

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

io.on('connection', (socket) => {
  const rooms = (socket.handshake.auth as { rooms?: unknown }).rooms;
  if (Array.isArray(rooms)) void socket.join(rooms.filter((r): r is string => typeof r === 'string').slice(0, 100));
  socket.on('chat:send', (payload: { conversationId?: unknown; clientId?: unknown; bodyMarkdown?: unknown }, ack?: (answer: unknown) => void) => {
    if (typeof ack !== 'function') return;
    const { conversationId, clientId, bodyMarkdown } = payload ?? {};
    if (typeof conversationId !== 'string' || typeof clientId !== 'string' || typeof bodyMarkdown !== 'string') {
      ack({ error: { code: 'validation_failed', message: 'conversationId, clientId and bodyMarkdown are required' } });
      return;
    }
    const seq = (seqOf.get(conversationId) ?? 0) + 1;
    seqOf.set(conversationId, seq);
    const message = {
      id: randomUUID(),
      conversationId,
      clientId,
      seq,
      parentId: null,
      replyCount: 0,
      author,
      bodyMarkdown,
      bodyHtml: `<p>${escapeHtml(bodyMarkdown)}</p>\n`,
      mentions: [],
      reactions: {},
      createdAt: new Date().toISOString(),
      editedAt: null,
      deleted: false,
    };
    io.to(conversationId).emit('chat:message-created', { conversationId, seq, message });
    ack({ data: message });
  });
});

httpServer.listen(port, host, () => {
  const address = httpServer.address();
  process.stdout.write(`bare chat server listening on ${typeof address === 'object' && address ? address.port : port}\n`);
});

const stop = () => {
  // Closes every connection and the HTTP server with it.
  void io.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2_000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
