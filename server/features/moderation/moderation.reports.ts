// Filing a report: several reports of one thing make one open case, which every moderator who
// may see it hears of live (decision 011).
import type { z } from 'zod';
import type { createReportSchema } from '../../../shared/api/moderation.routes';
import type { MemberLimit } from '../../core/auth/rate-limit';
import type { Db } from '../../core/db/database';
import { AppError } from '../../core/errors';
import type { Actor } from '../accounts/actor';
import type { ModerationAccess } from './moderation.access';
import type { CaseViews } from './moderation.cases';
import { insertReport, isUniqueViolation, type CaseRow, type Reason, type Target, type TargetKind } from './moderation.repository';
import type { ModerationTargets } from './moderation.targets';

export function createModerationReports(deps: {
  db: Db;
  access: ModerationAccess;
  targets: ModerationTargets;
  cases: Pick<CaseViews, 'announce'>;
  /** Reports per member (issue #12: 30 in a row were all accepted); the word list's own reports are not a member's. */
  limit?: MemberLimit;
}) {
  const { db, access, targets, cases } = deps;

  /** Adds a report to the open case about the target, opening it if needed; announces it. */
  async function file(kind: TargetKind, targetId: string, target: Target, reporterId: string | null, reason: Reason, note: string): Promise<CaseRow> {
    const siteOnly = await access.isAboutHost(target.spaceId, target.subjectId);
    for (let attempt = 0; ; attempt++) {
      try {
        const { row, opened } = await insertReport(db, kind, targetId, { ...target, siteOnly }, { reporterId, reason, note });
        await cases.announce(row, opened ? 'moderation:case-opened' : 'moderation:case-updated');
        return row;
      } catch (error) {
        // Two first reports of one thing at once: the second finds the first's case on retry.
        if (attempt === 0 && isUniqueViolation(error)) continue;
        throw error;
      }
    }
  }

  return {
    file,

    async doReport(actor: Actor, input: z.output<typeof createReportSchema>) {
      await deps.limit?.(actor);
      const target = await targets.resolveForReporter(actor, input.targetKind, input.targetId);
      if (target.subjectId === actor.user.id) throw new AppError('conflict', 'You cannot report yourself');
      await file(input.targetKind, input.targetId, target, actor.user.id, input.reason, input.note);
      return { received: true as const };
    },
  };
}

export type ModerationReports = ReturnType<typeof createModerationReports>;
