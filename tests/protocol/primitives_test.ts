import assert from "node:assert/strict";
import { ByteReader, ByteWriter } from "../../client/protocol/bytes.ts";
import { ErrorCode } from "../../client/protocol/errors.ts";
import {
  type Consumer,
  type Partitioning,
  type PollingStrategy,
  readCompressionAlgorithm,
  readConsumer,
  readName,
  readOptPartition,
  readPartitioning,
  readPollingStrategy,
  readUserStatus,
  writeConsumer,
  writeName,
  writeOptPartition,
  writePartitioning,
  writePollingStrategy,
} from "../../client/protocol/primitives.ts";
import { assertWireError, hex, toHex } from "./_codec.ts";

function bytesOf(write: (w: ByteWriter) => void): Uint8Array {
  const w = new ByteWriter();
  write(w);
  return w.finish();
}

Deno.test("readName() round-trips and rejects an empty name with 4", () => {
  const bytes = bytesOf((w) => writeName(w, "dev"));
  assert.equal(toHex(bytes), "03646576");
  assert.equal(readName(new ByteReader(bytes)), "dev");
  assertWireError(() => readName(new ByteReader(hex("00"))), 4);
  assertWireError(() => readName(new ByteReader(hex("0364"))), 3);
  assertWireError(() => readName(new ByteReader(hex("02c328"))), 3);
  assert.throws(() => writeName(new ByteWriter(), ""), RangeError);
  assert.throws(() => writeName(new ByteWriter(), "x".repeat(256)), RangeError);
});

Deno.test("readConsumer() round-trips both kinds and rejects kind 3", () => {
  const cases: Consumer[] = [
    { kind: "consumer", id: 1 },
    { kind: "group", id: "workers" },
  ];
  for (const c of cases) {
    const bytes = bytesOf((w) => writeConsumer(w, c));
    assert.deepEqual(readConsumer(new ByteReader(bytes)), c);
  }
  assert.equal(
    toHex(bytesOf((w) => writeConsumer(w, { kind: "consumer", id: 1 }))),
    "01010401000000",
  );
  assertWireError(
    () => readConsumer(new ByteReader(hex("03010401000000"))),
    ErrorCode.InvalidCommand,
  );
  assertWireError(
    () => readConsumer(new ByteReader(hex("010103010000"))),
    ErrorCode.InvalidFormat,
  );
});

Deno.test("readOptPartition() treats only flag 1 as present", () => {
  assert.equal(
    toHex(bytesOf((w) => writeOptPartition(w, undefined))),
    "0000000000",
  );
  assert.equal(toHex(bytesOf((w) => writeOptPartition(w, 7))), "0107000000");
  assert.equal(readOptPartition(new ByteReader(hex("0107000000"))), 7);
  assert.equal(readOptPartition(new ByteReader(hex("0207000000"))), undefined);
  assertWireError(() => readOptPartition(new ByteReader(hex("010700"))), 3);
});

Deno.test("readPollingStrategy() round-trips every kind and rejects 0 and 6", () => {
  const kinds = ["offset", "timestamp", "first", "last", "next"] as const;
  kinds.forEach((kind, i) => {
    const s: PollingStrategy = { kind, value: BigInt(i * 1000) };
    const bytes = bytesOf((w) => writePollingStrategy(w, s));
    assert.equal(bytes[0], i + 1);
    assert.equal(bytes.length, 9);
    assert.deepEqual(readPollingStrategy(new ByteReader(bytes)), s);
  });
  assertWireError(
    () => readPollingStrategy(new ByteReader(hex("000000000000000000"))),
    3,
  );
  assertWireError(
    () => readPollingStrategy(new ByteReader(hex("060000000000000000"))),
    3,
  );
});

Deno.test("readPartitioning() round-trips and rejects wrong lengths with 3", () => {
  const cases: Partitioning[] = [
    { kind: "balanced" },
    { kind: "partition_id", partitionId: 3 },
    { kind: "messages_key", key: new Uint8Array([1, 2, 3]) },
  ];
  for (const p of cases) {
    const bytes = bytesOf((w) => writePartitioning(w, p));
    assert.deepEqual(readPartitioning(new ByteReader(bytes)), p);
  }
  assertWireError(() => readPartitioning(new ByteReader(hex("0101ff"))), 3);
  assertWireError(
    () => readPartitioning(new ByteReader(hex("020300000000"))),
    3,
  );
  assertWireError(() => readPartitioning(new ByteReader(hex("0400"))), 3);
});

Deno.test("readCompressionAlgorithm() and readUserStatus() reject unknown codes with 3", () => {
  assert.equal(readCompressionAlgorithm(new ByteReader(hex("02"))), 2);
  assert.equal(readUserStatus(new ByteReader(hex("01"))), 1);
  assertWireError(() => readCompressionAlgorithm(new ByteReader(hex("03"))), 3);
  assertWireError(() => readUserStatus(new ByteReader(hex("00"))), 3);
});
