/**
 * GetStats and the client commands, in process through the command table (binary.md §4.10, §4.11,
 * §5.1).
 */
import assert from "node:assert/strict";
import { Partitioning } from "../../../client/builders.ts";
import { ClientTransport } from "../../../client/protocol/mod.ts";
import { openHandlerSystem } from "./_handlers.ts";

Deno.test("getStats() reports exact entity counts and live process numbers", async () => {
  await using server = await openHandlerSystem();
  const connect = () => server.connect({ username: "iggy", password: "iggy" });
  await using client = await connect();
  await using second = await connect();
  await client.createStream("a");
  await client.createStream("b");
  await client.createTopic("a", "t1", { partitionsCount: 3 });
  await client.createTopic("a", "t2", { partitionsCount: 1 });
  await client.createTopic("b", "t3", { partitionsCount: 2 });
  await client.createConsumerGroup({ streamId: "a", topicId: "t1", name: "g" });
  await client.joinConsumerGroup({
    streamId: "a",
    topicId: "t1",
    groupId: "g",
  });
  const payload = "x".repeat(100);
  for (let i = 0; i < 4; i++) {
    await client.sendMessages({
      streamId: "a",
      topicId: "t1",
      partitioning: Partitioning.partitionId(i % 3),
      messages: [{ payload }, { payload }],
    });
  }
  await client.sendMessages({
    streamId: "b",
    topicId: "t3",
    messages: [{ payload }],
  });

  const stats = await client.getStats();
  assert.equal(stats.streamsCount, 2);
  assert.equal(stats.topicsCount, 3);
  assert.equal(stats.partitionsCount, 6);
  assert.equal(stats.segmentsCount, 6, "one open segment per partition");
  assert.equal(stats.messagesCount, 9n);
  // Each stored message is a 64-byte header plus its payload.
  assert.equal(stats.messagesSizeBytes, 9n * (64n + 100n));
  assert.equal(stats.consumerGroupsCount, 1);
  assert.equal(stats.clientsCount, 2);
  assert.ok(stats.processId > 0);
  assert.ok(stats.memoryUsage > 0n);
  assert.ok(stats.totalMemory >= stats.availableMemory);
  assert.ok(stats.availableMemory > 0n);
  assert.ok(stats.startTime > 0n && stats.runTime > 0n);
  assert.ok(stats.writtenBytes >= stats.messagesSizeBytes);
  assert.ok(stats.cpuUsage >= 0 && Number.isFinite(stats.cpuUsage));
  assert.ok(stats.hostname.length > 0);
  assert.ok(stats.osName.length > 0);
  assert.equal(stats.iggyServerVersion, "0.8.0");
  assert.equal(stats.iggyServerSemver, 8000);
  assert.ok(stats.threadsCount >= 1);
  assert.ok(stats.totalDiskSpace >= stats.freeDiskSpace);

  await client.pollMessages({
    streamId: "a",
    topicId: "t1",
    partitionId: 0,
    count: 10,
  });
  assert.ok((await client.getStats()).readBytes > 0n, "polls count as reads");

  const me = await client.getMe();
  assert.equal(me.transport, ClientTransport.Tcp);
  assert.equal(me.userId, 0);
  assert.match(me.address, /^127\.0\.0\.1:\d+$/);
  assert.deepEqual(me.consumerGroups, [{
    streamId: 0,
    topicId: 0,
    groupId: 0,
  }]);
  const clients = await second.getClients();
  assert.equal(clients.length, 2);
  assert.equal(
    clients.find((c) => c.clientId === me.clientId)?.consumerGroupsCount,
    1,
  );
  assert.deepEqual(await second.getClient(me.clientId), me);
});
