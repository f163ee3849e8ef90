import type { PublicProfile } from '../../../shared/api/accounts.routes';
import { api } from './api';
import { routes } from './api-routes';
import type { SpaceMember } from './spaces-api';

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
    .call(routes.members, { params: { spaceId } })
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
export function matchMembers<T extends { user: Person }>(members: T[], typed: string, exceptUserId?: string, limit = 6): T[] {
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

/** Who can be suggested: a space member's user, a conversation's participant, a found profile. */
export type Person = Pick<PublicProfile, 'id' | 'handle' | 'displayName' | 'avatarUrl'>;

const FOUND_MS = 30_000;
const found = new Map<string, { at: number; people: Promise<Person[]> }>();

/**
 * Active members anywhere on the site whose handle or a word of whose name starts with `typed`
 * (`GET /api/v1/users`, handles first); the same question is asked at most every 30 s.
 * @example await findPeople('be') // → [{ handle: 'bea_arthur', displayName: 'Bea Arthur', … }]
 */
export function findPeople(typed: string, limit = 8): Promise<Person[]> {
  const q = typed.trim().replace(/^@/, '').toLowerCase().slice(0, 60);
  if (!q) return Promise.resolve([]);
  const key = `${limit}:${q}`;
  const cached = found.get(key);
  if (cached && Date.now() - cached.at < FOUND_MS) return cached.people;
  const people = api.call(routes.findMembers, { query: { q, limit } }).then((list) => list.items);
  people.catch(() => found.delete(key));
  if (found.size > 100) found.clear();
  found.set(key, { at: Date.now(), people });
  return people;
}

/**
 * People whose handle or a word of whose name starts with `typed`, handles first.
 * @example matchPeople(participants, 'ad') // → @ada and "Ada Lovelace"
 */
export function matchPeople<T extends Person>(people: T[], typed: string, exceptUserId?: string, limit = 6): T[] {
  return matchMembers(
    people.map((user) => ({ user })),
    typed,
    exceptUserId,
    limit,
  ).map((entry) => entry.user);
}

/**
 * Suggestions for an `@mention`: a space's members in a space; elsewhere the conversation's
 * participants first (`first`), then members found on the whole site.
 * @example await mentionCandidates({ first: dm.participants }, 'be', me.id)
 */
export async function mentionCandidates(where: { spaceId?: string; first?: Person[] }, typed: string, exceptUserId?: string, limit = 6): Promise<Person[]> {
  if (where.spaceId) return matchMembers(await spaceMembers(where.spaceId), typed, exceptUserId, limit).map((member) => member.user);
  const first = matchPeople(where.first ?? [], typed, exceptUserId, limit);
  if (first.length >= limit || typed === '') return first;
  const more = await findPeople(typed, limit + 1);
  const seen = new Set(first.map((person) => person.id));
  return [...first, ...more.filter((person) => person.id !== exceptUserId && !seen.has(person.id))].slice(0, limit);
}
