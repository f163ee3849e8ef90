// Open cases left untouched past the admins' limit go to the site moderators, also by email.
// Every node checks every minute; the claim lets exactly one node escalate each case (decision 011).
import type { Config } from '../../config';
import type { Db } from '../../core/db/database';
import { translator, type Languages } from '../../core/i18n/i18n';
import type { OutboxMail } from '../../core/mail/outbox';
import type { ModerationSettings } from './moderation-settings';
import type { CaseViews } from './moderation.cases';
import type { ModerationLog } from './moderation.log';
import { activeStaff, claimOverdue } from './moderation.repository';
import type { ModerationTargets } from './moderation.targets';

export function createEscalation(deps: {
  db: Db;
  mail: OutboxMail;
  config: Pick<Config, 'publicUrl'>;
  settings: ModerationSettings;
  targets: Pick<ModerationTargets, 'whatOf'>;
  cases: Pick<CaseViews, 'announce'>;
  log: ModerationLog;
  languages: Pick<Languages, 'of'>;
}) {
  const { db, mail, config, settings, targets, cases, log, languages } = deps;

  return {
    /** Escalates the overdue cases; returns how many. */
    async doEscalateOverdue(now = new Date()): Promise<number> {
      const minutes = (await settings.current()).row.escalateAfterMinutes;
      if (minutes <= 0) return 0;
      const escalated = await claimOverdue(db, now, new Date(now.getTime() - minutes * 60_000));
      if (escalated.length === 0) return 0;
      const staff = await activeStaff(db);
      for (const row of escalated) {
        await log.write(null, 'escalate', row, '', { minutes });
        await cases.announce(row, 'moderation:case-updated');
      }
      const queue = `${config.publicUrl}/moderation`;
      const whats = await Promise.all(escalated.map(async (row) => ({ row, what: await targets.whatOf(row, 'a') })));
      for (const person of staff.filter((s) => s.email && !escalated.every((row) => row.subjectId === s.id))) {
        // Each moderator reads it in their language.
        const t = translator(await languages.of(person.id));
        const lines = whats.map(({ row, what }) => t('moderation:email.escalationLine', { what: what(t), excerpt: row.snapshot.excerpt, url: queue }));
        await mail.enqueue(db, {
          kind: 'moderation',
          userId: person.id,
          to: person.email!,
          subject: t('moderation:email.escalationSubject', { count: escalated.length }),
          text: t('moderation:email.escalationBody', { name: person.name, waited: t('moderation:email.waitedMinutes', { count: minutes }), lines: lines.join('\n'), url: queue }),
        });
      }
      return escalated.length;
    },
  };
}
