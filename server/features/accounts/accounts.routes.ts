import type { Request } from 'express';
import { accountRoutes } from '../../../shared/api/accounts.routes';
import { adminRoutes } from '../../../shared/api/admin.routes';
import { oidcRoutes } from '../../../shared/api/oidc.routes';
import type { Config } from '../../config';
import { destroySession, signInSession } from '../../core/auth/session';
import type { RouteMounter } from '../../core/http/routes';
import { toSessionUser } from './accounts.dto';
import { mustAcceptGuidelines, type Actor } from './actor';
import type { AccountsService } from './accounts.service';
import { parseImageUpload, sendImage } from '../../core/images';
import type { AdminService } from './admin.service';
import type { GuidelinesService } from './guidelines.service';
import type { Oidc } from './oidc';

const parseAvatar = parseImageUpload('avatar');

const addressOf = (req: Request) => req.ip ?? req.socket.remoteAddress ?? 'unknown';

export function mountAccountRoutes(
  router: RouteMounter<Actor>,
  deps: {
    config: Config;
    accounts: AccountsService;
    guidelines: GuidelinesService;
    admin: AdminService;
    oidc: Oidc;
    /** Where a member's own log stands (the client replays it from there). */
    memberSeq: (userId: string) => Promise<number>;
    authConfig: () => Promise<{
      registrationPolicy: 'open' | 'invite' | 'approval';
      localAccounts: boolean;
      minimumAge: number | null;
      firstAccount: boolean;
    }>;
  },
): void {
  const { config, accounts, guidelines, admin, oidc } = deps;

  const sessionView = async (req: Request, actor: Actor | undefined) => ({
    user: actor ? toSessionUser(actor.user, actor.ssoLinked) : null,
    csrfToken: actor ? (req.session.csrfToken ?? null) : null,
    guidelinesRequired: actor ? mustAcceptGuidelines(actor) : false,
    memberSeq: actor ? await deps.memberSeq(actor.user.id) : null,
    language: actor ? (await accounts.accessLanguageSetting(actor)).language : null,
  });

  router.mount(accountRoutes.authConfig, async () => {
    const settings = await deps.authConfig();
    return {
      localAccounts: settings.localAccounts || settings.firstAccount,
      firstAccount: settings.firstAccount,
      registrationPolicy: settings.registrationPolicy,
      minimumAge: settings.minimumAge,
      oidc: { enabled: oidc.enabled, buttonLabel: config.oidc?.buttonLabel ?? '', loginUrl: '/auth/oidc/login' },
    };
  });

  router.mount(accountRoutes.session, ({ req, actor }) => sessionView(req, actor));

  router.mount(accountRoutes.signUp, async ({ body, req }) => {
    const { user, signedIn } = await accounts.doSignUp(body, addressOf(req), req);
    if (signedIn) await signInSession(req, user.id);
    return { user: await accounts.sessionUserOf(user), signedIn };
  });

  router.mount(accountRoutes.signIn, async ({ body, req }) => {
    const user = await accounts.doSignIn(body.email, body.password, addressOf(req), req);
    await signInSession(req, user.id);
    return { user: await accounts.sessionUserOf(user) };
  });

  router.mount(accountRoutes.signOut, async ({ req, actor }) => {
    const redirectUrl = accounts.logoutUrl(oidc.endSessionEndpoint(), req.session.idToken);
    await destroySession(req);
    accounts.doEndSession(actor);
    return { redirectUrl };
  });

  router.mount(accountRoutes.checkInvite, ({ params }) => admin.accessInviteValidity(params.token));

  router.mount(accountRoutes.findMembers, ({ query }) => accounts.accessMemberMatches(query.q, query.limit));

  router.mount(accountRoutes.profile, ({ params }) => accounts.accessProfile(params.handle));

  router.mount(accountRoutes.avatar, async ({ params, req, res }) => {
    sendImage(req, res, await accounts.accessAvatar(params.userId));
    return undefined;
  });

  router.mount(accountRoutes.updateProfile, ({ actor, body }) => accounts.doUpdateProfile(actor, body));

  router.mount(accountRoutes.uploadAvatar, async ({ actor, req, res }) => {
    await parseAvatar(req, res);
    return accounts.doSetAvatar(actor, req.file);
  });

  router.mount(accountRoutes.removeAvatar, ({ actor }) => accounts.doRemoveAvatar(actor));

  router.mount(accountRoutes.changePassword, ({ actor, body }) => accounts.doChangePassword(actor, body));

  router.mount(accountRoutes.deleteAccount, async ({ actor, body, req }) => {
    const redirectUrl = accounts.logoutUrl(oidc.endSessionEndpoint(), req.session.idToken);
    await accounts.doDeleteAccount(actor, body.password);
    await destroySession(req);
    return { redirectUrl };
  });

  router.mount(accountRoutes.guidelines, () => guidelines.accessCurrent());

  router.mount(accountRoutes.acceptGuidelines, async ({ actor, body, req }) => {
    const user = await guidelines.doAccept(actor, body);
    return sessionView(req, { ...actor, user });
  });

  router.mount(accountRoutes.chooseLanguage, ({ actor, body }) => accounts.doChooseLanguage(actor, body.language));

  router.mount(accountRoutes.myConsents, ({ actor }) => guidelines.accessMyConsents(actor));

  router.mount(oidcRoutes.oidcLogin, ({ req, res, next }) => oidc.login(req, res, next));
  router.mount(oidcRoutes.oidcCallback, ({ req, res, next }) => oidc.callback(req, res, next));

  router.mount(adminRoutes.settings, ({ actor }) => admin.accessSettings(actor));
  router.mount(adminRoutes.updateSettings, ({ actor, body }) => admin.doUpdateSettings(actor, body));
  router.mount(adminRoutes.users, ({ actor, query }) => admin.accessUsers(actor, query));
  router.mount(adminRoutes.updateUser, ({ actor, params, body }) => admin.doUpdateUser(actor, params.userId, body));
  router.mount(adminRoutes.approveUser, ({ actor, params }) => admin.doDecideRegistration(actor, params.userId, 'approve'));
  router.mount(adminRoutes.rejectUser, ({ actor, params }) => admin.doDecideRegistration(actor, params.userId, 'reject'));
  router.mount(adminRoutes.invites, ({ actor }) => admin.accessInvites(actor));
  router.mount(adminRoutes.createInvite, ({ actor, body }) => admin.doCreateInvite(actor, body));
  router.mount(adminRoutes.revokeInvite, ({ actor, params }) => admin.doRevokeInvite(actor, params.inviteId));
  router.mount(adminRoutes.guidelinesVersions, ({ actor }) => guidelines.accessVersions(actor));
  router.mount(adminRoutes.publishGuidelines, ({ actor, body }) => guidelines.doPublish(actor, body.bodyMarkdown));
}
