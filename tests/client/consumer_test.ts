import assert from "node:assert/strict";
import {
  Consumer,
  ConsumerMessage,
  header,
  IggyClient,
  IggyConsumer,
  IggyProducer,
  message,
  Partitioning,
  PollingStrategy,
  ReconnectingTransport,
  TcpTransport,
} from "../../mod.ts";
import { startServer, type TestServer } from "../_server.ts";
import { waitFor } from "../_assert.ts";

const S = "sdk";
const T = "events";
const TOPIC = { streamId: S, topicId: T };

function connectRoot(server: TestServer): Promise<IggyClient> {
  return IggyClient.connect({
    ...server.tcp,
    username: "iggy",
    password: "iggy",
  });
}

async function setUp(client: IggyClient, partitionsCount: number) {
  await client.createStream(S);
  await client.createTopic(S, T, { partitionsCount });
}

function waitUntil(
  condition: () => boolean | Promise<boolean>,
  what: string,
  ms = 10_000,
): Promise<void> {
  return waitFor(what, condition, { timeoutMs: ms, intervalMs: 5 });
}

async function storedOffset(
  client: IggyClient,
  partitionId: number,
  consumer = Consumer.single(0),
): Promise<bigint | undefined> {
  return (await client.getConsumerOffset({ ...TOPIC, consumer, partitionId }))
    ?.storedOffset;
}

async function produce(
  client: IggyClient,
  count: number,
  partitioning = (i: number) => Partitioning.messagesKey(`k${i % 7}`),
  first = 0,
): Promise<void> {
  await using producer = new IggyProducer(client, {
    ...TOPIC,
    batchLength: 50,
  });
  await Promise.all(
    Array.from({ length: count }, (_, n) => n + first).map((i) =>
      producer.send(
        message.json({ i }, {
          id: BigInt(i + 1),
          headers: { n: header.uint32(i), kind: header.string("test") },
        }),
        { partitioning: partitioning(i) },
      )
    ),
  );
}

Deno.test("IggyConsumer yields every message of every partition in order, with its fields", async () => {
  await using server = await startServer();
  await using client = await connectRoot(server);
  await setUp(client, 3);
  await produce(client, 300);

  const consumer = new IggyConsumer(client, { ...TOPIC, batchLength: 40 });
  const seen = new Map<number, bigint[]>();
  const before = BigInt(Date.now()) * 1000n;
  let count = 0;
  for await (const m of consumer) {
    assert.ok(m instanceof ConsumerMessage);
    const { i } = m.json<{ i: number }>();
    assert.equal(m.id, BigInt(i + 1));
    assert.equal(m.header("n"), i);
    assert.equal(m.header("kind"), "test");
    assert.equal(m.header("missing"), undefined);
    assert.ok(m.timestamp > 0n && m.timestamp <= before + 60_000_000n);
    seen.set(m.partitionId, [...seen.get(m.partitionId) ?? [], m.offset]);
    if (++count === 300) break;
  }
  assert.equal(consumer.closed, true, "leaving the loop closes the consumer");
  assert.equal(client.closed, false, "a borrowed client stays open");
  assert.deepEqual([...seen.keys()].sort(), [0, 1, 2]);
  for (const [partitionId, offsets] of seen) {
    assert.deepEqual(offsets, offsets.map((_, i) => BigInt(i)));
    // "processed": the last message counts as processed when the loop is left.
    assert.equal(
      await storedOffset(client, partitionId),
      BigInt(offsets.length - 1),
    );
  }
});

Deno.test("IggyConsumer polling strategies: first, last, offset and timestamp on one partition", async () => {
  await using server = await startServer();
  await using client = await connectRoot(server);
  await setUp(client, 1);
  await produce(client, 20, () => Partitioning.partitionId(0));
  const { messages } = await client.pollMessages({
    ...TOPIC,
    partitionId: 0,
    strategy: PollingStrategy.offset(15),
    count: 1,
  });
  const fifteenth = messages[0]!.timestamp;
  async function take(
    strategy: PollingStrategy,
    n: number,
  ): Promise<bigint[]> {
    await using consumer = new IggyConsumer(client, {
      ...TOPIC,
      partitionId: 0,
      strategy,
      batchLength: 7,
      autoCommit: "disabled",
    });
    const offsets: bigint[] = [];
    for await (const m of consumer) {
      offsets.push(m.offset);
      if (offsets.length === n) break;
    }
    return offsets;
  }
  const range = (from: number, to: number) =>
    Array.from({ length: to - from }, (_, i) => BigInt(from + i));
  assert.deepEqual(await take(PollingStrategy.first(), 10), range(0, 10));
  assert.deepEqual(await take(PollingStrategy.last(), 7), range(13, 20));
  assert.deepEqual(await take(PollingStrategy.offset(5), 15), range(5, 20));
  const fromTimestamp = await take(PollingStrategy.timestamp(fifteenth), 1);
  assert.ok(fromTimestamp[0]! <= 15n);
  assert.equal(await storedOffset(client, 0), undefined, "disabled: no commit");
});

Deno.test("IggyConsumer auto-commit modes: poll, interval, disabled with commit()", async () => {
  await using server = await startServer();
  await using client = await connectRoot(server);
  await setUp(client, 1);
  await produce(client, 30, () => Partitioning.partitionId(0));

  // "poll": the server stores the last polled offset with the poll itself.
  {
    await using consumer = new IggyConsumer(client, {
      ...TOPIC,
      consumerId: 1,
      batchLength: 10,
      autoCommit: "poll",
    });
    for await (const m of consumer) {
      assert.equal(await storedOffset(client, 0, Consumer.single(1)), 9n);
      assert.equal(m.offset, 0n);
      break;
    }
  }
  // A new consumer with the same id continues after the stored offset.
  {
    await using consumer = new IggyConsumer(client, {
      ...TOPIC,
      consumerId: 1,
      batchLength: 10,
      autoCommit: "poll",
    });
    for await (const m of consumer) {
      assert.equal(m.offset, 10n);
      break;
    }
  }

  // "disabled": nothing stored until commit(), which includes the current message.
  {
    await using consumer = new IggyConsumer(client, {
      ...TOPIC,
      consumerId: 2,
      autoCommit: "disabled",
    });
    for await (const m of consumer) {
      if (m.offset === 4n) {
        assert.equal(
          await storedOffset(client, 0, Consumer.single(2)),
          undefined,
        );
        await consumer.commit();
        assert.equal(await storedOffset(client, 0, Consumer.single(2)), 4n);
      }
      if (m.offset === 8n) break;
    }
    assert.equal(await storedOffset(client, 0, Consumer.single(2)), 4n);
  }

  // Interval: processed offsets are stored in the background.
  {
    await using consumer = new IggyConsumer(client, {
      ...TOPIC,
      consumerId: 3,
      autoCommit: { intervalMs: 20 },
    });
    for await (const m of consumer) {
      if (m.offset === 29n) {
        await waitUntil(
          async () => await storedOffset(client, 0, Consumer.single(3)) === 28n,
          "the interval commit of offset 28",
        );
        break;
      }
    }
  }
});

Deno.test("IggyConsumer ends its iteration cleanly when the client disconnects", async () => {
  await using server = await startServer();
  await using admin = await connectRoot(server);
  await setUp(admin, 2);
  await produce(admin, 10);
  const client = await connectRoot(server);
  const consumer = new IggyConsumer(client, {
    ...TOPIC,
    group: "readers",
    createGroup: true,
    pollIntervalMs: 5,
  });
  let received = 0;
  const loop = (async () => {
    for await (const _ of consumer) received++;
  })();
  await waitUntil(() => received === 10, "all ten messages");
  // The consumer is now idle, polling empty partitions; the client goes away.
  await client.close();
  await waitUntil(() => consumer.closed, "the iteration ended");
  await loop; // resolves: no error
  assert.equal(consumer.closed, true);
  await waitUntil(
    async () =>
      (await admin.getConsumerGroup({ ...TOPIC, groupId: "readers" }))
        ?.membersCount === 0,
    "the member gone",
  );
});

Deno.test("IggyConsumer.readable and IggyProducer.writable compose with pipeTo and pipeThrough", async () => {
  await using server = await startServer();
  await using client = await connectRoot(server);
  await setUp(client, 2);
  const producer = new IggyProducer(client, { ...TOPIC, batchLength: 16 });
  await ReadableStream.from(Array.from({ length: 100 }, (_, i) => `n${i}`))
    .pipeThrough(
      new TransformStream<string, ReturnType<typeof message.text>>({
        transform: (text, controller) => controller.enqueue(message.text(text)),
      }),
    )
    .pipeTo(producer.writable);
  assert.equal(producer.queued, 0, "closing the writable flushed everything");
  const topic = await client.getTopic(S, T);
  assert.equal(topic?.messagesCount, 100n);

  const consumer = new IggyConsumer(client, {
    ...TOPIC,
    group: "g",
    createGroup: true,
  });
  const texts: string[] = [];
  await consumer.readable
    .pipeThrough(
      new TransformStream<ConsumerMessage, string>({
        transform: (m, controller) => controller.enqueue(m.text()),
      }),
    )
    .pipeTo(
      new WritableStream({
        write(text, controller) {
          texts.push(text);
          if (texts.length === 100) controller.error(new Error("enough"));
        },
      }),
    )
    .catch((err) => assert.equal((err as Error).message, "enough"));
  assert.deepEqual(
    texts.toSorted(),
    Array.from({ length: 100 }, (_, i) => `n${i}`).toSorted(),
  );
  await waitUntil(
    () => consumer.closed,
    "the cancelled stream closed the consumer",
  );
  assert.equal(
    (await client.getConsumerGroup({ ...TOPIC, groupId: "g" }))?.membersCount,
    0,
  );
});

Deno.test("IggyConsumer with its own connection re-joins after a server restart and resumes from the stored offset", async () => {
  await using server = await startServer();
  {
    await using admin = await connectRoot(server);
    await setUp(admin, 2);
    await produce(admin, 200);
  }
  let connections = 0;
  const consumer = new IggyConsumer(() => {
    connections++;
    // reads server.tcp now: the port changes on restart. Without reconnection of its own, the
    // client closes with the connection, so the consumer opens the next one.
    return IggyClient.connect({
      ...server.tcp,
      username: "iggy",
      password: "iggy",
      reconnect: false,
    });
  }, {
    ...TOPIC,
    group: "durable",
    createGroup: true,
    batchLength: 10,
    pollIntervalMs: 5,
    reconnect: { delayMs: 50, retries: 200 },
  });
  const ids: bigint[] = [];
  const loop = (async () => {
    for await (const m of consumer) {
      ids.push(m.id);
      if (new Set(ids).size === 400) break;
    }
  })();
  await waitUntil(() => ids.length >= 200, "the first 200");
  await server.restart();
  {
    await using admin = await connectRoot(server);
    const offsets = [
      await storedOffset(admin, 0, Consumer.group("durable")),
      await storedOffset(admin, 1, Consumer.group("durable")),
    ];
    const committed = offsets.reduce((n, o) => n + Number((o ?? -1n) + 1n), 0);
    assert.ok(committed >= 180, `processed offsets were stored: ${offsets}`);
    await produce(
      admin,
      200,
      (i) => Partitioning.messagesKey(`late${i}`),
      200,
    );
  }
  await waitUntil(
    () => new Set(ids).size === 400 || consumer.closed,
    "all 400 messages",
    30_000,
  ).finally(() => consumer.close());
  await loop;
  assert.ok(connections >= 2, "reconnected");
  const unique = new Set(ids);
  assert.equal(unique.size, 400, "nothing lost");
  // At-least-once: only what was delivered but not stored before the restart comes again.
  assert.ok(
    ids.length - unique.size <= 20,
    `duplicates: ${ids.length - unique.size}`,
  );
});

Deno.test("IggyConsumer on a client that reconnects by itself joins its group again and resumes", async () => {
  await using server = await startServer();
  {
    await using admin = await connectRoot(server);
    await setUp(admin, 2);
    await produce(admin, 100);
  }
  const transport = await ReconnectingTransport.open(
    () => TcpTransport.connect(server.tcp), // server.tcp changes on restart
    { retries: 50, delayMs: 50, maxDelayMs: 200 },
  );
  await using client = new IggyClient(transport);
  await client.login("iggy", "iggy");
  const consumer = new IggyConsumer(client, {
    ...TOPIC,
    group: "g",
    createGroup: true,
    batchLength: 10,
    pollIntervalMs: 5,
  });
  const ids = new Set<bigint>();
  const loop = (async () => {
    for await (const m of consumer) {
      ids.add(m.id);
      if (ids.size === 200) break;
    }
  })();
  await waitUntil(() => ids.size === 100, "the first 100");
  await server.restart();
  {
    await using admin = await connectRoot(server);
    await produce(admin, 100, undefined, 100);
  }
  await waitUntil(
    () => ids.size === 200 || consumer.closed,
    "all 200 messages",
    30_000,
  ).finally(() => consumer.close());
  await loop;
  assert.equal(ids.size, 200);
  assert.equal(client.closed, false);
});
