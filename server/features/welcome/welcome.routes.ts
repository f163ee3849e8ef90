import { welcomeRoutes } from '../../../shared/api/welcome.routes';
import type { RouteMounter } from '../../core/http/routes';
import type { Actor } from '../accounts/actor';
import type { ChecklistService } from './checklist';
import type { HelpRequests } from './help-requests';
import type { WelcomeService } from './welcome.service';

export function mountWelcomeRoutes(router: RouteMounter<Actor>, deps: { welcome: WelcomeService; help: HelpRequests; checklist: ChecklistService }): void {
  const { welcome, help, checklist } = deps;
  router.mount(welcomeRoutes.welcomeSettings, ({ actor }) => welcome.accessSettings(actor));
  router.mount(welcomeRoutes.updateWelcomeSettings, ({ actor, body }) => welcome.doUpdateSettings(actor, body));
  router.mount(welcomeRoutes.outbox, ({ actor }) => welcome.accessOutbox(actor));
  router.mount(welcomeRoutes.retryEmail, ({ actor, params }) => welcome.doRetryEmail(actor, params.emailId));
  router.mount(welcomeRoutes.communityManagers, () => welcome.accessManagers());
  router.mount(welcomeRoutes.helpRequests, ({ actor }) => help.accessHelpRequests(actor));
  router.mount(welcomeRoutes.answerHelpRequest, ({ actor, params, body }) => help.doAnswer(actor, params.userId, body));
  router.mount(welcomeRoutes.checklist, ({ actor }) => checklist.accessChecklist(actor));
  router.mount(welcomeRoutes.updateChecklist, ({ actor, body }) => checklist.doUpdateChecklist(actor, body));
}
