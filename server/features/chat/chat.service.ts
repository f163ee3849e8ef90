// Space chats and direct messages: one service under the REST routes and the socket commands,
// composed from one module per use case. Who may read what: docs/permissions.md ("Chat"). Every
// change is logged per conversation and published after its transaction commits, so a
// reconnecting client replays what it missed (docs/ARCHITECTURE.md, "Chat").
//   chat.access.ts        who may read and write a conversation, and who hears of a change
//   chat.log.ts           logging a message's change and publishing it after commit
//   chat.conversations.ts my conversations, a space's chat, opening a direct conversation
//   chat.send.ts          sending a message (exactly once, rate-limited, replies, mentions)
//   chat.mentions.ts      whom a message may mention
//   chat.edits.ts         editing, deleting, reacting to and moderating a message
//   chat.messages.ts      pages of messages, threads, edit history, where a message is
//   chat.reads.ts         read markers and unread counts
//   chat.typing.ts        typing indicators
//   chat.resume.ts        replay after a reconnect
//   chat.search.ts        full-text search
//   chat.blocks.ts        blocking members
//   chat.repository.ts    the Drizzle queries and the conversation log
import { memberLimit, type LimiterFactory } from '../../core/auth/rate-limit';
import type { Db } from '../../core/db/database';
import type { Work } from '../../core/events/unit-of-work';
import type { Realtime } from '../../core/realtime/realtime';
import type { MemberLog } from '../../core/replay-log/member-log';
import { createChatAccess } from './chat.access';
import { createChatBlocks } from './chat.blocks';
import { createChatConversations } from './chat.conversations';
import { createChatEdits } from './chat.edits';
import { createChatLog } from './chat.log';
import { createChatMessages } from './chat.messages';
import { createChatReads } from './chat.reads';
import { createChatResume } from './chat.resume';
import { createChatSearch } from './chat.search';
import { createChatSend, type ChatLimits } from './chat.send';
import { createChatTyping } from './chat.typing';
import type { Presence } from './presence';

export { MAX_CHAT_REPLAY } from './chat.resume';
export { TYPING_EXPIRES_MS } from './chat.typing';
export type { ChatLimits } from './chat.send';

export function createChatService(deps: {
  db: Db;
  realtime: Realtime;
  presence: Presence;
  createLimiter: LimiterFactory;
  limits?: ChatLimits;
  work: Work;
  memberLog: MemberLog;
}) {
  const { db, realtime, presence, work, memberLog } = deps;
  const access = createChatAccess({ db });
  const log = createChatLog({ db, realtime, work });
  const send = createChatSend({ db, memberLog, work, createLimiter: deps.createLimiter, limits: deps.limits, access, log });
  const perMinute = (keyPrefix: string, points: number | undefined, message: string) =>
    points === undefined ? async () => {} : memberLimit(deps.createLimiter, { keyPrefix, points, durationSeconds: 60, message });
  const edits = createChatEdits({
    db,
    access,
    log,
    limits: {
      reactions: perMinute('chat-reactions', deps.limits?.reactionsPerMinute, 'You are reacting too fast; wait a moment'),
      edits: perMinute('chat-edits', deps.limits?.editsPerMinute, 'You are editing too fast; wait a moment'),
    },
  });
  const messages = createChatMessages({ db, access });
  const reads = createChatReads({ db, work, memberLog, access });
  const conversations = createChatConversations({ db, realtime, presence, access, reads });
  const typing = createChatTyping({ db, realtime, access });
  const resume = createChatResume({ db, access, resumeEvents: deps.limits?.resumeEvents ?? 1000 });
  const search = createChatSearch({ db });
  const blocks = createChatBlocks({ db });

  return {
    doSend: send.doSend,
    doEdit: edits.doEdit,
    doDelete: edits.doDelete,
    doModerateMessage: edits.doModerateMessage,
    doReact: edits.doReact,
    doTyping: typing.doTyping,
    doRead: reads.doRead,
    accessResume: resume.accessResume,

    accessConversations: conversations.accessConversations,
    accessConversation: conversations.accessConversation,
    accessSpaceChat: conversations.accessSpaceChat,
    accessSpacePresence: conversations.accessSpacePresence,
    doOpenConversation: conversations.doOpenConversation,

    accessMessages: messages.accessMessages,
    accessThread: messages.accessThread,
    accessHistory: messages.accessHistory,
    locateMessage: messages.locateMessage,
    accessMessage: messages.accessMessage,

    accessSearch: search.accessSearch,

    accessBlocks: blocks.accessBlocks,
    doBlock: blocks.doBlock,
    doUnblock: blocks.doUnblock,
  };
}

export type ChatService = ReturnType<typeof createChatService>;
