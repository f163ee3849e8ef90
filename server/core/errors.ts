import type { z } from 'zod';
import type { ErrorBody, ErrorCode, Problem } from '../../shared/protocol/errors';
import { defaultLocale, type Locale } from '../../shared/i18n/locales';
import { fillIn, issueMessage, problemText, zodErrorMap, type ProblemVars } from './i18n/problems';

const statusByCode: Record<ErrorCode, number> = {
  validation_failed: 400,
  malformed_json: 400,
  payload_too_large: 413,
  unsupported_media_type: 415,
  not_found: 404,
  unauthorized: 401,
  invalid_credentials: 401,
  forbidden: 403,
  csrf_failed: 403,
  guidelines_required: 403,
  account_pending: 403,
  account_suspended: 403,
  account_banned: 403,
  muted: 403,
  registration_closed: 403,
  invite_invalid: 400,
  local_accounts_disabled: 403,
  conflict: 409,
  rate_limited: 429,
  origin_refused: 403,
  unavailable: 503,
  internal: 500,
};

/** Each code's title in English (a problems catalogue key, like every sentence here). */
export const problemTitles: Readonly<Record<ErrorCode, string>> = {
  validation_failed: 'The request is not valid',
  malformed_json: 'The request body is not valid JSON',
  payload_too_large: 'The request is too large',
  unsupported_media_type: 'The request body must be JSON',
  not_found: 'Not found',
  unauthorized: 'Sign-in required',
  invalid_credentials: 'Wrong email or password',
  forbidden: 'Not allowed',
  csrf_failed: 'The request did not come from this site',
  guidelines_required: 'Please accept the community guidelines first',
  account_pending: 'Your account is waiting for approval',
  account_suspended: 'Your account is suspended',
  account_banned: 'This account is banned from the network',
  muted: 'You are muted in this space',
  registration_closed: 'Registration is closed',
  invite_invalid: 'This invitation is not valid',
  local_accounts_disabled: 'Sign-in with email and password is switched off; use single sign-on',
  conflict: 'Conflict',
  rate_limited: 'Too many requests',
  origin_refused: 'Origin not allowed',
  unavailable: 'Service unavailable',
  internal: 'Something went wrong on our side',
};

export interface FieldError {
  path: string;
  message: string;
}

/**
 * A problem's English sentence with `{{placeholders}}` and their values. The sentence is the key
 * of its translations in `shared/i18n/<locale>/problems.json`; the values are filled in after
 * translation, in the caller's language (docs/decisions/017, addendum).
 * @example throw new AppError('conflict', problem('@{{handle}} is already a member', { handle: user.handle }));
 * @example problem('Muted until {{until, datetime}}', { until: new Date() }) // a date in the caller's format
 */
export interface ProblemText {
  readonly text: string;
  readonly vars: ProblemVars;
}

/**
 * A problem's sentence with values (see ProblemText).
 * @example new AppError('validation_failed', problem('A conversation can have at most {{max}} people', { max: 10 }))
 */
export function problem(text: string, vars: ProblemVars = {}): ProblemText {
  return { text, vars };
}

/** What a validation failure keeps to say it again in another language. */
interface Validation {
  where: string;
  issues: readonly z.core.$ZodIssue[];
  /** Parses the same input again with a language's error map (set by parseInput). */
  reparse?: (error: z.core.$ZodErrorMap) => readonly z.core.$ZodIssue[];
}

/** The words of an AppError in one language. */
export interface SaidError {
  title: string;
  /** The error's own sentence, when it says more than the title. */
  detail?: string;
  message: string;
  errors?: FieldError[];
}

/**
 * The one error type services throw. REST turns it into a problem document, sockets into an
 * error ack; anything else thrown is logged and reported as `internal` without its message.
 */
export class AppError extends Error {
  readonly status: number;
  /** The English sentence (the catalogue key), with `{{placeholders}}` when `vars` fills them. */
  readonly text: string;
  readonly vars: ProblemVars;
  #validation: Validation | undefined;

  /**
   * `message` is an English sentence from the problems catalogue, or `problem(sentence, values)`;
   * `this.message` is it in English, filled in (for logs and English callers).
   */
  constructor(
    readonly code: ErrorCode,
    message: string | ProblemText = problemTitles[code],
    readonly details?: { errors?: FieldError[]; retryAfterSeconds?: number } & Record<string, unknown>,
  ) {
    const text = typeof message === 'string' ? message : message.text;
    const vars = typeof message === 'string' ? {} : message.vars;
    super(fillIn(text, vars));
    this.text = text;
    this.vars = vars;
    this.name = 'AppError';
    this.status = statusByCode[code];
  }

  static notFound(what: string | ProblemText = 'Not found'): AppError {
    return new AppError('not_found', what);
  }

  static fromZod(error: z.ZodError, where = 'payload', reparse?: Validation['reparse']): AppError {
    const errors = fieldErrorsOf(error.issues, where);
    const first = errors[0];
    const appError = new AppError(
      'validation_failed',
      first ? problem('Invalid {{where}}: {{path}} {{message}}', { where, path: first.path, message: first.message }) : problem('Invalid {{where}}', { where }),
      { errors },
    );
    appError.#validation = { where, issues: error.issues, reparse };
    return appError;
  }

  /**
   * The error's words in a language: its title, its sentence and each field's message.
   * @example new AppError('forbidden').said('fr').title // → 'Action non autorisée'
   */
  said(locale: Locale = defaultLocale): SaidError {
    const title = problemText(locale, problemTitles[this.code]);
    const validation = this.#validation;
    let message: string;
    let errors = this.details?.errors;
    if (validation && locale !== defaultLocale) {
      const issues = validation.reparse?.(zodErrorMap(locale)) ?? validation.issues;
      const reparsed = validation.reparse !== undefined;
      errors = fieldErrorsOf(issues, validation.where).map((field, i) => ({ ...field, message: issueMessage(locale, issues[i] as z.core.$ZodIssue, { reparsed }) }));
      const where = problemText(locale, validation.where);
      const first = errors[0];
      message = first
        ? problemText(locale, 'Invalid {{where}}: {{path}} {{message}}', { where, path: first.path, message: first.message })
        : problemText(locale, 'Invalid {{where}}', { where });
    } else {
      message = locale === defaultLocale ? this.message : problemText(locale, this.text, this.vars);
      if (errors && locale !== defaultLocale) errors = errors.map((field) => ({ ...field, message: problemText(locale, field.message) }));
    }
    const said: SaidError = { title, message };
    if (this.text !== problemTitles[this.code]) said.detail = message;
    if (errors) said.errors = errors;
    return said;
  }
}

function fieldErrorsOf(issues: readonly z.core.$ZodIssue[], where: string): FieldError[] {
  return issues.map((issue) => ({
    path: issue.path.length > 0 ? issue.path.map(String).join('.') : where,
    message: issue.message,
  }));
}

/** Parses untrusted input with a schema, throwing a validation_failed AppError on mismatch. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, where = 'payload'): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    // Said again in the caller's language at the boundary: zod's own messages come from its locale.
    const reparse = (error: z.core.$ZodErrorMap) => schema.safeParse(value, { error }).error?.issues ?? [];
    throw AppError.fromZod(result.error, where, reparse);
  }
  return result.data;
}

export function toAppError(error: unknown): AppError | undefined {
  return error instanceof AppError ? error : undefined;
}

/** PostgreSQL's codes for a server going away or refusing connections (admin shutdown, crash, starting up, connection failure). */
const DATABASE_AWAY = new Set(['57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '08004']);
const NETWORK_AWAY = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

/**
 * The database is not answering (restarting, unreachable): the caller should try again shortly,
 * which is `unavailable` (503), not a bug of ours. Looks through Drizzle's wrapping (`cause`).
 */
export function databaseUnavailable(error: unknown): AppError | undefined {
  for (let current: unknown = error, depth = 0; current && typeof current === 'object' && depth < 4; current = (current as { cause?: unknown }).cause, depth += 1) {
    const code = (current as { code?: unknown }).code;
    const message = (current as { message?: unknown }).message;
    if ((typeof code === 'string' && (DATABASE_AWAY.has(code) || NETWORK_AWAY.has(code))) || (typeof message === 'string' && /Connection terminated|connection is closed|timeout exceeded when trying to connect|the database system is (starting up|shutting down)/i.test(message))) {
      return new AppError('unavailable', 'The database is not answering: try again in a moment', { retryAfterSeconds: 2 });
    }
  }
  return undefined;
}

/** An AppError as a problem document, in the caller's language (English by default). */
export function problemOf(error: AppError, instance?: string, requestId?: string, locale: Locale = defaultLocale): Problem {
  const said = error.said(locale);
  const document: Problem = {
    type: `urn:hearth:problem:${error.code}`,
    title: said.title,
    status: error.status,
    code: error.code,
  };
  if (said.detail !== undefined) document.detail = said.detail;
  if (instance) document.instance = instance;
  if (requestId) document.requestId = requestId;
  if (said.errors) document.errors = said.errors;
  if (typeof error.details?.publicUrl === 'string') document.publicUrl = error.details.publicUrl;
  return document;
}

/** An AppError as the error half of a socket ack, in the socket's language (English by default). */
export function errorBodyOf(error: AppError, locale: Locale = defaultLocale): ErrorBody {
  const said = error.said(locale);
  const body: ErrorBody = { code: error.code, message: said.message };
  if (error.details) body.details = said.errors ? { ...error.details, errors: said.errors } : error.details;
  return body;
}
