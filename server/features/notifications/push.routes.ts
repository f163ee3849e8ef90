import { pushRoutes } from '../../../shared/api/push.routes';
import type { RouteMounter } from '../../core/http/routes';
import type { Actor } from '../accounts/actor';
import type { PushService } from './push.service';

export function mountPushRoutes(router: RouteMounter<Actor>, deps: { push: PushService }): void {
  const { push } = deps;
  router.mount(pushRoutes.webManifest, async ({ res }) => {
    res.type('application/manifest+json').setHeader('Cache-Control', 'no-cache');
    res.send(JSON.stringify(await push.accessManifest()));
    return undefined;
  });
  router.mount(pushRoutes.pushKey, ({ actor }) => push.accessPublicKey(actor));
  router.mount(pushRoutes.pushDevices, ({ actor }) => push.accessDevices(actor));
  router.mount(pushRoutes.subscribePush, ({ actor, body }) => push.doSubscribe(actor, body));
  router.mount(pushRoutes.removePushDevice, ({ actor, params }) => push.doRemove(actor, params.deviceId));
  router.mount(pushRoutes.testPushDevice, ({ actor, params }) => push.doSendTest(actor, params.deviceId));
}
