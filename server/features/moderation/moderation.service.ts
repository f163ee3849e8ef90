// Reports, the live moderation queue and moderators' actions: the feature's public face, composed
// from one module per use case. Who sees and does what: docs/permissions.md ("Moderation"); the
// design: docs/decisions/011-moderation.md; content through server/core/content/content-registry.ts.
//   moderation.access.ts     who sees and who acts on a case
//   moderation.targets.ts    what a case is about (content kinds from the registry; members)
//   moderation.cases.ts      the queue and the live case views
//   moderation.reports.ts    filing a report
//   moderation.actions.ts    take, dismiss, act and reverse
//   moderation.notices.ts    notices to members and their one appeal
//   moderation.log.ts        the append-only log and its CSV
//   moderation.word-list.ts  the word list on new content
//   moderation.escalation.ts cases left unhandled
//   moderation.repository.ts the Drizzle queries
import type { z } from 'zod';
import type { updateModerationSettingsSchema } from '../../../shared/api/moderation.routes';
import type { Config } from '../../config';
import type { MemberLimit } from '../../core/auth/rate-limit';
import type { ContentRegistry } from '../../core/content/content-registry';
import type { Db } from '../../core/db/database';
import type { Work } from '../../core/events/unit-of-work';
import type { Languages } from '../../core/i18n/i18n';
import type { Realtime } from '../../core/realtime/realtime';
import type { MemberLog } from '../../core/replay-log/member-log';
import type { SettingsRegistry } from '../../core/settings/settings';
import { checkAdmin, type Actor } from '../accounts/actor';
import type { SpacesService } from '../spaces/spaces.service';
import type { OutboxMail } from '../../core/mail/outbox';
import { createModerationSettings } from './moderation-settings';
import { createModerationAccess } from './moderation.access';
import { createModerationActions } from './moderation.actions';
import { createCaseViews } from './moderation.cases';
import { createEscalation } from './moderation.escalation';
import { createModerationLog } from './moderation.log';
import { createModerationNotices } from './moderation.notices';
import { createModerationReports } from './moderation.reports';
import { createModerationTargets } from './moderation.targets';
import { createWordList } from './moderation.word-list';

export type { ContentWritten } from './moderation.word-list';

export function createModerationService(deps: {
  db: Db;
  realtime: Realtime;
  /** Every kind of content a case may be about (posts, comments, chat messages…). */
  content: ContentRegistry<Actor>;
  spaces: Pick<SpacesService, 'doSetMute' | 'doRemoveByModeration' | 'doRestoreMember'>;
  mail: OutboxMail;
  config: Pick<Config, 'publicUrl'>;
  work: Work;
  memberLog: MemberLog;
  settingsRegistry: SettingsRegistry;
  /** Members' languages, for notices and emails. */
  languages: Pick<Languages, 'of'>;
  limits?: { reports: MemberLimit };
}) {
  const { db, realtime, content, spaces, mail, config, work, memberLog } = deps;
  const settings = createModerationSettings(db, deps.settingsRegistry);
  const access = createModerationAccess({ db, settings });
  const targets = createModerationTargets({ db, content });
  const cases = createCaseViews({ db, realtime, access, targets });
  const log = createModerationLog(db);
  const notices = createModerationNotices({ db, work, memberLog, mail, config, cases, log, languages: deps.languages });
  const reports = createModerationReports({ db, access, targets, cases, limit: deps.limits?.reports });
  const actions = createModerationActions({ db, realtime, spaces, access, targets, cases, notices, log });
  const wordList = createWordList({ db, settings, targets, reports, notices, cases, log });
  const escalation = createEscalation({ db, mail, config, settings, targets, cases, log, languages: deps.languages });

  return {
    settings,

    doReport: reports.doReport,

    matchesWordList: wordList.matchesWordList,
    doCheckWrittenContent: wordList.doCheckWrittenContent,

    accessQueue: cases.accessQueue,
    doTake: actions.doTake,
    doDismiss: actions.doDismiss,
    doAct: actions.doAct,
    doUndo: actions.doUndo,
    doEscalateOverdue: escalation.doEscalateOverdue,

    accessNotices: notices.accessNotices,
    doReadNotices: notices.doReadNotices,
    doAppeal: notices.doAppeal,

    accessLog: log.accessLog,
    accessLogCsv: log.accessLogCsv,

    async accessSettings(actor: Actor) {
      checkAdmin(actor);
      return settings.view();
    },

    async doUpdateSettings(actor: Actor, patch: z.output<typeof updateModerationSettingsSchema>) {
      checkAdmin(actor);
      const { changed } = await settings.update(patch);
      await log.write(actor.user.id, 'settings', null, '', changed);
      return settings.view();
    },

    async accessHelp() {
      return settings.help();
    },
  };
}

export type ModerationService = ReturnType<typeof createModerationService>;
