import { sql, type AnyColumn, type SQL } from 'drizzle-orm';
import { AppError } from '../errors';

/** The position after which the next page starts: newest-first lists order by (created_at, id). */
export interface Cursor {
  createdAt: Date;
  id: string;
}

/** An opaque cursor for a row; its created_at column must have millisecond precision, like a Date. */
export function encodeCursor(row: Cursor): string {
  return Buffer.from(`${row.createdAt.toISOString()}|${row.id}`).toString('base64url');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** toISOString's own shape with a four-digit year: what PostgreSQL's timestamptz reads back (JS dates go to year 275760). */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * Reads a cursor from a request; `field` names the parameter in the validation error. Only a
 * cursor this server could have made is accepted (it encodes back to the very same text), so
 * trailing junk, forged dates and non-uuids are a 400, never a failed query.
 */
export function decodeCursor(cursor: string, field: string): Cursor {
  const parts = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const [time = '', id = ''] = parts;
  const createdAt = new Date(time);
  if (
    parts.length !== 2 ||
    !UUID.test(id) ||
    !ISO_TIME.test(time) ||
    Number.isNaN(createdAt.getTime()) ||
    encodeCursor({ createdAt, id }) !== cursor
  ) {
    throw new AppError('validation_failed', 'The cursor is not valid', { errors: [{ path: field, message: 'is not a cursor this server made' }] });
  }
  return { createdAt, id };
}

/** Rows strictly older than the cursor: a row comparison, which PostgreSQL answers from a (…, created_at, id) index. */
export function olderThan(createdAt: AnyColumn, id: AnyColumn, before: Cursor): SQL {
  return sql`(${createdAt}, ${id}) < (${before.createdAt.toISOString()}::timestamptz, ${before.id}::uuid)`;
}
