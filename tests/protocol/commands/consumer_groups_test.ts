import assert from "node:assert/strict";
import * as g from "../../../client/protocol/commands/consumer_groups.ts";
import { assertRoundTrip, assertWireError, hex } from "../_codec.ts";

const ref = { streamId: 0, topicId: "events", groupId: "workers" };

Deno.test("encodeGetConsumerGroup() / decodeGetConsumerGroup() round-trip", () => {
  assertRoundTrip(g.encodeGetConsumerGroup, g.decodeGetConsumerGroup, ref);
});

Deno.test("encodeGetConsumerGroups() / decodeGetConsumerGroups() round-trip", () => {
  assertRoundTrip(g.encodeGetConsumerGroups, g.decodeGetConsumerGroups, {
    streamId: 1,
    topicId: 2,
  });
});

Deno.test("encodeCreateConsumerGroup() / decodeCreateConsumerGroup() round-trip", () => {
  assertRoundTrip(g.encodeCreateConsumerGroup, g.decodeCreateConsumerGroup, {
    streamId: 0,
    topicId: 0,
    name: "workers",
  });
});

Deno.test("encodeDeleteConsumerGroup() / decodeDeleteConsumerGroup() round-trip", () => {
  assertRoundTrip(
    g.encodeDeleteConsumerGroup,
    g.decodeDeleteConsumerGroup,
    ref,
  );
});

Deno.test("encodeJoinConsumerGroup() / decodeJoinConsumerGroup() round-trip", () => {
  assertRoundTrip(g.encodeJoinConsumerGroup, g.decodeJoinConsumerGroup, ref);
});

Deno.test("encodeLeaveConsumerGroup() / decodeLeaveConsumerGroup() round-trip", () => {
  assertRoundTrip(g.encodeLeaveConsumerGroup, g.decodeLeaveConsumerGroup, {
    ...ref,
    groupId: 3,
  });
});

Deno.test("encodeConsumerGroup() / decodeConsumerGroup() round-trip", () => {
  const bytes = assertRoundTrip(g.encodeConsumerGroup, g.decodeConsumerGroup, {
    id: 0,
    name: "workers",
    partitionsCount: 2,
    membersCount: 0,
  });
  assert.equal(bytes.length, 13 + 7);
});

Deno.test("encodeConsumerGroups() / decodeConsumerGroups() round-trip", () => {
  assertRoundTrip(g.encodeConsumerGroups, g.decodeConsumerGroups, [
    { id: 0, name: "a", partitionsCount: 2, membersCount: 1 },
    { id: 1, name: "b", partitionsCount: 2, membersCount: 0 },
  ]);
});

Deno.test("encodeConsumerGroupDetails() / decodeConsumerGroupDetails() round-trip", () => {
  assertRoundTrip(g.encodeConsumerGroupDetails, g.decodeConsumerGroupDetails, {
    id: 0,
    name: "workers",
    partitionsCount: 3,
    membersCount: 2,
    members: [
      { id: 0, partitionsCount: 2, partitions: [0, 2] },
      { id: 1, partitionsCount: 1, partitions: [1] },
    ],
  });
});

Deno.test("decodeConsumerGroupDetails() fails with 3 when partitions are missing", () => {
  // header (members 1) + member 0 claiming 2 partitions but carrying 1
  assertWireError(
    () =>
      g.decodeConsumerGroupDetails(
        hex("00000000020000000100000001610000000002000000" + "00000000"),
      ),
    3,
  );
});

Deno.test("decodeCreateConsumerGroup() rejects an empty name with 4", () => {
  assertWireError(
    () => g.decodeCreateConsumerGroup(hex("01040000000001040000000000")),
    4,
  );
});
