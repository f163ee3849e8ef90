import { welcomeRoutes } from '../../../shared/api/welcome.routes';
import type { RouteMounter } from '../../core/http/routes';
import type { Actor } from '../accounts/actor';
import type { WelcomeService } from './welcome.service';

export function mountWelcomeRoutes(router: RouteMounter<Actor>, deps: { welcome: WelcomeService }): void {
  const { welcome } = deps;
  router.mount(welcomeRoutes.welcomeSettings, ({ actor }) => welcome.accessSettings(actor));
  router.mount(welcomeRoutes.updateWelcomeSettings, ({ actor, body }) => welcome.doUpdateSettings(actor, body));
  router.mount(welcomeRoutes.outbox, ({ actor }) => welcome.accessOutbox(actor));
  router.mount(welcomeRoutes.retryEmail, ({ actor, params }) => welcome.doRetryEmail(actor, params.emailId));
}
