// A write's side effects, held until it committed: docs/ARCHITECTURE.md#one-domain-event-file-by-file
//
// During a write a service collects what the write will tell: Socket.IO events for screens,
// domain events for other features, jobs for follow-up work. Jobs (and durable subscribers' jobs)
// are written inside the transaction; everything else is released only after COMMIT. A write that
// rolls back releases nothing. A write that is one SQL statement (no BEGIN/COMMIT) puts its jobs
// into that statement (`followUpsSql`) and releases the rest once the statement returned.
import type { EventName, EventPayload } from '../../../shared/protocol/events';
import type { Db } from '../db/database';
import type { FollowUps, Jobs, NewJob } from '../jobs/jobs';
import type { Realtime } from '../realtime/realtime';
import type { DomainEventBus, DomainEventName, DomainEvents, EmittedEvent } from './domain-events';

export interface Publish {
  rooms: string | string[];
  event: EventName;
  payload: unknown;
  except?: string[];
}

/** What one write collects; given to the write's callback. */
export interface UnitOfWork {
  /** The transaction: every statement of the write goes through it. */
  readonly tx: Db;
  /** A Socket.IO event, emitted after COMMIT. */
  publish<K extends EventName>(rooms: string | string[], event: K, payload: EventPayload<K>, options?: { except?: string[] }): void;
  /** A domain event: durable subscribers' jobs are written in this transaction, live ones run after COMMIT. */
  emit<K extends DomainEventName>(name: K, payload: DomainEvents[K]): void;
  /** Follow-up work, written in this transaction. */
  enqueue(...jobs: NewJob[]): void;
}

export interface Released {
  publishes?: Publish[];
  events?: EmittedEvent[];
}

export interface Work {
  /**
   * Runs `change` in one transaction and releases what it collected after COMMIT. With
   * `followUps: 'await'` the jobs it wrote also run before this resolves (still as rows: a crash
   * in between leaves them for the worker), for a caller that must answer with the work done.
   */
  transaction<T>(change: (uow: UnitOfWork) => Promise<T>, options?: { followUps?: 'background' | 'await' }): Promise<T>;
  /** The statement that writes a one-statement write's follow-up jobs (undefined: none needed). */
  followUpsSql(events: readonly EmittedEvent[], jobs?: NewJob[]): Promise<FollowUps | undefined>;
  /** Releases what a write that has already committed (one statement) tells. */
  release(released: Released): void;
}

export function createWork(deps: { db: Db; realtime: Realtime; bus: DomainEventBus; jobs: Jobs }): Work {
  const { db, realtime, bus, jobs } = deps;

  function release({ publishes = [], events = [] }: Released, kick: boolean): void {
    for (const p of publishes) realtime.publish(p.rooms, p.event, p.payload as never, p.except ? { except: p.except } : undefined);
    bus.releaseLive(events);
    if (kick) jobs.kick();
  }

  return {
    async transaction(change, options) {
      const publishes: Publish[] = [];
      const events: EmittedEvent[] = [];
      const queued: NewJob[] = [];
      let followUps: string[] = [];
      const result = await db.transaction(async (txRaw) => {
        const tx = txRaw as unknown as Db;
        const uow: UnitOfWork = {
          tx,
          publish: (rooms, event, payload, options) => publishes.push({ rooms, event, payload, except: options?.except }),
          emit: (name, payload) => events.push({ name, payload } as EmittedEvent),
          enqueue: (...rows) => queued.push(...rows),
        };
        const value = await change(uow);
        const rows = [...queued, ...(await bus.jobsFor(events))];
        followUps = await jobs.enqueue(tx, ...rows);
        return value;
      });
      release({ publishes, events }, followUps.length > 0 && options?.followUps !== 'await');
      if (options?.followUps === 'await') await jobs.runNow(followUps);
      return result;
    },

    async followUpsSql(events, extra = []) {
      return jobs.insertStatement([...extra, ...(await bus.jobsFor(events))]);
    },

    release(released) {
      release(released, true);
    },
  };
}
