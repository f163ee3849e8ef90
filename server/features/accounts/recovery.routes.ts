import type { Request } from 'express';
import { recoveryRoutes } from '../../../shared/api/recovery.routes';
import type { RouteMounter } from '../../core/http/routes';
import type { Actor } from './actor';
import type { RecoveryService } from './recovery.service';

const clientOf = (req: Request) => req.ip ?? req.socket.remoteAddress ?? 'unknown';

export function mountRecoveryRoutes(router: RouteMounter<Actor>, deps: { recovery: RecoveryService }): void {
  const { recovery } = deps;
  router.mount(recoveryRoutes.requestPasswordReset, ({ req, body }) => recovery.doRequestReset(clientOf(req), body.email));
  router.mount(recoveryRoutes.passwordResetLink, ({ params }) => recovery.accessResetLink(params.token));
  router.mount(recoveryRoutes.confirmPasswordReset, ({ req, body }) => recovery.doConfirmReset(clientOf(req), body.token, body.password));
  router.mount(recoveryRoutes.adminSendPasswordReset, ({ actor, params }) => recovery.doAdminSendReset(actor, params.userId));
  router.mount(recoveryRoutes.requestEmailVerification, ({ actor }) => recovery.doRequestVerification(actor));
  router.mount(recoveryRoutes.emailStatus, ({ actor }) => recovery.accessEmailStatus(actor));
  router.mount(recoveryRoutes.changeEmail, ({ actor, body }) => recovery.doChangeEmail(actor, body));
  router.mount(recoveryRoutes.confirmEmail, ({ req, body }) => recovery.doConfirmEmail(clientOf(req), body.token));
}
