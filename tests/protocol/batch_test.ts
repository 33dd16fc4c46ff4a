import assert from "node:assert/strict";
import {
  decodePolledMessages,
  decodeSendMessages,
  encodePolledMessages,
  encodeSendMessages,
  encodeSendMessagesFrame,
  INDEX_ENTRY_SIZE,
  MESSAGE_HEADER_SIZE,
  MessageField,
  type PolledMessages,
  prepareMessages,
  validateMessages,
} from "../../client/protocol/batch.ts";
import { ErrorCode, IggyError } from "../../client/protocol/errors.ts";
import { FRAME_HEADER_SIZE } from "../../client/protocol/frame.ts";
import { CommandCode } from "../../client/protocol/codes.ts";
import { encodeRequest } from "../../client/protocol/frame.ts";
import { header, headerToValue } from "../../client/protocol/headers.ts";
import { hex, toHex } from "./_codec.ts";

interface Vector {
  name: string;
  hex: string;
}

const vectors: Vector[] = JSON.parse(
  await Deno.readTextFile(new URL("../testdata/vectors.json", import.meta.url)),
);

function vector(name: string): Uint8Array {
  const found = vectors.find((v) => v.name === name);
  assert.ok(found, name);
  return hex(found.hex);
}

const T = 1700000000000000n;
const text = new TextEncoder();

function assertIggyError(fn: () => unknown, code: number, label = ""): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(
      err instanceof IggyError,
      `${label}: expected IggyError, got ${err}`,
    );
    assert.equal(err.code, code, `${label}: ${err.message}`);
    return true;
  });
}

Deno.test("encodeSendMessages() matches the send_messages_hello vector byte for byte", () => {
  const payload = encodeSendMessages({
    streamId: 0,
    topicId: 0,
    partitioning: { kind: "partition_id", partitionId: 0 },
    messages: [{ id: 1n, payload: text.encode("hello"), originTimestamp: T }],
  });
  assert.equal(
    toHex(encodeRequest(CommandCode.SendMessages, payload)),
    toHex(vector("send_messages_hello")),
  );
});

Deno.test("encodeSendMessages() matches the header/balanced vector byte for byte", () => {
  const payload = encodeSendMessages({
    streamId: "dev",
    topicId: "events",
    partitioning: { kind: "balanced" },
    messages: [{
      payload: text.encode("hello"),
      originTimestamp: T,
      headers: { "content-type": header.string("text/plain") },
    }],
  });
  assert.equal(
    toHex(encodeRequest(CommandCode.SendMessages, payload)),
    toHex(vector("send_messages_with_header_balanced")),
  );
});

Deno.test("decodeSendMessages() splits the vector into metadata, index and frames", () => {
  const frame = vector("send_messages_with_header_balanced");
  const batch = decodeSendMessages(frame.subarray(FRAME_HEADER_SIZE));
  assert.equal(batch.streamId, "dev");
  assert.equal(batch.topicId, "events");
  assert.deepEqual(batch.partitioning, { kind: "balanced" });
  assert.equal(batch.count, 1);
  assert.equal(batch.indexes.length, INDEX_ENTRY_SIZE);
  assert.equal(batch.messages.length, 101);
  validateMessages(batch);
});

Deno.test("decodePolledMessages() reads the poll vector", () => {
  const frame = vector("poll_messages_offset0_count10_ok");
  const polled = decodePolledMessages(frame.subarray(FRAME_HEADER_SIZE));
  assert.equal(polled.partitionId, 0);
  assert.equal(polled.currentOffset, 0n);
  assert.equal(polled.messages.length, 1);
  const [message] = polled.messages;
  assert.equal(message!.id, 1n);
  assert.equal(message!.offset, 0n);
  assert.equal(message!.timestamp, T + 1000n);
  assert.equal(message!.originTimestamp, T);
  assert.equal(message!.checksum, 0xe84b1f430562d036n);
  assert.equal(new TextDecoder().decode(message!.payload), "hello");
  assert.deepEqual(message!.headers, {});
});

Deno.test("decodePolledMessages() decodes typed user headers and stops at a truncated frame", () => {
  const payload = encodeSendMessages({
    streamId: 0,
    topicId: 0,
    partitioning: { kind: "balanced" },
    messages: [
      {
        payload: text.encode("a"),
        headers: {
          n: header.uint64(42n),
          s: header.string("x"),
          b: header.bool(true),
        },
      },
      { payload: text.encode("b") },
    ],
  });
  const batch = decodeSendMessages(payload);
  const answer = new Uint8Array(16 + batch.messages.length);
  new DataView(answer.buffer).setUint32(12, 2, true);
  answer.set(batch.messages, 16);
  const polled = decodePolledMessages(answer);
  assert.equal(polled.messages.length, 2);
  assert.equal(headerToValue(polled.messages[0]!.headers.n!), 42n);
  assert.equal(headerToValue(polled.messages[0]!.headers.s!), "x");
  assert.equal(headerToValue(polled.messages[0]!.headers.b!), true);
  const truncated = decodePolledMessages(answer.subarray(0, answer.length - 1));
  assert.equal(truncated.messages.length, 1);
});

function sampleBatch(count = 3): Uint8Array {
  return encodeSendMessages({
    streamId: 1,
    topicId: 2,
    partitioning: { kind: "partition_id", partitionId: 0 },
    messages: Array.from(
      { length: count },
      (_, i) => ({ payload: text.encode(`message ${i}`) }),
    ),
  });
}

Deno.test("validateMessages() rejects what binary.md §6.4 rejects", () => {
  const cases: [
    string,
    (payload: Uint8Array, batchStart: number, view: DataView) => void,
    number,
  ][] = [
    [
      "non-zero index offset",
      (_p, _s, v) => v.setUint32(0, 1, true),
      ErrorCode.NonZeroOffset,
    ],
    [
      "non-zero index timestamp",
      (_p, _s, v) => v.setBigUint64(8, 1n, true),
      ErrorCode.NonZeroTimestamp,
    ],
    [
      "decreasing index position",
      (_p, _s, v) => v.setUint32(16 + 4, 10, true),
      ErrorCode.CannotReadIndexPosition,
    ],
    [
      "position past the section",
      (_p, _s, v) => v.setUint32(4, 1_000_000, true),
      ErrorCode.MissingIndex,
    ],
    [
      "reserved field",
      (_p, s, v) => v.setBigUint64(s + MessageField.Reserved, 1n, true),
      ErrorCode.InvalidReservedField,
    ],
    [
      "declared size too large",
      (_p, s, v) => v.setUint32(s + MessageField.PayloadLength, 500, true),
      ErrorCode.MissingIndex,
    ],
    [
      "declared size too small",
      (_p, s, v) => v.setUint32(s + MessageField.PayloadLength, 1, true),
      ErrorCode.InvalidMessagesSize,
    ],
  ];
  for (const [name, corrupt, code] of cases) {
    const payload = sampleBatch();
    const metadataLength = new DataView(payload.buffer).getUint32(0, true);
    const indexStart = 4 + metadataLength;
    const framesStart = indexStart + 3 * INDEX_ENTRY_SIZE;
    corrupt(
      payload,
      framesStart - indexStart,
      new DataView(payload.buffer, indexStart),
    );
    assertIggyError(
      () => validateMessages(decodeSendMessages(payload)),
      code,
      name,
    );
  }
});

Deno.test("validateMessages() rejects an empty batch and takes any user-header block as opaque bytes", () => {
  const payload = sampleBatch(1);
  const view = new DataView(payload.buffer);
  const metadataLength = view.getUint32(0, true);
  view.setUint32(metadataLength, 0, true); // messages_count is the metadata's last u32
  const empty = decodeSendMessages(payload);
  assertIggyError(
    () => validateMessages({ ...empty, count: 0 }),
    ErrorCode.InvalidMessagesCount,
  );

  const withHeaders = encodeSendMessages({
    streamId: 0,
    topicId: 0,
    partitioning: { kind: "balanced" },
    messages: [{
      payload: text.encode("p"),
      headers: { k: header.string("v") },
    }],
  });
  const batch = decodeSendMessages(withHeaders);
  // Make the value kind a Uint32 while its length stays 1 byte: not a header block any more, but
  // Iggy 0.8.0 stores such blocks (the official SDKs send them encrypted), and so does this server.
  const valueKindAt = MESSAGE_HEADER_SIZE + 1 + 1 + 4 + 1;
  batch.messages[valueKindAt] = 11;
  validateMessages(batch);
});

Deno.test("decodeSendMessages() maps bad metadata to 6 and 3", () => {
  const payload = sampleBatch();
  payload[4] = 9; // stream identifier kind
  assertIggyError(
    () => decodeSendMessages(payload),
    ErrorCode.InvalidIdentifier,
  );
  const short = sampleBatch();
  new DataView(short.buffer).setUint32(0, 100_000, true);
  assertIggyError(() => decodeSendMessages(short), ErrorCode.InvalidCommand);
});

Deno.test("prepareMessages() encodes once to the same bytes encodeSendMessages() writes", () => {
  const messages = [
    {
      id: 5n,
      payload: text.encode("one"),
      originTimestamp: T,
      headers: { k: header.string("v") },
    },
    { payload: text.encode("two"), originTimestamp: T },
  ];
  const command = {
    streamId: "s",
    topicId: 7,
    partitioning: { kind: "partition_id", partitionId: 2 },
  } as const;
  const direct = encodeSendMessages({ ...command, messages });
  const prepared = prepareMessages(messages);
  assert.equal(prepared.count, 2);
  assert.equal(
    toHex(encodeSendMessages({ ...command, messages: prepared })),
    toHex(direct),
  );
  // A reused (dirty) buffer gives the same bytes: every field is written.
  const dirty = (size: number) => new Uint8Array(size).fill(0xab);
  assert.equal(
    toHex(encodeSendMessages({ ...command, messages }, dirty)),
    toHex(direct),
  );
  assert.equal(
    toHex(encodeSendMessages({ ...command, messages: prepared }, dirty)),
    toHex(direct),
  );
});

function frameMessages() {
  return [
    {
      id: 9n,
      payload: text.encode("first"),
      originTimestamp: T,
      headers: { k: header.string("v") },
    },
    { payload: new Uint8Array(3000).fill(7), originTimestamp: T },
    { id: (1n << 128n) - 1n, payload: text.encode("raw"), originTimestamp: T },
  ];
}

const frameCommands = [
  { streamId: 1, topicId: 2, partitioning: { kind: "balanced" } },
  {
    streamId: "s".repeat(255),
    topicId: "t".repeat(255),
    partitioning: { kind: "messages_key", key: new Uint8Array(255).fill(9) },
  },
  {
    streamId: "orders",
    topicId: 4_000_000_000,
    partitioning: { kind: "partition_id", partitionId: 3 },
  },
  {
    streamId: 7,
    topicId: "t",
    partitioning: { kind: "messages_key", key: text.encode("k") },
  },
] as const;

Deno.test("encodeSendMessagesFrame() builds a prepared batch's frame in place, byte for byte the request encodeSendMessages() gives", () => {
  const messages = frameMessages();
  const prepared = prepareMessages(messages);
  // Longest metadata first, then shorter ones: the frame start moves inside the same headroom.
  for (const command of [frameCommands[1], ...frameCommands]) {
    const expected = toHex(
      encodeRequest(
        CommandCode.SendMessages,
        encodeSendMessages({ ...command, messages }),
      ),
    );
    const frame = encodeSendMessagesFrame(
      { ...command, messages: prepared },
      {
        inPlace: true,
        allocate: () => assert.fail("an in-place frame allocates nothing"),
      },
    );
    assert.equal(toHex(frame), expected, command.partitioning.kind);
    // A view of the batch's own buffer, ending with its section: nothing was copied.
    assert.equal(frame.buffer, prepared.section.buffer);
    assert.equal(
      frame.byteOffset + frame.length,
      prepared.section.byteOffset + prepared.section.length,
    );
    assert.equal(
      frame.byteOffset + frame.length - prepared.section.length,
      prepared.section.byteOffset,
    );
  }
});

Deno.test("encodeSendMessagesFrame() copies into an allocated buffer when not in place, for message arrays and hand-built batches", () => {
  const messages = frameMessages();
  const prepared = prepareMessages(messages);
  const handBuilt = {
    count: prepared.count,
    section: prepared.section.slice(),
  };
  const dirty = (size: number) => new Uint8Array(size).fill(0xab);
  for (const command of frameCommands) {
    const expected = toHex(
      encodeRequest(
        CommandCode.SendMessages,
        encodeSendMessages({ ...command, messages }),
      ),
    );
    const cases = [
      { name: "array", messages, inPlace: true },
      { name: "prepared, not in place", messages: prepared, inPlace: false },
      { name: "hand-built batch", messages: handBuilt, inPlace: true },
    ];
    for (const c of cases) {
      let allocated: Uint8Array | undefined;
      const frame = encodeSendMessagesFrame(
        { ...command, messages: c.messages },
        {
          inPlace: c.inPlace,
          allocate: (size) => (allocated = dirty(size)),
        },
      );
      assert.equal(frame, allocated, c.name);
      assert.equal(toHex(frame), expected, c.name);
    }
    // Without `allocate`, a new buffer.
    const fresh = encodeSendMessagesFrame({ ...command, messages: prepared });
    assert.notEqual(fresh.buffer, prepared.section.buffer);
    assert.equal(toHex(fresh), expected);
  }
});

Deno.test("encodeSendMessagesFrame() matches the send_messages vectors byte for byte, in place", () => {
  const hello = prepareMessages([
    { id: 1n, payload: text.encode("hello"), originTimestamp: T },
  ]);
  assert.equal(
    toHex(encodeSendMessagesFrame({
      streamId: 0,
      topicId: 0,
      partitioning: { kind: "partition_id", partitionId: 0 },
      messages: hello,
    }, { inPlace: true })),
    toHex(vector("send_messages_hello")),
  );
  const withHeader = prepareMessages([{
    payload: text.encode("hello"),
    originTimestamp: T,
    headers: { "content-type": header.string("text/plain") },
  }]);
  assert.equal(
    toHex(encodeSendMessagesFrame({
      streamId: "dev",
      topicId: "events",
      partitioning: { kind: "balanced" },
      messages: withHeader,
    }, { inPlace: true })),
    toHex(vector("send_messages_with_header_balanced")),
  );
});

Deno.test("encodeSendMessagesFrame() rejects an empty batch and a too long messages key before writing", () => {
  const prepared = prepareMessages(frameMessages());
  const before = toHex(
    new Uint8Array(
      prepared.section.buffer,
      0,
      prepared.section.byteOffset + prepared.section.length,
    ),
  );
  assert.throws(
    () =>
      encodeSendMessagesFrame({
        streamId: 1,
        topicId: 1,
        partitioning: { kind: "messages_key", key: new Uint8Array(256) },
        messages: prepared,
      }, { inPlace: true }),
    RangeError,
  );
  assert.equal(
    toHex(
      new Uint8Array(
        prepared.section.buffer,
        0,
        prepared.section.byteOffset + prepared.section.length,
      ),
    ),
    before,
  );
  assert.throws(
    () =>
      encodeSendMessagesFrame({
        streamId: 1,
        topicId: 1,
        partitioning: { kind: "balanced" },
        messages: [],
      }),
    RangeError,
  );
  assert.throws(() => prepareMessages([]), RangeError);
});

Deno.test("prepareMessages() exposes only count and section, the section being the index entries and frames", () => {
  const messages = frameMessages();
  const prepared = prepareMessages(messages);
  assert.deepEqual(Object.keys(prepared).sort(), ["count", "section"]);
  const payload = encodeSendMessages({
    streamId: 1,
    topicId: 1,
    partitioning: { kind: "balanced" },
    messages,
  });
  const decoded = decodeSendMessages(payload);
  assert.equal(
    prepared.section.length,
    decoded.indexes.length + decoded.messages.length,
  );
  assert.equal(toHex(prepared.section), toHex(payload.subarray(22)));
});

Deno.test("decodePolledMessages() reads back encodePolledMessages()", () => {
  const polled: PolledMessages = {
    partitionId: 3,
    currentOffset: 9n,
    messages: [
      {
        offset: 8n,
        id: 2n ** 128n - 1n,
        timestamp: 5n,
        originTimestamp: 4n,
        checksum: 7n,
        headers: { k: header.string("v") },
        payload: new TextEncoder().encode("x"),
      },
      {
        offset: 9n,
        id: 1n,
        timestamp: 6n,
        originTimestamp: 4n,
        checksum: 8n,
        headers: {},
        payload: new Uint8Array(0),
      },
    ],
  };
  assert.deepEqual(
    decodePolledMessages(encodePolledMessages(polled)),
    polled,
  );
});
