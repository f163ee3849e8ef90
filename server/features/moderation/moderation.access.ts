// Who sees and who acts on a case (docs/permissions.md, "Moderation"): site moderators see every
// case; a space's hosts and moderators their space's, unless it is about a host; the safeguarding
// contacts every safeguarding concern. Nobody sees a case about themselves.
import { and, eq, isNull, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../core/db/database';
import { moderationCases } from '../../core/db/schema';
import { AppError } from '../../core/errors';
import type { Actor } from '../accounts/actor';
import type { ModerationSettings } from './moderation-settings';
import { activeStaff, casesOfModeratedSpaces, findCase, moderatesAnySpace, roleIn, spaceModeratorIds, type CaseRow } from './moderation.repository';

export const isSiteModerator = (actor: Actor) => actor.user.role === 'admin' || actor.user.role === 'moderator';

export const isSafeguarding = (row: CaseRow) => row.reasons.includes('safeguarding');

export function createModerationAccess(deps: { db: Db; settings: ModerationSettings }) {
  const { db, settings } = deps;

  /** Whether the actor moderates the case's space (host or moderator there; not for cases about a host). */
  async function moderatesSpaceOf(actor: Actor, row: CaseRow): Promise<boolean> {
    if (!row.spaceId || row.siteOnly) return false;
    const role = await roleIn(db, row.spaceId, actor.user.id);
    return role === 'host' || role === 'moderator';
  }

  async function isContact(actor: Actor): Promise<boolean> {
    return (await settings.current()).row.safeguardingContactIds.includes(actor.user.id);
  }

  /** May see and take the case: its moderators, and the safeguarding contacts for a safeguarding concern. */
  async function canSee(actor: Actor, row: CaseRow): Promise<boolean> {
    if (row.subjectId === actor.user.id) return false;
    if (isSiteModerator(actor) || (await moderatesSpaceOf(actor, row))) return true;
    return isSafeguarding(row) && (await isContact(actor));
  }

  /** Site moderators and admins read every case; others their spaces' (not about a host) and, contacts, safeguarding concerns. */
  function queueCondition(actor: Actor, site: boolean, contact: boolean): SQL | undefined {
    const notMine = or(isNull(moderationCases.subjectId), sql`${moderationCases.subjectId} <> ${actor.user.id}`);
    if (site) return notMine;
    const mine = and(eq(moderationCases.siteOnly, false), casesOfModeratedSpaces(actor.user.id));
    return and(notMine, contact ? or(mine, sql`'safeguarding' = any(${moderationCases.reasons})`) : mine);
  }

  return {
    /**
     * Everyone who may see a case: site moderators; the space's hosts and moderators unless it is
     * about a host; the safeguarding contacts when it is a safeguarding concern. Never its subject.
     */
    async audienceOf(row: CaseRow): Promise<string[]> {
      const site = (await activeStaff(db)).map((s) => s.id);
      const space = row.spaceId && !row.siteOnly ? await spaceModeratorIds(db, row.spaceId) : [];
      const contacts = isSafeguarding(row) ? (await settings.current()).row.safeguardingContactIds : [];
      return [...new Set([...site, ...space, ...contacts])].filter((id) => id !== row.subjectId);
    },

    /** May act on it (dismiss, hide, mute…): site moderators, and the space's hosts and moderators. */
    async canAct(actor: Actor, row: CaseRow): Promise<boolean> {
      if (row.subjectId === actor.user.id) return false;
      return isSiteModerator(actor) || moderatesSpaceOf(actor, row);
    },

    /** The case if the actor may see it; anyone else gets 403 (case ids are random, so this tells nothing). */
    async visibleCase(actor: Actor, caseId: string): Promise<CaseRow> {
      const row = await findCase(db, caseId);
      if (!row || !(await canSee(actor, row))) {
        throw new AppError('forbidden', 'This case is not in a queue you look after');
      }
      return row;
    },

    /** Which cases the actor's queue holds; 403 for a member who moderates nothing. */
    async checkQueue(actor: Actor): Promise<SQL | undefined> {
      const site = isSiteModerator(actor);
      const contact = await isContact(actor);
      if (!site && !contact && !(await moderatesAnySpace(db, actor.user.id))) throw new AppError('forbidden', 'Only moderators have a queue');
      return queueCondition(actor, site, contact);
    },

    /** A case about a host of its space goes to the site moderators only. */
    async isAboutHost(spaceId: string | null, subjectId: string | null): Promise<boolean> {
      return spaceId !== null && subjectId !== null && (await roleIn(db, spaceId, subjectId)) === 'host';
    },
  };
}

export type ModerationAccess = ReturnType<typeof createModerationAccess>;
