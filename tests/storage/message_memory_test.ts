/**
 * Request memory as an explicit capability: what is lent, when a buffer may be reused, stale views
 * refused, one stamping for batches in and out of request memory, and what the read cache keeps.
 */
import assert from "node:assert/strict";
import {
  FRESH_MEMORY,
  isDetached,
  MessageMemory,
  StaleMemoryError,
} from "../../server/storage/message_memory.ts";
import {
  initHashing,
  STAMP_PIECE_SIZE,
  stampMessages,
} from "../../server/storage/stamp.ts";
import { PartitionLog } from "../../server/storage/partition_log.ts";
import { buildSection, parseFrames } from "./_frames.ts";
import { withTempDir } from "../_temp_dir.ts";

await initHashing();

const STAMP = {
  firstOffset: 5n,
  timestamp: 1_800_000_000_000_000n,
  basePosition: 128,
  segmentStartOffset: 0n,
};

const FRAME_STAMP = {
  firstOffset: 0n,
  timestamp: 1n,
  relativeOffset: 0,
  basePosition: 0,
};

Deno.test("MessageMemory lends its request buffer until released, and refuses a second one meanwhile", () => {
  const memory = new MessageMemory();
  const first = memory.request(100);
  assert.ok(memory.lends(first));
  assert.ok(memory.lends(first.subarray(10, 20)));
  assert.ok(!memory.lends(new Uint8Array(100)));
  assert.throws(() => memory.request(100), StaleMemoryError);
  memory.release();
  assert.ok(!memory.lends(first), "a released buffer is lent no more");
  const second = memory.request(50);
  assert.ok(memory.lends(second));
  assert.ok(!FRESH_MEMORY.lends(FRESH_MEMORY.request(10)));
});

Deno.test("A request view from before the memory grew is detected, never stamped", () => {
  const memory = new MessageMemory();
  const section = buildSection(3);
  const old = memory.request(section.length);
  old.set(section);
  memory.release();
  // Larger than the first region: the WebAssembly memory grows and the old view is detached.
  const grown = memory.request(4 * 1024 * 1024);
  assert.ok(isDetached(old));
  assert.ok(!memory.lends(old));
  const index = new Uint8Array(48);
  assert.throws(
    () => stampMessages(old, 3, { ...STAMP, index, memory }),
    StaleMemoryError,
  );
  assert.throws(
    () => memory.stampInPlace(old, 3, FRAME_STAMP, index),
    StaleMemoryError,
  );
  // A released (not moved) view is refused too.
  grown.set(section);
  memory.release();
  assert.throws(
    () =>
      memory.stampInPlace(
        grown.subarray(0, section.length),
        3,
        FRAME_STAMP,
        index,
      ),
    StaleMemoryError,
  );
});

Deno.test("stampMessages() stamps a batch in request memory and a copy of it (in pieces) alike", () => {
  // Over two pieces, with one frame larger than a piece.
  const count = 3000;
  const section = buildSection(count, {
    id: (i) => BigInt(i + 1),
    payload: (i) =>
      new Uint8Array(i === 1500 ? STAMP_PIECE_SIZE + 7 : 700).fill(i & 0xff),
  });
  assert.ok(section.length > 2 * STAMP_PIECE_SIZE);
  const memory = new MessageMemory();
  const lent = memory.request(section.length);
  lent.set(section);
  const given = section.slice();
  const lentIndex = new Uint8Array(16 * count);
  const givenIndex = new Uint8Array(16 * count);
  stampMessages(lent, count, { ...STAMP, index: lentIndex, memory });
  stampMessages(given, count, {
    ...STAMP,
    index: givenIndex,
    memory: FRESH_MEMORY,
  });
  assert.deepEqual(given, lent);
  assert.deepEqual(givenIndex, lentIndex);
  const frames = parseFrames([given]);
  assert.equal(frames.length, count);
  assert.equal(frames[count - 1]!.offset, 5n + BigInt(count - 1));
  const last = new DataView(givenIndex.buffer).getUint32(
    16 * (count - 1) + 4,
    true,
  );
  assert.equal(last, 128 + section.length, "positions run across pieces");
  memory.release();
});

Deno.test("PartitionLog.append() caches a batch its memory gives, not one it lends", () =>
  withTempDir(async (dir) => {
    const log = await PartitionLog.open(dir, {
      segmentSize: 1 << 20,
      enforceFsync: false,
    });
    const memory = new MessageMemory();
    const lent = memory.request(buildSection(3).length);
    lent.set(buildSection(3));
    await log.append(lent, 3, 1n, { memory });
    memory.release();
    assert.equal(log.cachedBytes, 0, "a lent batch is not kept");
    const given = buildSection(3);
    await log.append(given, 3, 1n, { memory: FRESH_MEMORY });
    assert.equal(log.cachedBytes, given.length);
    const read = await log.read(0n, 6);
    assert.deepEqual(
      parseFrames(read.chunks).map((f) => f.offset),
      [0n, 1n, 2n, 3n, 4n, 5n],
    );
    await log.close();
  }));
