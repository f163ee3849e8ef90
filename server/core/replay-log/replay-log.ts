// Numbered logs a reconnecting client replays: docs/decisions/007-stream-event-log-and-replay.md, docs/ARCHITECTURE.md#one-replay-log
//
// A log has a head row that numbers it (a space, a conversation, a member's own log) and an
// events table of (key, seq, event, payload, created_at). Appending increments the head's seq
// under its row lock, so one key's events are numbered 1, 2, 3… with no gaps, in commit order.
// Resume answers the events after a client's last seq — in pages when the gap is large, or
// `reset` when it is too large or the events it needs were pruned. Every log is pruned after the
// same retention. The space stream, each conversation and each member's own log are instances.
import { and, asc, eq, getTableColumns, sql } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import { AppError } from '../errors';
import type { Db } from '../db/database';

/** What a log is made of: the head row that numbers it and the table its events are kept in. */
export interface ReplayLogSpec {
  /** What a key names, for errors and logs: "space", "conversation", "member". */
  noun: string;
  head: {
    table: PgTable;
    key: PgColumn;
    seq: PgColumn;
    /** The head row is made on the first append (a member's log); otherwise it must exist. */
    createOnAppend?: boolean;
  };
  /** The events table and its key column; its other columns are `seq`, `event`, `payload` and `createdAt`. */
  events: { table: PgTable; key: PgColumn };
  /** A client further behind than this reloads instead (`reset`). */
  maxReplay: number;
  /** At most this many events per answer; `more` tells the client to ask again. Default: maxReplay. */
  pageSize?: number;
}

export interface LoggedEvent {
  seq: number;
  event: string;
  payload: Record<string, unknown>;
}

/** The answer to "what came after `afterSeq`?" for one key. */
export interface Resumed {
  /** The missed events in order (empty when `reset`). */
  events: LoggedEvent[];
  /** Too much missed, or pruned: the client reloads what it shows from REST. */
  reset: boolean;
  /** The log was read up to here (the head when reset; the last event of a page when `more`). */
  upToSeq: number;
  /** A page of a large gap: ask again after `upToSeq`. */
  more: boolean;
}

export interface ReplayLog {
  readonly noun: string;
  /**
   * Appends one event inside the caller's transaction and returns its seq and payload. `build`
   * gets the seq before the payload is written (payloads carry their own seq). `set` updates
   * more columns of the head row in the same statement (a conversation's last message time).
   */
  append<P extends Record<string, unknown>>(
    tx: Db,
    key: string,
    event: string,
    build: (seq: number) => P | Promise<P>,
    options?: { set?: Record<string, unknown> },
  ): Promise<{ seq: number; payload: P }>;
  /** The events after `afterSeq`, in order, at most `limit`. */
  after(db: Db, key: string, afterSeq: number, limit: number): Promise<LoggedEvent[]>;
  /** What a client that applied up to `afterSeq` missed; `headSeq` is the head as the caller read it with its access check. */
  resume(db: Db, key: string, afterSeq: number, headSeq: number): Promise<Resumed>;
  /** The head's seq (0 for a member log not yet made). */
  head(db: Db, key: string): Promise<number>;
  /** Deletes events older than `olderThan`, of every key; returns how many. */
  prune(db: Db, olderThan: Date): Promise<number>;
  /** Deletes one key's events (and its head row when the log makes its own). */
  forget(tx: Db, key: string): Promise<void>;
  /** Its tables, for one-statement inserts that log (`insertPostLogged`). */
  readonly spec: ReplayLogSpec;
}

export function defineReplayLog(spec: ReplayLogSpec): ReplayLog {
  const { head, maxReplay } = spec;
  const ev = { ...spec.events, ...eventColumnsOf(spec.events.table) };
  const pageSize = Math.min(spec.pageSize ?? maxReplay, maxReplay);

  async function nextSeq(tx: Db, key: string, set: Record<string, unknown> | undefined): Promise<number> {
    if (head.createOnAppend) {
      const result = (await tx.execute(sql`
        insert into ${head.table} (${sql.identifier(head.key.name)}, ${sql.identifier(head.seq.name)}) values (${key}, 1)
        on conflict (${sql.identifier(head.key.name)}) do update set ${sql.identifier(head.seq.name)} = ${head.table}.${sql.identifier(head.seq.name)} + 1
        returning ${sql.identifier(head.seq.name)} as seq`)) as unknown as { rows: { seq: number }[] };
      return Number(result.rows[0]!.seq);
    }
    const [row] = await tx
      .update(head.table)
      .set({ [columnKeyOf(head.table, head.seq)]: sql`${head.seq} + 1`, ...set })
      .where(eq(head.key, key))
      .returning({ seq: head.seq });
    if (!row) throw AppError.notFound(`No such ${spec.noun}`);
    return Number(row.seq);
  }

  const log: ReplayLog = {
    noun: spec.noun,
    spec,

    async append(tx, key, event, build, options) {
      const seq = await nextSeq(tx, key, options?.set);
      const payload = await build(seq);
      await tx.insert(ev.table).values({
        [columnKeyOf(ev.table, ev.key)]: key,
        [columnKeyOf(ev.table, ev.seq)]: seq,
        [columnKeyOf(ev.table, ev.event)]: event,
        [columnKeyOf(ev.table, ev.payload)]: payload,
      });
      return { seq, payload };
    },

    async after(db, key, afterSeq, limit) {
      const rows = await db
        .select({ seq: ev.seq, event: ev.event, payload: ev.payload })
        .from(ev.table)
        .where(and(eq(ev.key, key), sql`${ev.seq} > ${afterSeq}`))
        .orderBy(asc(ev.seq))
        .limit(limit);
      return rows.map((r) => ({ seq: Number(r.seq), event: String(r.event), payload: r.payload as Record<string, unknown> }));
    },

    async resume(db, key, afterSeq, headSeq) {
      // Ahead of the head (or level with it): nothing missed.
      if (afterSeq >= headSeq) {
        const late = await log.after(db, key, afterSeq, pageSize + 1);
        return page(late, afterSeq, Math.max(headSeq, afterSeq));
      }
      if (headSeq - afterSeq > maxReplay) return { events: [], reset: true, upToSeq: headSeq, more: false };
      const rows = await log.after(db, key, afterSeq, pageSize + 1);
      // The events right after afterSeq were pruned: what is left cannot be applied in order.
      if (rows[0]?.seq !== afterSeq + 1) return { events: [], reset: true, upToSeq: headSeq, more: false };
      return page(rows, afterSeq, headSeq);
    },

    async head(db, key) {
      const [row] = await db.select({ seq: head.seq }).from(head.table).where(eq(head.key, key));
      return Number(row?.seq ?? 0);
    },

    async prune(db, olderThan) {
      const result = (await db.execute(
        sql`with gone as (delete from ${ev.table} where ${ev.createdAt} < ${olderThan.toISOString()} returning 1) select count(*)::int as n from gone`,
      )) as unknown as { rows: { n: number }[] };
      return Number(result.rows[0]?.n ?? 0);
    },

    async forget(tx, key) {
      await tx.delete(ev.table).where(eq(ev.key, key));
      if (head.createOnAppend) await tx.delete(head.table).where(eq(head.key, key));
    },
  };

  function page(rows: LoggedEvent[], afterSeq: number, headSeq: number): Resumed {
    const more = rows.length > pageSize;
    const events = rows.slice(0, pageSize);
    const last = events.at(-1)?.seq ?? afterSeq;
    // Events appended after the head was read are sent too; the answer covers them.
    return { events, reset: false, upToSeq: more ? last : Math.max(headSeq, last), more };
  }

  return log;
}

/** Every log's events table has the same columns besides its key. */
function eventColumnsOf(table: PgTable): { seq: PgColumn; event: PgColumn; payload: PgColumn; createdAt: PgColumn } {
  const columns = getTableColumns(table) as Record<string, PgColumn | undefined>;
  const { seq, event, payload, createdAt } = columns;
  if (!seq || !event || !payload || !createdAt) throw new Error('A replay log table needs seq, event, payload and createdAt columns');
  return { seq, event, payload, createdAt };
}

/** The property name Drizzle knows a column by in its table (`seq`, `spaceId`), for `.set()` and `.values()`. */
function columnKeyOf(table: PgTable, column: PgColumn): string {
  const found = Object.entries(getTableColumns(table)).find(([, c]) => c === column);
  if (!found) throw new Error(`Column ${column.name} is not in its log table`);
  return found[0];
}

/** Every log the modules keep, pruned together by the platform's sweep. */
export function pruneLogs(db: Db, logs: readonly ReplayLog[], olderThan: Date): Promise<Record<string, number>> {
  return logs.reduce<Promise<Record<string, number>>>(async (done, log) => ({ ...(await done), [log.noun]: await log.prune(db, olderThan) }), Promise.resolve({}));
}
