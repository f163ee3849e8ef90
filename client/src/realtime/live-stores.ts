// Every store the live side keeps current, each registered by its own module: docs/ARCHITECTURE.md#the-live-path
import { live, type EventRoutes } from './connection.svelte';

/**
 * What a store tells the live side about itself. Every part is optional but the name: a store
 * that only applies events declares `events`; one that holds what a member may see declares
 * `clear`, and so on.
 */
export interface LiveStore {
  /** For messages in the console when one of its parts fails. */
  readonly name: string;
  /** The server events it applies. Several stores may take the same event; each is called. */
  readonly events?: EventRoutes;
  /** A member who may use the network is signed in (or has just accepted the guidelines): load. */
  load?(): unknown;
  /** Signed out, or not allowed yet: forget everything. */
  clear?(): void;
  /** After every (re)connection: catch up on what happened while the socket was away. */
  reconnected?(): unknown;
  /** While the live side runs: effects that follow other stores. Returns the undo. */
  follow?(): () => void;
}

type Hook = 'load' | 'clear' | 'reconnected';

/**
 * The registry the dispatcher and the session's sign-in and sign-out go through, so neither lists
 * the stores: a new store registers itself (`liveStores.register({...})` next to its class) and is
 * routed its events, loaded, cleared and told of reconnections from then on. A store registered
 * late (its module loaded after sign-in) is started and loaded at once.
 */
export class LiveStores {
  #stores: LiveStore[] = [];
  /** While started: the undo of each store's events and effects. */
  #running: Map<LiveStore, () => void> | null = null;
  #signedIn = false;

  /**
   * Adds a store; a store of the same name (the module loaded again in development) is replaced.
   * @example liveStores.register({ name: 'typing', events: { 'chat:typing': (p) => typing.received(p) }, clear: () => typing.clear() })
   */
  register<S extends LiveStore>(store: S): S {
    const previous = this.#stores.find((known) => known.name === store.name);
    if (previous) this.#remove(previous);
    this.#stores.push(store);
    if (this.#running) this.#running.set(store, this.#attach(store));
    if (this.#signedIn) this.#call(store, 'load');
    return store;
  }

  get names(): string[] {
    return this.#stores.map((store) => store.name);
  }

  /** Routes every store's events and starts its effects; returns the undo. */
  start(): () => void {
    if (this.#running) throw new Error('The live stores are started already');
    const running = new Map<LiveStore, () => void>();
    this.#running = running;
    for (const store of this.#stores) running.set(store, this.#attach(store));
    return () => {
      for (const undo of running.values()) undo();
      if (this.#running === running) this.#running = null;
    };
  }

  /** A member who may use the network: every store loads what it shows. */
  signedIn(): void {
    this.#signedIn = true;
    for (const store of this.#stores) this.#call(store, 'load');
  }

  /** Nobody (or nobody allowed yet): every store forgets. */
  signedOut(): void {
    this.#signedIn = false;
    for (const store of this.#stores) this.#call(store, 'clear');
  }

  reconnected(): void {
    for (const store of this.#stores) this.#call(store, 'reconnected');
  }

  #remove(store: LiveStore): void {
    this.#stores = this.#stores.filter((known) => known !== store);
    this.#running?.get(store)?.();
    this.#running?.delete(store);
  }

  #attach(store: LiveStore): () => void {
    // A store's bug must not keep the event from the other stores that take it.
    const guarded = Object.fromEntries(
      Object.entries(store.events ?? {}).map(([event, handler]) => [
        event,
        (payload: unknown) => {
          try {
            (handler as (payload: unknown) => void)(payload);
          } catch (error) {
            console.error(`The ${store.name} store failed to apply ${event}`, error);
          }
        },
      ]),
    ) as EventRoutes;
    const unroute = live.route(guarded);
    const unfollow = store.follow?.();
    return () => {
      unfollow?.();
      unroute();
    };
  }

  #call(store: LiveStore, hook: Hook): void {
    const report = (error: unknown) => console.error(`The ${store.name} store failed to ${hook}`, error);
    try {
      const result = store[hook]?.();
      if (result instanceof Promise) result.catch(report);
    } catch (error) {
      report(error);
    }
  }
}

export const liveStores = new LiveStores();
