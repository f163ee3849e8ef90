import { tick } from 'svelte';
import { ApiError } from './api';

export type FieldErrors = Record<string, string>;

const wordsByCode: Record<string, string> = {
  invalid_credentials: 'That email and password do not match an account.',
  account_pending: 'Your account is waiting for an admin’s approval. You can sign in once it is approved.',
  account_suspended: 'This account is suspended.',
  registration_closed: 'This network is not taking new members right now.',
  invite_invalid: 'This invitation link is not valid any more. Ask for a new one.',
  local_accounts_disabled: 'Signing in with email and password is switched off here. Use single sign-on.',
  csrf_failed: 'Your session changed in another tab. Reload the page and try again.',
  rate_limited: 'Too many attempts. Wait a minute, then try again.',
  forbidden: 'You are not allowed to do that.',
  unauthorized: 'Please sign in first.',
  payload_too_large: 'That file is too large.',
  unsupported_media_type: 'That kind of file is not accepted.',
  unavailable: 'The server cannot be reached. Check your connection and try again.',
  internal: 'Something went wrong on our side. Try again in a moment.',
};

/** A problem code (e.g. from `/sign-in?error=…`) in words, if we know it. */
export function describeCode(code: string): string | undefined {
  return wordsByCode[code];
}

/** A failure in words a member can act on. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.code === 'validation_failed' && error.problem?.errors?.length) return 'Please correct the marked fields.';
    return wordsByCode[error.code] ?? error.message;
  }
  return 'Something went wrong. Try again in a moment.';
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

/** After errors render, puts the keyboard on the first marked field (or the form's alert). */
export async function focusFirstError(form: HTMLElement | undefined): Promise<void> {
  await tick();
  const target = form?.querySelector<HTMLElement>('[aria-invalid="true"], [role="alert"]');
  if (!target) return;
  if (target.getAttribute('role') === 'alert' && !target.hasAttribute('tabindex')) target.tabIndex = -1;
  target.focus();
}

/** `2026-11-26T10:00:00Z` → "26 November 2026". */
export function formatDate(iso: string): string {
  return new Date(iso).toLocaleDateString(undefined, { dateStyle: 'long' });
}

export function formatDateTime(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
