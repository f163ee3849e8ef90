// A member's own log (mentions, notices, read markers), replayed like a space's: docs/ARCHITECTURE.md#one-replay-log
import { sql, type SQL } from 'drizzle-orm';
import type { EventPayload } from '../../../shared/protocol/events';
import type { MemberEventName } from '../../../shared/protocol/member';
import type { Db } from '../db/database';
import { memberEvents, memberLogs } from '../db/platform.schema';
import type { Publish, UnitOfWork } from '../events/unit-of-work';
import { defineReplayLog, type Resumed } from './replay-log';

/** A member offline longer than this many own events reloads (their notices, unread counts) instead. */
export const MAX_MEMBER_REPLAY = 5000;
/** Events per `member:resume` answer; the client asks again while `more`. */
export const MEMBER_REPLAY_PAGE = 200;

export const memberReplayLog = defineReplayLog({
  noun: 'member',
  head: { table: memberLogs, key: memberLogs.userId, seq: memberLogs.seq, createOnAppend: true },
  events: { table: memberEvents, key: memberEvents.userId },
  maxReplay: MAX_MEMBER_REPLAY,
  pageSize: MEMBER_REPLAY_PAGE,
});

/** The members a one-statement write told, with each one's memberSeq. */
export type Told = { userId: string; memberSeq: number }[];

/** The members a one-statement write told each with their own body (`tellEachSql`). */
export type ToldEach<K extends MemberEventName> = { userId: string; payload: EventPayload<K> }[];

/** `tellSql`'s parts: CTEs for the statement's WITH list, and the column that selects `Told`. */
export interface MemberTellSql {
  ctes: SQL;
  told: SQL;
}

/** The `told` column of a one-statement write that told nobody. */
export const toldNobody = sql`'[]'::jsonb`;

/** What a member's event is given: everything but its place in the log. */
export type MemberEventBody<K extends MemberEventName> = Omit<EventPayload<K>, 'memberSeq'>;

export interface MemberLog {
  /**
   * Logs an event of the member's own inside the write's transaction and publishes it to their
   * sockets after COMMIT, numbered: a socket that was away replays it with `member:resume`.
   */
  tell<K extends MemberEventName>(uow: Pick<UnitOfWork, 'tx' | 'publish'>, userId: string, event: K, body: MemberEventBody<K>): Promise<EventPayload<K>>;
  /**
   * For a one-statement write (decision 008): CTEs to add to its WITH list that log `event` for
   * each member, only if `onlyIf` holds. `told` is the column to select: the members told and
   * their memberSeq (`Told`), for `told()` once the
   * statement returned. (Data-modifying CTEs must be at the top level, hence two parts.)
   */
  tellSql<K extends MemberEventName>(userIds: string[], event: K, body: MemberEventBody<K>, onlyIf: SQL): MemberTellSql;
  /**
   * Like `tellSql`, but each member gets their own body: `rows` is a query of `(user_id uuid,
   * payload jsonb)`, one row per member (e.g. the RETURNING of a bulk insert). `told` selects
   * `ToldEach`: each member, their memberSeq and the payload as logged.
   */
  tellEachSql<K extends MemberEventName>(event: K, rows: SQL): MemberTellSql;
  /** What to publish for the rows `tellEachSql` returned. */
  toldEach<K extends MemberEventName>(rows: ToldEach<K>, event: K): Publish[];
  /** What to publish for the rows `tellSql` returned (release them with `work.release`). */
  told<K extends MemberEventName>(rows: Told, event: K, body: MemberEventBody<K>): Publish[];
  /** What a member who applied up to `afterSeq` missed, in pages. */
  resume(db: Db, userId: string, afterSeq: number): Promise<Resumed>;
  /** Where the member's log stands (0 before their first event). */
  head(db: Db, userId: string): Promise<number>;
  /** Forgets the member's log (their account is erased). */
  forget(tx: Db, userId: string): Promise<void>;
}

export function createMemberLog(): MemberLog {
  const log = memberReplayLog;
  return {
    async tell(uow, userId, event, body) {
      const { payload } = await log.append(uow.tx, userId, event, (memberSeq) => ({ ...body, memberSeq }) as Record<string, unknown>);
      const told = payload as EventPayload<typeof event>;
      uow.publish(`user:${userId}`, event, told);
      return told;
    },
    tellSql(userIds, event, body, onlyIf) {
      const ctes = sql`member_head as (
          insert into ${memberLogs} (user_id, seq)
          select u::uuid, 1 from jsonb_array_elements_text(${JSON.stringify(userIds)}::jsonb) as u where ${onlyIf}
          on conflict (user_id) do update set seq = ${memberLogs}.seq + 1
          returning user_id, seq
        ), member_logged as (
          insert into ${memberEvents} (user_id, seq, event, payload)
          select member_head.user_id, member_head.seq, ${event}, ${JSON.stringify(body)}::jsonb || jsonb_build_object('memberSeq', member_head.seq) from member_head
        )`;
      return { ctes, told: sql`(select coalesce(jsonb_agg(jsonb_build_object('userId', user_id, 'memberSeq', seq)), '[]'::jsonb) from member_head)` };
    },
    tellEachSql(event, rows) {
      const ctes = sql`member_each as (${rows}), member_head as (
          insert into ${memberLogs} (user_id, seq)
          select user_id, 1 from member_each
          on conflict (user_id) do update set seq = ${memberLogs}.seq + 1
          returning user_id, seq
        ), member_logged as (
          insert into ${memberEvents} (user_id, seq, event, payload)
          select h.user_id, h.seq, ${event}, e.payload || jsonb_build_object('memberSeq', h.seq)
          from member_head h join member_each e on e.user_id = h.user_id
        )`;
      return {
        ctes,
        told: sql`(select coalesce(jsonb_agg(jsonb_build_object('userId', h.user_id, 'payload', e.payload || jsonb_build_object('memberSeq', h.seq))), '[]'::jsonb)
          from member_head h join member_each e on e.user_id = h.user_id)`,
      };
    },
    toldEach(rows, event) {
      return rows.map(({ userId, payload }) => ({ rooms: `user:${userId}`, event, payload }));
    },
    told(rows, event, body) {
      return rows.map(({ userId, memberSeq }) => ({ rooms: `user:${userId}`, event, payload: { ...body, memberSeq } }));
    },
    async resume(db, userId, afterSeq) {
      return log.resume(db, userId, afterSeq, await log.head(db, userId));
    },
    head: (db, userId) => log.head(db, userId),
    forget: (tx, userId) => log.forget(tx, userId),
  };
}
