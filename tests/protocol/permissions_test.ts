import assert from "node:assert/strict";
import { ByteReader, ByteWriter } from "../../client/protocol/bytes.ts";
import {
  decodePermissions,
  encodePermissions,
  noPermissions,
  type Permissions,
  readOptionalPermissions,
  readPermissionsBlock,
  rootPermissions,
  writeOptionalPermissions,
} from "../../client/protocol/permissions.ts";
import { assertRoundTrip, assertWireError, hex, toHex } from "./_codec.ts";

function sample(): Permissions {
  const p = noPermissions();
  p.global.readStreams = true;
  p.streams.set(5, {
    manageStream: false,
    readStream: true,
    manageTopics: false,
    readTopics: true,
    pollMessages: true,
    sendMessages: false,
    topics: new Map([
      [9, {
        manageTopic: true,
        readTopic: false,
        pollMessages: false,
        sendMessages: true,
      }],
      [2, {
        manageTopic: false,
        readTopic: true,
        pollMessages: true,
        sendMessages: true,
      }],
    ]),
  });
  p.streams.set(1, {
    manageStream: true,
    readStream: true,
    manageTopics: true,
    readTopics: true,
    pollMessages: true,
    sendMessages: true,
    topics: new Map(),
  });
  return p;
}

Deno.test("encodePermissions() round-trips and has the documented size", () => {
  const bytes = assertRoundTrip(encodePermissions, decodePermissions, sample());
  // 11 + Σ (12 + 9 × topics)
  assert.equal(bytes.length, 11 + 12 + (12 + 18));
  assertRoundTrip(encodePermissions, decodePermissions, rootPermissions());
});

Deno.test("encodePermissions() sorts streams and topics by id", () => {
  const decoded = decodePermissions(encodePermissions(sample()));
  assert.deepEqual([...decoded.streams.keys()], [1, 5]);
  assert.deepEqual([...decoded.streams.get(5)!.topics.keys()], [2, 9]);
});

Deno.test("rootPermissions() sets every global flag", () => {
  assert.equal(
    toHex(encodePermissions(rootPermissions())),
    "0101010101010101010100",
  );
  assert.equal(
    toHex(encodePermissions(noPermissions())),
    "0000000000000000000000",
  );
});

Deno.test("readPermissionsBlock() rejects a length mismatch with 4", () => {
  assertWireError(
    () =>
      readPermissionsBlock(
        new ByteReader(hex("0c000000" + "0101010101010101010100")),
      ),
    4,
  );
  assertWireError(
    () =>
      readPermissionsBlock(
        new ByteReader(hex("0b000000" + "01010101010101010101")),
      ),
    3,
  );
  const p = readPermissionsBlock(
    new ByteReader(hex("0b000000" + "0101010101010101010100")),
  );
  assert.deepEqual(p, rootPermissions());
});

Deno.test("readOptionalPermissions() reads the block only when the flag is 1", () => {
  const w = new ByteWriter();
  writeOptionalPermissions(w, sample());
  writeOptionalPermissions(w, undefined);
  const r = new ByteReader(w.finish());
  assert.deepEqual(readOptionalPermissions(r), sample());
  assert.equal(readOptionalPermissions(r), undefined);
  assert.equal(r.remaining, 0);
  assert.equal(
    readOptionalPermissions(new ByteReader(hex("02ffffffff"))),
    undefined,
  );
});
