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

/** Reads a cursor from a request; `field` names the parameter in the validation error. */
export function decodeCursor(cursor: string, field: string): Cursor {
  const [time, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(time ?? '');
  if (!id || !/^[0-9a-f-]{36}$/.test(id) || Number.isNaN(createdAt.getTime())) {
    throw new AppError('validation_failed', 'The cursor is not valid', { errors: [{ path: field, message: 'is not valid' }] });
  }
  return { createdAt, id };
}

/** Rows strictly older than the cursor: a row comparison, which PostgreSQL answers from a (…, created_at, id) index. */
export function olderThan(createdAt: AnyColumn, id: AnyColumn, before: Cursor): SQL {
  return sql`(${createdAt}, ${id}) < (${before.createdAt.toISOString()}::timestamptz, ${before.id}::uuid)`;
}
