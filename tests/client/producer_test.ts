import assert from "node:assert/strict";
import {
  CommandCode,
  ConnectionError,
  ErrorCode,
  header,
  HeaderKind,
  IggyClient,
  IggyError,
  IggyProducer,
  message,
  Partitioning,
  type Transport,
} from "../../mod.ts";
import { decodeSendMessages } from "../../client/protocol/mod.ts";
import type { Partitioning as WirePartitioning } from "../../client/protocol/mod.ts";

interface SentBatch {
  partitioning: WirePartitioning;
  count: number;
  release(error?: unknown): void;
}

/** A transport that records SendMessages batches and answers each only when the test releases it. */
class HeldTransport implements Transport {
  closed = false;
  readonly batches: SentBatch[] = [];
  #arrived: (() => void)[] = [];

  request(code: number, payload: Uint8Array): Promise<Uint8Array> {
    assert.equal(code, CommandCode.SendMessages);
    const batch = decodeSendMessages(payload);
    const { promise, resolve, reject } = Promise.withResolvers<Uint8Array>();
    this.batches.push({
      partitioning: batch.partitioning,
      count: batch.count,
      release: (error) => error ? reject(error) : resolve(new Uint8Array()),
    });
    for (const wake of this.#arrived.splice(0)) wake();
    return promise;
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  /** Resolves once `n` batches have been sent. */
  async batchesSent(n: number): Promise<void> {
    while (this.batches.length < n) {
      await new Promise<void>((resolve) => this.#arrived.push(resolve));
    }
  }
}

/** Lets pending promise callbacks run (no timers involved). */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

// These tests check batching, so the partition is the server's choice (one batch per request);
// the producer's default spreads messages over the topic's partitions (see partitioning_test.ts).
const TOPIC = {
  streamId: "s",
  topicId: "t",
  partitioning: Partitioning.balanced(),
};

Deno.test("IggyProducer.send() batches messages queued while a request is in flight", async () => {
  const transport = new HeldTransport();
  const producer = new IggyProducer(new IggyClient(transport), {
    ...TOPIC,
    batchLength: 3,
  });
  let done = 0;
  const sends = Array.from(
    { length: 8 },
    (_, i) => producer.send(`m${i}`).then(() => done++),
  );
  await transport.batchesSent(1);
  assert.equal(
    transport.batches[0]!.count,
    1,
    "the first message goes at once",
  );
  await settle();
  assert.equal(transport.batches.length, 1, "one request in flight at a time");
  assert.equal(producer.queued, 8);
  transport.batches[0]!.release();
  await transport.batchesSent(2);
  assert.equal(transport.batches[1]!.count, 3, "then batches of batchLength");
  await settle();
  assert.equal(done, 1, "send() resolves only once acknowledged");
  transport.batches[1]!.release();
  await transport.batchesSent(3);
  transport.batches[2]!.release();
  await transport.batchesSent(4);
  assert.deepEqual(transport.batches.map((b) => b.count), [1, 3, 3, 1]);
  transport.batches[3]!.release();
  await Promise.all(sends);
  assert.equal(done, 8);
  assert.equal(producer.queued, 0);
  await producer.close();
});

Deno.test("IggyProducer.send() waits for room when the queue is full (back-pressure)", async () => {
  const transport = new HeldTransport();
  const producer = new IggyProducer(new IggyClient(transport), {
    ...TOPIC,
    batchLength: 2,
    maxQueued: 4,
  });
  const writer = producer.writable.getWriter();
  const accepted: number[] = [];
  const writes = Array.from(
    { length: 7 },
    (_, i) => writer.write(`m${i}`).then(() => accepted.push(i)),
  );
  await transport.batchesSent(1);
  await settle();
  assert.deepEqual(accepted, [0, 1, 2, 3], "only maxQueued messages admitted");
  assert.equal(producer.queued, 4);
  transport.batches[0]!.release(); // acknowledges m0 (1 message)
  await transport.batchesSent(2);
  await settle();
  assert.deepEqual(accepted, [0, 1, 2, 3, 4]);
  assert.ok(producer.queued <= 4);
  transport.batches[1]!.release(); // m1, m2
  await transport.batchesSent(3);
  await settle();
  assert.deepEqual(accepted, [0, 1, 2, 3, 4, 5, 6]);
  assert.deepEqual(transport.batches.map((b) => b.count), [1, 2, 2]);
  const closing = writer.close();
  transport.batches[2]!.release(); // m3, m4
  await transport.batchesSent(4);
  transport.batches[3]!.release(); // m5, m6
  await Promise.all(writes);
  await closing;
  assert.equal(transport.batches.reduce((n, b) => n + b.count, 0), 7);
  await producer.close();
});

Deno.test("IggyProducer groups batches by partitioning and waits lingerMs before a partial batch", async () => {
  const transport = new HeldTransport();
  const producer = new IggyProducer(new IggyClient(transport), {
    ...TOPIC,
    batchLength: 100,
    lingerMs: 20,
    partitioning: (m) => Partitioning.messagesKey(m.headers!.key!.value),
  });
  const sends = ["a", "b", "a", "a", "b"].map((key) =>
    producer.send(message.text(`to ${key}`, {
      headers: { key: header.string(key) },
    }))
  );
  const start = performance.now();
  await transport.batchesSent(1);
  assert.ok(performance.now() - start >= 15, "the partial batch lingered");
  transport.batches[0]!.release();
  await transport.batchesSent(2);
  transport.batches[1]!.release();
  await Promise.all(sends);
  const counts = transport.batches.map((b) => [
    new TextDecoder().decode(
      (b.partitioning as { key: Uint8Array }).key,
    ),
    b.count,
  ]);
  assert.deepEqual(counts.sort(), [["a", 3], ["b", 2]]);
  // An explicit partitioning per send overrides the producer's.
  const pinned = producer.send("x", {
    partitioning: Partitioning.partitionId(4),
  });
  const flushed = producer.flush();
  await transport.batchesSent(3);
  assert.deepEqual(transport.batches[2]!.partitioning, {
    kind: "partition_id",
    partitionId: 4,
  });
  transport.batches[2]!.release();
  await Promise.all([pinned, flushed]);
  await producer.close();
});

Deno.test("IggyProducer surfaces a failed batch on send(), flush() and the writable", async () => {
  const transport = new HeldTransport();
  const producer = new IggyProducer(new IggyClient(transport), {
    ...TOPIC,
    retry: false, // a lost connection fails the batch at once (retries: producer_retry_test.ts)
  });
  const failing = producer.send(["a", "b"]);
  await transport.batchesSent(1);
  transport.batches[0]!.release(new IggyError(ErrorCode.TopicIdNotFound));
  await assert.rejects(failing, (err) => {
    assert.ok(err instanceof IggyError);
    assert.equal(err.code, ErrorCode.TopicIdNotFound);
    return true;
  });

  const writer = producer.writable.getWriter();
  await writer.write("c"); // queued; its batch fails afterwards
  await transport.batchesSent(2);
  transport.batches[1]!.release(new ConnectionError("Connection lost"));
  await assert.rejects(writer.closed, ConnectionError);

  const next = producer.send("d");
  const flushed = producer.flush();
  await transport.batchesSent(3);
  transport.batches[2]!.release(new ConnectionError("Connection lost"));
  await assert.rejects(next, ConnectionError);
  await assert.rejects(flushed, ConnectionError);

  await producer.close();
  await assert.rejects(producer.send("e"), /Producer is closed/);
});

Deno.test("IggyProducer.close() sends what is queued, even before lingerMs, and clears its timers", async () => {
  const transport = new HeldTransport();
  const producer = new IggyProducer(new IggyClient(transport), {
    ...TOPIC,
    lingerMs: 60_000,
    closeClient: true,
  });
  const sent = producer.send(["a", "b", "c"]);
  await settle();
  assert.equal(transport.batches.length, 0, "lingering");
  const closing = producer.close();
  await transport.batchesSent(1);
  assert.equal(transport.batches[0]!.count, 3);
  transport.batches[0]!.release();
  await Promise.all([sent, closing]);
  assert.equal(transport.closed, true, "closeClient closes the client");
});

Deno.test("message builders produce text, JSON and byte payloads with typed headers", () => {
  const json = message.json({ a: [1, 2] }, {
    id: 7n,
    headers: { type: header.string("t"), n: header.uint32(5) },
  });
  assert.equal(
    new TextDecoder().decode(json.payload as Uint8Array),
    '{"a":[1,2]}',
  );
  assert.equal(json.id, 7n);
  assert.equal(json.headers!.n!.kind, HeaderKind.Uint32);
  assert.equal(message.text("hi").payload, "hi");
  assert.deepEqual(message.bytes(Uint8Array.of(1)).payload, Uint8Array.of(1));
  assert.throws(() => message.json(undefined), TypeError);
  assert.throws(
    () =>
      new IggyProducer(new IggyClient(new HeldTransport()), {
        ...TOPIC,
        batchLength: 0,
      }),
    RangeError,
  );
});
