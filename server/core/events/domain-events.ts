// Domain events released after commit: docs/ARCHITECTURE.md#one-domain-event-file-by-file
//
// A feature that must act when another one changes something subscribes to a fact
// (`content.written`, `space.membership-changed`) instead of receiving a callback in the other
// feature's constructor. Facts are emitted inside a unit of work (server/core/events/unit-of-work.ts)
// and reach subscribers only after the write committed: a rolled-back write tells nobody.
//
// A subscriber is either
// - live: called in this process right after the commit (cheap, may be lost if the process dies), or
// - durable: a job row is written in the same transaction as the change and runs it (survives a crash).
import type { Jobs, NewJob } from '../jobs/jobs';
import type { Logger } from '../logger';

/**
 * Every domain event and its payload. Features add theirs by declaration merging in their own
 * `*.events.ts` file, so a new feature adds events without editing core:
 *
 * ```ts
 * declare module '../../core/events/domain-events' {
 *   interface DomainEvents { 'content.written': { kind: string; id: string } }
 * }
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled in by the features
export interface DomainEvents {}

export type DomainEventName = keyof DomainEvents & string;

export interface EmittedEvent<K extends DomainEventName = DomainEventName> {
  name: K;
  payload: DomainEvents[K];
}

export interface Subscription<K extends DomainEventName> {
  event: K;
  /** Unique per event: names the durable job kind (`event:<event>:<name>`) and the log lines. */
  name: string;
  /** Durable: a job in the change's transaction (retried with back-off). Live: in process, after commit. */
  durable: boolean;
  /** Decides at emit time, before commit, whether this event concerns the subscriber at all (spares a job row). */
  when?: (payload: DomainEvents[K]) => boolean | Promise<boolean>;
  /** For durable subscribers: at most one job per key (e.g. one greeting per member). */
  dedupeKey?: (payload: DomainEvents[K]) => string;
  handle(payload: DomainEvents[K]): Promise<void> | void;
}

/** Any subscription, whatever its event (a module's list mixes them). */
export type AnySubscription = { [K in DomainEventName]: Subscription<K> }[DomainEventName];

/** Helps TypeScript check a subscription's payload against its event name. */
export function subscribe<K extends DomainEventName>(subscription: Subscription<K>): Subscription<K> {
  return subscription;
}

export interface DomainEventBus {
  on(subscription: AnySubscription): void;
  /** The job rows a set of events calls for (durable subscribers whose `when` holds). */
  jobsFor(events: readonly EmittedEvent[]): Promise<NewJob[]>;
  /** Runs the live subscribers of committed events; a throwing subscriber is logged and the others still run. */
  releaseLive(events: readonly EmittedEvent[]): void;
  /** Waits for live subscribers still running (tests; shutdown). */
  idle(): Promise<void>;
}

const jobKindOf = (event: string, name: string) => `event:${event}:${name}`;

export function createDomainEventBus(deps: { jobs: Jobs; logger: Logger }): DomainEventBus {
  const { jobs, logger } = deps;
  const subscribers = new Map<string, Subscription<DomainEventName>[]>();
  const pending = new Set<Promise<void>>();

  return {
    on(subscription) {
      const sub = subscription as unknown as Subscription<DomainEventName>;
      const list = subscribers.get(sub.event) ?? [];
      if (list.some((s) => s.name === sub.name)) throw new Error(`${sub.event} has two subscribers named ${sub.name}`);
      list.push(sub);
      subscribers.set(sub.event, list);
      if (sub.durable) {
        jobs.define(jobKindOf(sub.event, sub.name), {
          run: async (payload) => {
            await sub.handle(payload as never);
          },
        });
      }
    },

    async jobsFor(events) {
      const rows: NewJob[] = [];
      for (const e of events) {
        for (const sub of subscribers.get(e.name) ?? []) {
          if (!sub.durable) continue;
          if (sub.when && !(await sub.when(e.payload))) continue;
          rows.push({
            kind: jobKindOf(e.name, sub.name),
            payload: e.payload as Record<string, unknown>,
            dedupeKey: sub.dedupeKey ? `${sub.name}:${sub.dedupeKey(e.payload)}` : undefined,
          });
        }
      }
      return rows;
    },

    releaseLive(events) {
      for (const e of events) {
        for (const sub of subscribers.get(e.name) ?? []) {
          if (sub.durable) continue;
          const run = (async () => {
            if (sub.when && !(await sub.when(e.payload))) return;
            await sub.handle(e.payload);
          })()
            .catch((error: unknown) => logger.error({ err: error, event: e.name, subscriber: sub.name }, 'domain event subscriber failed'))
            .finally(() => pending.delete(run));
          pending.add(run);
        }
      }
    },

    async idle() {
      while (pending.size) await Promise.all([...pending]);
    },
  };
}
