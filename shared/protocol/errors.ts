import { z } from 'zod';

/**
 * The stable error codes a client can branch on. The same code appears in a REST problem
 * (`application/problem+json`, field `code`) and in a socket error ack (`error.code`).
 */
export const errorCodes = [
  'validation_failed',
  'malformed_json',
  'payload_too_large',
  'unsupported_media_type',
  'not_found',
  'unauthorized',
  'invalid_credentials',
  'forbidden',
  'csrf_failed',
  'guidelines_required',
  'account_pending',
  'account_suspended',
  'account_banned',
  'muted',
  'registration_closed',
  'invite_invalid',
  'local_accounts_disabled',
  'conflict',
  'rate_limited',
  'origin_refused',
  'unavailable',
  'internal',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

export const errorBodySchema = z
  .object({
    code: z.enum(errorCodes),
    message: z.string(),
    details: z.unknown().optional(),
  })
  .meta({ id: 'ErrorBody', description: 'The error half of every socket acknowledgement.' });

export type ErrorBody = z.infer<typeof errorBodySchema>;

/** RFC 9457 problem details, as every failed REST call answers. */
export const problemSchema = z
  .object({
    type: z.string().describe('A URI naming the problem type: urn:hearth:problem:<code>'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    code: z.enum(errorCodes),
    requestId: z.string().optional(),
    errors: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .describe('With validation_failed: each field that failed and why.'),
    publicUrl: z.string().optional().describe('With origin_refused for a page of this server opened at another address: the address to use.'),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details (application/problem+json).' });

export type Problem = z.infer<typeof problemSchema>;

/**
 * Every socket command is acknowledged with exactly one of these.
 * @example
 *   socket.emit('system:ping', { sentAt: Date.now() }, (ack) => {
 *     if ('error' in ack) showError(ack.error.message); else use(ack.data);
 *   });
 */
export type Ack<T> = { data: T } | { error: ErrorBody };

/** Builds the zod schema of an ack carrying `data` of the given schema (for the AsyncAPI document). */
export function ackSchema<T extends z.ZodType>(data: T) {
  return z.union([z.object({ data }), z.object({ error: errorBodySchema })]);
}
