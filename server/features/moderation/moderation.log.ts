// The append-only moderation log: every action, who took it and why (a trigger refuses UPDATE
// and DELETE). Site moderators read it; admins export it as CSV.
import type { Db } from '../../core/db/database';
import { authorOf } from '../accounts/accounts.dto';
import { checkAdmin, type Actor } from '../accounts/actor';
import { isSiteModerator } from './moderation.access';
import { AppError } from '../../core/errors';
import { insertLog, logPage, usersByIds, wholeLog, type CaseRow } from './moderation.repository';

const PAGE = 200;

const csvCell = (value: unknown) => {
  const text = value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  // A cell starting with = + - @ is a formula to spreadsheets: quote it as text.
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

export function createModerationLog(db: Db) {
  return {
    /** Writes one entry; `actorId` null is the system (the word list, escalation). */
    async write(actorId: string | null, action: string, row: CaseRow | null, reason: string, details: Record<string, unknown> = {}): Promise<void> {
      await insertLog(db, {
        actorId,
        action,
        caseId: row?.id ?? null,
        targetKind: row?.targetKind ?? null,
        targetId: row?.targetId ?? null,
        subjectId: row?.subjectId ?? null,
        spaceId: row?.spaceId ?? null,
        reason,
        details,
      });
    },

    async accessLog(actor: Actor, before?: number) {
      if (!isSiteModerator(actor)) throw new AppError('forbidden', 'Only site moderators and admins read the moderation log');
      const rows = await logPage(db, before, PAGE + 1);
      const page = rows.slice(0, PAGE);
      const subjectIds = [...new Set(page.map((r) => r.entry.subjectId).filter((id): id is string => Boolean(id)))];
      const subjectById = new Map((await usersByIds(db, subjectIds)).map((u) => [u.id, authorOf(u)]));
      return {
        items: page.map((r) => ({
          id: r.entry.id,
          at: r.entry.at.toISOString(),
          actor: r.actor ? authorOf(r.actor) : null,
          action: r.entry.action,
          caseId: r.entry.caseId,
          targetKind: r.entry.targetKind,
          targetId: r.entry.targetId,
          subject: (r.entry.subjectId && subjectById.get(r.entry.subjectId)) || null,
          spaceId: r.entry.spaceId,
          reason: r.entry.reason,
          details: r.entry.details as Record<string, unknown>,
        })),
        nextBefore: rows.length > PAGE ? page[page.length - 1]!.entry.id : null,
      };
    },

    /** The whole log as CSV, oldest first (admins). */
    async accessLogCsv(actor: Actor): Promise<string> {
      checkAdmin(actor);
      const rows = await wholeLog(db);
      const header = ['id', 'at', 'actor', 'action', 'case_id', 'target_kind', 'target_id', 'subject', 'space_id', 'reason', 'details'];
      const lines = rows.map((r) =>
        [
          r.entry.id,
          r.entry.at.toISOString(),
          r.actorHandle ?? (r.entry.actorId ? r.entry.actorId : 'system'),
          r.entry.action,
          r.entry.caseId,
          r.entry.targetKind,
          r.entry.targetId,
          r.subjectHandle ?? r.entry.subjectId,
          r.entry.spaceId,
          r.entry.reason,
          r.entry.details,
        ]
          .map(csvCell)
          .join(','),
      );
      return [header.join(','), ...lines].join('\r\n') + '\r\n';
    },
  };
}

export type ModerationLog = ReturnType<typeof createModerationLog>;
