import assert from "node:assert/strict";
import * as m from "../../../client/protocol/commands/messages.ts";
import { assertRoundTrip, assertWireError, hex, toHex } from "../_codec.ts";

Deno.test("encodePollMessages() / decodePollMessages() round-trip", () => {
  assertRoundTrip(m.encodePollMessages, m.decodePollMessages, {
    consumer: { kind: "consumer", id: 1 },
    streamId: 0,
    topicId: 0,
    partitionId: 0,
    strategy: { kind: "offset", value: 0n },
    count: 10,
    autoCommit: false,
  });
  assertRoundTrip(m.encodePollMessages, m.decodePollMessages, {
    consumer: { kind: "group", id: "workers" },
    streamId: "dev",
    topicId: "events",
    strategy: { kind: "next", value: 0n },
    count: 100,
    autoCommit: true,
  });
});

Deno.test("decodePollMessages() treats any non-zero auto_commit as true", () => {
  const bytes = m.encodePollMessages({
    consumer: { kind: "consumer", id: 1 },
    streamId: 0,
    topicId: 0,
    strategy: { kind: "first", value: 0n },
    count: 1,
    autoCommit: false,
  });
  bytes[bytes.length - 1] = 7;
  assert.equal(m.decodePollMessages(bytes).autoCommit, true);
});

Deno.test("decodePollMessages() rejects an unknown strategy with 3", () => {
  const bytes = m.encodePollMessages({
    consumer: { kind: "consumer", id: 1 },
    streamId: 0,
    topicId: 0,
    strategy: { kind: "last", value: 0n },
    count: 1,
    autoCommit: false,
  });
  bytes[7 + 6 + 6 + 5] = 6;
  assertWireError(() => m.decodePollMessages(bytes), 3);
  assertWireError(
    () => m.decodePollMessages(bytes.subarray(0, bytes.length - 1)),
    3,
  );
});

Deno.test("encodeFlushUnsavedBuffer() / decodeFlushUnsavedBuffer() round-trip", () => {
  const bytes = assertRoundTrip(
    m.encodeFlushUnsavedBuffer,
    m.decodeFlushUnsavedBuffer,
    {
      streamId: 0,
      topicId: "events",
      partitionId: 3,
      fsync: true,
    },
  );
  assert.equal(bytes[bytes.length - 1], 1);
});

Deno.test("encodePolledHeader() / decodePolledHeader() round-trip", () => {
  const header = { partitionId: 2, currentOffset: 41n, count: 3 };
  const bytes = assertRoundTrip(
    (h) => m.encodePolledHeader(h),
    m.decodePolledHeader,
    header,
  );
  assert.equal(toHex(bytes), "02000000" + "2900000000000000" + "03000000");
});

Deno.test("encodePolledHeader() writes into the given target", () => {
  const target = new Uint8Array(20).fill(0xee);
  const out = m.encodePolledHeader({
    partitionId: 1,
    currentOffset: 0n,
    count: 0,
  }, target);
  assert.equal(out, target);
  assert.equal(
    toHex(target),
    "01000000" + "0000000000000000" + "00000000" + "eeeeeeee",
  );
  assert.throws(
    () =>
      m.encodePolledHeader(
        { partitionId: 0, currentOffset: 0n, count: 0 },
        new Uint8Array(15),
      ),
    RangeError,
  );
});

Deno.test("decodePolledHeader() fails with 3 below 16 bytes", () => {
  assertWireError(
    () => m.decodePolledHeader(hex("000000000000000000000000000000")),
    3,
  );
});
