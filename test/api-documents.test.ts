import { apiRoutes } from '../shared/api/routes';
import { openApiPath } from '../shared/api/route-spec';
import { clientCommands, serverEvents } from '../shared/protocol/events';
import { openTestDatabase, type TestDatabase } from './support/database';
import { startTestServer, type TestServer } from './support/server';

type Doc = Record<string, unknown> & {
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, unknown> };
};

let testDb: TestDatabase;
let server: TestServer;
let openapi: Doc;
let asyncapi: Record<string, unknown> & { components: { messages: Record<string, { name: string }> } };

beforeAll(async () => {
  testDb = await openTestDatabase();
  server = await startTestServer({ database: testDb.database });
  openapi = (await (await fetch(`${server.url}/api/v1/openapi.json`)).json()) as Doc;
  asyncapi = (await (await fetch(`${server.url}/api/v1/asyncapi.json`)).json()) as typeof asyncapi;
});

afterAll(async () => {
  await server?.stop();
  await testDb?.close();
});

/** Every (method, path) Express would actually answer, read from its router. */
function expressRoutes(): { method: string; path: string }[] {
  const router = (server.app.express as unknown as { router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] } }).router;
  return router.stack
    .filter((layer) => layer.route)
    .flatMap((layer) =>
      Object.keys(layer.route!.methods)
        .filter((method) => method !== '_all')
        .map((method) => ({ method, path: layer.route!.path })),
    );
}

function collectRefs(node: unknown, refs: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((item) => collectRefs(item, refs));
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') refs.push(value);
      else collectRefs(value, refs);
    }
  }
  return refs;
}

function resolvePointer(doc: unknown, ref: string): unknown {
  return ref
    .replace(/^#\//, '')
    .split('/')
    .reduce<unknown>((node, part) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined), doc);
}

describe('OpenAPI document', () => {
  test('when served, then it is OpenAPI 3.1 with the server version', () => {
    expect(openapi.openapi).toBe('3.1.0');
    expect(openapi.info).toMatchObject({ title: 'Hearth API', version: expect.any(String) });
  });

  test('when compared with the running server, then every route Express answers is documented', () => {
    const routes = expressRoutes();
    expect(routes.length).toBeGreaterThan(0);
    for (const route of routes) {
      expect({ route, documented: Boolean(openapi.paths[openApiPath(route.path)]?.[route.method]) }).toEqual({
        route,
        documented: true,
      });
    }
  });

  test('when compared with the shared route specs, then the server mounted every one of them', () => {
    expect([...server.app.mountedRoutes].sort((a, b) => a.path.localeCompare(b.path))).toEqual(
      Object.values(apiRoutes).sort((a, b) => a.path.localeCompare(b.path)),
    );
  });

  test('when its references are followed, then each one resolves', () => {
    const refs = collectRefs(openapi);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect({ ref, resolved: resolvePointer(openapi, ref) !== undefined }).toEqual({ ref, resolved: true });
  });

  test('when an operation can fail, then its errors are documented as problem+json', () => {
    const ready = openapi.paths['/readyz']?.get as { responses: Record<string, { content?: Record<string, unknown> }> };
    expect(ready.responses['503']?.content).toHaveProperty(['application/problem+json']);
    expect(openapi.components.schemas).toHaveProperty('Problem');
  });
});

describe('AsyncAPI document', () => {
  test('when served, then it is AsyncAPI 3.0 over the Socket.IO endpoint', () => {
    expect(asyncapi.asyncapi).toBe('3.0.0');
    expect(JSON.stringify(asyncapi.servers)).toContain('/socket.io/');
  });

  test('when compared with the shared event maps, then every command, its ack and every server event is documented', () => {
    const names = Object.values(asyncapi.components.messages).map((message) => message.name);
    for (const command of Object.keys(clientCommands)) {
      expect(names).toContain(command);
      expect(names).toContain(`${command} ack`);
    }
    for (const event of Object.keys(serverEvents)) expect(names).toContain(event);
  });

  test('when its references are followed, then each one resolves', () => {
    for (const ref of collectRefs(asyncapi)) {
      expect({ ref, resolved: resolvePointer(asyncapi, ref) !== undefined }).toEqual({ ref, resolved: true });
    }
  });
});
