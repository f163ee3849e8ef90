import { tick } from 'svelte';
import { CommandError } from '../realtime/connection.svelte';
import { ApiError } from './api';
import { t } from './i18n.svelte';

export type FieldErrors = Record<string, string>;

// The codes the client has its own words for (errors:codes.*); others use the server's sentence,
// which arrives in the page's language (the client sends it with every call).
const codesInWords = new Set([
  'invalid_credentials',
  'account_pending',
  'account_suspended',
  'account_banned',
  'muted',
  'registration_closed',
  'invite_invalid',
  'local_accounts_disabled',
  'csrf_failed',
  'rate_limited',
  'forbidden',
  'unauthorized',
  'payload_too_large',
  'unsupported_media_type',
  'unavailable',
  'internal',
] as const);

type CodeInWords = typeof codesInWords extends Set<infer C> ? C : never;

function wordsOf(code: string): string | undefined {
  return codesInWords.has(code as CodeInWords) ? t(`errors:codes.${code as CodeInWords}`) : undefined;
}

/** A problem code (e.g. from `/sign-in?error=…`) in words, if we know it. */
export function describeCode(code: string): string | undefined {
  return wordsOf(code);
}

/** A failure in words a member can act on. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.code === 'validation_failed' && error.problem?.errors?.length) return t('errors:form.correctFields');
    return wordsOf(error.code) ?? error.message;
  }
  if (error instanceof CommandError) {
    if (error.code === 'rate_limited' && error.retryAfterSeconds) {
      return t('errors:command.tooFast', { count: Math.ceil(error.retryAfterSeconds) });
    }
    if (error.code === 'not_found') return t('errors:command.gone');
    // A socket command answers in its own words: they name what was wrong with this action.
    if (error.code === 'forbidden' || error.code === 'validation_failed' || error.code === 'conflict') return error.message;
    return wordsOf(error.code) ?? error.message;
  }
  return t('errors:generic');
}

/**
 * A refused upload in words: for a file too large or of the wrong kind, the server's own sentence
 * (it names the limit and the accepted kinds), else as `messageOf`.
 * @example uploadErrorOf(error413) // → 'An image may be at most 1 MB.' (in the page's language)
 */
export function uploadErrorOf(error: unknown): string {
  if (error instanceof ApiError && (error.code === 'payload_too_large' || error.code === 'unsupported_media_type')) {
    const detail = error.problem?.detail?.trim();
    if (detail) return /[.!?]$/.test(detail) ? detail : `${detail}.`;
  }
  return messageOf(error);
}

/** The kinds of image an upload may be (the server looks at the bytes and has the last word). */
export const imageTypes = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'];
const MAX_IMAGE_BYTES = 1024 * 1024;

/**
 * A first look at a chosen image, to save a useless upload: why it cannot be sent, or undefined.
 * @example imageProblemOf(new File(['…'], 'a.txt', { type: 'text/plain' })) // → 'Choose a PNG, JPEG, WebP or GIF image.'
 */
export function imageProblemOf(file: File): string | undefined {
  if (!imageTypes.includes(file.type)) return t('content:image.wrongType');
  if (file.size > MAX_IMAGE_BYTES) return t('content:image.tooLarge');
  return undefined;
}

/**
 * An image chosen in a file input and not sent yet: the file, its preview (an object URL, freed
 * when another is chosen, it is dropped or the component goes) and why it cannot be sent. Made
 * while a component initialises.
 */
export class ChosenImage {
  file = $state<File>();
  previewUrl = $state<string>();
  problem = $state<string>();
  input = $state<HTMLInputElement>();

  constructor() {
    // A preview's object URL holds the file in memory until it is revoked.
    $effect(() => {
      const url = this.previewUrl;
      return () => {
        if (url) URL.revokeObjectURL(url);
      };
    });
  }

  /** Takes the input's file (an `onchange` handler); one that cannot be sent leaves `problem` and an empty input. */
  choose(event: Event): void {
    const chosen = (event.currentTarget as HTMLInputElement).files?.[0];
    this.file = undefined;
    this.previewUrl = undefined;
    this.problem = undefined;
    if (!chosen) return;
    this.problem = imageProblemOf(chosen);
    if (this.problem) {
      if (this.input) this.input.value = '';
      return;
    }
    this.file = chosen;
    this.previewUrl = URL.createObjectURL(chosen);
  }

  /** Forgets the chosen file (and why it could not be sent), emptying the input. */
  drop(): void {
    this.file = undefined;
    this.previewUrl = undefined;
    this.problem = undefined;
    if (this.input) this.input.value = '';
  }
}

/**
 * A refused action in words, with one line per field the server marked.
 * @example failureOf(error, { bodyMarkdown: 'Text' }) // → { message: 'Please correct…', details: ['Text must be…'] }
 */
export function failureOf(error: unknown, labels: Record<string, string> = {}): { message: string; details: string[] } {
  const items =
    error instanceof CommandError ? error.fieldErrors : error instanceof ApiError ? (error.problem?.errors ?? []) : [];
  if (!(error instanceof CommandError || error instanceof ApiError) || error.code !== 'validation_failed' || items.length === 0) {
    return { message: messageOf(error), details: [] };
  }
  const details = items.map(({ path, message }) => {
    const [field = path, index] = path.replace(/^body\./, '').split('.');
    const label = labels[field] ?? field;
    const name = index !== undefined && /^\d+$/.test(index) ? t('errors:form.numberedField', { field: label, number: Number(index) + 1 }) : label;
    // "Password must be at least 10 characters." when the server's words continue the label; else "Label: Words".
    return /^\p{Ll}/u.test(message) ? t('errors:form.fieldSentence', { field: name, message }) : t('errors:form.fieldLine', { field: name, message });
  });
  return { message: t('errors:form.notAccepted'), details };
}

/**
 * The server's per-field messages (problem.errors), keyed by field name.
 * @example fieldErrorsOf(error) // → { handle: 'must be 3–30 characters…' }
 */
export function fieldErrorsOf(error: unknown): FieldErrors {
  const errors: FieldErrors = {};
  if (!(error instanceof ApiError)) return errors;
  for (const item of error.problem?.errors ?? []) {
    const field = item.path.replace(/^body\./, '').split('.')[0] ?? item.path;
    errors[field] ??= item.message;
  }
  return errors;
}

/** How a form shows a refusal when it has no fields to mark. */
export interface FormOptions {
  /** Nothing to mark (a button, an upload): a refusal is one line, in these words (e.g. `messageOf`). */
  describe?: (error: unknown) => string;
  /**
   * Fields not marked one by one (a composer, a dialog): a refusal is one line with one line per
   * field the server marked under it (`details`), named by these labels.
   */
  labels?: Record<string, string>;
}

/**
 * The state of one form that sends something: whether it is on its way, what the server (or the
 * form's own checks) said about each field, and one line for the form when no field is to blame.
 * `submit` is the try/catch/finally every form had: busy while it runs; a refusal fills `errors`
 * from the server's per-field messages, else `error` in words; then the keyboard goes to the
 * first marked field. Where there are no fields to mark, the options say how a refusal shows.
 * @example
 *   const form = new FormState();
 *   // <form bind:this={form.element} onsubmit={(e) => { e.preventDefault(); void form.submit(() => save()); }}>
 *   // <TextField error={form.errors.name} /> {#if form.error}<p role="alert">{form.error}</p>{/if} <button disabled={form.busy}>
 * @example
 *   const composer = new FormState({ labels: { bodyMarkdown: 'Text' } });
 *   // <FailureNotice failure={composer.failure} />
 *   const join = new FormState({ describe: messageOf });
 *   // <button onclick={() => join.submit(() => api.call(routes.join, …))} disabled={join.busy}> {join.error}
 */
export class FormState {
  busy = $state(false);
  errors = $state<FieldErrors>({});
  error = $state<string | undefined>(undefined);
  /** Under `error`, one line per field the server marked (with `labels`). */
  details = $state<string[]>([]);
  /** The form element (`bind:this`), where the keyboard goes after a refusal. */
  element = $state<HTMLFormElement | undefined>(undefined);
  readonly #options: FormOptions;

  constructor(options: FormOptions = {}) {
    this.#options = options;
  }

  /** `error` with its `details`, as FailureNotice shows them. */
  get failure(): { message: string; details: string[] } | undefined {
    return this.error === undefined ? undefined : { message: this.error, details: this.details };
  }

  /** Forgets what the last attempt said (call before the form's own checks). */
  reset(): void {
    this.errors = {};
    this.error = undefined;
    this.details = [];
  }

  /**
   * After the form's own checks (which fill `errors` or `error`): puts the keyboard on the first marked field.
   * @returns true when a check failed (the caller stops there)
   */
  showErrors(): boolean {
    if (Object.keys(this.errors).length === 0 && this.error === undefined) return false;
    void focusFirstError(this.element);
    return true;
  }

  /**
   * Runs the form's action. `explain` may say more about a refusal than the generic words (it is
   * called after `errors` and `error` are filled, and may change them).
   * @returns true when the action succeeded
   */
  async submit(action: () => Promise<unknown>, explain?: (error: unknown, form: FormState) => void): Promise<boolean> {
    this.busy = true;
    try {
      await action();
      return true;
    } catch (error) {
      const { describe, labels } = this.#options;
      if (describe) {
        this.errors = {};
        this.error = describe(error);
      } else if (labels) {
        const { message, details } = failureOf(error, labels);
        this.errors = {};
        this.error = message;
        this.details = details;
      } else {
        this.errors = fieldErrorsOf(error);
        this.error = Object.keys(this.errors).length === 0 ? messageOf(error) : undefined;
      }
      explain?.(error, this);
      void focusFirstError(this.element);
      return false;
    } finally {
      this.busy = false;
    }
  }
}

/**
 * A FormState for each row of a list whose rows have their own buttons (approve, retry): each row
 * waits and says its refusal on its own. A row's state is made the first time it is asked for.
 * @example
 *   const rows = new RowForms({ describe: messageOf });
 *   // <button disabled={rows.of(user.id).busy} onclick={() => rows.of(user.id).submit(() => approve(user))}>
 */
export class RowForms {
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- each FormState is reactive; the map only keeps them
  readonly #forms = new Map<string, FormState>();
  readonly #options: FormOptions;

  constructor(options: FormOptions = {}) {
    this.#options = options;
  }

  of(row: string): FormState {
    let form = this.#forms.get(row);
    if (!form) {
      form = new FormState(this.#options);
      this.#forms.set(row, form);
    }
    return form;
  }
}

/** After errors render, puts the keyboard on the first marked field (or the form's alert). */
export async function focusFirstError(form: HTMLElement | undefined): Promise<void> {
  await tick();
  const target = form?.querySelector<HTMLElement>('[aria-invalid="true"], [role="alert"]');
  if (!target) return;
  if (target.getAttribute('role') === 'alert' && !target.hasAttribute('tabindex')) target.tabIndex = -1;
  target.focus();
}

// Dates and times moved to lib/format.ts (the page's language); re-exported for existing callers.
export { formatDate, formatDateTime, timeAgo } from './format';
