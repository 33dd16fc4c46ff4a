import assert from "node:assert/strict";
import * as t from "../../../client/protocol/commands/topics.ts";
import { assertRoundTrip, assertWireError, hex } from "../_codec.ts";

const T = 1_700_000_000_000_000n;
const MAX = 0xffff_ffff_ffff_ffffn;

const topic: t.Topic = {
  id: 2,
  createdAt: T,
  name: "events",
  partitionsCount: 0,
  messageExpiry: MAX,
  compressionAlgorithm: 2,
  maxTopicSize: MAX,
  replicationFactor: 3,
  sizeBytes: 99n,
  messagesCount: 7n,
};

Deno.test("encodeGetTopic() / decodeGetTopic() round-trip", () => {
  assertRoundTrip(t.encodeGetTopic, t.decodeGetTopic, {
    streamId: 0,
    topicId: "events",
  });
});

Deno.test("encodeGetTopics() / decodeGetTopics() round-trip", () => {
  assertRoundTrip(t.encodeGetTopics, t.decodeGetTopics, { streamId: "dev" });
});

Deno.test("encodeCreateTopic() / decodeCreateTopic() round-trip", () => {
  const bytes = assertRoundTrip(t.encodeCreateTopic, t.decodeCreateTopic, {
    streamId: 0,
    partitionsCount: 2,
    compressionAlgorithm: 1,
    messageExpiry: 0n,
    maxTopicSize: 0n,
    replicationFactor: 1,
    name: "events",
  });
  assert.equal(bytes.length, 35);
});

Deno.test("encodeDeleteTopic() / decodeDeleteTopic() round-trip", () => {
  assertRoundTrip(t.encodeDeleteTopic, t.decodeDeleteTopic, {
    streamId: 1,
    topicId: 2,
  });
});

Deno.test("decodeDeleteTopic() ignores the Node SDK's trailing partitions count", () => {
  assert.deepEqual(
    t.decodeDeleteTopic(hex("010401000000010402000000" + "02000000")),
    {
      streamId: 1,
      topicId: 2,
    },
  );
});

Deno.test("encodeUpdateTopic() / decodeUpdateTopic() round-trip", () => {
  assertRoundTrip(t.encodeUpdateTopic, t.decodeUpdateTopic, {
    streamId: "dev",
    topicId: 0,
    compressionAlgorithm: 2,
    messageExpiry: 1_000_000n,
    maxTopicSize: MAX,
    replicationFactor: 0,
    name: "renamed",
  });
});

Deno.test("encodePurgeTopic() / decodePurgeTopic() round-trip", () => {
  assertRoundTrip(t.encodePurgeTopic, t.decodePurgeTopic, {
    streamId: 0,
    topicId: 0,
  });
});

Deno.test("encodeTopic() / decodeTopic() round-trip (51 + n bytes)", () => {
  const bytes = assertRoundTrip(t.encodeTopic, t.decodeTopic, topic);
  assert.equal(bytes.length, 51 + 6);
  // message_expiry at +16, compression at +24
  assert.equal(bytes[24], 2);
});

Deno.test("encodeTopics() / decodeTopics() round-trip", () => {
  assertRoundTrip(t.encodeTopics, t.decodeTopics, [topic, {
    ...topic,
    id: 3,
    name: "x",
  }]);
  assert.deepEqual(t.decodeTopics(new Uint8Array(0)), []);
});

Deno.test("encodeTopicDetails() / decodeTopicDetails() round-trip", () => {
  assertRoundTrip(t.encodeTopicDetails, t.decodeTopicDetails, {
    ...topic,
    partitionsCount: 2,
    partitions: [0, 1].map((id) => ({
      id,
      createdAt: T,
      segmentsCount: 1,
      currentOffset: BigInt(id),
      sizeBytes: 0n,
      messagesCount: 0n,
    })),
  });
});

Deno.test("decodeCreateTopic() rejects unknown compression with 3 and an empty name with 4", () => {
  const good = t.encodeCreateTopic({
    streamId: 0,
    partitionsCount: 1,
    compressionAlgorithm: 1,
    messageExpiry: 0n,
    maxTopicSize: 0n,
    replicationFactor: 1,
    name: "a",
  });
  const badCompression = good.slice();
  badCompression[10] = 9;
  assertWireError(() => t.decodeCreateTopic(badCompression), 3);
  const emptyName = good.slice(0, good.length - 1);
  emptyName[emptyName.length - 1] = 0;
  assertWireError(() => t.decodeCreateTopic(emptyName), 4);
  assertWireError(() => t.decodeCreateTopic(good.subarray(0, 20)), 3);
});
