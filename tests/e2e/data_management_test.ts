import assert from "node:assert/strict";
import {
  CompressionAlgorithm,
  Consumer,
  ErrorCode,
  header,
  IggyClient,
  IggyError,
  type Message,
  Partitioning,
  PollingStrategy,
} from "../../mod.ts";
import { startServer, type TestServer } from "../_server.ts";
import { startInProcess } from "../server/_in_process.ts";
import { contains, readLogs, waitFor } from "../_assert.ts";

const U64_MAX = 0xffff_ffff_ffff_ffffn;
const decoder = new TextDecoder();

/** Short cleaner period and tiny segments: every batch below seals its segment. */
const FAST_RETENTION = {
  IGGY_DATA_MAINTENANCE_MESSAGES_INTERVAL: "100ms",
  IGGY_SYSTEM_SEGMENT_SIZE: "512",
};

function connectRoot(server: TestServer): Promise<IggyClient> {
  return IggyClient.connect({
    ...server.tcp,
    username: "iggy",
    password: "iggy",
  });
}

function until(
  what: string,
  condition: () => Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  return waitFor(what, condition, { timeoutMs, intervalMs: 50 });
}

/** Sends `batches` batches of 10 messages of 100 bytes (each batch > 512 B seals a segment). */
async function sendBatches(
  client: IggyClient,
  topicId: string,
  batches: number,
  ids?: (batch: number, i: number) => bigint,
): Promise<void> {
  for (let b = 0; b < batches; b++) {
    await client.sendMessages({
      streamId: "s",
      topicId,
      partitioning: Partitioning.partitionId(0),
      messages: Array.from({ length: 10 }, (_, i) => ({
        id: ids?.(b, i),
        payload: `b${b}-m${i}-`.padEnd(100, "."),
      })),
    });
  }
}

async function pollFrom(
  client: IggyClient,
  topicId: string,
  strategy: PollingStrategy,
  count = 1000,
): Promise<Message[]> {
  const polled = await client.pollMessages({
    streamId: "s",
    topicId,
    partitionId: 0,
    consumer: Consumer.single(1),
    strategy,
    count,
    autoCommit: false,
  });
  return polled.messages;
}

async function partitionInfo(client: IggyClient, topicId: string) {
  const topic = await client.getTopic("s", topicId);
  assert.ok(topic);
  return { topic, partition: topic.partitions[0]! };
}

function randomKey(): string {
  return btoa(
    String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))),
  );
}

Deno.test("retention deletes expired sealed segments, keeps the active one, and polls resume at the oldest offset", async () => {
  await using server = await startServer({ env: FAST_RETENTION });
  await using client = await connectRoot(server);
  await client.createStream("s");
  await client.createTopic("s", "t", {
    partitionsCount: 1,
    messageExpiry: 300_000n, // 300 ms
  });
  await sendBatches(client, "t", 5); // 5 sealed segments, offsets 0..49
  await client.storeConsumerOffset({
    streamId: "s",
    topicId: "t",
    partitionId: 0,
    consumer: Consumer.single(1),
    offset: 3n,
  });
  await client.sendMessages({
    streamId: "s",
    topicId: "t",
    partitioning: Partitioning.partitionId(0),
    messages: [{ payload: "last" }], // stays in the active segment
  });
  assert.equal((await partitionInfo(client, "t")).partition.segmentsCount, 6);

  await until("the expired segments to go", async () => {
    return (await partitionInfo(client, "t")).partition.segmentsCount === 1;
  });
  const { partition, topic } = await partitionInfo(client, "t");
  assert.equal(partition.messagesCount, 1n, "the active segment stays");
  assert.equal(partition.currentOffset, 50n, "offsets are not renumbered");
  assert.equal(topic.messageExpiry, 300_000n);

  const first = await pollFrom(client, "t", PollingStrategy.first());
  assert.deepEqual(first.map((m) => m.offset), [50n]);
  assert.equal(decoder.decode(first[0]!.payload), "last");
  const next = await pollFrom(client, "t", PollingStrategy.next());
  assert.deepEqual(
    next.map((m) => m.offset),
    [50n],
    "Next from a deleted offset",
  );
  const old = await pollFrom(client, "t", PollingStrategy.offset(7n));
  assert.deepEqual(old.map((m) => m.offset), [50n]);
});

Deno.test("retention deletes the oldest segments while the topic is over max_topic_size", async () => {
  await using server = await startServer({ env: FAST_RETENTION });
  await using client = await connectRoot(server);
  await client.createStream("s");
  await client.createTopic("s", "sized", {
    partitionsCount: 1,
    maxTopicSize: 2048n,
  });
  await client.createTopic("s", "unlimited", { partitionsCount: 1 });
  await sendBatches(client, "sized", 8);
  await sendBatches(client, "unlimited", 8);
  await until("the topic to shrink", async () => {
    return (await partitionInfo(client, "sized")).topic.sizeBytes <= 2048n;
  });
  const { partition } = await partitionInfo(client, "sized");
  assert.equal(
    partition.segmentsCount,
    2,
    "one sealed (1640 B) + the empty active",
  );
  assert.equal(partition.currentOffset, 79n);
  const first = await pollFrom(client, "sized", PollingStrategy.first());
  assert.deepEqual(
    first.map((m) => m.offset),
    Array.from({ length: 10 }, (_, i) => BigInt(70 + i)),
  );
  assert.equal(decoder.decode(first[0]!.payload).replace(/\.+$/, ""), "b7-m0-");

  const unlimited = await partitionInfo(client, "unlimited");
  assert.equal(
    unlimited.partition.messagesCount,
    80n,
    "no limit, nothing deleted",
  );
  assert.equal(unlimited.topic.maxTopicSize, U64_MAX);
});

Deno.test("UpdateTopic with expiry 0 means the server default, not delete everything", async () => {
  await using server = await startServer({
    env: { ...FAST_RETENTION, IGGY_SYSTEM_TOPIC_MESSAGE_EXPIRY: "1 h" },
  });
  await using client = await connectRoot(server);
  await client.createStream("s");
  await client.createTopic("s", "t", {
    partitionsCount: 1,
    messageExpiry: U64_MAX,
  });
  await sendBatches(client, "t", 3);
  await client.updateTopic({
    streamId: "s",
    topicId: "t",
    name: "t",
    messageExpiry: 0n,
    maxTopicSize: 0n,
  });
  // A marker topic with a short expiry proves the cleaner ran meanwhile.
  await client.createTopic("s", "marker", {
    partitionsCount: 1,
    messageExpiry: 1n,
  });
  await sendBatches(client, "marker", 2);
  await until("the cleaner to run", async () => {
    return (await partitionInfo(client, "marker")).partition.segmentsCount ===
      1;
  });
  const { partition, topic } = await partitionInfo(client, "t");
  assert.equal(topic.messageExpiry, 0n, "stored as sent");
  assert.equal(
    partition.messagesCount,
    30n,
    "nothing deleted under a 1 h default",
  );
});

Deno.test("DeleteSegments respects stored offsets and PurgeTopic restarts at offset 0", async () => {
  await using server = await startServer({
    env: { IGGY_SYSTEM_SEGMENT_SIZE: "512" },
  });
  await using client = await connectRoot(server);
  await client.createStream("s");
  await client.createTopic("s", "t", { partitionsCount: 1 });
  await sendBatches(client, "t", 4);
  const consumer = {
    streamId: "s",
    topicId: "t",
    partitionId: 0,
    consumer: Consumer.single(9),
  };
  await client.storeConsumerOffset({ ...consumer, offset: 15n });
  await client.deleteSegments({
    streamId: "s",
    topicId: "t",
    partitionId: 0,
    segmentsCount: 3,
  });
  let { partition } = await partitionInfo(client, "t");
  assert.equal(
    partition.segmentsCount,
    4,
    "segment 0..9 deleted; 10..19 still needed by offset 15",
  );
  assert.deepEqual(
    (await pollFrom(client, "t", PollingStrategy.first(), 1)).map((m) =>
      m.offset
    ),
    [10n],
  );
  await client.deleteConsumerOffset(consumer);
  await client.deleteSegments({
    streamId: "s",
    topicId: "t",
    partitionId: 0,
    segmentsCount: 100,
  });
  ({ partition } = await partitionInfo(client, "t"));
  assert.equal(partition.segmentsCount, 1, "never the active segment");
  assert.equal(partition.messagesCount, 0n);
  assert.equal(partition.currentOffset, 39n);
  await client.flushUnsavedBuffer({
    streamId: "s",
    topicId: "t",
    partitionId: 0,
    fsync: true,
  });

  await client.purgeTopic("s", "t");
  await sendBatches(client, "t", 1);
  const after = await pollFrom(client, "t", PollingStrategy.first());
  assert.equal(after[0]!.offset, 0n);
});

Deno.test("deduplication drops repeated ids before offsets are assigned", async () => {
  await using server = await startServer({
    env: { IGGY_SYSTEM_MESSAGE_DEDUPLICATION_ENABLED: "true" },
  });
  await using client = await connectRoot(server);
  await client.createStream("s");
  await client.createTopic("s", "t", { partitionsCount: 1 });
  const send = (ids: bigint[]) =>
    client.sendMessages({
      streamId: "s",
      topicId: "t",
      partitioning: Partitioning.partitionId(0),
      messages: ids.map((id) => ({ id, payload: `id-${id}` })),
    });
  await send([1n, 2n, 3n]);
  await send([2n, 3n, 4n, 4n, 5n]);
  await send([1n]); // all duplicates: nothing stored
  await send([6n]);
  const messages = await pollFrom(client, "t", PollingStrategy.first());
  assert.deepEqual(messages.map((m) => m.offset), [0n, 1n, 2n, 3n, 4n, 5n]);
  assert.deepEqual(messages.map((m) => m.id), [1n, 2n, 3n, 4n, 5n, 6n]);
  assert.deepEqual(messages.map((m) => decoder.decode(m.payload)), [
    "id-1",
    "id-2",
    "id-3",
    "id-4",
    "id-5",
    "id-6",
  ]);
});

Deno.test("server-side encryption keeps plaintext off disk and refuses a wrong key", async () => {
  const secret = "top-secret-plaintext-4711";
  await using server = await startServer({
    env: {
      IGGY_SYSTEM_ENCRYPTION_ENABLED: "true",
      IGGY_SYSTEM_ENCRYPTION_KEY: randomKey(),
    },
  });
  {
    await using client = await connectRoot(server);
    await client.createStream("s");
    await client.createTopic("s", "t", { partitionsCount: 1 });
    await client.sendMessages({
      streamId: "s",
      topicId: "t",
      partitioning: Partitioning.partitionId(0),
      messages: [
        {
          payload: `${secret}-0`,
          headers: { note: header.string("header-secret-0815") },
        },
        { payload: `${secret}-1` },
      ],
    });
    const messages = await pollFrom(client, "t", PollingStrategy.first());
    assert.deepEqual(messages.map((m) => decoder.decode(m.payload)), [
      `${secret}-0`,
      `${secret}-1`,
    ]);
    assert.equal(
      decoder.decode(messages[0]!.headers.note!.value),
      "header-secret-0815",
    );
    assert.deepEqual(Object.keys(messages[1]!.headers), []);
  }
  const logs = await readLogs(server.dataDir);
  assert.ok(logs.length > 0);
  assert.ok(!contains(logs, secret), "payload plaintext on disk");
  assert.ok(!contains(logs, "header-secret"), "header plaintext on disk");

  await server.kill();
  server.env.IGGY_SYSTEM_ENCRYPTION_KEY = randomKey();
  await server.start();
  await using client = await connectRoot(server);
  await assert.rejects(
    () => pollFrom(client, "t", PollingStrategy.first()),
    (err: unknown) =>
      err instanceof IggyError && err.code === ErrorCode.CannotDecryptData,
  );
});

Deno.test("gzip topics round-trip and are stored compressed", async () => {
  await using server = await startServer({
    env: { IGGY_SYSTEM_COMPRESSION_ALLOW_OVERRIDE: "true" },
  });
  await using client = await connectRoot(server);
  await client.createStream("s");
  await client.createTopic("s", "zipped", {
    partitionsCount: 1,
    compressionAlgorithm: CompressionAlgorithm.Gzip,
  });
  await client.createTopic("s", "plain", { partitionsCount: 1 });
  const payload = "compressible-gzip-text ".repeat(2000);
  for (const topicId of ["zipped", "plain"]) {
    await client.sendMessages({
      streamId: "s",
      topicId,
      partitioning: Partitioning.partitionId(0),
      messages: [
        { payload, headers: { k: header.uint64(42n) } },
        { payload: "tiny" },
      ],
    });
    const messages = await pollFrom(client, topicId, PollingStrategy.first());
    assert.deepEqual(messages.map((m) => decoder.decode(m.payload)), [
      payload,
      "tiny",
    ]);
    assert.equal(messages[0]!.headers.k!.value.length, 8);
  }
  const zipped = await partitionInfo(client, "zipped");
  const plain = await partitionInfo(client, "plain");
  assert.ok(
    zipped.topic.sizeBytes * 10n < plain.topic.sizeBytes,
    `${zipped.topic.sizeBytes} B stored vs ${plain.topic.sizeBytes} B`,
  );
});

Deno.test("a bad encryption key, expiry or size in the config stops the start", async () => {
  const cases: [Record<string, string>, string][] = [
    [{
      IGGY_SYSTEM_ENCRYPTION_ENABLED: "true",
      IGGY_SYSTEM_ENCRYPTION_KEY: "c2hvcnQ=",
    }, "system.encryption.key"],
    [
      { IGGY_SYSTEM_TOPIC_MESSAGE_EXPIRY: "soon" },
      "system.topic.message_expiry",
    ],
    [{ IGGY_SYSTEM_TOPIC_MAX_SIZE: "big" }, "system.topic.max_size"],
    [{ IGGY_SYSTEM_CACHE_SIZE: "lots" }, "system.cache.size"],
  ];
  for (const [env, key] of cases) {
    await assert.rejects(
      async () => {
        await using _server = await startServer({ env });
      },
      (err: unknown) => err instanceof Error && err.message.includes(key),
      JSON.stringify(env),
    );
  }
});

Deno.test("the read caches stay within system.cache.size while a larger topic is polled", async () => {
  const cap = 64 * 1024;
  await using running = await startInProcess({
    IGGY_SYSTEM_CACHE_SIZE: "64 KiB",
    IGGY_SYSTEM_SEGMENT_SIZE: "1 MiB",
  });
  const { system } = running.server;
  // Over WebSocket each batch is handed over to the log and cached; TCP lends its reused request
  // buffer, which the log does not cache (reads of it go to the page cache).
  const address = system.listeners.websocket!;
  await using client = await IggyClient.connect({
    transport: "websocket",
    hostname: address.hostname,
    port: address.port,
    username: "iggy",
    password: "iggy",
  });
  await client.createStream("s");
  await client.createTopic("s", "big", { partitionsCount: 3 });
  const payload = (b: number, i: number) => `b${b}-m${i}-`.padEnd(1000, "#");
  for (let b = 0; b < 60; b++) {
    await client.sendMessages({
      streamId: "s",
      topicId: "big",
      partitioning: Partitioning.partitionId(b % 3),
      messages: Array.from(
        { length: 10 },
        (_, i) => ({ payload: payload(b, i) }),
      ),
    });
    assert.ok(
      system.cacheBudget.used <= cap,
      `cache ${system.cacheBudget.used} B after batch ${b}`,
    );
  }
  const { topic } = await partitionInfo(client, "big");
  assert.ok(
    topic.sizeBytes > 8n * BigInt(cap),
    `topic of ${topic.sizeBytes} B`,
  );
  for (let p = 0; p < 3; p++) {
    let offset = 0n;
    while (true) {
      const { messages } = await client.pollMessages({
        streamId: "s",
        topicId: "big",
        partitionId: p,
        strategy: PollingStrategy.offset(offset),
        count: 37,
        autoCommit: false,
      });
      assert.ok(system.cacheBudget.used <= cap);
      if (messages.length === 0) break;
      for (const m of messages) {
        const b = Number(m.offset / 10n) * 3 + p;
        assert.equal(
          decoder.decode(m.payload),
          payload(b, Number(m.offset % 10n)),
        );
      }
      offset += BigInt(messages.length);
    }
    assert.equal(offset, 200n);
  }
  assert.ok(system.cacheBudget.used > 0, "the cache is used");
});
