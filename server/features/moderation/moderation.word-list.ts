// The admins' word list, checked for every post, comment or chat message: whether the text
// matches is decided inside the write from the cached list; a match becomes a durable job
// (moderation.module.ts subscribes to `content.written`) that opens the case after the commit and,
// when the admins chose so, hides the content until a moderator has looked at it.
import type { Db } from '../../core/db/database';
import type { ModerationSettings } from './moderation-settings';
import type { CaseViews } from './moderation.cases';
import type { ModerationLog } from './moderation.log';
import type { ModerationNotices } from './moderation.notices';
import type { ModerationReports } from './moderation.reports';
import { updateCase } from './moderation.repository';
import type { ModerationTargets } from './moderation.targets';

/** New content to check against the word list (posts, comments, chat messages, created or edited): any registered kind. */
export interface ContentWritten {
  kind: string;
  id: string;
  authorId: string;
  markdown: string;
}

export function createWordList(deps: {
  db: Db;
  settings: ModerationSettings;
  targets: ModerationTargets;
  reports: Pick<ModerationReports, 'file'>;
  notices: Pick<ModerationNotices, 'notify'>;
  cases: Pick<CaseViews, 'announce'>;
  log: ModerationLog;
}) {
  const { db, settings, targets, reports, notices, cases, log } = deps;

  /** Checks the word list; opens a case (and hides the content when the admins chose so). */
  async function flag(content: ContentWritten): Promise<void> {
    const { row: current, pattern } = await settings.current();
    const match = pattern?.exec(content.markdown);
    if (!match) return;
    const kind = targets.registeredKind(content.kind);
    const target = kind && (await targets.describe(kind, content.id));
    if (!kind || !target) return;
    const caseRow = await reports.file(kind, content.id, target, null, 'other', `Word list: “${match[0]}”`);
    if (!current.autoHide) return;
    if (await targets.changeContent(caseRow, 'hide')) {
      // Remembered on the open case: a moderator's hide confirms it, a dismissal shows the content again.
      await updateCase(db, caseRow.id, { lastAction: { action: 'auto_hide' } });
      await log.write(null, 'auto_hide', caseRow, `Word list: “${match[0]}”`);
      if (target.subjectId) {
        const what = await targets.whatOf(caseRow, 'your');
        await notices.notify([target.subjectId], 'action', caseRow, (t) => t('moderation:notice.autoHidden', { what: what(t) }));
      }
      await cases.announce(caseRow, 'moderation:case-updated');
    }
  }

  return {
    /**
     * Whether written text matches the list (the cached list: no query while it is fresh). Asked
     * inside the write, so only matching content costs a follow-up job.
     */
    async matchesWordList(markdown: string): Promise<boolean> {
      if (settings.knownEmpty()) return false;
      const { pattern } = await settings.current();
      return pattern !== null && pattern.test(markdown);
    },

    /** The durable follow-up of `content.written`: opens the case (throws to be retried). */
    doCheckWrittenContent: flag,
  };
}
