import assert from "node:assert/strict";
import * as s from "../../../client/protocol/commands/streams.ts";
import type { Topic } from "../../../client/protocol/commands/topics.ts";
import { assertRoundTrip, assertWireError, hex, toHex } from "../_codec.ts";

const T = 1_700_000_000_000_000n;

const stream: s.Stream = {
  id: 3,
  createdAt: T,
  name: "orders",
  topicsCount: 0,
  sizeBytes: 1234n,
  messagesCount: 56n,
};

const topic: Topic = {
  id: 0,
  createdAt: T,
  name: "events",
  partitionsCount: 2,
  messageExpiry: 0xffff_ffff_ffff_ffffn,
  compressionAlgorithm: 1,
  maxTopicSize: 0n,
  replicationFactor: 1,
  sizeBytes: 10n,
  messagesCount: 1n,
};

Deno.test("encodeGetStream() / decodeGetStream() round-trip", () => {
  assertRoundTrip(s.encodeGetStream, s.decodeGetStream, { streamId: 0 });
  assertRoundTrip(s.encodeGetStream, s.decodeGetStream, { streamId: "dev" });
});

Deno.test("encodeCreateStream() / decodeCreateStream() round-trip", () => {
  const bytes = assertRoundTrip(s.encodeCreateStream, s.decodeCreateStream, {
    name: "dev",
  });
  assert.equal(toHex(bytes), "03646576");
});

Deno.test("encodeDeleteStream() / decodeDeleteStream() round-trip", () => {
  assertRoundTrip(s.encodeDeleteStream, s.decodeDeleteStream, { streamId: 7 });
});

Deno.test("encodeUpdateStream() / decodeUpdateStream() round-trip", () => {
  assertRoundTrip(s.encodeUpdateStream, s.decodeUpdateStream, {
    streamId: "dev",
    name: "prod",
  });
});

Deno.test("encodePurgeStream() / decodePurgeStream() round-trip", () => {
  assertRoundTrip(s.encodePurgeStream, s.decodePurgeStream, { streamId: 1 });
});

Deno.test("encodeStream() / decodeStream() round-trip", () => {
  const bytes = assertRoundTrip(s.encodeStream, s.decodeStream, stream);
  assert.equal(bytes.length, 33 + 6);
});

Deno.test("encodeStreams() / decodeStreams() round-trip a list without count", () => {
  assertRoundTrip(s.encodeStreams, s.decodeStreams, [stream, {
    ...stream,
    id: 4,
    name: "b",
  }]);
  assert.deepEqual(s.decodeStreams(new Uint8Array(0)), []);
  assert.equal(s.encodeStreams([]).length, 0);
});

Deno.test("encodeStreamDetails() / decodeStreamDetails() round-trip", () => {
  assertRoundTrip(s.encodeStreamDetails, s.decodeStreamDetails, {
    ...stream,
    topicsCount: 2,
    topics: [topic, { ...topic, id: 1, name: "other" }],
  });
});

Deno.test("encodeStreamDetails() writes topicsCount from the topics array", () => {
  const bytes = s.encodeStreamDetails({
    ...stream,
    topicsCount: 9,
    topics: [topic],
  });
  assert.equal(s.decodeStreamDetails(bytes).topicsCount, 1);
});

Deno.test("decodeCreateStream() rejects an empty name with 4 and truncation with 3", () => {
  assertWireError(() => s.decodeCreateStream(hex("00")), 4);
  assertWireError(() => s.decodeCreateStream(hex("0364")), 3);
  assertWireError(() => s.decodeCreateStream(new Uint8Array(0)), 3);
});

Deno.test("decodeGetStream() rejects bad identifiers with 3 or 4", () => {
  assertWireError(() => s.decodeGetStream(hex("030400000000")), 3);
  assertWireError(() => s.decodeGetStream(hex("0103000000")), 4);
  assertWireError(() => s.decodeGetStream(hex("0200")), 4);
});

Deno.test("decodeDeleteStream() ignores trailing bytes", () => {
  assert.deepEqual(s.decodeDeleteStream(hex("010401000000ffff")), {
    streamId: 1,
  });
});

Deno.test("decodeStreamDetails() fails with 3 when topics are missing", () => {
  const bytes = s.encodeStreamDetails({ ...stream, topics: [topic] });
  assertWireError(
    () => s.decodeStreamDetails(bytes.subarray(0, bytes.length - 1)),
    3,
  );
});
