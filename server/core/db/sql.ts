import { sql, type SQL } from 'drizzle-orm';

/** SQL text of a timestamptz as `Date.prototype.toISOString()` writes it (the column keeps milliseconds). */
export const isoOf = (column: SQL) => sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
