import type { z } from 'zod';
import type { ErrorBody, ErrorCode, Problem } from '../../shared/protocol/errors';

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

const titleByCode: Record<ErrorCode, string> = {
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
 * The one error type services throw. REST turns it into a problem document, sockets into an
 * error ack; anything else thrown is logged and reported as `internal` without its message.
 */
export class AppError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string = titleByCode[code],
    readonly details?: { errors?: FieldError[]; retryAfterSeconds?: number } & Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AppError';
    this.status = statusByCode[code];
  }

  static notFound(what = 'Not found'): AppError {
    return new AppError('not_found', what);
  }

  static fromZod(error: z.ZodError, where = 'payload'): AppError {
    const errors = error.issues.map((issue) => ({
      path: issue.path.length > 0 ? issue.path.map(String).join('.') : where,
      message: issue.message,
    }));
    const first = errors[0];
    return new AppError(
      'validation_failed',
      first ? `Invalid ${where}: ${first.path} ${first.message}` : `Invalid ${where}`,
      { errors },
    );
  }
}

/** Parses untrusted input with a schema, throwing a validation_failed AppError on mismatch. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, where = 'payload'): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw AppError.fromZod(result.error, where);
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

export function problemOf(error: AppError, instance?: string, requestId?: string): Problem {
  const problem: Problem = {
    type: `urn:hearth:problem:${error.code}`,
    title: titleByCode[error.code],
    status: error.status,
    code: error.code,
  };
  if (error.message !== titleByCode[error.code]) problem.detail = error.message;
  if (instance) problem.instance = instance;
  if (requestId) problem.requestId = requestId;
  if (error.details?.errors) problem.errors = error.details.errors;
  return problem;
}

export function errorBodyOf(error: AppError): ErrorBody {
  const body: ErrorBody = { code: error.code, message: error.message };
  if (error.details) body.details = error.details;
  return body;
}
