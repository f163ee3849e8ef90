import { spaceRoutes } from '../../../shared/api/spaces.routes';
import type { RouteMounter } from '../../core/http/routes';
import { parseImageUpload, sendImage } from '../../core/images';
import type { Actor } from '../accounts/actor';
import type { SpacesService } from './spaces.service';
import type { StreamService } from './stream.service';

const parseAvatar = parseImageUpload('avatar');

export function mountSpaceRoutes(router: RouteMounter<Actor>, deps: { spaces: SpacesService; stream: StreamService }): void {
  const { spaces, stream } = deps;
  router.mount(spaceRoutes.spaces, ({ actor, query }) => spaces.accessDirectory(actor, query));
  router.mount(spaceRoutes.mySpaces, ({ actor }) => spaces.accessMySpaces(actor));
  router.mount(spaceRoutes.createSpace, ({ actor, body }) => spaces.doCreateSpace(actor, body));
  router.mount(spaceRoutes.space, ({ actor, params }) => spaces.accessSpace(actor, params.slug));
  router.mount(spaceRoutes.updateSpace, ({ actor, params, body }) => spaces.doUpdateSpace(actor, params.spaceId, body));
  router.mount(spaceRoutes.join, ({ actor, params }) => spaces.doJoin(actor, params.spaceId));
  router.mount(spaceRoutes.leave, ({ actor, params }) => spaces.doLeave(actor, params.spaceId));
  router.mount(spaceRoutes.members, ({ actor, params }) => spaces.accessMembers(actor, params.spaceId));
  router.mount(spaceRoutes.addMember, ({ actor, params, body }) => spaces.doAddMember(actor, params.spaceId, body));
  router.mount(spaceRoutes.updateMember, ({ actor, params, body }) => spaces.doUpdateMember(actor, params.spaceId, params.userId, body.role));
  router.mount(spaceRoutes.removeMember, ({ actor, params }) => spaces.doRemoveMember(actor, params.spaceId, params.userId));
  router.mount(spaceRoutes.markRead, ({ actor, params, body }) => spaces.doMarkRead(actor, params.spaceId, body.seq));
  router.mount(spaceRoutes.spaceAvatar, async ({ actor, params, req, res }) => {
    sendImage(req, res, await spaces.accessAvatar(actor, params.spaceId));
    return undefined;
  });
  router.mount(spaceRoutes.uploadSpaceAvatar, async ({ actor, params, req, res }) => {
    await parseAvatar(req, res);
    return spaces.doSetAvatar(actor, params.spaceId, req.file);
  });
  router.mount(spaceRoutes.removeSpaceAvatar, ({ actor, params }) => spaces.doRemoveAvatar(actor, params.spaceId));
  router.mount(spaceRoutes.spaceInvites, ({ actor, params }) => spaces.accessInvites(actor, params.spaceId));
  router.mount(spaceRoutes.createSpaceInvite, ({ actor, params, body }) => spaces.doCreateInvite(actor, params.spaceId, body));
  router.mount(spaceRoutes.revokeSpaceInvite, ({ actor, params }) => spaces.doRevokeInvite(actor, params.spaceId, params.inviteId));
  router.mount(spaceRoutes.spaceInvite, ({ actor, params }) => spaces.accessInvite(actor, params.token));
  router.mount(spaceRoutes.acceptSpaceInvite, ({ actor, params }) => spaces.doAcceptInvite(actor, params.token));
  router.mount(spaceRoutes.spacePosts, ({ actor, params, query }) => stream.accessSpaceStream(actor, params.spaceId, query));
  router.mount(spaceRoutes.homeStream, ({ actor, query }) => stream.accessHomeStream(actor, query));
  router.mount(spaceRoutes.post, ({ actor, params }) => stream.accessPost(actor, params.postId));
  router.mount(spaceRoutes.postHistory, ({ actor, params }) => stream.accessPostHistory(actor, params.postId));
}
