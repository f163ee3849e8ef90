// Open cases left untouched past the admins' limit go to the site moderators, also by email.
// Every node checks every minute; the claim lets exactly one node escalate each case (decision 011).
import type { Config } from '../../config';
import type { Db } from '../../core/db/database';
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
}) {
  const { db, mail, config, settings, targets, cases, log } = deps;

  return {
    /** Escalates the overdue cases; returns how many. */
    async doEscalateOverdue(now = new Date()): Promise<number> {
      const minutes = (await settings.current()).row.escalateAfterMinutes;
      if (minutes <= 0) return 0;
      const escalated = await claimOverdue(db, now, new Date(now.getTime() - minutes * 60_000));
      if (escalated.length === 0) return 0;
      const staff = await activeStaff(db);
      for (const row of escalated) {
        await log.write(null, 'escalate', row, `Unhandled for ${minutes} minutes`);
        await cases.announce(row, 'moderation:case-updated');
      }
      const lines = await Promise.all(escalated.map(async (row) => `- ${await targets.whatOf(row, 'a')}: ${row.snapshot.excerpt} (${config.publicUrl}/moderation)`));
      for (const person of staff.filter((s) => s.email && !escalated.every((row) => row.subjectId === s.id))) {
        await mail.enqueue(db, {
          kind: 'moderation',
          userId: person.id,
          to: person.email!,
          subject: `${escalated.length} report${escalated.length === 1 ? '' : 's'} waiting for a moderator`,
          text: `Hello ${person.name},\n\nThese reports have waited more than ${minutes} minutes without a moderator:\n\n${lines.join('\n')}\n\nOpen the queue: ${config.publicUrl}/moderation\n`,
        });
      }
      return escalated.length;
    },
  };
}
