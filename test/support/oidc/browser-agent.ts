/**
 * A browser reduced to what the single sign-on flows need: a cookie jar per host:port, redirects
 * followed one hop at a time (so a test can stop at any of them), and the provider's HTML forms.
 */

interface StoredCookie {
  name: string;
  value: string;
  path: string;
  /** Epoch ms; undefined for a session cookie. */
  expires?: number;
}

export interface AgentResponse {
  status: number;
  /** The URL that was requested. */
  url: string;
  /** The Location header resolved against `url`, if any. */
  location: string | undefined;
  headers: Headers;
  body: string;
}

export interface HtmlForm {
  action: string;
  method: string;
  id: string | undefined;
  /** Every named input with a value (hidden inputs among them). */
  fields: Record<string, string>;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** RFC 6265 §5.1.4 default-path: the request path up to, not including, its last slash. */
function defaultPath(pathname: string): string {
  if (!pathname.startsWith('/')) return '/';
  const last = pathname.lastIndexOf('/');
  return last <= 0 ? '/' : pathname.slice(0, last);
}

/** RFC 6265 §5.1.4 path-match. */
function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

function decodeEntities(value: string): string {
  return value
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function attribute(tag: string, name: string): string | undefined {
  const match = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(tag);
  if (!match) return undefined;
  return decodeEntities(match[1] ?? match[2] ?? match[3] ?? '');
}

/** The forms of a page with their named inputs; enough for oidc-provider's development pages. */
export function parseForms(html: string, pageUrl: string): HtmlForm[] {
  const forms: HtmlForm[] = [];
  for (const match of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const open = `<form ${match[1] ?? ''}>`;
    const fields: Record<string, string> = {};
    for (const input of (match[2] ?? '').matchAll(/<input\b[^>]*>/gi)) {
      const name = attribute(input[0], 'name');
      const value = attribute(input[0], 'value');
      if (name !== undefined && value !== undefined) fields[name] = value;
    }
    forms.push({
      action: new URL(attribute(open, 'action') ?? pageUrl, pageUrl).href,
      method: (attribute(open, 'method') ?? 'get').toLowerCase(),
      id: attribute(open, 'id'),
      fields,
    });
  }
  return forms;
}

export class BrowserAgent {
  /** host:port → cookies. */
  private readonly jar = new Map<string, StoredCookie[]>();

  /** The cookies this agent would send to `url`. */
  cookiesFor(url: string): Record<string, string> {
    const target = new URL(url);
    const now = Date.now();
    const matching = (this.jar.get(target.host) ?? [])
      .filter((cookie) => (cookie.expires === undefined || cookie.expires > now) && pathMatches(target.pathname, cookie.path))
      // Longer paths first, as browsers send them.
      .sort((a, b) => b.path.length - a.path.length);
    const result: Record<string, string> = {};
    for (const cookie of matching) if (!(cookie.name in result)) result[cookie.name] = cookie.value;
    return result;
  }

  /** Sets (or replaces) a cookie by hand, e.g. to carry a session into another jar. */
  setCookie(url: string, name: string, value: string, path = '/'): void {
    const host = new URL(url).host;
    const cookies = (this.jar.get(host) ?? []).filter((c) => !(c.name === name && c.path === path));
    cookies.push({ name, value, path });
    this.jar.set(host, cookies);
  }

  private storeCookies(url: string, headers: Headers): void {
    const target = new URL(url);
    for (const line of headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      let path = defaultPath(target.pathname);
      let expires: number | undefined;
      let maxAge: number | undefined;
      for (const attr of attributes) {
        const [key = '', ...rest] = attr.split('=');
        const attrValue = rest.join('=').trim();
        switch (key.trim().toLowerCase()) {
          case 'path':
            if (attrValue.startsWith('/')) path = attrValue;
            break;
          case 'expires': {
            const time = Date.parse(attrValue);
            if (!Number.isNaN(time)) expires = time;
            break;
          }
          case 'max-age':
            if (/^-?\d+$/.test(attrValue)) maxAge = Number(attrValue);
            break;
        }
      }
      if (maxAge !== undefined) expires = Date.now() + maxAge * 1000;
      const cookies = (this.jar.get(target.host) ?? []).filter((c) => !(c.name === name && c.path === path));
      if (expires === undefined || expires > Date.now()) cookies.push({ name, value, path, expires });
      this.jar.set(target.host, cookies);
    }
  }

  /** One request, no redirect followed; cookies sent and stored. */
  async request(
    method: string,
    url: string,
    options: { headers?: Record<string, string>; body?: string } = {},
  ): Promise<AgentResponse> {
    const cookies = Object.entries(this.cookiesFor(url))
      .map(([name, value]) => `${name}=${value}`)
      .join('; ');
    const response = await fetch(url, {
      method,
      redirect: 'manual',
      headers: { ...(cookies ? { cookie: cookies } : {}), ...options.headers },
      body: options.body,
    });
    this.storeCookies(url, response.headers);
    const location = response.headers.get('location');
    return {
      status: response.status,
      url,
      location: location === null ? undefined : new URL(location, url).href,
      headers: response.headers,
      body: await response.text(),
    };
  }

  get(url: string, headers: Record<string, string> = {}): Promise<AgentResponse> {
    return this.request('GET', url, { headers });
  }

  postForm(url: string, fields: Record<string, string>): Promise<AgentResponse> {
    return this.request('POST', url, {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
  }

  postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<AgentResponse> {
    return this.request('POST', url, {
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  }

  /**
   * GETs `url` and follows redirects. Stops before requesting a URL for which `stopAt` is true and
   * returns it as `stoppedAt`; otherwise returns the first answer that is not a redirect.
   */
  async follow(
    url: string,
    options: { stopAt?: (url: string) => boolean; maxHops?: number } = {},
  ): Promise<{ response: AgentResponse | undefined; stoppedAt: string | undefined; visited: string[] }> {
    return this.continueFrom(undefined, url, options);
  }

  /** Like follow(), starting from a response already received (e.g. the redirect after a form POST). */
  async followResponse(
    response: AgentResponse,
    options: { stopAt?: (url: string) => boolean; maxHops?: number } = {},
  ): Promise<{ response: AgentResponse | undefined; stoppedAt: string | undefined; visited: string[] }> {
    if (!REDIRECT_STATUSES.has(response.status) || !response.location) {
      return { response, stoppedAt: undefined, visited: [] };
    }
    return this.continueFrom(response, response.location, options);
  }

  private async continueFrom(
    previous: AgentResponse | undefined,
    firstUrl: string,
    { stopAt, maxHops = 20 }: { stopAt?: (url: string) => boolean; maxHops?: number },
  ): Promise<{ response: AgentResponse | undefined; stoppedAt: string | undefined; visited: string[] }> {
    const visited: string[] = [];
    let next: string | undefined = firstUrl;
    let last = previous;
    for (let hop = 0; next !== undefined; hop += 1) {
      if (stopAt?.(next)) return { response: last, stoppedAt: next, visited };
      if (hop > maxHops) throw new Error(`more than ${maxHops} redirects, last ${next}`);
      visited.push(next);
      last = await this.get(next);
      next = REDIRECT_STATUSES.has(last.status) ? last.location : undefined;
    }
    return { response: last, stoppedAt: undefined, visited };
  }
}

export type ProviderPrompt = 'login' | 'consent';

/** Which development interaction (login or consent) a provider page asks for, with its form. */
export function providerPrompt(page: AgentResponse): { prompt: ProviderPrompt; form: HtmlForm } | undefined {
  for (const form of parseForms(page.body, page.url)) {
    const prompt = form.fields.prompt;
    if (form.method === 'post' && (prompt === 'login' || prompt === 'consent')) return { prompt, form };
  }
  return undefined;
}

export interface ProviderSignIn {
  /** The prompts the provider showed, in order (empty when its session signed us in silently). */
  prompts: ProviderPrompt[];
  /** `${appUrl}/auth/oidc/callback?code=…&state=…`, as the provider redirected to it. */
  callbackUrl: string;
  /** The app's answer to the callback; undefined with stopBeforeCallback. */
  callback: AgentResponse | undefined;
  /** Where the app sent the browser after the callback (Location, resolved). */
  appLocation: string | undefined;
  /** The cookies the agent now holds for the app. */
  appCookies: Record<string, string>;
}

/**
 * Starts at `${appUrl}/auth/oidc/login`, signs in at the provider as `sub` (any password), consents,
 * and then either lets the app handle the callback or stops just before it, so a test can replay or
 * tamper with the callback URL.
 */
export async function signInThroughProvider(
  agent: BrowserAgent,
  appUrl: string,
  sub: string,
  options: { stopBeforeCallback?: boolean } = {},
): Promise<ProviderSignIn> {
  const callbackPrefix = `${appUrl}/auth/oidc/callback`;
  const stopAt = (url: string) => url.startsWith(callbackPrefix);
  const prompts: ProviderPrompt[] = [];

  const start = await agent.get(`${appUrl}/auth/oidc/login`);
  if (start.status !== 302 && start.status !== 303) {
    throw new Error(`${appUrl}/auth/oidc/login answered ${start.status}, not a redirect: ${start.body.slice(0, 300)}`);
  }
  let step = await agent.followResponse(start, { stopAt });
  for (let round = 0; step.stoppedAt === undefined; round += 1) {
    const page = step.response;
    const found = page && providerPrompt(page);
    if (!page || !found || round > 4) {
      throw new Error(
        `the provider did not lead back to ${callbackPrefix}: ${page?.status} at ${page?.url}\n${page?.body.slice(0, 600)}`,
      );
    }
    prompts.push(found.prompt);
    const fields =
      found.prompt === 'login' ? { ...found.form.fields, login: sub, password: 'any-password' } : found.form.fields;
    const submitted = await agent.postForm(found.form.action, fields);
    step = await agent.followResponse(submitted, { stopAt });
  }

  const callbackUrl = step.stoppedAt;
  if (options.stopBeforeCallback) {
    return { prompts, callbackUrl, callback: undefined, appLocation: undefined, appCookies: agent.cookiesFor(appUrl) };
  }
  const callback = await agent.get(callbackUrl);
  return { prompts, callbackUrl, callback, appLocation: callback.location, appCookies: agent.cookiesFor(appUrl) };
}

/**
 * Visits a provider's end-session URL (RP-initiated logout) and confirms the logout as a person
 * would: oidc-provider asks "Do you want to sign-out?" in a form whose "Yes" button (outside the
 * form, form="op.logoutForm") sends logout=yes. Returns where the provider then sends the browser.
 */
export async function signOutAtProvider(
  agent: BrowserAgent,
  endSessionUrl: string,
): Promise<{ confirmation: AgentResponse; confirmed: AgentResponse; finalLocation: string | undefined }> {
  const { response: confirmation } = await agent.follow(endSessionUrl);
  const form =
    confirmation?.status === 200
      ? parseForms(confirmation.body, confirmation.url).find((f) => f.method === 'post' && 'xsrf' in f.fields)
      : undefined;
  if (!confirmation || !form) {
    throw new Error(
      `no logout confirmation at ${endSessionUrl}: ${confirmation?.status} at ${confirmation?.url}\n${confirmation?.body.slice(0, 600)}`,
    );
  }
  const confirmed = await agent.postForm(form.action, { ...form.fields, logout: 'yes' });
  return { confirmation, confirmed, finalLocation: confirmed.location };
}
