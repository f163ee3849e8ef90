import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import type { Logger } from '../logger';
import { AppError, databaseUnavailable, problem, problemOf } from '../errors';
import { requestLocale, type Languages, type Locale } from '../i18n/i18n';

function requestIdOf(req: Request): string | undefined {
  const id = (req as Request & { id?: unknown }).id;
  return typeof id === 'string' ? id : undefined;
}

/** Unknown routes: a 404 problem (the SPA fallback, mounted before this, serves pages). */
export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new AppError('not_found', problem('No route for {{method}} {{path}}', { method: req.method, path: req.path })));
};

// body-parser signals its failures with a `type`; each gets a stable code.
function fromBodyParser(error: { type?: unknown; status?: unknown; limit?: unknown }): AppError | undefined {
  switch (error.type) {
    case 'entity.too.large':
      return new AppError('payload_too_large', problem('The request body exceeds the limit of {{limit}} bytes', { limit: String(error.limit) }));
    case 'entity.parse.failed':
      return new AppError('malformed_json', 'The request body is not valid JSON');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError('unsupported_media_type', 'The request body must be UTF-8 JSON');
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return new AppError('validation_failed', 'The request body could not be read');
    default:
      return undefined;
  }
}

// The plain errors busboy (multer's parser) and multer raise for a body that is not a whole
// multipart form: cut short, malformed, or a connection that went away mid-upload. They carry no
// code, only these messages.
const UNREADABLE_UPLOAD = new Set([
  'Unexpected end of form',
  'Unexpected end of file',
  'Malformed part header',
  'Malformed content type',
  'Missing Content-Type',
  'Multipart: Boundary not found',
  'Request aborted',
  'Request closed',
  'Request error',
]);

// multer (multipart uploads) signals its own failures with a `code`.
function fromMulter(error: { name?: unknown; code?: unknown; message?: unknown }): AppError | undefined {
  if (error.name === 'MulterError') {
    if (error.code === 'LIMIT_FILE_SIZE') return new AppError('payload_too_large', 'The file is too large');
    return new AppError('validation_failed', 'The upload is not in the expected form (one file field)');
  }
  if (error instanceof Error && error.name === 'Error' && typeof error.message === 'string' && UNREADABLE_UPLOAD.has(error.message)) {
    return new AppError('validation_failed', 'The upload could not be read: the multipart form is incomplete or malformed');
  }
  return undefined;
}

/**
 * The language a problem is written in: the member's choice, else the request's Accept-Language
 * (the client sends its page's language with every call). Never fails the answer: a database
 * that cannot be asked (the problem may be that it is away) leaves the request's language.
 */
async function problemLocale(req: Request, appError: AppError, languages: Pick<Languages, 'forRequest'> | undefined): Promise<Locale> {
  const userId = (req as Request & { session?: { userId?: unknown } }).session?.userId;
  if (!languages || appError.code === 'unavailable' || typeof userId !== 'string') return requestLocale(req);
  try {
    return await languages.forRequest(req, userId);
  } catch {
    return requestLocale(req);
  }
}

/**
 * The one error middleware: every failure leaves as `application/problem+json`, its title, detail
 * and field messages in the caller's language (`languages`: the member setting; without it, the
 * request's Accept-Language).
 */
export function problemHandler(logger: Logger, languages?: Pick<Languages, 'forRequest'>): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    let appError: AppError;
    if (error instanceof AppError) appError = error;
    else {
      const parsed = error && typeof error === 'object' ? (fromBodyParser(error) ?? fromMulter(error) ?? databaseUnavailable(error)) : undefined;
      if (parsed) appError = parsed;
      else {
        logger.error({ err: error, reqId: requestIdOf(req) }, 'unhandled error in request');
        appError = new AppError('internal');
      }
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const retryAfter = appError.details?.retryAfterSeconds;
    if (typeof retryAfter === 'number') res.setHeader('Retry-After', String(Math.ceil(retryAfter)));
    void problemLocale(req, appError, languages).then((locale) => {
      if (res.headersSent || res.destroyed) return;
      res.vary('Accept-Language');
      res
        .status(appError.status)
        .type('application/problem+json')
        .set('Content-Language', locale)
        .send(JSON.stringify(problemOf(appError, req.originalUrl, requestIdOf(req), locale)));
    });
  };
}
