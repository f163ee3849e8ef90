import { randomBytes } from 'node:crypto';
import { and, eq, ne, sql } from 'drizzle-orm';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { z } from 'zod';
import type { Request } from 'express';
import type {
  changePasswordSchema,
  LanguageChoice,
  LanguageSetting,
  signUpSchema,
  updateProfileSchema,
} from '../../../shared/api/accounts.routes';
import { handleSchema } from '../../../shared/api/accounts.routes';
import type { Config } from '../../config';
import { checkImage } from '../../core/images';
import { takeInviteUse } from './invite-links';
import { burnVerification, checkPasswordRules, hashPassword, verifyPassword } from '../../core/auth/passwords';
import { consume, refund } from '../../core/auth/rate-limit';
import type { Db } from '../../core/db/database';
import { invites, users } from '../../core/db/schema';
import { readSiteRow } from '../site/site.public';
import { AppError, problem } from '../../core/errors';
import type { Work } from '../../core/events/unit-of-work';
import type { Languages } from '../../core/i18n/i18n';
import type { Realtime } from '../../core/realtime/realtime';
import { checkActive, liftExpiredSuspension, type Actor } from './actor';
import { toPublicProfile, toSessionUser } from './accounts.dto';
import {
  createUser,
  deleteSessionsOfUser,
  eraseUser,
  findIdentity,
  findLocalUserByEmail,
  findUserByHandle,
  findUserById,
  getAvatar,
  hasIdentity,
  insertIdentity,
  isHandleTaken,
  putAvatar,
  recordIdentityLogin,
  removeAvatar,
  updateUser,
  type UserRow,
} from './users.repository';


export interface OidcClaims {
  issuer: string;
  subject: string;
  email?: string;
  emailVerified: boolean;
  name?: string;
  preferredUsername?: string;
  picture?: string;
  raw: Record<string, unknown>;
}

export interface AccountsDeps {
  db: Db;
  config: Config;
  realtime: Realtime;
  limiters: { signInAccount: RateLimiterAbstract; signInAddress: RateLimiterAbstract; signUpAddress: RateLimiterAbstract };
  work: Work;
  languages: Languages;
}

/** The request a member signs in with: its Accept-Language is the browser language kept for their mail. */
export type Browser = Pick<Request, 'headers'>;

const siteSettings = readSiteRow;

/** Derives a free handle from what the provider tells us (preferred username, email, name). */
async function freeHandle(db: Db, candidates: (string | undefined)[]): Promise<string> {
  for (const candidate of candidates) {
    if (!candidate) continue;
    let base = candidate
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[^a-z0-9_]+/g, '_')
      .replace(/^[^a-z]+/, '')
      .replace(/_+$/, '')
      .slice(0, 24);
    if (base.length < 3) base = `${base}member`.slice(0, 24);
    if (!handleSchema.safeParse(base).success) continue;
    if (!(await isHandleTaken(db, base))) return base;
    for (let i = 2; i < 50; i++) {
      const next = `${base}${i}`;
      if (!(await isHandleTaken(db, next))) return next;
    }
  }
  return `member_${randomBytes(4).toString('hex')}`;
}

export function createAccountsService(deps: AccountsDeps) {
  const { db, config, realtime, limiters, languages } = deps;

  const isListedAdmin = (email: string | null | undefined) => Boolean(email && config.adminEmails.includes(email));

  async function sessionUserOf(user: UserRow) {
    return toSessionUser(user, await hasIdentity(db, user.id));
  }

  /** Which status a newcomer gets under the registration policy; throws when they may not join. */
  async function checkRegistration(inviteToken: string | undefined, hasNoAccountsYet: () => Promise<boolean>) {
    const settings = await siteSettings(db);
    // The very first account can always be created: it becomes the admin who sets the policy.
    if (await hasNoAccountsYet()) return { status: 'active' as const, invite: undefined };
    if (inviteToken) return { status: 'active' as const, invite: inviteToken };
    switch (settings.registrationPolicy) {
      case 'open':
        return { status: 'active' as const, invite: undefined };
      case 'approval':
        return { status: 'pending' as const, invite: undefined };
      case 'invite':
        throw new AppError('registration_closed', 'This network is invite-only: you need an invitation link to join');
    }
  }

  const noHumanAccounts = async () => {
    const [row] = await db.execute(sql`select 1 from users where not is_bot limit 1`).then(
      (r) => (r as unknown as { rows: unknown[] }).rows,
    );
    return !row;
  };

  /** Mail sent while the member is away follows the browser they last signed in with. */
  async function noteBrowser(user: UserRow, browser: Browser | undefined): Promise<void> {
    if (browser && user.status === 'active') await languages.noteBrowser(db, user.id, browser);
  }

  async function languageSettingOf(userId: string): Promise<LanguageSetting> {
    const [value, mailLanguage] = await Promise.all([languages.group.get(userId), languages.of(userId)]);
    return { language: value.language, mailLanguage };
  }

  return {
    sessionUserOf,
    hasHumanAccounts: async () => !(await noHumanAccounts()),

    /** My language setting ('auto' or a language) and the language mail is written to me in. */
    accessLanguageSetting: (actor: Actor) => languageSettingOf(actor.user.id),

    /** Sets the signed-in member's own language; nobody sets another member's. */
    async doChooseLanguage(actor: Actor, language: LanguageChoice): Promise<LanguageSetting> {
      await languages.choose(db, actor.user.id, language);
      return languageSettingOf(actor.user.id);
    },

    /** Validates a sign-up completely (policy, rules, duplicates) before anything is written. */
    async doSignUp(input: z.output<typeof signUpSchema>, address: string, browser?: Browser): Promise<{ user: UserRow; signedIn: boolean }> {
      const settings = await siteSettings(db);
      if (!settings.localAccounts && !(await noHumanAccounts())) throw new AppError('local_accounts_disabled');
      await consume(limiters.signUpAddress, address, 'Too many sign-ups from your network; try again later');
      const ruleErrors = checkPasswordRules(input.password, { email: input.email, handle: input.handle });
      if (ruleErrors.length > 0) {
        throw new AppError('validation_failed', problem('Password {{message}}', { message: ruleErrors[0]!.message }), { errors: ruleErrors });
      }
      const registration = await checkRegistration(input.inviteToken, noHumanAccounts);
      const conflicts: { path: string; message: string }[] = [];
      if (await findLocalUserByEmail(db, input.email)) conflicts.push({ path: 'email', message: 'is already registered' });
      if (await isHandleTaken(db, input.handle)) conflicts.push({ path: 'handle', message: 'is already taken' });
      if (conflicts.length > 0) {
        const inUse = conflicts.length > 1 ? 'The email and handle are already in use' : conflicts[0]!.path === 'email' ? 'The email is already in use' : 'The handle is already in use';
        throw new AppError('conflict', inUse, {
          errors: conflicts,
        });
      }
      const passwordHash = await hashPassword(input.password);
      let user: UserRow;
      try {
        // The confirmation mail is a follow-up of the account's own transaction (decision 022).
        user = await deps.work.transaction(async (uow) => {
          const created = await createUser(
            uow.tx,
            {
              email: input.email,
              handle: input.handle,
              displayName: input.displayName,
              location: input.location ?? '',
              interests: input.interests ?? [],
              passwordHash,
              status: registration.status,
              role: isListedAdmin(input.email) ? 'admin' : 'member',
            },
            {
              promoteIfFirst: true,
              extra: registration.invite ? (tx) => takeInviteUse(tx, invites, registration.invite!) : undefined,
            },
          );
          uow.emit('account.address-to-confirm', { userId: created.id, email: input.email });
          return created;
        });
      } catch (error) {
        // Two sign-ups racing for the same email or handle: the unique index decides.
        if (error instanceof AppError) throw error;
        if (/users_(handle|local_email)_key/.test(String((error as { cause?: unknown }).cause ?? error))) {
          throw new AppError('conflict', 'The email or handle is already in use');
        }
        throw error;
      }
      await noteBrowser(user, browser);
      return { user, signedIn: user.status === 'active' };
    },

    /**
     * Verifies email and password under the brute-force limits. Each attempt spends a point of the
     * account's and the address's limits before the password is checked, and a success gives them
     * back: counting only after the check let concurrent guesses all pass a limit read before any
     * failure was counted. The caller rotates the session.
     */
    async doSignIn(email: string, password: string, address: string, browser?: Browser): Promise<UserRow> {
      const settings = await siteSettings(db);
      const accountKey = email;
      await consume(limiters.signInAccount, accountKey, 'Too many failed sign-ins for this account; try again later');
      try {
        await consume(limiters.signInAddress, address, 'Too many failed sign-ins from your network; try again later');
      } catch (error) {
        // Refused for the address: this attempt checked nothing, so the account keeps its point.
        await refund(limiters.signInAccount, accountKey);
        throw error;
      }
      const user = await findLocalUserByEmail(db, email);
      const ok = user?.passwordHash ? await verifyPassword(user.passwordHash, password) : (await burnVerification(password), false);
      if (!user || !ok) throw new AppError('invalid_credentials');
      await Promise.all([limiters.signInAccount.delete(accountKey), refund(limiters.signInAddress, address)]);
      if (!settings.localAccounts && user.role !== 'admin') throw new AppError('local_accounts_disabled');
      const current = await liftExpiredSuspension(db, user);
      checkActive(current);
      await noteBrowser(current, browser);
      return current;
    },

    /**
     * Signs in (or creates) the account for an OpenID identity. Identities are keyed on
     * (issuer, subject) only: an email shared with a local account never links to it.
     */
    async doOidcLogin(claims: OidcClaims, inviteToken: string | undefined, browser?: Browser): Promise<UserRow> {
      const identity = await findIdentity(db, claims.issuer, claims.subject);
      const email = claims.email?.trim().toLowerCase() || null;
      if (identity) {
        const found = await findUserById(db, identity.userId);
        if (!found) throw new AppError('unauthorized', 'The account for this identity no longer exists');
        const existing = await liftExpiredSuspension(db, found);
        checkActive(existing);
        await recordIdentityLogin(db, claims.issuer, claims.subject, claims.raw);
        // The organisation's provider vouches for the address when its ID token says email_verified.
        const changed = email !== null && email !== existing.email;
        const confirmed = changed
          ? claims.emailVerified
            ? new Date()
            : null
          : (existing.emailVerifiedAt ?? (claims.emailVerified && existing.email ? new Date() : null));
        const synced = await updateUser(db, existing.id, {
          displayName: claims.name?.trim().slice(0, 60) || existing.displayName,
          email: email ?? existing.email,
          emailVerifiedAt: confirmed,
          // A new address starts clean; a bouncing one is cleared only by a confirmation link reaching it.
          ...(changed ? { emailBouncedAt: null, emailBounceReason: null } : {}),
          externalAvatarUrl: claims.picture && /^https?:\/\//.test(claims.picture) ? claims.picture : null,
          lastSeenAt: new Date(),
        });
        await noteBrowser(synced ?? existing, browser);
        return synced ?? existing;
      }
      const registration = await checkRegistration(inviteToken, noHumanAccounts);
      const handle = await freeHandle(db, [claims.preferredUsername, email?.split('@')[0], claims.name]);
      const user = await createUser(
        db,
        {
          email,
          handle,
          displayName: claims.name?.trim().slice(0, 60) || handle,
          passwordHash: null,
          emailVerifiedAt: claims.emailVerified && email ? new Date() : null,
          status: registration.status,
          role: claims.emailVerified && isListedAdmin(email) ? 'admin' : 'member',
          externalAvatarUrl: claims.picture && /^https?:\/\//.test(claims.picture) ? claims.picture : null,
          lastSeenAt: new Date(),
        },
        {
          promoteIfFirst: true,
          extra: async (tx, created) => {
            if (registration.invite) await takeInviteUse(tx, invites, registration.invite);
            await insertIdentity(tx, { issuer: claims.issuer, subject: claims.subject, userId: created.id, claims: claims.raw });
          },
        },
      );
      checkActive(user);
      await noteBrowser(user, browser);
      return user;
    },

    /** Active human members whose handle, or a word of whose name, starts with `q`. */
    async accessMemberMatches(q: string, limit: number) {
      const prefix = `${q.toLowerCase().replace(/^@/, '').replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      const rows = await db
        .select()
        .from(users)
        .where(
          and(
            eq(users.status, 'active'),
            eq(users.isBot, false),
            sql`(${users.handle} like ${prefix} or lower(${users.displayName}) like ${prefix} or lower(${users.displayName}) like ${`% ${prefix}`})`,
          ),
        )
        .orderBy(sql`case when ${users.handle} like ${prefix} then 0 else 1 end`, users.displayName)
        .limit(limit);
      return { items: rows.map(toPublicProfile) };
    },

    async accessProfile(handle: string) {
      const user = await findUserByHandle(db, handle);
      if (!user || user.status === 'deleted' || user.status === 'pending' || user.status === 'rejected') {
        throw AppError.notFound('No member with that handle');
      }
      return toPublicProfile(user);
    },

    async doUpdateProfile(actor: Actor, patch: z.output<typeof updateProfileSchema>) {
      if (patch.handle && patch.handle !== actor.user.handle && (await isHandleTaken(db, patch.handle, actor.user.id))) {
        throw new AppError('conflict', 'That handle is already taken', { errors: [{ path: 'handle', message: 'is already taken' }] });
      }
      let updated: UserRow | undefined;
      try {
        updated = await updateUser(db, actor.user.id, patch);
      } catch (error) {
        if (/users_handle_key/.test(String((error as { cause?: unknown }).cause ?? error))) {
          throw new AppError('conflict', 'That handle is already taken');
        }
        throw error;
      }
      if (!updated) throw AppError.notFound();
      const me = await sessionUserOf(updated);
      realtime.publish(`user:${updated.id}`, 'me:updated', me);
      return me;
    },

    async doSetAvatar(actor: Actor, file: { buffer: Buffer; size: number } | undefined) {
      const image = await checkImage(file, 'avatar');
      const updated = await putAvatar(db, actor.user.id, image.contentType, image.data);
      const me = await sessionUserOf(updated);
      realtime.publish(`user:${updated.id}`, 'me:updated', me);
      return me;
    },

    async doRemoveAvatar(actor: Actor) {
      const updated = await removeAvatar(db, actor.user.id);
      if (!updated) throw AppError.notFound();
      const me = await sessionUserOf(updated);
      realtime.publish(`user:${updated.id}`, 'me:updated', me);
      return me;
    },

    async accessAvatar(userId: string) {
      const avatar = await getAvatar(db, userId);
      if (!avatar) throw AppError.notFound('No avatar');
      return avatar;
    },

    /** Sets a new password; every other session of the member ends (live sockets included). */
    async doChangePassword(actor: Actor, input: z.output<typeof changePasswordSchema>) {
      const user = actor.user;
      if (user.passwordHash) {
        if (!input.currentPassword || !(await verifyPassword(user.passwordHash, input.currentPassword))) {
          throw new AppError('invalid_credentials', 'The current password is not right', {
            errors: [{ path: 'currentPassword', message: 'is not right' }],
          });
        }
      }
      const ruleErrors = checkPasswordRules(input.newPassword, { email: user.email ?? undefined, handle: user.handle });
      if (ruleErrors.length > 0) {
        throw new AppError('validation_failed', problem('Password {{message}}', { message: ruleErrors[0]!.message }), {
          errors: ruleErrors.map((e) => ({ ...e, path: 'newPassword' })),
        });
      }
      const updated = await updateUser(db, user.id, { passwordHash: await hashPassword(input.newPassword) });
      if (!updated) throw AppError.notFound();
      const ended = await deleteSessionsOfUser(db, user.id, actor.sessionId);
      for (const sid of ended) realtime.endSession(`session:${sid}`, 'password_changed');
      return sessionUserOf(updated);
    },

    /** The session is over (its row already destroyed): its live sockets end on every node. */
    doEndSession(actor: Actor): void {
      realtime.endSession(`session:${actor.sessionId}`, 'signed_out');
    },

    /** Deletes the member's own account after re-checking their password; every session ends. */
    async doDeleteAccount(actor: Actor, password: string | undefined): Promise<void> {
      const user = actor.user;
      if (user.passwordHash && !(password && (await verifyPassword(user.passwordHash, password)))) {
        throw new AppError('invalid_credentials', 'The password is not right', { errors: [{ path: 'password', message: 'is not right' }] });
      }
      if (user.role === 'admin') {
        const [other] = await db
          .select({ id: users.id })
          .from(users)
          .where(and(eq(users.role, 'admin'), eq(users.status, 'active'), ne(users.id, user.id)))
          .limit(1);
        if (!other) throw new AppError('conflict', 'You are the only admin: make someone else an admin before deleting your account');
      }
      // What other features keep of the member (memberships, …) is forgotten by their durable subscribers.
      await deps.work.transaction(async ({ tx, emit }) => {
        await eraseUser(tx, user.id);
        emit('account.erased', { userId: user.id });
      }, { followUps: 'await' });
      realtime.endSession(`user:${user.id}`, 'deleted');
    },

    /** RP-initiated logout URL for a single sign-on session, so the provider's session ends too. */
    logoutUrl(endSessionEndpoint: string | undefined, idToken: string | undefined): string | null {
      if (!endSessionEndpoint || !idToken || !config.oidc) return null;
      const url = new URL(endSessionEndpoint);
      url.searchParams.set('id_token_hint', idToken);
      url.searchParams.set('post_logout_redirect_uri', `${config.publicUrl}/`);
      url.searchParams.set('client_id', config.oidc.clientId);
      return url.toString();
    },
  };
}

export type AccountsService = ReturnType<typeof createAccountsService>;
