import { openTestDatabase, type TestDatabase } from './support/database';
import { connectSocket, nextEvent, startTestServer, type TestServer } from './support/server';

const redisUrl = process.env.REDIS_URL;

// Several nodes need Redis to share rooms; without REDIS_URL a node only reaches its own sockets.
if (redisUrl) {
  describe('two nodes sharing Redis', () => {
    let testDb: TestDatabase;
    let nodeA: TestServer;
    let nodeB: TestServer;

    beforeAll(async () => {
      testDb = await openTestDatabase();
      nodeA = await startTestServer({ database: testDb.database, env: { REDIS_URL: redisUrl } });
      nodeB = await startTestServer({ database: testDb.database, env: { REDIS_URL: redisUrl } });
    });

    afterAll(async () => {
      await nodeA?.stop();
      await nodeB?.stop();
      await testDb?.close();
    });

    test('when node A publishes to a room whose member is connected to node B, then that client receives it', async () => {
      const client = await connectSocket(nodeB.url);
      const other = await connectSocket(nodeB.url);
      try {
        const received = nextEvent(client, 'system:shutdown-started');
        const silence = nextEvent(other, 'system:shutdown-started', 500);

        nodeA.app.realtime.publish(client.id!, 'system:shutdown-started', { reconnectAfterMs: 7 });

        await expect(received).resolves.toEqual({ reconnectAfterMs: 7 });
        await expect(silence).rejects.toThrow('no system:shutdown-started');
      } finally {
        client.close();
        other.close();
      }
    });
  });
}
