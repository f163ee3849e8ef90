// Routes each server event to the store it updates: docs/ARCHITECTURE.md#the-live-path
import { session } from '../lib/session.svelte';
import { live } from './connection.svelte';

/**
 * Starts the live side of the client: the connection follows the session (only a signed-in
 * session may connect), and each server event changes the same state a reload would show.
 * Returns the undo.
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
      void session.guidelinesRequired;
      if (signedIn) live.connect();
      else live.disconnect();
    });
  });

  return () => {
    unfollow();
    undropped();
    unroute();
    live.disconnect();
  };
}
