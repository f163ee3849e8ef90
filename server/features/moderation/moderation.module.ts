import { memberLimit } from '../../core/auth/rate-limit';
import { subscribe } from '../../core/events/domain-events';
import type { ContentRegistry } from '../../core/content/content-registry';
import '../../core/content/content.events';
import type { FeatureModule, Platform } from '../../core/module';
import type { Actor } from '../accounts/actor';
import type { SpacesService } from '../spaces/spaces.service';
import { mountModerationRoutes } from './moderation.routes';
import { moderationCommandHandlers } from './moderation.socket';
import { createModerationService } from './moderation.service';

/** How often the network looks for cases left unhandled past the admins' limit (one node per run). */
const ESCALATION_CHECK_MS = 60 * 1000;

/** Reports, the live moderation queue, actions with notices and appeals, the word list and the audit log. */
export function moderationModule(platform: Platform<Actor>, deps: { content: ContentRegistry<Actor>; spaces: SpacesService }) {
  const { db, realtime, logger, config, mail, work, memberLog } = platform;
  const { content } = deps;
  const reports = memberLimit(platform.createLimiter, {
    keyPrefix: 'reports',
    points: config.limits.reportsPerHour,
    durationSeconds: 60 * 60,
    message: 'You have filed many reports in a short time; the moderators have them. Try again later',
  });
  const moderation = createModerationService({
    db,
    realtime,
    content,
    spaces: deps.spaces,
    mail,
    config,
    work,
    memberLog,
    settingsRegistry: platform.settings,
    languages: platform.languages,
    limits: { reports },
  });
  return {
    name: 'moderation',
    settings: [moderation.settings.group],
    api: { doEscalateOverdue: moderation.doEscalateOverdue },
    routes(router) {
      mountModerationRoutes(router, { moderation });
    },
    commands: moderationCommandHandlers(moderation),
    subscriptions: [
      subscribe({
        event: 'content.written',
        name: 'moderation.word-list',
        durable: true,
        // Decided before the write commits, from the cached list: only content that matches costs a job.
        when: (written) => moderation.matchesWordList(written.markdown),
        handle: (written) => moderation.doCheckWrittenContent(written),
      }),
    ],
    jobs: {
      'moderation.escalate': {
        run: async () => {
          const count = await moderation.doEscalateOverdue();
          if (count) logger.info({ count }, 'moderation cases escalated');
        },
      },
    },
    schedules: [{ name: 'moderation.escalate', everyMs: ESCALATION_CHECK_MS, job: 'moderation.escalate' }],
  } satisfies FeatureModule<Actor>;
}
