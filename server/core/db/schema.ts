/**
 * Every table of Hearth, in one Drizzle schema. Features add their tables in their own
 * `*.schema.ts` files and re-export them here, so migrations see the whole database.
 */
export * from './site.schema';
export * from './platform.schema';
export * from '../../features/accounts/accounts.schema';
export * from '../../features/spaces/spaces.schema';
export * from '../../features/chat/chat.schema';
export * from '../../features/welcome/welcome.schema';
export * from '../../features/moderation/moderation.schema';
export * from '../../features/notifications/notifications.schema';
export * from '../../features/calendar/calendar.schema';
