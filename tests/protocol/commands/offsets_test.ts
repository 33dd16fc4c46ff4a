import assert from "node:assert/strict";
import * as o from "../../../client/protocol/commands/offsets.ts";
import { assertRoundTrip, assertWireError, hex } from "../_codec.ts";

Deno.test("encodeGetConsumerOffset() / decodeGetConsumerOffset() round-trip", () => {
  assertRoundTrip(o.encodeGetConsumerOffset, o.decodeGetConsumerOffset, {
    consumer: { kind: "consumer", id: 1 },
    streamId: 0,
    topicId: 0,
    partitionId: 0,
  });
  assertRoundTrip(o.encodeGetConsumerOffset, o.decodeGetConsumerOffset, {
    consumer: { kind: "group", id: "workers" },
    streamId: "dev",
    topicId: "events",
  });
});

Deno.test("encodeStoreConsumerOffset() / decodeStoreConsumerOffset() round-trip", () => {
  assertRoundTrip(o.encodeStoreConsumerOffset, o.decodeStoreConsumerOffset, {
    consumer: { kind: "consumer", id: "c-1" },
    streamId: 0,
    topicId: 1,
    partitionId: 2,
    offset: 12345678901234n,
  });
});

Deno.test("encodeDeleteConsumerOffset() / decodeDeleteConsumerOffset() round-trip", () => {
  assertRoundTrip(o.encodeDeleteConsumerOffset, o.decodeDeleteConsumerOffset, {
    consumer: { kind: "group", id: 0 },
    streamId: 0,
    topicId: 1,
  });
});

Deno.test("encodeConsumerOffsetInfo() / decodeConsumerOffsetInfo() round-trip", () => {
  const bytes = assertRoundTrip(
    o.encodeConsumerOffsetInfo,
    o.decodeConsumerOffsetInfo,
    {
      partitionId: 1,
      currentOffset: 10n,
      storedOffset: 7n,
    },
  );
  assert.equal(bytes.length, 20);
});

Deno.test("decodeGetConsumerOffset() treats a partition flag other than 1 as none", () => {
  const decoded = o.decodeGetConsumerOffset(
    hex("01010401000000" + "010400000000" + "010400000000" + "0209000000"),
  );
  assert.equal(decoded.partitionId, undefined);
});

Deno.test("decodeStoreConsumerOffset() rejects a bad consumer kind with 3 and a missing offset with 3", () => {
  assertWireError(
    () =>
      o.decodeStoreConsumerOffset(
        hex("09010401000000010400000000010400000000" + "0100000000"),
      ),
    3,
  );
  assertWireError(
    () =>
      o.decodeStoreConsumerOffset(
        hex("01010401000000010400000000010400000000" + "0100000000"),
      ),
    3,
  );
});
