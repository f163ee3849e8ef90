import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';

/** A client registered at the test provider (OAuth 2.0 Dynamic Client Registration metadata names). */
export interface OidcTestClient {
  client_id: string;
  client_secret: string;
  redirect_uris: string[];
  post_logout_redirect_uris?: string[];
  /** Default client_secret_basic. passport-openidconnect sends the secret in the body: client_secret_post. */
  token_endpoint_auth_method?: 'client_secret_basic' | 'client_secret_post';
}

/** What the provider says about an account (its `sub` is the key it is stored under). */
export interface OidcTestClaims {
  email?: string;
  email_verified?: boolean;
  name?: string;
  preferred_username?: string;
  picture?: string;
}

export interface OidcTestProvider {
  /** http://127.0.0.1:<port>/realms/hearth */
  issuer: string;
  /** Replaces an account's claims (or adds the account); the next sign-in sees them. */
  setAccount(sub: string, claims: OidcTestClaims): Promise<void>;
  stop(): Promise<void>;
}

const script = path.join(__dirname, 'provider.mjs');
const READY_TIMEOUT_MS = 20_000;

/**
 * Starts oidc-provider in a child process (it is ESM-only; Jest runs CommonJS) and resolves once it
 * listens. Accounts sign in through its development login form with their `sub` and any password.
 *
 * @example
 * const provider = await startOidcProvider({
 *   clients: [{ client_id: 'hearth', client_secret: 's3cret', redirect_uris: [`${url}/auth/oidc/callback`] }],
 *   accounts: { alice: { name: 'Alice', email: 'alice@example.test', email_verified: true } },
 * });
 */
export async function startOidcProvider(options: {
  clients: OidcTestClient[];
  accounts: Record<string, OidcTestClaims>;
}): Promise<OidcTestProvider> {
  // Jest runs with --experimental-vm-modules in NODE_OPTIONS; the provider needs none of that.
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [script, JSON.stringify(options)], {
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });

  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    if (process.env.HEARTH_TEST_OIDC_DEBUG) process.stderr.write(chunk);
    stderr = (stderr + chunk).slice(-8_000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const ready = await new Promise<{ issuer: string; port: number }>((resolve, reject) => {
    let stdout = '';
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`the test OpenID provider did not start: ${why}\n${stderr}`));
    };
    const timer = setTimeout(() => fail(`no ready line within ${READY_TIMEOUT_MS} ms`), READY_TIMEOUT_MS);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      const newline = stdout.indexOf('\n');
      if (newline === -1) return;
      try {
        const line = JSON.parse(stdout.slice(0, newline)) as { ready?: boolean; issuer?: string; port?: number };
        if (!line.ready || !line.issuer || !line.port) return fail(`unexpected line ${stdout.slice(0, newline)}`);
        settled = true;
        clearTimeout(timer);
        resolve({ issuer: line.issuer, port: line.port });
      } catch {
        fail(`unexpected line ${stdout.slice(0, newline)}`);
      }
    });
    child.once('exit', (code, signal) => fail(`it exited (code ${code}, signal ${signal})`));
    child.once('error', (error) => fail(error.message));
  });

  const controlUrl = `http://127.0.0.1:${ready.port}/__control`;
  return {
    issuer: ready.issuer,
    async setAccount(sub, claims) {
      const response = await fetch(`${controlUrl}/accounts/${encodeURIComponent(sub)}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(claims),
      });
      if (!response.ok) throw new Error(`setAccount(${sub}) answered ${response.status}`);
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      child.kill('SIGTERM');
      await exited;
      clearTimeout(timer);
    },
  };
}
