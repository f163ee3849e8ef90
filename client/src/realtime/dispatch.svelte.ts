// Routes each server event to the store it updates: docs/ARCHITECTURE.md#the-live-path
import { untrack } from 'svelte';
import { mentions } from '../lib/mentions.svelte';
import { session } from '../lib/session.svelte';
import { SpaceStream } from '../lib/space-stream.svelte';
import { spaces } from '../lib/spaces.svelte';
import { live } from './connection.svelte';
import { spaceFeeds, type StreamEvent } from './space-feeds';

/**
 * Starts the live side of the client: the connection follows the session (only a signed-in
 * session may connect), and each server event changes the same state a reload would show.
 * Space events go through their space's feeds (`space-feeds.ts`), which apply each once and in
 * order. Returns the undo.
 */
export function startRealtime(): () => void {
  const toFeeds = <E extends StreamEvent>(name: E['name']) => (payload: E['payload']) =>
    spaceFeeds.receive({ name, payload } as StreamEvent);

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
    },
    'mention:received': (mention) => mentions.received(mention),
  });

  spaceFeeds.setMembershipCheck((spaceId) => spaces.byId(spaceId) !== undefined);
  // Every (re)connection: what happened while the socket was away is replayed, space by space.
  const unconnect = live.onConnect(() => void spaceFeeds.connected());
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
        if (signedIn && !gated && session.user?.status === 'active') void spaces.load();
        else {
          spaces.clear();
          mentions.clear();
        }
      });
    });
  });

  return () => {
    unfollow();
    undropped();
    unfollowNetwork();
    unconnect();
    unroute();
    spaces.clear();
    live.disconnect();
  };
}
