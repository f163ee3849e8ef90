import { Router } from './router.svelte';

/** Every page of the app. The server answers index.html for each path, so all are real URLs. */
export const routes = {
  home: '/',
  signIn: '/sign-in',
  signUp: '/sign-up',
  join: '/join/:token',
  guidelines: '/guidelines',
  profile: '/u/:handle',
  settings: '/settings',
  admin: '/admin',
  adminSection: '/admin/:section',
  spaces: '/spaces',
  space: '/s/:slug',
  spaceMembers: '/s/:slug/members',
  spaceSettings: '/s/:slug/settings',
  spaceInvite: '/invite/:token',
  post: '/p/:postId',
  postHistory: '/p/:postId/history',
  search: '/search',
  spaceChat: '/s/:slug/chat',
  messages: '/messages',
  conversation: '/messages/:conversationId',
  moderation: '/moderation',
  moderationTab: '/moderation/:tab',
  notices: '/notices',
  notifications: '/notifications',
  forgotPassword: '/forgot-password',
  resetPassword: '/reset-password',
  verifyEmail: '/verify-email',
  unsubscribe: '/unsubscribe',
  calendar: '/calendar',
  spaceEvents: '/s/:slug/events',
  newEvent: '/s/:slug/events/new',
  event: '/events/:eventId',
  editEvent: '/events/:eventId/edit',
} as const;

export type RouteName = keyof typeof routes;

/** Pages anyone may see; every other page needs a signed-in member. */
export const publicRoutes: ReadonlySet<RouteName> = new Set(['home', 'signIn', 'signUp', 'join', 'guidelines', 'forgotPassword', 'resetPassword', 'verifyEmail', 'unsubscribe']);

/** Pages that make no sense once signed in. */
export const signedOutOnlyRoutes: ReadonlySet<RouteName> = new Set(['signIn', 'signUp', 'join', 'forgotPassword']);

export const router = new Router<RouteName>(routes);

export function navigate(to: string, options?: { replace?: boolean }): void {
  router.navigate(to, options);
}
