import assert from "node:assert/strict";
import {
  CommandCode,
  connect,
  ConnectionError,
  ErrorCode,
  IggyClient,
  IggyError,
  IggyProducer,
  message,
  Partitioning,
  PollingStrategy,
  type Transport,
} from "../../mod.ts";
import {
  decodeSendMessages,
  MESSAGE_HEADER_SIZE,
} from "../../client/protocol/mod.ts";
import { startServer } from "../_server.ts";

const TOPIC = {
  streamId: "s",
  topicId: "t",
  partitioning: Partitioning.balanced(),
};

/** A transport that fails the first `failures` SendMessages with `error`, and records each payload. */
class FlakyTransport implements Transport {
  closed = false;
  readonly sends: Uint8Array[] = [];
  #failures: number;
  #error: unknown;

  constructor(failures: number, error: unknown) {
    this.#failures = failures;
    this.#error = error;
  }

  request(code: number, payload: Uint8Array): Promise<Uint8Array> {
    assert.equal(code, CommandCode.SendMessages);
    this.sends.push(payload.slice());
    if (this.#failures-- > 0) return Promise.reject(this.#error);
    return Promise.resolve(new Uint8Array());
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

/** The u128 ids of a SendMessages payload, in order. */
function idsOf(payload: Uint8Array): bigint[] {
  const batch = decodeSendMessages(payload);
  const view = new DataView(
    batch.messages.buffer,
    batch.messages.byteOffset,
    batch.messages.byteLength,
  );
  const ids: bigint[] = [];
  let at = 0;
  for (let i = 0; i < batch.count; i++) {
    ids.push(
      (view.getBigUint64(at + 16, true) << 64n) |
        view.getBigUint64(at + 8, true),
    );
    at += MESSAGE_HEADER_SIZE + view.getUint32(at + 52, true) +
      view.getUint32(at + 48, true);
  }
  return ids;
}

Deno.test("IggyProducer sends a batch lost with the connection again, byte for byte, with ids it gave the messages", async () => {
  const transport = new FlakyTransport(
    2,
    new ConnectionError("Connection lost"),
  );
  const producer = new IggyProducer(new IggyClient(transport), {
    ...TOPIC,
    retry: { delayMs: 1 },
  });
  await producer.send([
    message.text("a"),
    message.text("b", { id: 42n }),
    message.text("c"),
  ]);
  await producer.close();
  assert.equal(transport.sends.length, 3, "two failures, then success");
  assert.deepEqual(transport.sends[1], transport.sends[0]);
  assert.deepEqual(transport.sends[2], transport.sends[0]);
  const ids = idsOf(transport.sends[0]!);
  assert.equal(ids[1], 42n, "an id of the caller is kept");
  assert.ok(ids[0]! !== 0n && ids[2]! !== 0n, "the others get one");
  assert.equal(new Set(ids).size, 3);
});

Deno.test("IggyProducer does not retry an error the server answered, and gives up after the retries", async () => {
  const refused = new FlakyTransport(
    1,
    new IggyError(ErrorCode.TopicIdNotFound),
  );
  const producer = new IggyProducer(new IggyClient(refused), {
    ...TOPIC,
    retry: { delayMs: 1 },
  });
  await assert.rejects(
    producer.send("x"),
    (err: unknown) =>
      err instanceof IggyError && err.code === ErrorCode.TopicIdNotFound,
  );
  assert.equal(refused.sends.length, 1);
  await producer.close();

  const down = new FlakyTransport(100, new ConnectionError("Connection lost"));
  const giving = new IggyProducer(new IggyClient(down), {
    ...TOPIC,
    retry: { retries: 3, delayMs: 1 },
  });
  await assert.rejects(giving.send("y"), ConnectionError);
  assert.equal(down.sends.length, 4, "the first send and three retries");
  await giving.close().catch(() => {});

  assert.throws(
    () =>
      new IggyProducer(new IggyClient(down), {
        ...TOPIC,
        retry: { retries: -1 },
      }),
    RangeError,
  );
  assert.throws(
    () =>
      new IggyProducer(new IggyClient(down), {
        ...TOPIC,
        partitioning: "random" as "sticky",
      }),
    TypeError,
  );
});

/** Messages per partition of a 3-partition topic after `send` ran. */
async function spread(
  partitioning: ConstructorParameters<typeof IggyProducer>[1]["partitioning"],
  batchLength: number,
): Promise<number[]> {
  await using server = await startServer();
  await using client = await connect({
    ...server.tcp,
    username: "iggy",
    password: "iggy",
  });
  await client.createStream("s");
  await client.createTopic("s", "t", { partitionsCount: 3 });
  {
    await using producer = new IggyProducer(client, {
      streamId: "s",
      topicId: "t",
      partitioning,
      batchLength,
    });
    // One send() alone, then many queued behind it: the case that put 999 of 1000 on one partition.
    await producer.send("first");
    await producer.send(Array.from({ length: 999 }, (_, i) => `m${i}`));
  }
  const counts: number[] = [];
  for (let partitionId = 0; partitionId < 3; partitionId++) {
    const polled = await client.pollMessages({
      streamId: "s",
      topicId: "t",
      partitionId,
      strategy: PollingStrategy.first(),
      count: 2000,
      autoCommit: false,
    });
    counts.push(polled.messages.length);
  }
  return counts;
}

Deno.test("IggyProducer spreads messages over the partitions by default (round-robin per message)", async () => {
  const counts = await spread(undefined, 1000);
  assert.equal(counts.reduce((a, b) => a + b), 1000);
  for (const count of counts) {
    assert.ok(
      Math.abs(count - 1000 / 3) <= 1000 / 3 * 0.1,
      `within ±10 %: ${counts.join(" + ")}`,
    );
  }
});

Deno.test("IggyProducer in sticky mode sends batchLength messages in a row to one partition, then the next", async () => {
  const counts = await spread("sticky", 100);
  // 1000 messages in runs of 100: partitions get 4, 3 and 3 runs.
  assert.deepEqual(counts, [400, 300, 300]);
});

Deno.test("IggyProducer reuses the buffers of answered batches without mixing their bytes", async () => {
  await using server = await startServer();
  await using client = await connect({
    ...server.tcp,
    username: "iggy",
    password: "iggy",
  });
  await client.createStream("s");
  await client.createTopic("s", "t", { partitionsCount: 1 });
  const payloadOf = (i: number) => new Uint8Array(1024).fill(i % 251);
  {
    // 100 KB batches: large enough for the buffer pool.
    await using producer = new IggyProducer(client, {
      streamId: "s",
      topicId: "t",
      batchLength: 100,
    });
    for (let b = 0; b < 6; b++) {
      await producer.send(
        Array.from({ length: 100 }, (_, i) => payloadOf(b * 100 + i)),
      );
    }
  }
  const { messages } = await client.pollMessages({
    streamId: "s",
    topicId: "t",
    partitionId: 0,
    strategy: PollingStrategy.first(),
    count: 1000,
    autoCommit: false,
  });
  assert.equal(messages.length, 600);
  messages.forEach((m, i) => assert.deepEqual(m.payload, payloadOf(i)));
  assert.equal(new Set(messages.map((m) => m.id)).size, 600);
});
