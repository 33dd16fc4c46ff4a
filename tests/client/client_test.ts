import assert from "node:assert/strict";
import {
  CommandCode,
  ConnectionError,
  IggyClient,
  IggyError,
  Partitioning,
  PollingStrategy,
  type PreparedMessages,
  type Transport,
} from "../../mod.ts";
import { decodeSendMessages } from "../../client/protocol/mod.ts";
import { startServer } from "../_server.ts";

/** A send request the fake transport has taken and not yet answered. */
interface Taken {
  /** The whole frame (header included), or the payload for `request()`. */
  bytes: Uint8Array;
  /** A copy of `bytes` when taken. */
  copy: Uint8Array;
  answer(): void;
  fail(error: Error): void;
}

/** A transport that keeps every request until the test answers it. */
class HoldingTransport implements Transport {
  closed = false;
  readonly taken: Taken[] = [];

  constructor(framing: boolean) {
    if (!framing) this.requestFrame = undefined;
  }

  requestFrame?(frame: Uint8Array): Promise<Uint8Array> {
    return this.#take(frame);
  }

  request(_code: number, payload: Uint8Array): Promise<Uint8Array> {
    return this.#take(payload);
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  /** Resolves once `count` requests have been taken. */
  waitTaken(count: number): Promise<void> {
    if (this.taken.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ count, resolve }));
  }

  #waiters: { count: number; resolve: () => void }[] = [];

  #take(bytes: Uint8Array): Promise<Uint8Array> {
    const answer = new Promise<Uint8Array>((resolve, reject) => {
      this.taken.push({
        bytes,
        copy: bytes.slice(),
        answer: () => resolve(new Uint8Array()),
        fail: reject,
      });
    });
    this.#waiters = this.#waiters.filter((waiter) => {
      if (this.taken.length < waiter.count) return true;
      waiter.resolve();
      return false;
    });
    return answer;
  }
}

/** The frame's payload decoded, and whether the frame is a view of the batch's own buffer. */
function inspect(frame: Uint8Array, batch: PreparedMessages) {
  const decoded = decodeSendMessages(frame.subarray(8));
  return {
    topicId: decoded.topicId,
    inPlace: frame.buffer === batch.section.buffer,
    section: frame.slice(frame.length - batch.section.length),
  };
}

/** Waits until `transport` has taken `count` requests in all. */
async function sent(transport: HoldingTransport, count: number): Promise<void> {
  await transport.waitTaken(count);
  assert.equal(transport.taken.length, count, "requests taken");
}

Deno.test("sendMessages() frames a prepared batch in place, and copies it while another send of it is unanswered", async () => {
  const transport = new HoldingTransport(true);
  const client = new IggyClient(transport);
  const batch = await client.prepareMessages([{ payload: "a" }, {
    payload: new Uint8Array(70_000).fill(5),
  }]);
  const first = client.sendMessages({
    streamId: 1,
    topicId: "one",
    messages: batch,
  });
  await sent(transport, 1);
  const second = client.sendMessages({
    streamId: 1,
    topicId: "two",
    messages: batch,
  });
  await sent(transport, 2);
  const [a, b] = transport.taken;
  assert.deepEqual(inspect(a!.bytes, batch), {
    topicId: "one",
    inPlace: true,
    section: batch.section,
  });
  assert.deepEqual(inspect(b!.bytes, batch), {
    topicId: "two",
    inPlace: false,
    section: batch.section,
  });
  assert.deepEqual(a!.bytes, a!.copy, "the first frame did not change");
  a!.answer();
  b!.answer();
  await Promise.all([first, second]);
  // Both answered: the headroom is free again, so the next send is in place.
  const third = client.sendMessages({
    streamId: 1,
    topicId: "three",
    messages: batch,
  });
  await sent(transport, 3);
  assert.equal(inspect(transport.taken[2]!.bytes, batch).inPlace, true);
  transport.taken[2]!.answer();
  await third;
});

Deno.test("sendMessages() shares the in-flight mark of a prepared batch across clients", async () => {
  const one = new HoldingTransport(true);
  const two = new HoldingTransport(true);
  const batch = await new IggyClient(one).prepareMessages([{ payload: "x" }]);
  const first = new IggyClient(one).sendMessages({
    streamId: 1,
    topicId: 1,
    messages: batch,
  });
  await sent(one, 1);
  const second = new IggyClient(two).sendMessages({
    streamId: 1,
    topicId: 2,
    messages: batch,
  });
  await sent(two, 1);
  assert.equal(inspect(one.taken[0]!.bytes, batch).inPlace, true);
  assert.equal(inspect(two.taken[0]!.bytes, batch).inPlace, false);
  one.taken[0]!.answer();
  two.taken[0]!.answer();
  await Promise.all([first, second]);
});

Deno.test("sendMessages() frees a prepared batch after an error status, not after a connection failure", async () => {
  const transport = new HoldingTransport(true);
  const client = new IggyClient(transport);
  const batch = await client.prepareMessages([{ payload: "x" }]);
  const send = () =>
    client.sendMessages({ streamId: 1, topicId: 1, messages: batch });
  const rejected = send();
  await sent(transport, 1);
  transport.taken[0]!.fail(new IggyError(2010));
  await assert.rejects(rejected, IggyError);
  const dropped = send();
  await sent(transport, 2);
  assert.equal(inspect(transport.taken[1]!.bytes, batch).inPlace, true);
  transport.taken[1]!.fail(new ConnectionError("Connection closed"));
  await assert.rejects(dropped, ConnectionError);
  // The dropped frame may still be being written somewhere: later sends copy the batch.
  const later = send();
  await sent(transport, 3);
  assert.equal(inspect(transport.taken[2]!.bytes, batch).inPlace, false);
  transport.taken[2]!.answer();
  await later;
});

Deno.test("sendMessages() gives a transport without requestFrame the payload of the frame", async () => {
  const transport = new HoldingTransport(false);
  const client = new IggyClient(transport);
  const batch = await client.prepareMessages([{ payload: "x" }]);
  const prepared = client.sendMessages({
    streamId: "s",
    topicId: 2,
    partitioning: Partitioning.partitionId(1),
    messages: batch,
  });
  await sent(transport, 1);
  const payload = transport.taken[0]!.bytes;
  assert.equal(payload.buffer, batch.section.buffer, "not copied");
  const decoded = decodeSendMessages(payload);
  assert.equal(decoded.streamId, "s");
  assert.deepEqual(decoded.partitioning, {
    kind: "partition_id",
    partitionId: 1,
  });
  transport.taken[0]!.answer();
  await prepared;
  const array = client.sendMessages({
    streamId: 1,
    topicId: 2,
    messages: [{ payload: "y" }],
  });
  await sent(transport, 2);
  const arrayPayload = transport.taken[1]!.bytes;
  assert.equal(decodeSendMessages(arrayPayload).count, 1);
  transport.taken[1]!.answer();
  await array;
});

Deno.test("sendMessages() sends a message array as one frame with its header", async () => {
  const transport = new HoldingTransport(true);
  const client = new IggyClient(transport);
  const payload = new Uint8Array(100_000).fill(1);
  const sending = client.sendMessages({
    streamId: 1,
    topicId: 1,
    messages: [{ payload }, { payload: "z" }],
  });
  await sent(transport, 1);
  const frame = transport.taken[0]!.bytes;
  const view = new DataView(frame.buffer, frame.byteOffset);
  assert.equal(view.getUint32(0, true), frame.length - 4);
  assert.equal(view.getUint32(4, true), CommandCode.SendMessages);
  const decoded = decodeSendMessages(frame.subarray(8));
  assert.equal(decoded.count, 2);
  assert.equal(decoded.messages.length, 2 * 64 + payload.length + 1);
  transport.taken[0]!.answer();
  await sending;
});

for (const kind of ["tcp", "http"] as const) {
  Deno.test(`sendMessages() over ${kind} delivers a prepared batch sent to two topics at once`, async () => {
    await using server = await startServer();
    await using client = await IggyClient.connect({
      transport: kind,
      ...(kind === "tcp" ? server.tcp : server.http!),
      username: "iggy",
      password: "iggy",
    });
    await client.createStream("zc");
    await client.createTopic("zc", "a", { partitionsCount: 1 });
    await client.createTopic("zc", "b", { partitionsCount: 1 });
    const payloads = Array.from(
      { length: 50 },
      (_, i) => new Uint8Array(2000 + i).fill(i),
    );
    const batch = await client.prepareMessages(
      payloads.map((payload, i) => ({ payload, id: BigInt(i + 1) })),
    );
    const send = (topicId: string) =>
      client.sendMessages({
        streamId: "zc",
        topicId,
        partitioning: Partitioning.partitionId(0),
        messages: batch,
      });
    // Twice each, concurrently: one send is framed in place, the others copy the batch.
    await Promise.all([send("a"), send("b"), send("a"), send("b")]);
    for (const topicId of ["a", "b"]) {
      const polled = await client.pollMessages({
        streamId: "zc",
        topicId,
        partitionId: 0,
        strategy: PollingStrategy.first(),
        count: 1000,
      });
      assert.equal(polled.messages.length, 2 * payloads.length, topicId);
      polled.messages.forEach((message, i) => {
        assert.equal(message.offset, BigInt(i));
        assert.equal(message.id, BigInt((i % payloads.length) + 1));
        assert.deepEqual(message.payload, payloads[i % payloads.length]);
      });
    }
  });
}
