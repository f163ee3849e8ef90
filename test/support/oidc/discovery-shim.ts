import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DiscoveryShim {
  /** The issuer this shim claims to be (its own URL). */
  issuer: string;
  stop(): Promise<void>;
}

/**
 * An impostor's discovery document: it names itself as `issuer` but every endpoint is the real
 * provider's (`copyFrom`). A relying party configured with the shim's issuer therefore receives ID
 * tokens whose `iss` is the real provider, which it must refuse.
 *
 * `issuer` is the URL the shim claims (http://127.0.0.1:<port>/<path>); without it the shim takes a
 * free port and the path /realms/impostor.
 *
 * @example
 * const shim = await startDiscoveryShim({ copyFrom: provider.issuer });
 * // fetch(`${shim.issuer}/.well-known/openid-configuration`) → { issuer: shim.issuer, token_endpoint: <real> }
 */
export async function startDiscoveryShim(options: { issuer?: string; copyFrom: string }): Promise<DiscoveryShim> {
  const realResponse = await fetch(`${options.copyFrom}/.well-known/openid-configuration`);
  if (!realResponse.ok) throw new Error(`discovery at ${options.copyFrom} answered ${realResponse.status}`);
  const real = (await realResponse.json()) as Record<string, unknown>;

  const claimed = options.issuer ? new URL(options.issuer) : new URL('http://127.0.0.1:0/realms/impostor');
  if (claimed.hostname !== '127.0.0.1' || claimed.protocol !== 'http:') {
    throw new Error(`the shim listens on http://127.0.0.1 only, not ${options.issuer}`);
  }
  const basePath = claimed.pathname.replace(/\/$/, '');
  let issuer = '';

  const server = http.createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method === 'GET' && pathname === `${basePath}/.well-known/openid-configuration`) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ...real, issuer }));
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: 'not_found' }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(claimed.port || 80), '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  issuer = `http://127.0.0.1:${port}${basePath}`;

  return {
    issuer,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
