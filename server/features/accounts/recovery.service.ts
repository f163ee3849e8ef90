// Getting back in without an admin, and confirming an address: docs/decisions/020-notifications.md#getting-back-in
//
// Tokens are 32 random bytes mailed once; only their SHA-256 is stored, so a copy of the
// database opens no account. A reset answers the same whether or not the address has an
// account (and is limited per client and, silently, per address); using a link is one UPDATE
// that succeeds once, and ends every session of the account.
import { createHash, randomBytes } from 'node:crypto';
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Config } from '../../config';
import { consume } from '../../core/auth/rate-limit';
import { checkPasswordRules, hashPassword, verifyPassword } from '../../core/auth/passwords';
import type { Db } from '../../core/db/database';
import { accountTokens, users } from '../../core/db/schema';
import { AppError, problem } from '../../core/errors';
import type { Work } from '../../core/events/unit-of-work';
import { translator, type Languages } from '../../core/i18n/i18n';
import type { OutboxMail } from '../../core/mail/outbox';
import type { Realtime } from '../../core/realtime/realtime';
import type { Actor } from './actor';
import { deleteSessionsOfUser, findLocalUserByEmail, findUserById, type UserRow } from './users.repository';
import { readSiteRow } from '../site/site.public';

export const RESET_MINUTES = 60;
export const VERIFY_DAYS = 7;

type Purpose = (typeof accountTokens.$inferSelect)['purpose'];

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');

export function createRecoveryService(deps: {
  db: Db;
  work: Work;
  mail: OutboxMail;
  realtime: Pick<Realtime, 'endSession'>;
  languages: Languages;
  config: Pick<Config, 'publicUrl' | 'siteName'>;
  limits: { resetsPerClient: RateLimiterAbstract; resetsPerAddress: RateLimiterAbstract; verificationsPerMember: RateLimiterAbstract; confirmsPerClient: RateLimiterAbstract };
  /** The clock, for tests of expiry. */
  now?: () => Date;
}) {
  const { db, work, mail, realtime, languages, config, limits } = deps;
  const now = deps.now ?? (() => new Date());

  /** Makes a token for the user and queues its mail, in one transaction. */
  async function issue(
    user: UserRow,
    purpose: Purpose,
    email: string,
    compose: (link: string, t: ReturnType<typeof translator>, site: string) => { subject: string; text: string },
    before?: (tx: Db) => Promise<void>,
  ) {
    const token = randomBytes(32).toString('base64url');
    const ttl = purpose === 'password-reset' ? RESET_MINUTES * 60_000 : VERIFY_DAYS * 86_400_000;
    const path = purpose === 'password-reset' ? '/reset-password' : '/verify-email';
    const link = `${config.publicUrl}${path}?token=${token}`;
    const t = translator(await languages.of(user.id));
    const site = (await readSiteRow(db)).name ?? config.siteName;
    const { subject, text } = compose(link, t, site);
    await work.transaction(async (uow) => {
      await before?.(uow.tx);
      // One link of a kind is in force at a time: asking again retires the earlier ones.
      await uow.tx
        .update(accountTokens)
        .set({ usedAt: now() })
        .where(and(eq(accountTokens.userId, user.id), eq(accountTokens.purpose, purpose), isNull(accountTokens.usedAt)));
      await uow.tx.insert(accountTokens).values({ userId: user.id, purpose, tokenHash: hashOf(token), email, expiresAt: new Date(now().getTime() + ttl) });
      await mail.enqueue(uow.tx, { kind: purpose, userId: user.id, to: email, subject, text });
    });
  }

  /** Uses a token once: the row if it was valid (and is now used), else undefined. */
  async function redeem(tx: Db, token: string, purpose: Purpose) {
    const [row] = await tx
      .update(accountTokens)
      .set({ usedAt: now() })
      .where(and(eq(accountTokens.tokenHash, hashOf(token)), eq(accountTokens.purpose, purpose), isNull(accountTokens.usedAt), gt(accountTokens.expiresAt, now())))
      .returning();
    return row;
  }

  const verificationMail = (user: UserRow, email: string) => (link: string, t: ReturnType<typeof translator>, site: string) => ({
    subject: t('notify:verify.subject', { site }),
    text: t('notify:verify.body', { site, name: user.displayName, email, link, days: VERIFY_DAYS }),
  });

  const emailStatusOf = (user: Pick<UserRow, 'email' | 'emailVerifiedAt' | 'emailBouncedAt' | 'passwordHash'>, ssoLinked: boolean) => ({
    email: user.email,
    confirmed: Boolean(user.email && user.emailVerifiedAt),
    bouncing: Boolean(user.email && user.emailBouncedAt),
    canChange: Boolean(user.passwordHash) || !ssoLinked,
  });

  const invalidLink = () =>
    new AppError('validation_failed', 'This link has expired or was used already; ask for a new one', { errors: [{ path: 'token', message: 'has expired or was used' }] });

  async function sendReset(user: UserRow, byAdmin: boolean): Promise<void> {
    await issue(user, 'password-reset', user.email!, (link, t, site) => ({
      subject: t('notify:reset.subject', { site }),
      text: (byAdmin ? `${t('notify:reset.byAdmin', { site })}\n\n` : '') + t('notify:reset.body', { site, name: user.displayName, link, minutes: RESET_MINUTES }),
    }));
  }

  return {
    /** Public: mails a reset link when the address has an active local account; the same answer either way. */
    async doRequestReset(clientKey: string, email: string): Promise<{ accepted: true }> {
      await consume(limits.resetsPerClient, clientKey, 'Too many password reset requests from here; try again later');
      const user = await findLocalUserByEmail(db, email);
      // Per address, silently: answering 429 only for addresses with an account would tell which have one.
      const addressAllowed = await limits.resetsPerAddress.consume(email).then(
        () => true,
        () => false,
      );
      if (user && addressAllowed && user.status === 'active' && !user.isBot && user.passwordHash && user.email) await sendReset(user, false);
      return { accepted: true };
    },

    async accessResetLink(token: string) {
      const [row] = await db
        .select({ expiresAt: accountTokens.expiresAt })
        .from(accountTokens)
        .where(and(eq(accountTokens.tokenHash, hashOf(token)), eq(accountTokens.purpose, 'password-reset'), isNull(accountTokens.usedAt), gt(accountTokens.expiresAt, now())));
      return { valid: Boolean(row), expiresAt: row ? row.expiresAt.toISOString() : null };
    },

    /** Public: a new password through a valid link; the link is used up and every session of the account ends. */
    async doConfirmReset(clientKey: string, token: string, password: string): Promise<{ done: true }> {
      await consume(limits.confirmsPerClient, clientKey, 'Too many attempts; try again later');
      const ended = await work.transaction(async ({ tx }) => {
        const row = await redeem(tx, token, 'password-reset');
        if (!row) throw invalidLink();
        const [user] = await tx.select().from(users).where(eq(users.id, row.userId));
        if (!user || user.status !== 'active' || user.email !== row.email) throw invalidLink();
        const ruleErrors = checkPasswordRules(password, { email: user.email ?? undefined, handle: user.handle });
        if (ruleErrors.length > 0) {
          throw new AppError('validation_failed', problem('Password {{message}}', { message: ruleErrors[0]!.message }), {
            errors: ruleErrors.map((e) => ({ ...e, path: 'password' })),
          });
        }
        // The link came to this address: it is confirmed too.
        await tx
          .update(users)
          .set({
            passwordHash: await hashPassword(password),
            emailVerifiedAt: sql`coalesce(${users.emailVerifiedAt}, now())`,
            emailBouncedAt: null,
            emailBounceReason: null,
            updatedAt: now(),
          })
          .where(eq(users.id, user.id));
        return deleteSessionsOfUser(tx, user.id);
      });
      for (const sid of ended) realtime.endSession(`session:${sid}`, 'password_changed');
      return { done: true };
    },

    /** An admin mails a member a link to choose a password. */
    async doAdminSendReset(actor: Actor, userId: string): Promise<{ accepted: true }> {
      if (actor.user.role !== 'admin') throw new AppError('forbidden', 'Only admins can send a password link');
      const user = await findUserById(db, userId);
      if (!user || user.status === 'deleted' || user.isBot) throw AppError.notFound('No such member');
      if (!user.email) throw new AppError('conflict', 'This member has no email address');
      await sendReset(user, true);
      return { accepted: true };
    },

    /** Mails me a link confirming my current address. */
    async doRequestVerification(actor: Actor): Promise<{ accepted: true }> {
      const user = actor.user;
      if (!user.email) throw new AppError('conflict', 'Your account has no email address');
      if (user.emailVerifiedAt && !user.emailBouncedAt) throw new AppError('conflict', 'Your address is confirmed already');
      await consume(limits.verificationsPerMember, user.id, 'A confirmation link was sent a moment ago; try again later');
      await issue(user, 'verify-email', user.email, verificationMail(user, user.email));
      return { accepted: true };
    },

    /** Trusted (a durable follow-up of sign-up): mails the link when the address is still the account's and unconfirmed. */
    async doSendVerification(userId: string, email: string): Promise<void> {
      const user = await findUserById(db, userId);
      if (!user || user.status === 'deleted' || user.isBot || user.email !== email || user.emailVerifiedAt) return;
      await issue(user, 'verify-email', email, verificationMail(user, email));
    },

    /** My address and whether notification mail can reach it. */
    accessEmailStatus: (actor: Actor) => emailStatusOf(actor.user, actor.ssoLinked),

    /**
     * Changes my address: it is unconfirmed (and no longer bouncing) until the link mailed to it is
     * opened, in the same transaction as the change. An account with a password gives it.
     */
    async doChangeEmail(actor: Actor, input: { email: string; currentPassword?: string }) {
      const user = actor.user;
      if (actor.ssoLinked && !user.passwordHash) throw new AppError('conflict', 'Your address comes from your organisation’s sign-in; change it there');
      if (user.passwordHash && !(input.currentPassword && (await verifyPassword(user.passwordHash, input.currentPassword)))) {
        throw new AppError('invalid_credentials', 'The current password is not right', { errors: [{ path: 'currentPassword', message: 'is not right' }] });
      }
      if (input.email === user.email) return emailStatusOf(user, actor.ssoLinked);
      await consume(limits.verificationsPerMember, user.id, 'A confirmation link was sent a moment ago; try again later');
      const taken = await findLocalUserByEmail(db, input.email);
      if (taken && taken.id !== user.id) throw new AppError('conflict', 'The email is already in use', { errors: [{ path: 'email', message: 'is already registered' }] });
      const changed = { ...user, email: input.email, emailVerifiedAt: null, emailBouncedAt: null, emailBounceReason: null };
      try {
        await issue(changed, 'verify-email', input.email, verificationMail(changed, input.email), async (tx) => {
          await tx
            .update(users)
            .set({ email: input.email, emailVerifiedAt: null, emailBouncedAt: null, emailBounceReason: null, updatedAt: now() })
            .where(eq(users.id, user.id));
        });
      } catch (error) {
        if (/users_local_email_key/.test(String((error as { cause?: unknown }).cause ?? error))) throw new AppError('conflict', 'The email is already in use');
        throw error;
      }
      return emailStatusOf(changed, actor.ssoLinked);
    },

    /** Public: confirms an address with its link, if it is still the account's address. */
    async doConfirmEmail(clientKey: string, token: string): Promise<{ verified: true }> {
      await consume(limits.confirmsPerClient, clientKey, 'Too many attempts; try again later');
      await work.transaction(async ({ tx }) => {
        const row = await redeem(tx, token, 'verify-email');
        if (!row) throw invalidLink();
        const [updated] = await tx
          .update(users)
          // The link reached the address: it is confirmed, and no longer bouncing.
          .set({ emailVerifiedAt: now(), emailBouncedAt: null, emailBounceReason: null })
          .where(and(eq(users.id, row.userId), eq(users.email, row.email)))
          .returning({ id: users.id });
        if (!updated) throw invalidLink();
      });
      return { verified: true };
    },
  };
}

export type RecoveryService = ReturnType<typeof createRecoveryService>;
