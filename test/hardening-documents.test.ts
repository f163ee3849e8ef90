import { clientCommands, serverEvents } from '../shared/protocol/events';
import { buildAsyncApiDocument, buildOpenApiDocument } from '../server/core/api/documents';

// Issue #12, item 14: the generated documents say what the server does — what a caller may leave
// out, which commands answer, the limits a client meets — not less.

type JsonSchema = { $ref?: string; required?: string[]; properties?: Record<string, unknown> } & Record<string, unknown>;
type Message = { name: string; summary?: string; payload: JsonSchema };
type Operation = { action: 'send' | 'receive'; messages: { $ref: string }[]; reply?: { messages: { $ref: string }[] } };

const info = { version: 'test', serverUrl: 'http://127.0.0.1:3000' };
const openapi = buildOpenApiDocument(info) as {
  paths: Record<string, Record<string, { summary: string; requestBody?: { content: Record<string, { schema: JsonSchema }> } }>>;
  components: { schemas: Record<string, JsonSchema> };
};
const asyncapi = buildAsyncApiDocument(info) as {
  info: { description: string };
  channels: { live: { messages: Record<string, { $ref: string }> } };
  operations: Record<string, Operation>;
  components: { schemas: Record<string, JsonSchema>; messages: Record<string, Message> };
};

function resolve<T>(doc: unknown, ref: string): T {
  return ref
    .replace(/^#\//, '')
    .split('/')
    .reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], doc) as T;
}

/** A message an operation names, followed through the channel to the component. */
function messageOf(ref: { $ref: string }): Message {
  const channelEntry = resolve<{ $ref: string }>(asyncapi, ref.$ref);
  return resolve<Message>(asyncapi, channelEntry.$ref);
}

function requestBodySchema(path: string, method: string): JsonSchema {
  const ref = openapi.paths[path]?.[method]?.requestBody?.content['application/json']?.schema.$ref;
  if (!ref) throw new Error(`${method} ${path} has no request body`);
  return resolve<JsonSchema>(openapi, ref);
}

describe('the AsyncAPI document of the live protocol', () => {
  test('when a command shares its name with an event (chat:typing, chat:read), then each keeps its own payload and the command still answers', () => {
    for (const name of ['chat:typing', 'chat:read']) {
      const commands = Object.values(asyncapi.operations).filter((op) => messageOf(op.messages[0]!).name === name && op.action === 'receive');
      const events = Object.values(asyncapi.operations).filter((op) => messageOf(op.messages[0]!).name === name && op.action === 'send');
      expect({ name, commands: commands.length, events: events.length }).toEqual({ name, commands: 1, events: 1 });
      expect(messageOf(commands[0]!.messages[0]!).payload).toEqual({ $ref: expect.stringMatching(/ConversationRef|MarkConversationRead/) });
      expect(messageOf(commands[0]!.reply!.messages[0]!).name).toBe(`${name} ack`);
    }
  });

  test('when any command is documented, then it is a request with its own payload and a reply carrying its ack', () => {
    const received = Object.values(asyncapi.operations).filter((op) => op.action === 'receive');
    expect(received.map((op) => messageOf(op.messages[0]!).name).sort()).toEqual(Object.keys(clientCommands).sort());
    for (const op of received) {
      const message = messageOf(op.messages[0]!);
      expect({ command: message.name, reply: op.reply && messageOf(op.reply.messages[0]!).name }).toEqual({
        command: message.name,
        reply: `${message.name} ack`,
      });
    }
    const sent = Object.values(asyncapi.operations).filter((op) => op.action === 'send');
    expect(sent.map((op) => messageOf(op.messages[0]!).name).sort()).toEqual(Object.keys(serverEvents).sort());
  });

  test('when a client reads it, then it learns the largest frame the server takes and how long presence waits before going offline', () => {
    expect(asyncapi.info.description).toContain('256 KiB');
    expect(asyncapi.info.description).toMatch(/presence[^.]*2 s/i);
  });

  test('when a command payload field has a default (CreatePost.tags), then it is not marked required', () => {
    expect(asyncapi.components.schemas.CreatePost?.required?.sort()).toEqual(['bodyMarkdown', 'spaceId']);
  });

  test('when an appeal reopens a case, then moderation:case-opened says it announces that too', () => {
    expect(asyncapi.components.messages.moderation_case_opened_event?.summary).toMatch(/appeal/i);
  });
});

describe('the OpenAPI document of the REST API', () => {
  test('when a request body field has a default, then it is optional in the document', () => {
    expect(requestBodySchema('/api/v1/spaces', 'post').required?.sort()).toEqual(['name', 'slug']);
    expect(requestBodySchema('/api/v1/admin/invites', 'post').required ?? []).toEqual([]);
    expect(requestBodySchema('/api/v1/spaces/{spaceId}/invites', 'post').required ?? []).toEqual([]);
    expect(requestBodySchema('/api/v1/spaces/{spaceId}/members', 'post').required).toEqual(['handle']);
    expect(requestBodySchema('/api/v1/reports', 'post').required?.sort()).toEqual(['reason', 'targetId', 'targetKind']);
    expect(requestBodySchema('/api/v1/moderation/cases/{caseId}/take', 'post').required ?? []).toEqual([]);
  });

  test('when a response field always comes (a Space’s description), then it stays required', () => {
    expect(openapi.components.schemas.Space?.required).toEqual(expect.arrayContaining(['description', 'aboutMarkdown', 'membership']));
  });

  test('when a host adds or changes a member, then the summaries say what happens: an invitation, an approval, a role', () => {
    const add = openapi.paths['/api/v1/spaces/{spaceId}/members']!.post!.summary;
    expect(add).toMatch(/invit/i);
    expect(add).toMatch(/request/i);
    expect(add).not.toMatch(/directly/i);
    const update = openapi.paths['/api/v1/spaces/{spaceId}/members/{userId}']!.patch!.summary;
    expect(update).toMatch(/invit/i);
    expect(update).toMatch(/last (active )?host/i);
  });
});
