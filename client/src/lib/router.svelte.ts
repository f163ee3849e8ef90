import { queryParam, resolveUrl } from './url';

// A small History API router: real paths (the server answers index.html for every page path),
// patterns with `:params`, and same-origin link clicks handled without a page load.

export type Params = Record<string, string>;

export interface RouteMatch<N extends string> {
  name: N;
  params: Params;
}

interface CompiledRoute<N extends string> {
  name: N;
  regex: RegExp;
  keys: string[];
}

/** Paths the server owns: a link to one of them is a real page load (e.g. single sign-on). */
const serverPaths = ['/api/', '/auth/', '/socket.io/', '/healthz', '/readyz', '/metrics'];

/**
 * Compiles `/u/:handle` into a matcher.
 * @example compilePattern('/u/:handle').regex.exec('/u/ada') // → [..., 'ada']
 */
export function compilePattern(pattern: string): { regex: RegExp; keys: string[] } {
  const keys: string[] = [];
  const source = pattern
    .split('/')
    .map((segment) => {
      if (segment.startsWith(':')) {
        keys.push(segment.slice(1));
        return '([^/]+)';
      }
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { regex: new RegExp(`^${source}/?$`), keys };
}

/** Whether a click on this link should stay in the page rather than load a new one. */
function isInAppLink(event: MouseEvent, anchor: HTMLAnchorElement): URL | undefined {
  if (event.defaultPrevented || event.button !== 0) return undefined;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return undefined;
  if (anchor.target && anchor.target !== '_self') return undefined;
  if (anchor.hasAttribute('download') || anchor.dataset.reload !== undefined) return undefined;
  const url = resolveUrl(anchor.href);
  if (url.origin !== location.origin) return undefined;
  if (serverPaths.some((prefix) => url.pathname.startsWith(prefix))) return undefined;
  // A jump within the same page is the browser's job.
  if (url.pathname === location.pathname && url.search === location.search && url.hash) return undefined;
  return url;
}

export class Router<N extends string> {
  path = $state(location.pathname);
  search = $state(location.search);
  /** The matched route, or undefined for a path no route knows. */
  readonly current: RouteMatch<N> | undefined = $derived(this.match(this.path));

  readonly #routes: CompiledRoute<N>[];

  constructor(routes: Record<N, string>) {
    this.#routes = (Object.entries(routes) as [N, string][]).map(([name, pattern]) => ({
      name,
      ...compilePattern(pattern),
    }));
  }

  match(path: string): RouteMatch<N> | undefined {
    for (const route of this.#routes) {
      const found = route.regex.exec(path);
      if (!found) continue;
      const params: Params = {};
      route.keys.forEach((key, i) => {
        try {
          params[key] = decodeURIComponent(found[i + 1] ?? '');
        } catch {
          params[key] = found[i + 1] ?? '';
        }
      });
      return { name: route.name, params };
    }
    return undefined;
  }

  /** One parameter of the current address's query, e.g. `?error=` after single sign-on. */
  param(name: string): string | null {
    return queryParam(this.search, name);
  }

  /** Shows another page of the app; a path outside the app becomes a full page load. */
  navigate(to: string, options: { replace?: boolean } = {}): void {
    const url = resolveUrl(to);
    if (url.origin !== location.origin || serverPaths.some((prefix) => url.pathname.startsWith(prefix))) {
      location.assign(url);
      return;
    }
    const same = url.pathname === this.path && url.search === this.search;
    if (options.replace || same) history.replaceState(null, '', url);
    else history.pushState(null, '', url);
    this.path = url.pathname;
    this.search = url.search;
    if (!options.replace && !same) window.scrollTo(0, 0);
  }

  /** Follows the back and forward buttons and takes over in-app link clicks; returns the undo. */
  start(): () => void {
    const onPopState = () => {
      this.path = location.pathname;
      this.search = location.search;
    };
    const onClick = (event: MouseEvent) => {
      const anchor = (event.target as Element | null)?.closest?.('a[href]');
      if (!(anchor instanceof HTMLAnchorElement)) return;
      const url = isInAppLink(event, anchor);
      if (!url) return;
      event.preventDefault();
      this.navigate(url.pathname + url.search + url.hash);
      // Like a page load, a followed link puts keyboard and screen-reader users at the new content.
      queueMicrotask(() => document.getElementById('main')?.focus({ preventScroll: true }));
    };
    window.addEventListener('popstate', onPopState);
    document.addEventListener('click', onClick);
    return () => {
      window.removeEventListener('popstate', onPopState);
      document.removeEventListener('click', onClick);
    };
  }
}

/** Where a visitor sent to sign in returns afterwards: only a path of this site. */
export function safeReturnPath(value: string | null): string {
  if (!value || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return '/';
  return value;
}
