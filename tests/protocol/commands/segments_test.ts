import assert from "node:assert/strict";
import * as s from "../../../client/protocol/commands/segments.ts";
import { assertRoundTrip, assertWireError } from "../_codec.ts";

Deno.test("encodeDeleteSegments() / decodeDeleteSegments() round-trip", () => {
  const bytes = assertRoundTrip(
    s.encodeDeleteSegments,
    s.decodeDeleteSegments,
    {
      streamId: 0,
      topicId: "events",
      partitionId: 1,
      segmentsCount: 5,
    },
  );
  assert.equal(bytes.length, 6 + 8 + 8);
});

Deno.test("decodeDeleteSegments() fails with 3 when truncated", () => {
  const bytes = s.encodeDeleteSegments({
    streamId: 0,
    topicId: 0,
    partitionId: 0,
    segmentsCount: 1,
  });
  assertWireError(() => s.decodeDeleteSegments(bytes.subarray(0, 17)), 3);
});
