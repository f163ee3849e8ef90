// Hearth's service worker (docs/decisions/023-web-push.md): shows the notifications the server
// pushes and opens them. It caches nothing: every page still comes from the network.
/* global self */

self.addEventListener('install', () => {
  self.skipWaiting();
});

self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim());
});

/** Only a path of this site is opened; anything else opens the notification list. */
function pathOf(url) {
  return typeof url === 'string' && url.startsWith('/') && !url.startsWith('//') ? url : '/notifications';
}

self.addEventListener('push', (event) => {
  let message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch {
    message = {};
  }
  // The server always sends a title in the member's language; a push without one still shows something.
  const title = typeof message.title === 'string' && message.title ? message.title : self.location.hostname;
  event.waitUntil(
    self.registration.showNotification(title, {
      body: typeof message.body === 'string' ? message.body : '',
      icon: '/icons/icon-192.png',
      badge: '/icons/badge-96.png',
      // One notification per group: a second reply replaces the first instead of stacking.
      tag: typeof message.tag === 'string' && message.tag ? message.tag : 'hearth',
      renotify: true,
      data: { url: pathOf(message.url) },
    }),
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const target = new URL(pathOf(event.notification.data && event.notification.data.url), self.location.origin).href;
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
      const open = windows.find((client) => new URL(client.url).origin === self.location.origin);
      if (open) {
        const focused = await open.focus();
        // The open tab goes to what the notification is about.
        if (focused && 'navigate' in focused) await focused.navigate(target).catch(() => undefined);
        return;
      }
      await self.clients.openWindow(target);
    })(),
  );
});
