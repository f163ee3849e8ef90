// A case as the moderators see it (the queue, and every live update of it in their `user:<id>` rooms).
import type { ModerationCase } from '../../../shared/api/moderation.routes';
import type { Db } from '../../core/db/database';
import type { Realtime } from '../../core/realtime/realtime';
import { authorOf } from '../accounts/accounts.dto';
import type { Actor } from '../accounts/actor';
import { isSafeguarding, type ModerationAccess } from './moderation.access';
import { queuePage, reportsOfCases, usersByIds, type CaseRow, type Reason } from './moderation.repository';
import type { ModerationTargets } from './moderation.targets';

export function createCaseViews(deps: { db: Db; realtime: Realtime; access: ModerationAccess; targets: ModerationTargets }) {
  const { db, realtime, access, targets } = deps;

  async function views(rows: CaseRow[]): Promise<ModerationCase[]> {
    if (rows.length === 0) return [];
    const people = [...new Set(rows.flatMap((r) => [r.subjectId, r.assigneeId]).filter((id): id is string => Boolean(id)))];
    const byId = new Map((await usersByIds(db, people)).map((u) => [u.id, authorOf(u)]));
    const reportRows = await reportsOfCases(
      db,
      rows.map((r) => r.id),
    );
    const states = await targets.contentStates(rows);
    return rows.map((r) => ({
      id: r.id,
      targetKind: r.targetKind,
      targetId: r.targetId,
      spaceId: r.spaceId,
      subject: (r.subjectId && byId.get(r.subjectId)) || null,
      status: r.status,
      assignee: (r.assigneeId && byId.get(r.assigneeId)) || null,
      reasons: r.reasons as Reason[],
      reportCount: r.reportCount,
      reports: reportRows
        .filter((p) => p.caseId === r.id)
        .map((p) => ({ reason: p.reason as Reason, note: p.note, createdAt: p.createdAt.toISOString(), automatic: p.reporterId === null })),
      snapshot: r.snapshot,
      siteOnly: r.siteOnly,
      openedAt: r.openedAt.toISOString(),
      updatedAt: r.updatedAt.toISOString(),
      outcome: r.outcome as ModerationCase['outcome'],
      contentHidden: states.get(r.targetId)?.hidden ?? false,
      contentDeleted: states.get(r.targetId)?.deleted ?? false,
      escalated: r.escalatedAt !== null,
      safeguarding: isSafeguarding(r),
      appeal: r.appealText && r.appealedAt ? { text: r.appealText, at: r.appealedAt.toISOString() } : null,
    }));
  }

  return {
    /** Tells everyone who may see the case of its new state; returns that state. */
    async announce(row: CaseRow, event: 'moderation:case-opened' | 'moderation:case-updated'): Promise<ModerationCase> {
      const [view] = await views([row]);
      const audience = await access.audienceOf(row);
      if (audience.length) realtime.publish(audience.map((id) => `user:${id}`), event, view!);
      return view!;
    },

    async accessQueue(actor: Actor, status: 'open' | 'closed') {
      const visible = await access.checkQueue(actor);
      const { rows, openCount } = await queuePage(db, status, visible);
      return { items: await views(rows), openCount };
    },
  };
}

export type CaseViews = ReturnType<typeof createCaseViews>;
