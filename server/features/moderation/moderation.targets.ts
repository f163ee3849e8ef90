// What a case is about. Content (posts, comments, chat messages, and any kind registered later) is
// reached only through the content registry (server/core/content/content-registry.ts), so a new
// kind is reportable and hideable without a change here. A member is the one kind moderation knows
// itself: a person is not content (nothing to hide or delete, no space), and every action on
// people (warn, mute, remove, suspend, ban) applies to any case's subject anyway.
import type { ContentKind, ContentRegistry, ContentState, VisibilityChange } from '../../core/content/content-registry';
import type { Db } from '../../core/db/database';
import { AppError } from '../../core/errors';
import type { Translate } from '../../core/i18n/i18n';
import type { Actor } from '../accounts/actor';
import { spaceNameOf, userById, type CaseRow, type Target, type TargetKind } from './moderation.repository';

export function createModerationTargets(deps: { db: Db; content: ContentRegistry<Actor> }) {
  const { db, content } = deps;

  /** The registered kind of content a case is about; undefined for a member (the one special case). */
  const contentOf = (kind: TargetKind): ContentKind<Actor> | undefined => (kind === 'member' ? undefined : content.get(kind));

  const toTarget = (found: { spaceId: string | null; authorId: string; excerpt: string; link: string | null }): Target => ({
    spaceId: found.spaceId,
    subjectId: found.authorId,
    snapshot: { excerpt: found.excerpt, link: found.link },
  });

  async function describeMember(id: string): Promise<Target | undefined> {
    const user = await userById(db, id);
    if (!user || user.status === 'deleted' || user.status === 'pending' || user.isBot) return undefined;
    return { spaceId: null, subjectId: user.id, snapshot: { excerpt: `${user.displayName} (@${user.handle}) ${user.bio}`.trim().slice(0, 140), link: `/u/${user.handle}` } };
  }

  /** What a reported thing is, without checking who asks (the word list; callers check). */
  async function describe(kind: TargetKind, id: string): Promise<Target | undefined> {
    const kindOf = contentOf(kind);
    if (!kindOf) return describeMember(id);
    const found = await kindOf.describe(id);
    return found && toTarget(found);
  }

  return {
    describe,

    /** The kind as a case stores it, when a feature registered it (the column is text; its enum names the kinds known today). */
    registeredKind: (kind: string): TargetKind | undefined => (content.find(kind) ? (kind as TargetKind) : undefined),

    /** What the reporter reports, only if they may read it (404 otherwise, as everywhere). */
    async resolveForReporter(actor: Actor, kind: TargetKind, id: string): Promise<Target> {
      const kindOf = contentOf(kind);
      if (kindOf) return toTarget(await kindOf.accessForReader(actor, id));
      const member = await describeMember(id);
      if (!member) throw AppError.notFound('No such profile');
      return member;
    },

    /** "your post in Gardening", in the reader's words (never quoting it): `(await whatOf(row, 'your'))(t)`. */
    async whatOf(row: CaseRow, whose: 'your' | 'a'): Promise<Say> {
      const kind = contentOf(row.targetKind) ? row.targetKind : 'member';
      const space = kind === 'member' ? undefined : await spaceNameOf(db, row.spaceId);
      const known = ['post', 'comment', 'message', 'member'].includes(kind) ? kind : 'content';
      return (t) => (space ? t(`moderation:what.${whose}.${known}In`, { space }) : t(`moderation:what.${whose}.${known}`));
    },

    /** What texts call the content: "chat message". */
    nounOf: (kind: TargetKind): string => contentOf(kind)?.noun ?? 'profile',

    /** Whether the case is about content (which the moderators may hide or delete). */
    isContent: (kind: TargetKind): boolean => contentOf(kind) !== undefined,

    /** Hides, unhides or deletes the content through its feature, which tells every screen. */
    async changeContent(row: CaseRow, change: VisibilityChange): Promise<boolean> {
      const kindOf = contentOf(row.targetKind);
      if (!kindOf) throw new AppError('conflict', 'This case is about a member, not content');
      return kindOf.changeVisibility(row.targetId, change);
    },

    /** Whether each case's content is hidden or deleted now (one query per kind of content). */
    contentStates: (rows: CaseRow[]): Promise<Map<string, ContentState>> => content.statesOf(rows.map((r) => ({ kind: r.targetKind, id: r.targetId }))),
  };
}

export type ModerationTargets = ReturnType<typeof createModerationTargets>;

/** Words said later in each reader's language: a notice, an email line. */
export type Say = (t: Translate) => string;
