// Routes each server event to the store it updates: docs/ARCHITECTURE.md#the-live-path
import { untrack } from 'svelte';
import { messageHref } from '../lib/chat-api';
import { chatOutbox } from '../lib/chat-outbox.svelte';
import { conversations } from '../lib/conversations.svelte';
import { mentions } from '../lib/mentions.svelte';
import { moderation } from '../lib/moderation.svelte';
import { notices } from '../lib/notices.svelte';
import { presence } from '../lib/presence.svelte';
import { session } from '../lib/session.svelte';
import { SpaceStream } from '../lib/space-stream.svelte';
import { spaces } from '../lib/spaces.svelte';
import { typing } from '../lib/typing.svelte';
import { chatFeeds, type ChatEvent } from './chat-feeds';
import { live } from './connection.svelte';
import { spaceFeeds, type StreamEvent } from './space-feeds';

/**
 * Starts the live side of the client: the connection follows the session (only a signed-in
 * session may connect), and each server event changes the same state a reload would show.
 * Space events go through their space's feeds (`space-feeds.ts`), which apply each once and in
 * order; chat events likewise through their conversation's feeds (`chat-feeds.ts`), and to the
 * conversation list that counts what is unread. Returns the undo.
 */
export function startRealtime(): () => void {
  const toFeeds = <E extends StreamEvent>(name: E['name']) => (payload: E['payload']) =>
    spaceFeeds.receive({ name, payload } as StreamEvent);
  const toChat = <E extends ChatEvent>(name: E['name']) => (payload: E['payload']) => {
    const event = { name, payload } as ChatEvent;
    chatFeeds.receive(event);
    conversations.event(event);
  };

  const unroute = live.route({
    'session:ended': ({ reason }) => {
      live.disconnect();
      void session.end(reason).then((outcome) => {
        if (outcome === 'kept') live.connect();
      });
    },
    'guidelines:published': ({ version }) => session.guidelinesPublished(version),
    'me:updated': (user) => session.replaceUser(user),
    'post:created': toFeeds('post:created'),
    'post:updated': toFeeds('post:updated'),
    'post:deleted': toFeeds('post:deleted'),
    'comment:created': toFeeds('comment:created'),
    'comment:updated': toFeeds('comment:updated'),
    'comment:deleted': toFeeds('comment:deleted'),
    'space:updated': toFeeds('space:updated'),
    'space:membership-changed': (change) => {
      spaces.membershipChanged(change);
      for (const stream of SpaceStream.open) void stream.membershipChanged(change);
      // Joining or leaving a space adds or removes its chat from my conversations.
      conversations.reloadSoon('membership');
    },
    'mention:received': (mention) => mentions.received(mention),
    'chat:message-created': toChat('chat:message-created'),
    'chat:message-updated': toChat('chat:message-updated'),
    'chat:conversation-updated': (conversation) => conversations.upsert(conversation),
    'chat:read': (marker) => conversations.read(marker),
    'chat:typing': (payload) => typing.received(payload),
    'chat:mentioned': (mention) => {
      // Already in front of me: the message itself says it.
      if (conversations.viewing.has(mention.conversationId)) return;
      const known = conversations.byId(mention.conversationId);
      // An unknown conversation's address finds its way (a space's chat redirects to its page).
      const href = known ? messageHref(known, mention.messageId) : `/messages/${mention.conversationId}?message=${mention.messageId}`;
      mentions.chatReceived(mention, href);
    },
    'presence:changed': (change) => presence.changed(change),
    'moderation:case-opened': (item) => moderation.received(item),
    'moderation:case-updated': (item) => moderation.received(item),
    'moderation:notice': (notice) => notices.received(notice),
    'moderation:notices-read': (read) => notices.readElsewhere(read),
  });

  spaceFeeds.setMembershipCheck((spaceId) => spaces.byId(spaceId) !== undefined);
  // Every (re)connection: what happened while the socket was away is replayed, space by space.
  const unconnect = live.onConnect(() => {
    void spaceFeeds.connected();
    // Open conversations replay what they missed; the unread counts and who is online are read
    // again (they are not logged); messages still unacknowledged are sent again, with their ids.
    void chatFeeds.connected();
    conversations.reloadSoon();
    chatOutbox.connected();
    // The moderation queue and my notices are not replayed either: read them again.
    moderation.reloadSoon();
    notices.reloadSoon();
  });
  const unfollowNetwork = live.followNetwork();

  // Refused or hung up on: find out whether the session is still there (it may have expired).
  const undropped = live.onDropped(() => {
    if (!session.user) return;
    session.refresh().then(
      (signedIn) => {
        if (!signedIn) void session.end('expired');
      },
      () => {},
    );
  });

  const unfollow = $effect.root(() => {
    $effect(() => {
      // Tracks who is signed in and the gate only: a profile update must not reconnect, but
      // accepting the guidelines retries a connection the server refused while they were pending.
      const signedIn = session.userId !== null;
      const gated = session.guidelinesRequired;
      if (signedIn) live.connect();
      else live.disconnect();
      // My spaces (and their unread counts) follow the member who may read them.
      untrack(() => {
        if (signedIn && !gated && session.user?.status === 'active') {
          void spaces.load();
          void conversations.load();
          void notices.load();
        } else {
          spaces.clear();
          mentions.clear();
          conversations.clear();
          chatOutbox.clear();
          typing.clear();
          presence.clear();
          moderation.clear();
          notices.clear();
        }
      });
    });
  });

  // The moderation queue, for those who may have one: my site role and my roles in my spaces
  // say so (or the help page, for a safeguarding contact).
  const unfollowModeration = $effect.root(() => {
    $effect(() => {
      const user = session.user;
      if (!user || session.guidelinesRequired || user.status !== 'active' || spaces.status !== 'ready') return;
      const byRole =
        user.role === 'admin' ||
        user.role === 'moderator' ||
        spaces.items.some((space) => space.membership?.status === 'active' && (space.membership.role === 'host' || space.membership.role === 'moderator'));
      const myId = user.id;
      untrack(() => void moderation.follow(byRole, myId));
    });
  });

  return () => {
    unfollowModeration();
    unfollow();
    undropped();
    unfollowNetwork();
    unconnect();
    unroute();
    spaces.clear();
    conversations.clear();
    moderation.clear();
    notices.clear();
    live.disconnect();
  };
}
