import assert from "node:assert/strict";
import {
  ConnectionError,
  ErrorCode,
  HttpTransport,
  IggyClient,
  IggyConsumer,
  IggyError,
  IggyProducer,
  Partitioning,
} from "../../mod.ts";
import { connectRoot, startServer, type TestServer } from "../_server.ts";

/** A client logged in as root over HTTP. */
async function httpRoot(server: TestServer): Promise<IggyClient> {
  const client = new IggyClient(
    await HttpTransport.connect({ ...server.http! }),
  );
  await client.login("iggy", "iggy");
  return client;
}

for (const transport of ["tcp", "http"] as const) {
  Deno.test(`ensureStream(), ensureTopic() and ensureConsumerGroup() over ${transport} declare once and return the same resource twice`, async () => {
    await using server = await startServer();
    await using client = transport === "tcp"
      ? await connectRoot(server)
      : await httpRoot(server);
    for (let run = 0; run < 2; run++) {
      const stream = await client.ensureStream("orders");
      const topic = await client.ensureTopic({
        streamId: "orders",
        name: "created",
        partitionsCount: 3,
      });
      const group = await client.ensureConsumerGroup({
        streamId: "orders",
        topicId: "created",
        name: "billing",
      });
      assert.equal(stream.name, "orders");
      assert.equal(topic.name, "created");
      assert.equal(topic.partitionsCount, 3);
      assert.equal(group.name, "billing");
    }
    assert.equal((await client.getStreams()).length, 1);
    assert.equal((await client.getTopics({ streamId: "orders" })).length, 1);
    assert.equal(
      (await client.getConsumerGroups({
        streamId: "orders",
        topicId: "created",
      }))
        .length,
      1,
    );
    // An existing topic is returned as it is, not re-created with new settings.
    const again = await client.ensureTopic({
      streamId: "orders",
      name: "created",
      partitionsCount: 5,
    });
    assert.equal(again.partitionsCount, 3);
  });
}

Deno.test("ensureStream() run concurrently by two clients yields one stream", async () => {
  await using server = await startServer();
  await using a = await connectRoot(server);
  await using b = await connectRoot(server);
  const [x, y] = await Promise.all([
    a.ensureStream("race"),
    b.ensureStream("race"),
  ]);
  assert.equal(x.id, y.id);
  assert.equal((await a.getStreams()).length, 1);
});

Deno.test("ensureTopic() fails with the stream's error when the stream does not exist", async () => {
  await using server = await startServer();
  await using client = await connectRoot(server);
  await assert.rejects(
    client.ensureTopic({ streamId: "missing", name: "t" }),
    (err: unknown) =>
      err instanceof IggyError && err.code === ErrorCode.StreamIdNotFound,
  );
});

Deno.test("the options forms and the deprecated positional forms do the same", async () => {
  await using server = await startServer();
  await using client = await connectRoot(server);
  await client.createStream("s");
  await client.createTopic({ streamId: "s", name: "new", partitionsCount: 2 });
  await client.createTopic("s", "old", { partitionsCount: 2 });
  assert.deepEqual(
    (await client.getTopic({ streamId: "s", topicId: "new" }))?.partitionsCount,
    (await client.getTopic("s", "old"))?.partitionsCount,
  );
  assert.deepEqual(
    await client.getTopics({ streamId: "s" }),
    await client.getTopics("s"),
  );
  await client.purgeTopic({ streamId: "s", topicId: "new" });
  await client.purgeTopic("s", "old");
  await client.deleteTopic({ streamId: "s", topicId: "new" });
  await client.deleteTopic("s", "old");
  assert.deepEqual(await client.getTopics({ streamId: "s" }), []);
  await client.updateStream("s", { name: "s2" });
  await client.updateStream("s2", "s3");
  assert.equal((await client.getStream("s3"))?.name, "s3");
  const created = await client.createUser({
    username: "alice",
    password: "secret1",
  });
  await client.createUser("bob", "secret2");
  assert.equal(created.username, "alice");
  assert.equal((await client.getUser("bob"))?.username, "bob");
  await client.createTopic({ streamId: "s3", name: "t" });
  assert.deepEqual(
    await client.getConsumerGroups({ streamId: "s3", topicId: "t" }),
    await client.getConsumerGroups("s3", "t"),
  );
});

/** The first frame of a stack: the SDK's own frames are cut, so it is the caller's line. */
function topFrame(error: Error): string {
  return error.stack!.split("\n").find((line) => /^\s+at /.test(line))!;
}

/** A named caller, so that its frame can be looked for in a stack. */
async function createTheStreamTwice(client: IggyClient): Promise<void> {
  await client.createStream("twice");
  await client.createStream("twice");
}

Deno.test("a server error names the action, the resource, the code and its name, with the caller's stack", async () => {
  await using server = await startServer();
  await using client = await connectRoot(server);
  const err = await createTheStreamTwice(client).then(
    () => assert.fail("created twice"),
    (err: unknown) => err,
  );
  assert.ok(err instanceof IggyError);
  assert.equal(err.code, ErrorCode.StreamNameAlreadyExists);
  assert.equal(
    err.message,
    'Cannot create stream "twice": Stream name already exists ' +
      "(1012 StreamNameAlreadyExists)",
  );
  assert.match(topFrame(err), /createTheStreamTwice .*client_api_test\.ts/);
  assert.doesNotMatch(err.stack!, /_pending\.ts/);
  assert.ok(
    err.cause instanceof IggyError,
    "the transport's error is the cause",
  );

  await client.createStream("s");
  await client.createTopic({ streamId: "s", name: "t", partitionsCount: 1 });
  const send = await client.sendMessages({
    streamId: "s",
    topicId: "t",
    partitioning: Partitioning.partitionId(7),
    messages: [{ payload: "x" }],
  }).catch((e: unknown) => e);
  assert.ok(send instanceof IggyError);
  assert.match(
    send.message,
    /^Cannot send messages to topic "t" of stream "s": .* \(3007 PartitionNotFound\)$/,
  );
  const poll = await client.pollMessages({
    streamId: "s",
    topicId: "t",
    partitionId: 9,
  }).catch((e: unknown) => e);
  assert.ok(poll instanceof IggyError);
  assert.match(
    poll.message,
    /^Cannot poll messages from partition 9 of topic "t" of stream "s": .*\(3007 PartitionNotFound\)$/,
  );
  assert.match(topFrame(poll), /client_api_test\.ts/);
  assert.match(topFrame(send), /client_api_test\.ts/);
  const group = await client.joinConsumerGroup({
    streamId: "s",
    topicId: "t",
    groupId: "nobody",
  }).catch((e: unknown) => e);
  assert.ok(group instanceof IggyError);
  assert.match(
    group.message,
    /^Cannot join consumer group "nobody" of topic "t" of stream "s": .*\(\d+ ConsumerGroup\w+NotFound\)$/,
  );
  const topic = await client.createTopic({ streamId: "s", name: "t" })
    .catch((e: unknown) => e);
  assert.ok(topic instanceof IggyError);
  assert.match(
    topic.message,
    /^Cannot create topic "t" in stream "s": .*\(2013 TopicNameAlreadyExists\)$/,
  );
});

Deno.test("errors over HTTP name the resource and carry the caller's stack too", async () => {
  await using server = await startServer();
  await using client = await httpRoot(server);
  const err = await client.deleteStream("ghost").catch((e: unknown) => e);
  assert.ok(err instanceof IggyError);
  assert.match(
    err.message,
    /^Cannot delete stream "ghost": .*\(\d+ Stream\w+NotFound\)$/,
  );
  assert.match(topFrame(err), /client_api_test\.ts/);
});

Deno.test("a request on a closed connection rejects with ConnectionError from the caller's stack", async () => {
  await using server = await startServer();
  const client = await connectRoot(server);
  await client.close();
  const err = await client.getStreams().catch((e: unknown) => e);
  assert.ok(err instanceof ConnectionError);
  assert.match(topFrame(err as Error), /client_api_test\.ts/);
  // A Get-one request (not found is "undefined", so a failure here is the connection's).
  const one = await client.getStream("s").catch((e: unknown) => e);
  assert.ok(one instanceof ConnectionError);
  assert.match(topFrame(one), /client_api_test\.ts/);
});

Deno.test("IggyProducer and IggyConsumer on a missing topic fail worded as the server's answers", async () => {
  await using server = await startServer();
  await using client = await connectRoot(server);
  await client.createStream("s");
  const producer = new IggyProducer(client, { streamId: "s", topicId: "t" });
  const sent = await producer.send("x").catch((e: unknown) => e);
  assert.ok(sent instanceof IggyError);
  assert.equal(
    sent.message,
    'Cannot send messages to topic "t" of stream "s": Topic id not found ' +
      "(2010 TopicIdNotFound)",
  );
  await producer.close().catch(() => {});
  const consumer = new IggyConsumer(client, { streamId: "s", topicId: "t" });
  const polled = await consumer.init().catch((e: unknown) => e);
  assert.ok(polled instanceof IggyError);
  assert.equal(
    polled.message,
    'Cannot poll messages from topic "t" of stream "s": Topic id not found ' +
      "(2010 TopicIdNotFound)",
  );
});
