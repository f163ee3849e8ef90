import type { z } from 'zod';
import type {
  Comment,
  createSpaceSchema,
  MAX_COMMENT_CHARS,
  MAX_POST_CHARS,
  mySpaceListSchema,
  mySpaceSchema,
  Post,
  postHistorySchema,
  postPageSchema,
  postWithCommentsSchema,
  reactionEmojis,
  Space,
  spaceInvitePreviewSchema,
  spaceListSchema,
  spaceMemberListSchema,
  spaceMemberSchema,
  updateSpaceSchema,
} from '../../../shared/api/spaces.routes';
import { formatNumber } from './format';
import { t } from './i18n.svelte';

// The client imports only types from shared/ (zod stays out of the bundle). The few values it
// needs are repeated here, typed so that they cannot drift from the shared ones.

/** The fixed reaction set, in the order the server defines. */
export const reactionSet: typeof reactionEmojis = ['👍', '❤️', '🎉', '😂', '😮', '😢', '🙏'];
export type ReactionEmoji = (typeof reactionEmojis)[number];

export const maxPostChars: typeof MAX_POST_CHARS = 20_000;
export const maxCommentChars: typeof MAX_COMMENT_CHARS = 5_000;

export type { Comment, Post, Space };
export type MySpace = z.output<typeof mySpaceSchema>;
export type MySpaceList = z.output<typeof mySpaceListSchema>;
export type SpaceList = z.output<typeof spaceListSchema>;
export type SpaceInvitePreview = z.output<typeof spaceInvitePreviewSchema>;
export type SpaceMember = z.output<typeof spaceMemberSchema>;
export type SpaceMemberList = z.output<typeof spaceMemberListSchema>;
export type SpaceRole = SpaceMember['role'];
export type Visibility = Space['visibility'];
export type JoinPolicy = Space['joinPolicy'];
export type CreateSpaceInput = z.input<typeof createSpaceSchema>;
export type UpdateSpaceInput = z.input<typeof updateSpaceSchema>;
export type PostPage = z.output<typeof postPageSchema>;
export type SpaceStreamPage = PostPage & { pinned: Post[]; seq: number };
export type PostWithComments = z.output<typeof postWithCommentsSchema>;
export type PostHistory = z.output<typeof postHistorySchema>;
export type Author = Post['author'];

// Labels in the page's language: each one is read through t() when shown, so they follow a
// language change like the rest of the page.
const labelled = <K extends string>(keys: readonly K[], of: (key: K) => { label: string; hint: string }) =>
  Object.fromEntries(
    keys.map((key) => [
      key,
      {
        get label() {
          return of(key).label;
        },
        get hint() {
          return of(key).hint;
        },
      },
    ]),
  ) as Record<K, { readonly label: string; readonly hint: string }>;

export const visibilityLabels: Record<Visibility, { readonly label: string; readonly hint: string }> = labelled(
  ['public', 'private', 'secret'] as const,
  (key) => ({ label: t(`spaces:visibility.${key}.label`), hint: t(`spaces:visibility.${key}.hint`) }),
);

export const joinPolicyLabels: Record<JoinPolicy, { readonly label: string; readonly hint: string }> = labelled(
  ['open', 'request', 'invite'] as const,
  (key) => ({ label: t(`spaces:joinPolicy.${key}.label`), hint: t(`spaces:joinPolicy.${key}.hint`) }),
);

export const roleLabels: Record<SpaceRole, string> = {
  get host() {
    return t('spaces:roles.host');
  },
  get moderator() {
    return t('spaces:roles.moderator');
  },
  get member() {
    return t('spaces:roles.member');
  },
};

/**
 * "3 members" in the page's language, with its plural form and its digits.
 * @example memberCountLabel(1) // → '1 member'
 */
export function memberCountLabel(count: number): string {
  return t('spaces:memberCount', { count, n: formatNumber(count) });
}

/**
 * A space address suggested from its name: lowercase letters, digits and dashes.
 * @example slugFromName('Riverside Gardeners’ Club!') // → 'riverside-gardeners-club'
 */
export function slugFromName(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[’']/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
}

/** Whether the member takes part in the space (not merely requested or invited). */
export function isActiveMember(space: Pick<Space, 'membership'> | undefined): boolean {
  return space?.membership?.status === 'active';
}

/** Hosts of the space, and the network's admins, manage it. */
export function canManage(space: Pick<Space, 'membership'> | undefined, siteRole: string | undefined): boolean {
  return (space?.membership?.status === 'active' && space.membership.role === 'host') || siteRole === 'admin';
}

/** Hosts and moderators of the space, and the network's admins and moderators, moderate it. */
export function canModerate(space: Pick<Space, 'membership'> | undefined, siteRole: string | undefined): boolean {
  const membership = space?.membership;
  if (membership?.status === 'active' && (membership.role === 'host' || membership.role === 'moderator')) return true;
  return siteRole === 'admin' || siteRole === 'moderator';
}
