import type { PublicProfile, SessionUser } from '../../../shared/api/accounts.routes';
import type { AdminUser } from '../../../shared/api/admin.routes';
import type { UserRow } from './users.repository';

/** The row of a member, for the features that read users with their own queries. */
export type { UserRow } from './users.repository';

export function avatarUrlOf(user: UserRow): string | null {
  if (user.avatarVersion > 0) return `/api/v1/users/${user.id}/avatar?v=${user.avatarVersion}`;
  return user.externalAvatarUrl;
}

/** A member as a post, a message, a case or the log names them: the author fields of their public profile. */
export const authorOf = (user: UserRow) => ({
  id: user.id,
  handle: user.handle,
  displayName: user.displayName,
  avatarUrl: avatarUrlOf(user),
  isBot: user.isBot,
});

export function toPublicProfile(user: UserRow): PublicProfile {
  return {
    id: user.id,
    handle: user.handle,
    displayName: user.displayName,
    avatarUrl: avatarUrlOf(user),
    bio: user.bio,
    location: user.location,
    interests: user.interests,
    role: user.role,
    isBot: user.isBot,
    joinedAt: user.createdAt.toISOString(),
  };
}

export function toSessionUser(user: UserRow, ssoLinked: boolean): SessionUser {
  return {
    ...toPublicProfile(user),
    email: user.email,
    status: user.status,
    hasPassword: user.passwordHash !== null,
    ssoLinked,
    acceptedGuidelinesVersion: user.acceptedGuidelinesVersion,
  };
}

export function toAdminUser(user: UserRow, ssoLinked: boolean): AdminUser {
  return {
    ...toSessionUser(user, ssoLinked),
    suspendedUntil: user.suspendedUntil?.toISOString() ?? null,
    lastSeenAt: user.lastSeenAt?.toISOString() ?? null,
  };
}
