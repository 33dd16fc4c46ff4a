/** The node channel's replication commands: what is encoded is decoded, cut-short input refused. */
import assert from "node:assert/strict";
import {
  decodeReplicaFetch,
  decodeReplicaFetchAnswer,
  decodeReplicaState,
  encodeReplicaFetch,
  encodeReplicaFetchAnswer,
  encodeReplicaState,
} from "../../server/cluster/replica_protocol.ts";
import { concat } from "../protocol/_codec.ts";

Deno.test("replica fetch, answer and state round-trip; cut-short input is refused", () => {
  const fetch = {
    streamId: 3,
    topicId: 4,
    partitionId: 5,
    epoch: 7,
    offset: 1n << 40n,
    waitMs: 500,
    offsetsVersion: 0xffff_fffe,
    follower: "node-ü",
  };
  assert.deepEqual(decodeReplicaFetch(encodeReplicaFetch(fetch)), fetch);

  const frames = new Uint8Array([1, 2, 3, 4, 5]);
  const withOffsets = {
    highWatermark: 99n,
    segmentStart: 64n,
    logStart: 1n << 50n,
    count: 2,
    bytes: frames,
    offsetsVersion: 12,
    offsets: [
      { kind: "consumers" as const, key: 7, offset: 3n },
      { kind: "groups" as const, key: 0xffff_ffff, offset: 98n },
    ],
  };
  assert.deepEqual(
    decodeReplicaFetchAnswer(concat(...encodeReplicaFetchAnswer(withOffsets))),
    withOffsets,
  );
  const unchanged = { ...withOffsets, offsets: undefined, count: 0 };
  const decoded = decodeReplicaFetchAnswer(
    concat(...encodeReplicaFetchAnswer(unchanged)),
  );
  assert.equal(decoded.offsets, undefined);
  assert.equal(decoded.bytes.length, 0);
  assert.equal(decoded.logStart, 1n << 50n);
  assert.throws(
    () =>
      decodeReplicaFetchAnswer(
        concat(...encodeReplicaFetchAnswer(unchanged)).subarray(0, 35),
      ),
    RangeError,
  );

  const state = { epoch: 2, nextOffset: 10n, highWatermark: 9n };
  assert.deepEqual(decodeReplicaState(encodeReplicaState(state)), {
    ...state,
    offsetsVersion: undefined,
  });
  // A follower's copied offsets version (0xffffffff: versions wrap).
  const copied = { ...state, offsetsVersion: 0xffff_ffff };
  assert.deepEqual(decodeReplicaState(encodeReplicaState(copied)), copied);

  assert.throws(() => decodeReplicaFetch(new Uint8Array(10)), RangeError);
  const answer = concat(...encodeReplicaFetchAnswer(withOffsets));
  assert.throws(
    () => decodeReplicaFetchAnswer(answer.subarray(0, 40)),
    RangeError,
  );
  assert.throws(() => decodeReplicaState(new Uint8Array(19)), RangeError);
});
