import type { z } from 'zod';
import type {
  AuthConfig,
  LanguageChoice,
  Session,
  SessionUser,
  changePasswordSchema,
  signUpResultSchema,
  signUpSchema,
  updateProfileSchema,
} from '../../../shared/api/accounts.routes';
import type { sessionEndedSchema } from '../../../shared/protocol/accounts';
import { api, ApiError, setApiHooks } from './api';
import { routes } from './api-routes';
import { i18n, t } from './i18n.svelte';
import { pushDevices } from './push.svelte';
import { navigate } from './routes';

export type SignUpInput = z.input<typeof signUpSchema>;
export type SignUpResult = z.output<typeof signUpResultSchema>;
export type ProfileChanges = z.input<typeof updateProfileSchema>;
export type PasswordChange = z.input<typeof changePasswordSchema>;
/** Why a session ended: the server's reasons, plus `expired` when the server stopped knowing us. */
export type EndReason = z.output<typeof sessionEndedSchema>['reason'] | 'expired';

const endNotice = (reason: EndReason): string => t(`account:session.ended.${reason}`);

/**
 * Who is signed in, their CSRF token, and whether the guidelines gate is up. The one source the
 * pages, the API wrapper and the live connection read; the realtime dispatcher updates it.
 */
export class SessionStore {
  status = $state<'loading' | 'ready' | 'failed'>('loading');
  loadError = $state<string | undefined>(undefined);
  user = $state<SessionUser | null>(null);
  csrfToken = $state<string | null>(null);
  guidelinesRequired = $state(false);
  /** Where my own log (mentions, notices, read markers) stood when the session was last read. */
  memberSeq: number | null = null;
  /** My language setting as the account holds it ('auto': the browser's); null when signed out. */
  language = $state<LanguageChoice | null>(null);
  authConfig = $state<AuthConfig | undefined>(undefined);
  /** The account just created on an approval network; it cannot sign in yet. */
  pendingUser = $state<SessionUser | null>(null);
  /** Why the member is back at the sign-in page; shown there until they sign in again. */
  notice = $state<string | undefined>(undefined);

  /** Changes only when a different member signs in or out, not on every profile update. */
  readonly userId: string | null = $derived(this.user?.id ?? null);

  #signingOut = false;

  /** Loads the session and the sign-in options; the app shows nothing but "Loading…" until then. */
  async load(): Promise<void> {
    this.status = 'loading';
    try {
      const [current, config] = await Promise.all([
        api.call(routes.session),
        api.call(routes.authConfig),
      ]);
      this.apply(current);
      this.authConfig = config;
      this.status = 'ready';
      this.loadError = undefined;
    } catch (error) {
      this.status = 'failed';
      this.loadError = error instanceof ApiError ? error.message : t('account:session.unreachable');
    }
  }

  async loadAuthConfig(): Promise<void> {
    this.authConfig = await api.call(routes.authConfig);
  }

  /** Asks the server who we are now; resolves true while still signed in. */
  async refresh(options: { signedIn?: boolean } = {}): Promise<boolean> {
    this.apply(await api.call(routes.session), options);
    return this.user !== null;
  }

  /**
   * Takes the session the server answered. `signedIn`: it was just signed in to, so a language
   * picked on the sign-in page of this browser (the account still following the browser) is
   * kept and saved on the account rather than undone.
   */
  apply(current: Session, { signedIn = false }: { signedIn?: boolean } = {}): void {
    this.user = current.user;
    this.csrfToken = current.csrfToken;
    this.guidelinesRequired = current.user !== null && current.guidelinesRequired;
    this.memberSeq = current.memberSeq;
    this.language = current.language;
    const picked = i18n.choice;
    if (signedIn && current.user && current.language === 'auto' && picked !== 'auto') {
      void this.chooseLanguage(picked).catch(() => {});
    } else if (current.language && current.language !== picked) {
      // The account's language wins over what this browser remembered: a choice made on another
      // device shows here at the next session load.
      void i18n.choose(current.language);
    }
  }

  /**
   * Switches the page to a language at once, then saves it on the account, so every device and
   * the server's emails follow. Rejects when the account could not be updated (the page keeps the
   * language).
   */
  async chooseLanguage(choice: LanguageChoice): Promise<void> {
    await i18n.choose(choice);
    if (!this.user) return;
    const saved = await api.call(routes.chooseLanguage, { body: { language: choice } });
    this.language = saved.language;
  }

  async signIn(email: string, password: string): Promise<void> {
    await api.call(routes.signIn, { body: { email, password } });
    this.notice = undefined;
    this.pendingUser = null;
    // The session id rotated with the sign-in; the token of the old one is void.
    await this.refresh({ signedIn: true });
  }

  async signUp(input: SignUpInput): Promise<SignUpResult> {
    const result = await api.call(routes.signUp, { body: input });
    this.notice = undefined;
    if (result.signedIn) {
      this.pendingUser = null;
      await this.refresh({ signedIn: true });
    } else {
      this.pendingUser = result.user;
    }
    return result;
  }

  async signOut(): Promise<void> {
    this.#signingOut = true;
    try {
      let redirectUrl: string | null = null;
      await pushDevices.forgetThisBrowser();
      // Nothing still on its way meets the ended session (a list loading answered 401).
      await api.settle();
      try {
        ({ redirectUrl } = await api.call(routes.signOut));
      } catch (error) {
        // Already ended on the server: signed out is what the member wanted.
        if (!(error instanceof ApiError && error.code === 'unauthorized')) throw error;
      }
      this.clear();
      // Single sign-on: the provider's session ends too, then it sends the browser back.
      if (redirectUrl) location.assign(redirectUrl);
      else navigate('/sign-in');
    } finally {
      this.#signingOut = false;
    }
  }

  /** Deletes the member's account for good; then behaves like signing out. */
  async deleteAccount(password: string | undefined): Promise<void> {
    this.#signingOut = true;
    try {
      await api.settle();
      const { redirectUrl } = await api.call(routes.deleteAccount, {
        body: { ...(password ? { password } : {}), confirm: 'delete my account' },
      });
      this.clear();
      this.notice = t('account:session.accountDeleted');
      if (redirectUrl) location.assign(redirectUrl);
      else navigate('/sign-in');
    } finally {
      this.#signingOut = false;
    }
  }

  /**
   * The server ended this session (`session:ended`, or it stopped recognising us). Resolves
   * `kept` when, on a closer look, this session goes on.
   */
  async end(reason: EndReason): Promise<'ended' | 'kept'> {
    if (this.#signingOut || !this.user) return 'ended';
    // A password change ends the member's other sessions; this one may be the one that changed it.
    if (reason === 'password_changed') {
      try {
        if (await this.refresh()) return 'kept';
      } catch {
        // Cannot tell: treat it as ended, as the server said.
      }
    }
    this.clear();
    this.notice = endNotice(reason);
    navigate('/sign-in', { replace: true });
    return 'ended';
  }

  /** `guidelines:published`: a version newer than the one this member accepted needs accepting. */
  guidelinesPublished(version: number): void {
    if (!this.user) return;
    if ((this.user.acceptedGuidelinesVersion ?? 0) < version) this.guidelinesRequired = true;
  }

  /** `me:updated` and every API answer that returns my account. */
  replaceUser(next: SessionUser): void {
    if (!this.user || next.id !== this.user.id) return;
    const acceptedMore = (next.acceptedGuidelinesVersion ?? 0) > (this.user.acceptedGuidelinesVersion ?? 0);
    this.user = next;
    // Accepted in another tab: the server decides whether the gate can come down.
    if (this.guidelinesRequired && acceptedMore) void this.refresh().catch(() => {});
  }

  async acceptGuidelines(version: number, confirmAge: boolean | undefined): Promise<void> {
    const body = confirmAge === undefined ? { version } : { version, confirmAge };
    this.apply(await api.call(routes.acceptGuidelines, { body }));
  }

  async updateProfile(changes: ProfileChanges): Promise<SessionUser> {
    const user = await api.call(routes.updateProfile, { body: changes });
    this.replaceUser(user);
    return user;
  }

  async uploadAvatar(file: File): Promise<SessionUser> {
    const form = new FormData();
    form.append('avatar', file);
    const user = await api.call(routes.uploadAvatar, { body: form });
    this.replaceUser(user);
    return user;
  }

  async removeAvatar(): Promise<SessionUser> {
    const user = await api.call(routes.removeAvatar);
    this.replaceUser(user);
    return user;
  }

  async changePassword(change: PasswordChange): Promise<void> {
    const user = await api.call(routes.changePassword, { body: change });
    this.replaceUser(user);
    // The server may rotate this session along with ending the others.
    await this.refresh();
  }

  clear(): void {
    this.user = null;
    this.csrfToken = null;
    this.guidelinesRequired = false;
    this.language = null;
  }

  #onApiError(error: ApiError): void {
    if (error.code === 'guidelines_required' && this.user) this.guidelinesRequired = true;
    else if (error.code === 'unauthorized' && this.user) void this.end('expired');
  }

  async #refreshToken(): Promise<boolean> {
    const before = this.csrfToken;
    try {
      await this.refresh();
    } catch {
      return false;
    }
    return this.csrfToken !== null && this.csrfToken !== before;
  }

  readonly apiHooks = {
    csrfToken: () => this.csrfToken,
    refreshCsrfToken: () => this.#refreshToken(),
    onError: (error: ApiError) => this.#onApiError(error),
  };
}

export const session = new SessionStore();
setApiHooks(session.apiHooks);
