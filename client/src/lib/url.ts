// Plain URL helpers, kept out of the reactive modules: these URLs are read once, never observed.

/**
 * Builds `?a=1&b=2` from the given values, leaving out empty ones.
 * @example queryString({ status: 'pending', q: '' }) // → '?status=pending'
 */
export function queryString(values: Record<string, string | number | undefined | null>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** One parameter of a `?a=1` string. */
export function queryParam(search: string, name: string): string | null {
  return new URLSearchParams(search).get(name);
}

/** An href resolved against the current page. */
export function resolveUrl(href: string): URL {
  return new URL(href, location.href);
}
