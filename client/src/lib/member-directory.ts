import { api } from './api';
import type { SpaceMember, SpaceMemberList } from './spaces-api';

const FRESH_MS = 60_000;
const cache = new Map<string, { at: number; members: Promise<SpaceMember[]> }>();

/**
 * The active members of a space, for @mention suggestions; fetched once a minute at most.
 * @example const members = await spaceMembers(spaceId); // → [{ user: { handle: 'ada', … }, role: 'host', … }]
 */
export function spaceMembers(spaceId: string): Promise<SpaceMember[]> {
  const cached = cache.get(spaceId);
  if (cached && Date.now() - cached.at < FRESH_MS) return cached.members;
  const members = api
    .get<SpaceMemberList>(`/api/v1/spaces/${spaceId}/members`)
    .then((list) => list.items.filter((member) => member.status === 'active'));
  members.catch(() => cache.delete(spaceId));
  cache.set(spaceId, { at: Date.now(), members });
  return members;
}

/** Forgets a space's members (after the member list changed here). */
export function forgetSpaceMembers(spaceId: string): void {
  cache.delete(spaceId);
}

/**
 * Members whose handle or a word of whose name starts with what was typed after `@`.
 * @example matchMembers(members, 'ad') // → the members @ada and "Ada Lovelace"
 */
export function matchMembers(members: SpaceMember[], typed: string, exceptUserId?: string, limit = 6): SpaceMember[] {
  const query = typed.toLowerCase();
  return members
    .filter((member) => member.user.id !== exceptUserId)
    .filter(
      (member) =>
        member.user.handle.startsWith(query) ||
        member.user.displayName
          .toLowerCase()
          .split(/\s+/)
          .some((word) => word.startsWith(query)),
    )
    .sort((a, b) => Number(!a.user.handle.startsWith(query)) - Number(!b.user.handle.startsWith(query)) || a.user.handle.localeCompare(b.user.handle))
    .slice(0, limit);
}
