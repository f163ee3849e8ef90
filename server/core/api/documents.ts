import { z } from 'zod';
import { apiRoutes } from '../../../shared/api/routes';
import { openApiPath, type RouteSpec } from '../../../shared/api/route-spec';
import { ackSchema, problemSchema } from '../../../shared/protocol/errors';
import { PRESENCE_GRACE_MS } from '../../../shared/protocol/chat';
import { clientCommands, serverEvents } from '../../../shared/protocol/events';
import { MAX_SOCKET_MESSAGE_BYTES } from '../realtime/realtime';

const componentRef = (id: string) => `#/components/schemas/${id}`;

type JsonSchema = Record<string, unknown>;

function idOf(schema: z.ZodType, where: string): string {
  const id = z.globalRegistry.get(schema)?.id;
  if (!id) throw new Error(`${where}: a documented schema needs .meta({ id }) so it can be referenced`);
  return id;
}

/**
 * The ids of the schemas a caller sends (request bodies, command payloads). They are documented
 * as zod's input type: a field with a default may be left out, so it is not required.
 */
function inputSchemaIds(): Set<string> {
  const inputs = [
    ...Object.values(apiRoutes as Record<string, RouteSpec>).flatMap((route) => (route.body ? [route.body] : [])),
    ...Object.values(clientCommands).map((command) => command.payload as z.ZodType),
  ];
  return new Set(inputs.map((schema) => z.globalRegistry.get(schema)?.id).filter((id): id is string => Boolean(id)));
}

/** Every schema that carries a `.meta({ id })`, as JSON Schema 2020-12 components: what callers send as its input, the rest as its output. */
function componentSchemas(): Record<string, JsonSchema> {
  const render = (io: 'input' | 'output') =>
    (z.toJSONSchema(z.globalRegistry, { uri: componentRef, unrepresentable: 'any', io }) as { schemas: Record<string, JsonSchema> }).schemas;
  const output = render('output');
  const input = render('input');
  const inputs = inputSchemaIds();
  const schemas: Record<string, JsonSchema> = {};
  for (const [id, schema] of Object.entries(output)) {
    const chosen = inputs.has(id) ? (input[id] ?? schema) : schema;
    delete chosen.$schema;
    delete chosen.$id;
    schemas[id] = chosen;
  }
  return schemas;
}

/** Local `$defs` refs become refs to the document's components, where every id-ed schema lives. */
function pointAtComponents(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(pointAtComponents);
  if (!node || typeof node !== 'object') return node;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '$defs' || key === '$schema') continue;
    out[key] = key === '$ref' && typeof value === 'string' ? value.replace(/^#\/\$defs\//, '#/components/schemas/') : pointAtComponents(value);
  }
  return out;
}

/** A schema as JSON Schema whose named parts point into `components.schemas`. */
function inlineSchema(schema: z.ZodType): JsonSchema {
  const id = z.globalRegistry.get(schema)?.id;
  if (id) return { $ref: componentRef(id) };
  return pointAtComponents(z.toJSONSchema(schema, { unrepresentable: 'any' })) as JsonSchema;
}

function parametersOf(route: RouteSpec) {
  const parameters: JsonSchema[] = [];
  const add = (where: 'path' | 'query', object: z.ZodObject | undefined) => {
    if (!object) return;
    for (const [name, field] of Object.entries(object.shape)) {
      const schema = field as z.ZodType;
      parameters.push({
        name,
        in: where,
        required: where === 'path' || !schema.safeParse(undefined).success,
        schema: inlineSchema(schema),
      });
    }
  };
  add('path', route.params);
  add('query', route.query);
  return parameters;
}

const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: componentRef('Problem') } } },
});

const commonErrors: Record<number, string> = {
  400: 'Malformed JSON or a value that fails validation (`malformed_json`, `validation_failed`)',
  401: 'Sign-in required (`unauthorized`)',
  403: 'Not allowed: `forbidden`, `csrf_failed` (missing X-CSRF-Token or a foreign Origin), `guidelines_required` (accept the current community guidelines first), `account_suspended`',
  404: 'No such resource, or not visible to the caller (`not_found`)',
  409: 'Conflicts with the current state (`conflict`)',
  413: 'Body over the limit (`payload_too_large`)',
  429: 'Rate limited (`rate_limited`); see Retry-After',
  500: 'Unexpected server error (`internal`)',
  503: 'A dependency is unavailable (`unavailable`)',
};

/** The OpenAPI 3.1 document of every REST route, generated from the shared zod schemas. */
export function buildOpenApiDocument(info: { version: string; serverUrl: string }): JsonSchema {
  void problemSchema; // registered in the global registry on import; referenced below
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const [name, route] of Object.entries(apiRoutes) as [string, RouteSpec][]) {
    const responses: Record<string, JsonSchema> = {};
    for (const [status, response] of Object.entries(route.responses)) {
      const contentType = response.contentType ?? 'application/json';
      responses[status] = {
        description: response.description,
        ...(response.schema
          ? { content: { [contentType]: { schema: { $ref: componentRef(idOf(response.schema, name)) } } } }
          : response.contentType
            ? { content: { [contentType]: { schema: { type: 'string' } } } }
            : {}),
      };
    }
    const errorStatuses = new Set<number>([500, ...(route.errors ?? [])]);
    if (route.params || route.query || route.body) errorStatuses.add(400);
    if (route.body) errorStatuses.add(413);
    if (route.access === 'member') {
      errorStatuses.add(401);
      errorStatuses.add(403);
    }
    for (const status of [...errorStatuses].sort()) {
      responses[String(status)] = problemResponse(commonErrors[status] ?? 'Error');
    }
    const operation: JsonSchema = {
      operationId: name,
      summary: route.summary,
      tags: [route.tag],
      parameters: parametersOf(route),
      responses,
      ...(route.access === 'member'
        ? { security: [route.method === 'get' ? { session: [] } : { session: [], csrfToken: [] }] }
        : {}),
      ...(route.access === 'metrics' ? { security: [{}, { metricsToken: [] }] } : {}),
    };
    if (route.body) {
      operation.requestBody = {
        required: true,
        content: { 'application/json': { schema: { $ref: componentRef(idOf(route.body, name)) } } },
      };
    }
    (paths[openApiPath(route.path)] ??= {})[route.method] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Hearth API',
      version: info.version,
      description:
        'REST API of Hearth. Errors are RFC 9457 problem documents with a stable `code`. ' +
        'Every text field refuses NUL characters and lone surrogates, and names (display names, space names) ' +
        'are stored in NFC and need a visible character and no bidi controls (`validation_failed`). ' +
        'The live protocol is described by the AsyncAPI document at /api/v1/asyncapi.json.',
      license: { name: 'AGPL-3.0-or-later', identifier: 'AGPL-3.0-or-later' },
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [{ url: info.serverUrl }],
    paths,
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'hearth.sid', description: 'Set by sign-in; HttpOnly, SameSite=Lax' },
        csrfToken: {
          type: 'apiKey',
          in: 'header',
          name: 'X-CSRF-Token',
          description: 'The csrfToken of GET /api/v1/session; required on POST, PUT, PATCH and DELETE when signed in',
        },
        metricsToken: { type: 'http', scheme: 'bearer' },
      },
    },
  };
}

/** The AsyncAPI 3.0 document of the Socket.IO protocol, generated from the shared zod schemas. */
export function buildAsyncApiDocument(info: { version: string; serverUrl: string }): JsonSchema {
  const url = new URL(info.serverUrl);
  const messages: Record<string, JsonSchema> = {};
  const operations: Record<string, JsonSchema> = {};
  const channelMessages: Record<string, JsonSchema> = {};
  const messageRef = (key: string) => ({ $ref: `#/channels/live/messages/${key}` });
  const addMessage = (key: string, message: JsonSchema) => {
    messages[key] = message;
    channelMessages[key] = { $ref: `#/components/messages/${key}` };
  };
  // A command and an event may share a name (chat:typing, chat:read: I say it, others hear it), so
  // every key says which it is; otherwise the event would overwrite the command and its ack.
  const keyOf = (name: string) => name.replace(/[^A-Za-z0-9]+/g, '_');

  for (const [name, command] of Object.entries(clientCommands)) {
    const key = keyOf(name);
    addMessage(`${key}_command`, { name, title: name, summary: command.summary, payload: inlineSchema(command.payload) });
    addMessage(`${key}_ack`, {
      name: `${name} ack`,
      summary: `Acknowledgement of ${name}: { data } or { error: { code, message, details? } }`,
      payload: inlineSchema(ackSchema(command.result)),
    });
    operations[`receive_${key}`] = {
      action: 'receive',
      channel: { $ref: '#/channels/live' },
      summary: command.summary,
      messages: [messageRef(`${key}_command`)],
      reply: { channel: { $ref: '#/channels/live' }, messages: [messageRef(`${key}_ack`)] },
    };
  }
  for (const [name, event] of Object.entries(serverEvents)) {
    const key = keyOf(name);
    addMessage(`${key}_event`, {
      name,
      title: name,
      summary: event.summary,
      description: `Sent to: ${event.audience}`,
      payload: inlineSchema(event.payload),
    });
    operations[`send_${key}`] = {
      action: 'send',
      channel: { $ref: '#/channels/live' },
      summary: event.summary,
      messages: [messageRef(`${key}_event`)],
    };
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Hearth live protocol',
      version: info.version,
      description:
        'Socket.IO 4 on the default namespace. Each command is emitted with an acknowledgement callback ' +
        'and answered with { data } or { error: { code, message, details? } }; a payload that fails its schema is answered ' +
        '`validation_failed`. Server events are named in the past tense. ' +
        `Limits: a frame (one command with its payload) may be at most ${MAX_SOCKET_MESSAGE_BYTES / 1024} KiB ` +
        `(${MAX_SOCKET_MESSAGE_BYTES} bytes); a larger one closes the connection, so files travel over REST. ` +
        `Presence: a member goes offline (presence:changed) ${PRESENCE_GRACE_MS / 1000} s after their last socket closes, ` +
        'so a reload within that grace is never announced.',
    },
    defaultContentType: 'application/json',
    servers: {
      hearth: {
        host: url.host,
        protocol: url.protocol === 'https:' ? 'wss' : 'ws',
        pathname: '/socket.io/',
        description: 'Socket.IO (engine.io v4) endpoint; the session cookie authenticates the handshake.',
      },
    },
    channels: {
      live: {
        address: '/',
        title: 'Default Socket.IO namespace',
        messages: channelMessages,
      },
    },
    operations,
    components: { schemas: componentSchemas(), messages },
  };
}
