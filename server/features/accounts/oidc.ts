// Single sign-on with any OpenID provider (Keycloak in the reference deployment): docs/decisions/005-accounts-and-sessions.md
import type { NextFunction, Request, Response } from 'express';
import passport from 'passport';
import { Strategy as OpenIdConnectStrategy, type Profile, type VerifyCallback } from 'passport-openidconnect';
import type { Config } from '../../config';
import { signInSession } from '../../core/auth/session';
import { AppError } from '../../core/errors';
import type { Logger } from '../../core/logger';
import type { AccountsService, OidcClaims } from './accounts.service';

interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  userinfo_endpoint?: string;
  end_session_endpoint?: string;
}

const STRATEGY = 'hearth-oidc';

function decodeJwtPayload(token: string): Record<string, unknown> {
  const payload = token.split('.')[1];
  if (!payload) throw new Error('malformed ID token');
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}

const str = (value: unknown) => (typeof value === 'string' && value.length > 0 ? value : undefined);

/** What the provider says about the member: the back-channel ID token, completed by userinfo. */
export function claimsFrom(idToken: string, userinfo: Record<string, unknown> | undefined): OidcClaims {
  const id = decodeJwtPayload(idToken);
  // Userinfo may only add to the ID token's subject, never replace it (OIDC Core 5.3.2).
  const extra = userinfo && userinfo.sub === id.sub ? userinfo : {};
  const merged = { ...extra, ...id };
  const issuer = str(merged.iss);
  const subject = str(merged.sub);
  if (!issuer || !subject) throw new Error('ID token without iss or sub');
  return {
    issuer,
    subject,
    email: str(merged.email),
    emailVerified: merged.email_verified === true,
    name: str(merged.name) ?? str([merged.given_name, merged.family_name].filter((part) => typeof part === 'string' && part).join(' ')),
    preferredUsername: str(merged.preferred_username),
    picture: str(merged.picture),
    raw: { sub: subject, email: merged.email, name: merged.name, preferred_username: merged.preferred_username, picture: merged.picture },
  };
}

export interface Oidc {
  readonly enabled: boolean;
  login(req: Request, res: Response, next: NextFunction): Promise<void>;
  callback(req: Request, res: Response, next: NextFunction): Promise<void>;
  /** The provider's end-session endpoint, once discovered. */
  endSessionEndpoint(): string | undefined;
}

export function createOidc(deps: { config: Config; logger: Logger; accounts: AccountsService }): Oidc {
  const { config, logger, accounts } = deps;
  const settings = config.oidc;
  // A passport instance of our own: several apps in one process (tests) must not share strategies.
  const authenticator = new passport.Passport();
  let discovery: Discovery | undefined;
  let discovering: Promise<Discovery> | undefined;

  async function discover(): Promise<Discovery> {
    if (!settings) throw AppError.notFound('Single sign-on is not configured');
    if (discovery) return discovery;
    discovering ??= (async () => {
      const url = `${settings.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
      const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      if (!response.ok) throw new Error(`discovery at ${url} answered ${response.status}`);
      const document = (await response.json()) as Discovery;
      // OpenID Connect Discovery 1.0 §4.3: the document must name exactly the issuer we asked.
      if (document.issuer !== settings.issuer) {
        throw new Error(`discovery names issuer ${document.issuer}, expected ${settings.issuer}`);
      }
      const verify = (
        req: Request,
        _issuer: string,
        uiProfile: Profile & { _json?: Record<string, unknown> },
        _idProfile: Profile,
        _context: unknown,
        idToken: string,
        _accessToken: string,
        _refreshToken: string,
        _params: unknown,
        done: VerifyCallback,
      ) => {
        const invite = req.session.inviteToken;
        Promise.resolve()
          .then(() => accounts.doOidcLogin(claimsFrom(idToken, uiProfile?._json), invite, req))
          .then(
            (user) => done(null, { id: user.id, idToken }),
            (error: unknown) => done(error as Error),
          );
      };
      authenticator.use(
        STRATEGY,
        new OpenIdConnectStrategy(
          {
            issuer: settings.issuer,
            authorizationURL: document.authorization_endpoint,
            tokenURL: document.token_endpoint,
            userInfoURL: document.userinfo_endpoint ?? '',
            skipUserProfile: !document.userinfo_endpoint,
            clientID: settings.clientId,
            clientSecret: settings.clientSecret,
            callbackURL: `${config.publicUrl}/auth/oidc/callback`,
            scope: settings.scopes.filter((scope) => scope !== 'openid'),
            nonce: true,
            passReqToCallback: true,
          } as unknown as ConstructorParameters<typeof OpenIdConnectStrategy>[0],
          verify as unknown as ConstructorParameters<typeof OpenIdConnectStrategy>[1],
        ),
      );
      discovery = document;
      return document;
    })().finally(() => {
      discovering = undefined;
    });
    return discovering;
  }

  const failRedirect = (res: Response, code: string) => res.redirect(303, `/sign-in?error=${encodeURIComponent(code)}`);

  /** 404 when single sign-on is off; a redirect with `oidc_unavailable` when the provider cannot be reached. */
  async function discovered(res: Response): Promise<boolean> {
    if (!settings) throw AppError.notFound('Single sign-on is not configured');
    try {
      await discover();
      return true;
    } catch (error) {
      logger.error({ err: error }, 'OpenID provider discovery failed');
      failRedirect(res, 'oidc_unavailable');
      return false;
    }
  }

  return {
    enabled: Boolean(settings),
    endSessionEndpoint: () => discovery?.end_session_endpoint,

    async login(req, res, next) {
      if (!(await discovered(res))) return;
      const invite = typeof req.query.invite === 'string' ? req.query.invite.slice(0, 200) : undefined;
      if (invite) req.session.inviteToken = invite;
      authenticator.authenticate(STRATEGY, { session: false })(req, res, next);
    },

    async callback(req, res, next) {
      if (!(await discovered(res))) return;
      authenticator.authenticate(
        STRATEGY,
        { session: false },
        (error: unknown, user: { id: string; idToken: string } | false, info: unknown) => {
          if (error || !user) {
            if (error instanceof AppError) failRedirect(res, error.code);
            else {
              logger.warn({ err: error, info }, 'single sign-on refused');
              failRedirect(res, 'oidc_failed');
            }
            return;
          }
          signInSession(req, user.id, { idToken: user.idToken }).then(
            () => res.redirect(303, '/'),
            (sessionError: unknown) => next(sessionError),
          );
        },
      )(req, res, next);
    },
  };
}
