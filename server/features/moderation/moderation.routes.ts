import { moderationRoutes } from '../../../shared/api/moderation.routes';
import type { RouteMounter } from '../../core/http/routes';
import type { Actor } from '../accounts/actor';
import type { ModerationService } from './moderation.service';

export function mountModerationRoutes(router: RouteMounter<Actor>, deps: { moderation: ModerationService }): void {
  const { moderation } = deps;
  router.mount(moderationRoutes.report, ({ actor, body }) => moderation.doReport(actor, body));
  router.mount(moderationRoutes.queue, ({ actor, query }) => moderation.accessQueue(actor, query.status));
  router.mount(moderationRoutes.takeCase, ({ actor, params, body }) => moderation.doTake(actor, params.caseId, body.force));
  router.mount(moderationRoutes.dismissCase, ({ actor, params, body }) => moderation.doDismiss(actor, params.caseId, body.reason));
  router.mount(moderationRoutes.moderationLog, ({ actor }) => moderation.accessLog(actor));
}
