import assert from "node:assert/strict";
import * as p from "../../../client/protocol/commands/partitions.ts";
import { assertRoundTrip, assertWireError, toHex } from "../_codec.ts";

Deno.test("encodeCreatePartitions() / decodeCreatePartitions() round-trip", () => {
  const bytes = assertRoundTrip(
    p.encodeCreatePartitions,
    p.decodeCreatePartitions,
    {
      streamId: 0,
      topicId: "events",
      partitionsCount: 3,
    },
  );
  assert.equal(toHex(bytes.subarray(bytes.length - 4)), "03000000");
});

Deno.test("encodeDeletePartitions() / decodeDeletePartitions() round-trip", () => {
  assertRoundTrip(p.encodeDeletePartitions, p.decodeDeletePartitions, {
    streamId: "dev",
    topicId: 1,
    partitionsCount: 1,
  });
});

Deno.test("encodePartition() / decodePartition() round-trip (40 bytes)", () => {
  const bytes = assertRoundTrip(p.encodePartition, p.decodePartition, {
    id: 1,
    createdAt: 1_700_000_000_000_000n,
    segmentsCount: 2,
    currentOffset: 99n,
    sizeBytes: 4096n,
    messagesCount: 100n,
  });
  assert.equal(bytes.length, 40);
});

Deno.test("decodeCreatePartitions() fails with 3 when the count is missing", () => {
  const bytes = p.encodeCreatePartitions({
    streamId: 0,
    topicId: 0,
    partitionsCount: 1,
  });
  assertWireError(() => p.decodeCreatePartitions(bytes.subarray(0, 14)), 3);
});
