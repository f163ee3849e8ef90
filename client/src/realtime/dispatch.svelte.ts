// Routes each server event to the store it updates: docs/ARCHITECTURE.md#the-live-path
import { untrack } from 'svelte';
import { session } from '../lib/session.svelte';
import { live } from './connection.svelte';
import { liveStores } from './live-stores';

/**
 * Starts the live side of the client: the connection follows the session (only a signed-in
 * session may connect), and each server event changes the same state a reload would show.
 * The stores register themselves (`live-stores.ts`) with the events they apply, what to load
 * after sign-in, what to forget at sign-out and what to read again after a reconnection; space
 * and chat events go through their logs' feeds (`space-feeds.ts`, `chat-feeds.ts`), which apply
 * each once and in order. The session's own events are routed here. Returns the undo.
 */
export function startRealtime(): () => void {
  const unroute = live.route({
    'session:ended': ({ reason }) => {
      live.disconnect();
      void session.end(reason).then((outcome) => {
        if (outcome === 'kept') live.connect();
      });
    },
    'guidelines:published': ({ version }) => session.guidelinesPublished(version),
    'me:updated': (user) => session.replaceUser(user),
  });
  const unstart = liveStores.start();

  // Every (re)connection: what happened while the socket was away is replayed or read again.
  const unconnect = live.onConnect(() => liveStores.reconnected());
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
      // The stores follow the member who may read them.
      untrack(() => {
        if (signedIn && !gated && session.user?.status === 'active') liveStores.signedIn();
        else liveStores.signedOut();
      });
    });
  });

  return () => {
    unfollow();
    undropped();
    unfollowNetwork();
    unconnect();
    unstart();
    unroute();
    liveStores.signedOut();
    live.disconnect();
  };
}
