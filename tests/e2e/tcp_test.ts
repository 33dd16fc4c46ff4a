import assert from "node:assert/strict";
import { IggyClient, Partitioning, PollingStrategy } from "../../mod.ts";
import { startServer } from "../_server.ts";
import { clientSuite } from "./_client_suite.ts";
import { assertClosedOnShutdown } from "./_transport_checks.ts";

clientSuite("tcp", (server) =>
  IggyClient.connect({
    transport: "tcp",
    ...server.tcp,
    username: "iggy",
    password: "iggy",
  }));

Deno.test("IggyClient over tcp is closed when the server shuts down", async () => {
  await using server = await startServer();
  await using client = await IggyClient.connect({
    ...server.tcp,
    username: "iggy",
    password: "iggy",
    reconnect: false, // reconnection is on by default (reconnect_test.ts)
  });
  // The server says "disconnected" (status 8) and closes.
  await assertClosedOnShutdown(server, client);
});

Deno.test("sendMessages() sends a prepared batch again and again, each stamped anew", async () => {
  await using server = await startServer();
  await using client = await IggyClient.connect({
    ...server.tcp,
    username: "iggy",
    password: "iggy",
  });
  await client.createStream("prepared");
  await client.createTopic("prepared", "t", { partitionsCount: 1 });
  const batch = await client.prepareMessages([{ payload: "a" }, {
    payload: "b",
    id: 42n,
  }]);
  for (let i = 0; i < 3; i++) {
    await client.sendMessages({
      streamId: "prepared",
      topicId: "t",
      partitioning: Partitioning.partitionId(0),
      messages: batch,
    });
  }
  const polled = await client.pollMessages({
    streamId: "prepared",
    topicId: "t",
    partitionId: 0,
    strategy: PollingStrategy.first(),
    count: 10,
  });
  const decoder = new TextDecoder();
  assert.deepEqual(polled.messages.map((m) => m.offset), [
    0n,
    1n,
    2n,
    3n,
    4n,
    5n,
  ]);
  assert.deepEqual(polled.messages.map((m) => decoder.decode(m.payload)), [
    "a",
    "b",
    "a",
    "b",
    "a",
    "b",
  ]);
  assert.deepEqual(
    polled.messages.filter((_, i) => i % 2 === 1).map((m) => m.id),
    [42n, 42n, 42n],
  );
  const generated = new Set(
    polled.messages.filter((_, i) => i % 2 === 0).map((m) => m.id),
  );
  assert.equal(
    generated.size,
    3,
    "an id left 0 gets a new server id on every send",
  );
});

Deno.test("/metrics counts messages sent and polled over TCP", async () => {
  await using server = await startServer();
  await using client = await IggyClient.connect({
    ...server.tcp,
    username: "iggy",
    password: "iggy",
  });
  await client.createStream("m");
  await client.createTopic("m", "t", { partitionsCount: 1 });
  const messages = Array.from(
    { length: 7 },
    (_, i) => ({ payload: `message ${i}` }),
  );
  await client.sendMessages({
    streamId: "m",
    topicId: "t",
    partitioning: Partitioning.partitionId(0),
    messages,
  });
  const polled = await client.pollMessages({
    streamId: "m",
    topicId: "t",
    partitionId: 0,
    strategy: PollingStrategy.first(),
    count: 5,
  });
  assert.equal(polled.messages.length, 5);
  const response = await fetch(
    `http://${server.http!.hostname}:${server.http!.port}/metrics`,
  );
  const text = await response.text();
  const value = (name: string) =>
    Number(new RegExp(`^${name} (\\d+)$`, "m").exec(text)?.[1]);
  assert.equal(value("messages_sent_total"), 7);
  assert.equal(value("messages_polled_total"), 5);
  assert.ok(value("bytes_sent_total") >= 7 * 64);
});
