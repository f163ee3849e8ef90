import type { Session } from '../shared/api/accounts.routes';
import { openTestDatabase, type TestDatabase } from './support/database';
import { BrowserAgent, signInThroughProvider, signOutAtProvider, type AgentResponse } from './support/oidc/browser-agent';
import { startDiscoveryShim, type DiscoveryShim } from './support/oidc/discovery-shim';
import { startOidcProvider, type OidcTestClient, type OidcTestProvider } from './support/oidc/oidc-provider';
import { freePort, startTestServer, type TestServer } from './support/server';

// Every test here drives a real OpenID provider (oidc-provider in a child process) through its
// login and consent forms; on a busy 2-core machine that takes seconds, so bound hangs generously.
const PROVIDER_TIMEOUT_MS = 90_000;

const CLIENT_SECRET = 'hearth-test-client-secret-0123456789';

let testDb: TestDatabase;
let provider: OidcTestProvider;
let shim: DiscoveryShim;
/** Single sign-on against the provider. */
let server: TestServer;
/** Single sign-on configured with the impostor issuer, whose endpoints are the real provider's. */
let impostorServer: TestServer;
/** No single sign-on. */
let plainServer: TestServer;

/** A client registered for a Hearth server on `port`, with the redirect URIs the server uses. */
function hearthClient(clientId: string, port: number): OidcTestClient {
  const url = `http://127.0.0.1:${port}`;
  return {
    client_id: clientId,
    client_secret: CLIENT_SECRET,
    redirect_uris: [`${url}/auth/oidc/callback`],
    post_logout_redirect_uris: [`${url}/`],
    // passport-openidconnect (through the oauth package) sends client_id and client_secret in the
    // token request's body, and oidc-provider holds a client to the one method it registered.
    token_endpoint_auth_method: 'client_secret_post',
  };
}

/** Two ports that were free a moment ago and differ from each other. */
async function twoFreePorts(): Promise<[number, number]> {
  const first = await freePort();
  let second = await freePort();
  while (second === first) second = await freePort();
  return [first, second];
}

beforeAll(async () => {
  testDb = await openTestDatabase();
  const [appPort, impostorPort] = await twoFreePorts();
  provider = await startOidcProvider({
    clients: [hearthClient('hearth', appPort), hearthClient('hearth-impostor', impostorPort)],
    accounts: {
      ada: {
        name: 'Ada Lovelace',
        preferred_username: 'ada',
        email: 'ada@example.test',
        email_verified: true,
        picture: 'https://images.example.test/ada.png',
      },
      grace: {
        name: 'Grace Hopper',
        preferred_username: 'grace',
        email: 'grace@example.test',
        email_verified: true,
        picture: 'https://images.example.test/grace.png',
      },
      tamper: { name: 'Tam Per', preferred_username: 'tamper', email: 'tamper@example.test', email_verified: true },
      replay: { name: 'Re Play', preferred_username: 'replay', email: 'replay@example.test', email_verified: true },
      mallory: { name: 'Mallory', preferred_username: 'mallory', email: 'mallory@example.test', email_verified: true },
      // The same email as a local account created in its test.
      'lin-at-provider': { name: 'Not Lin', preferred_username: 'lin', email: 'lin@example.test', email_verified: true },
      mae: { name: 'Mae Jemison', preferred_username: 'mae', email: 'mae@example.test', email_verified: true },
    },
  });
  shim = await startDiscoveryShim({ copyFrom: provider.issuer });
  const oidcEnv = (issuer: string, clientId: string) => ({
    OIDC_ISSUER: issuer,
    OIDC_CLIENT_ID: clientId,
    OIDC_CLIENT_SECRET: CLIENT_SECRET,
  });
  // The welcome bot is on: a member who arrives through SSO is greeted like any other.
  server = await startTestServer({
    database: testDb.database,
    welcome: true,
    env: { PORT: String(appPort), ...oidcEnv(provider.issuer, 'hearth') },
  });
  impostorServer = await startTestServer({
    database: testDb.database,
    welcome: true,
    env: { PORT: String(impostorPort), ...oidcEnv(shim.issuer, 'hearth-impostor') },
  });
  plainServer = await startTestServer({ database: testDb.database, welcome: true });
}, PROVIDER_TIMEOUT_MS);

afterAll(async () => {
  await plainServer?.stop();
  await impostorServer?.stop();
  await server?.stop();
  await shim?.stop();
  await provider?.stop();
  await testDb?.close();
});

async function sessionOf(agent: BrowserAgent, appUrl: string): Promise<Session> {
  const response = await agent.get(`${appUrl}/api/v1/session`);
  expect(response.status).toBe(200);
  return JSON.parse(response.body) as Session;
}

/** A JSON POST as the client makes it: with the session's CSRF token when it has one. */
async function postAsClient(agent: BrowserAgent, url: string, body: unknown): Promise<AgentResponse> {
  const { csrfToken } = await sessionOf(agent, new URL(url).origin);
  return agent.postJson(url, body, csrfToken ? { 'x-csrf-token': csrfToken } : {});
}

/** The app answered a callback by sending the browser to /sign-in?error=<code>. */
function expectRefusedSignIn(response: AgentResponse | undefined, appUrl: string): void {
  expect(response).toBeDefined();
  expect([302, 303]).toContain(response!.status);
  const location = new URL(response!.location ?? '', appUrl);
  expect(location.origin).toBe(appUrl);
  expect(location.pathname).toBe('/sign-in');
  expect(location.searchParams.get('error')).toMatch(/^[a-z_]+$/);
}

function decodeJwtPayload(jwt: string): Record<string, unknown> {
  const [, payload = ''] = jwt.split('.');
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('single sign-on through an OpenID provider', () => {
  test(
    'when someone signs in through the provider for the first time, then an account is made from their claims and they must accept the guidelines',
    async () => {
      const agent = new BrowserAgent();

      const atProvider = await signInThroughProvider(agent, server.url, 'ada', { stopBeforeCallback: true });
      const sidBeforeCallback = agent.cookiesFor(server.url)['hearth.sid'];
      const callback = await agent.get(atProvider.callbackUrl);

      expect(atProvider.prompts).toEqual(['login', 'consent']);
      expect([302, 303]).toContain(callback.status);
      expect(callback.location).toBe(`${server.url}/`);
      const sid = agent.cookiesFor(server.url)['hearth.sid'];
      expect(sid).toBeDefined();
      // The session id is rotated at sign-in (no session fixation through the pre-login cookie).
      expect(sidBeforeCallback).toBeDefined();
      expect(sid).not.toBe(sidBeforeCallback);
      const fixated = new BrowserAgent();
      fixated.setCookie(server.url, 'hearth.sid', sidBeforeCallback!);
      expect((await sessionOf(fixated, server.url)).user).toBeNull();
      const session = await sessionOf(agent, server.url);
      expect(session.user).toMatchObject({
        displayName: 'Ada Lovelace',
        email: 'ada@example.test',
        avatarUrl: 'https://images.example.test/ada.png',
        ssoLinked: true,
        hasPassword: false,
        status: 'active',
        // The first account of a fresh network.
        role: 'admin',
      });
      expect(session.csrfToken).toEqual(expect.any(String));
      expect(session.guidelinesRequired).toBe(true);

      // Once they accept the guidelines, the welcome bot writes to them and the welcome email is sent.
      const guidelines = JSON.parse((await agent.get(`${server.url}/api/v1/guidelines`)).body) as { version: number };
      expect((await postAsClient(agent, `${server.url}/api/v1/guidelines/accept`, { version: guidelines.version, confirmAge: true })).status).toBe(200);
      await server.app.settle();
      const conversations = JSON.parse((await agent.get(`${server.url}/api/v1/chat/conversations`)).body) as {
        items: { kind: string; participants: { isBot: boolean }[]; unread: number }[];
      };
      expect(conversations.items).toContainEqual(expect.objectContaining({ kind: 'direct', unread: 1, participants: expect.arrayContaining([expect.objectContaining({ isBot: true })]) }));
      const emails = JSON.parse((await agent.get(`${server.url}/api/v1/admin/emails`)).body) as { items: { to: string; status: string }[] };
      expect(emails.items).toContainEqual(expect.objectContaining({ to: 'ada@example.test', status: 'sent' }));
    },
    PROVIDER_TIMEOUT_MS,
  );

  test(
    'when the same person signs in again from another browser, then they get the same account with the claims the provider now has',
    async () => {
      const first = new BrowserAgent();
      await signInThroughProvider(first, server.url, 'grace');
      const before = (await sessionOf(first, server.url)).user;
      expect(before).toMatchObject({ displayName: 'Grace Hopper', email: 'grace@example.test' });
      await provider.setAccount('grace', {
        name: 'Rear Admiral Grace Hopper',
        preferred_username: 'grace',
        email: 'grace.hopper@example.test',
        email_verified: true,
        picture: 'https://images.example.test/grace-2.png',
      });

      const second = new BrowserAgent();
      const signIn = await signInThroughProvider(second, server.url, 'grace');

      expect(signIn.prompts[0]).toBe('login');
      expect(signIn.appLocation).toBe(`${server.url}/`);
      const after = (await sessionOf(second, server.url)).user;
      expect(after?.id).toBe(before?.id);
      expect(after).toMatchObject({
        displayName: 'Rear Admiral Grace Hopper',
        email: 'grace.hopper@example.test',
        avatarUrl: 'https://images.example.test/grace-2.png',
        ssoLinked: true,
      });
    },
    PROVIDER_TIMEOUT_MS,
  );

  test(
    'when the callback comes back with a tampered state, then it is refused and no one is signed in',
    async () => {
      const agent = new BrowserAgent();
      const { callbackUrl } = await signInThroughProvider(agent, server.url, 'tamper', { stopBeforeCallback: true });
      const tampered = new URL(callbackUrl);
      expect(tampered.searchParams.get('state')).toBeTruthy();
      tampered.searchParams.set('state', `${tampered.searchParams.get('state')}x`);

      const response = await agent.get(tampered.href);

      expectRefusedSignIn(response, server.url);
      expect((await sessionOf(agent, server.url)).user).toBeNull();
    },
    PROVIDER_TIMEOUT_MS,
  );

  test(
    'when a callback that already signed someone in is replayed from another browser, then it is refused and no one is signed in',
    async () => {
      const victim = new BrowserAgent();
      const { callbackUrl, appLocation } = await signInThroughProvider(victim, server.url, 'replay');
      expect(appLocation).toBe(`${server.url}/`);

      const attacker = new BrowserAgent();
      const response = await attacker.get(callbackUrl);

      expectRefusedSignIn(response, server.url);
      expect((await sessionOf(attacker, server.url)).user).toBeNull();
    },
    PROVIDER_TIMEOUT_MS,
  );

  test(
    'when a callback that already signed someone in is replayed in the same browser after signing out, then it is refused and no one is signed in',
    async () => {
      const agent = new BrowserAgent();
      const { callbackUrl, appLocation } = await signInThroughProvider(agent, server.url, 'replay');
      expect(appLocation).toBe(`${server.url}/`);
      const signOut = await postAsClient(agent, `${server.url}/api/v1/auth/sign-out`, {});
      expect(signOut.status).toBe(200);
      expect((await sessionOf(agent, server.url)).user).toBeNull();

      const response = await agent.get(callbackUrl);

      expectRefusedSignIn(response, server.url);
      expect((await sessionOf(agent, server.url)).user).toBeNull();
    },
    PROVIDER_TIMEOUT_MS,
  );

  test(
    'when a callback that already signed someone in is replayed in the same browser, then it is refused',
    async () => {
      const agent = new BrowserAgent();
      const { callbackUrl } = await signInThroughProvider(agent, server.url, 'replay');
      const signedIn = (await sessionOf(agent, server.url)).user;
      expect(signedIn).not.toBeNull();

      const response = await agent.get(callbackUrl);

      expectRefusedSignIn(response, server.url);
      // The replay signs no one in: the browser holds at most the session it already had.
      const after = (await sessionOf(agent, server.url)).user;
      if (after !== null) expect(after.id).toBe(signedIn!.id);
    },
    PROVIDER_TIMEOUT_MS,
  );

  test(
    'when the ID token comes from another issuer than the configured one, then it is refused and no one is signed in',
    async () => {
      // The impostor server discovered the shim: issuer = the shim, endpoints = the real provider.
      const agent = new BrowserAgent();
      const signIn = await signInThroughProvider(agent, impostorServer.url, 'mallory');

      expect(signIn.prompts).toEqual(['login', 'consent']);
      expectRefusedSignIn(signIn.callback, impostorServer.url);
      expect((await sessionOf(agent, impostorServer.url)).user).toBeNull();
      // Nor did the refused sign-in leave a session usable on the properly configured server.
      expect((await sessionOf(agent, server.url)).user).toBeNull();
    },
    PROVIDER_TIMEOUT_MS,
  );

  test(
    'when the provider asserts the email of an existing local account, then that account is not taken over',
    async () => {
      const local = new BrowserAgent();
      // Not containing the email's local part or the handle, which the password rules refuse.
      const password = 'violet-harbour-lantern-42';
      const signUp = await postAsClient(local, `${server.url}/api/v1/auth/sign-up`, {
        email: 'lin@example.test',
        displayName: 'Lin Local',
        handle: 'lin_local',
        password,
      });
      expect({ status: signUp.status, body: signUp.body }).toMatchObject({ status: 201 });
      const localUser = (JSON.parse(signUp.body) as { user: { id: string } }).user;

      const sso = new BrowserAgent();
      const signIn = await signInThroughProvider(sso, server.url, 'lin-at-provider');

      const ssoUser = (await sessionOf(sso, server.url)).user;
      if (ssoUser === null) {
        expectRefusedSignIn(signIn.callback, server.url);
      } else {
        expect(ssoUser.id).not.toBe(localUser.id);
        expect(ssoUser.hasPassword).toBe(false);
      }
      const again = new BrowserAgent();
      const signInLocally = await postAsClient(again, `${server.url}/api/v1/auth/sign-in`, {
        email: 'lin@example.test',
        password,
      });
      expect({ status: signInLocally.status, body: signInLocally.body }).toMatchObject({ status: 200 });
      expect((await sessionOf(again, server.url)).user).toMatchObject({
        id: localUser.id,
        displayName: 'Lin Local',
        handle: 'lin_local',
        email: 'lin@example.test',
        hasPassword: true,
        ssoLinked: false,
      });
    },
    PROVIDER_TIMEOUT_MS,
  );

  test(
    'when a single sign-on member signs out, then Hearth sends them to end the provider session too, and the next sign-in asks for their login',
    async () => {
      const agent = new BrowserAgent();
      await signInThroughProvider(agent, server.url, 'mae');
      const discovery = (await (await fetch(`${provider.issuer}/.well-known/openid-configuration`)).json()) as {
        end_session_endpoint: string;
      };
      const providerHost = new URL(provider.issuer).host;
      const providerSessionCookies = () =>
        Object.keys(agent.cookiesFor(`${provider.issuer}/`)).filter((name) => name.startsWith('_session'));
      expect(providerSessionCookies().length).toBeGreaterThan(0);

      const signOut = await postAsClient(agent, `${server.url}/api/v1/auth/sign-out`, {});

      expect(signOut.status).toBe(200);
      const { redirectUrl } = JSON.parse(signOut.body) as { redirectUrl: string | null };
      expect(redirectUrl).toEqual(expect.any(String));
      const logoutUrl = new URL(redirectUrl!);
      expect(`${logoutUrl.origin}${logoutUrl.pathname}`).toBe(discovery.end_session_endpoint);
      expect(logoutUrl.host).toBe(providerHost);
      expect(logoutUrl.searchParams.get('post_logout_redirect_uri')).toBe(`${server.url}/`);
      const idTokenHint = decodeJwtPayload(logoutUrl.searchParams.get('id_token_hint') ?? '');
      expect(idTokenHint).toMatchObject({ iss: provider.issuer, sub: 'mae', aud: 'hearth' });
      expect((await sessionOf(agent, server.url)).user).toBeNull();

      const atProvider = await signOutAtProvider(agent, redirectUrl!);

      expect(atProvider.finalLocation).toBe(`${server.url}/`);
      expect(providerSessionCookies()).toEqual([]);
      const next = await signInThroughProvider(agent, server.url, 'mae', { stopBeforeCallback: true });
      expect(next.prompts[0]).toBe('login');
    },
    PROVIDER_TIMEOUT_MS,
  );
});

describe('without single sign-on configured', () => {
  test('when someone opens /auth/oidc/login, then the answer is 404 as a problem document', async () => {
    const response = await fetch(`${plainServer.url}/auth/oidc/login`, { redirect: 'manual' });

    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await response.json()) as { status?: number; code?: string };
    expect(problem.status).toBe(404);
    expect(problem.code).toEqual(expect.any(String));
  });
});
