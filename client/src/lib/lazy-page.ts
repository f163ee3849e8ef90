/** A page whose code is a separate chunk, loaded the first time it is opened (App.svelte). */
export interface LazyPageLoader<C> {
  /** The page once loaded, so reopening it shows no loading state. */
  readonly current: C | undefined;
  /** Loads the chunk once; a failed load (a network blip) is tried again on the next call. */
  load(): Promise<C>;
}

/**
 * Wraps a dynamic `import()` of a page component.
 * @example const adminPage = lazyPage(() => import('./pages/AdminPage.svelte'));
 */
export function lazyPage<C>(importer: () => Promise<{ default: C }>): LazyPageLoader<C> {
  let pending: Promise<C> | undefined;
  const loader = {
    current: undefined as C | undefined,
    load(): Promise<C> {
      pending ??= importer().then(
        (module) => (loader.current = module.default),
        (error: unknown) => {
          pending = undefined;
          throw error;
        },
      );
      return pending;
    },
  };
  return loader;
}
