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
  router.mount(moderationRoutes.actOnCase, ({ actor, params, body }) => moderation.doAct(actor, params.caseId, body));
  router.mount(moderationRoutes.undoCaseAction, ({ actor, params }) => moderation.doUndo(actor, params.caseId));
  router.mount(moderationRoutes.myNotices, ({ actor }) => moderation.accessNotices(actor));
  router.mount(moderationRoutes.readNotices, ({ actor }) => moderation.doReadNotices(actor));
  router.mount(moderationRoutes.appealNotice, ({ actor, params, body }) => moderation.doAppeal(actor, params.noticeId, body.text));
  router.mount(moderationRoutes.moderationSettings, ({ actor }) => moderation.accessSettings(actor));
  router.mount(moderationRoutes.updateModerationSettings, ({ actor, body }) => moderation.doUpdateSettings(actor, body));
  router.mount(moderationRoutes.moderationHelp, () => moderation.accessHelp());
  router.mount(moderationRoutes.moderationLog, ({ actor, query }) => moderation.accessLog(actor, query.before));
  router.mount(moderationRoutes.exportLog, async ({ actor, res }) => {
    const csv = await moderation.accessLogCsv(actor);
    res
      .status(200)
      .type('text/csv; charset=utf-8')
      .set('Content-Disposition', `attachment; filename="moderation-log-${new Date().toISOString().slice(0, 10)}.csv"`)
      .set('Cache-Control', 'no-store')
      .send(csv);
    return undefined;
  });
}
