import assert from "node:assert/strict";
import { createXXHash3 } from "hash-wasm";
import {
  checksumMatches,
  initHashing,
  stampMessages,
  writeFrameChecksum,
  xxh3,
  xxh32,
} from "../../server/storage/stamp.ts";
import { buildSection, parseFrames, text } from "./_frames.ts";
import { MessageMemory } from "../../server/storage/message_memory.ts";

await initHashing();

/**
 * A connection's request memory and an allocator of request buffers in it, as a connection
 * receives batches: each buffer is lent until the next one is asked for.
 */
function requestMemory(): {
  memory: MessageMemory;
  allocate: (size: number) => Uint8Array;
} {
  const memory = new MessageMemory();
  return {
    memory,
    allocate: (size) => {
      memory.release();
      return memory.request(size);
    },
  };
}

/** Independent XXH3-64 through a fresh hash-wasm hasher (hex digest). */
const reference = await createXXHash3();
function referenceXxh3(bytes: Uint8Array): bigint {
  return BigInt("0x" + reference.init().update(bytes).digest("hex"));
}

function fromHex(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g)!.map((h) => parseInt(h, 16)));
}

// binary.md §9.6: the stored message of the poll response (after the 24-byte response header).
const STORED_HELLO = fromHex(
  "36d06205431f4be8010000000000000000000000000000000000000000000000e8431e18240a060000401e18240a06000000000005000000000000000000000068656c6c6f",
);

Deno.test("xxh3() matches the worked example checksum", () => {
  assert.equal(xxh3(STORED_HELLO.subarray(8)), 0xe84b1f430562d036n);
  assert.ok(checksumMatches(STORED_HELLO, 0, STORED_HELLO.length));
  const corrupt = STORED_HELLO.slice();
  corrupt[66]! ^= 1;
  assert.ok(!checksumMatches(corrupt, 0, corrupt.length));
});

Deno.test("xxh32() matches the reference values", () => {
  assert.equal(xxh32(new Uint8Array(0)), 0x02cc5d05);
  assert.equal(xxh32(new TextEncoder().encode("abc")), 0x32d153ff);
});

Deno.test("stampMessages() reproduces the worked example message", () => {
  const msg = STORED_HELLO.slice();
  msg.fill(0, 0, 8); // checksum
  msg.fill(0, 24, 40); // offset, timestamp
  const index = new Uint8Array(16);
  stampMessages(msg, 1, {
    firstOffset: 0n,
    timestamp: 1_700_000_000_001_000n,
    basePosition: 0,
    segmentStartOffset: 0n,
    index,
  });
  assert.deepEqual(msg, STORED_HELLO);
  const iv = new DataView(index.buffer);
  assert.equal(iv.getUint32(0, true), 0);
  assert.equal(iv.getUint32(4, true), msg.length);
  assert.equal(iv.getBigUint64(8, true), 1_700_000_000_001_000n);
});

/** Stamps a batch of `count` frames held by `place` and checks every field and index entry. */
function checkStamping(
  count: number,
  place: (section: Uint8Array) => Uint8Array,
  memory?: MessageMemory,
): void {
  const section = place(buildSection(count, {
    id: (i) => (i % 3 === 0 ? BigInt(i + 1) << 64n | 7n : 0n),
    headers: (
      i,
    ) => (i % 5 === 0 ? new Uint8Array([1, 2, 3]) : new Uint8Array(0)),
  }));
  const index = new Uint8Array(16 * count);
  stampMessages(section, count, {
    firstOffset: 0x1_ffff_fff0n, // crosses a u32 boundary
    timestamp: 1_800_000_000_000_123n,
    basePosition: 1000,
    segmentStartOffset: 0x1_ffff_ff00n,
    index,
    memory,
  });
  const frames = parseFrames([section]);
  const iv = new DataView(index.buffer);
  const ids = new Set<string>();
  let end = 1000;
  for (let i = 0; i < count; i++) {
    const f = frames[i]!;
    assert.equal(f.offset, 0x1_ffff_fff0n + BigInt(i));
    assert.equal(f.timestamp, 1_800_000_000_000_123n);
    assert.equal(f.originTimestamp, 1_700_000_000_000_000n + BigInt(i));
    assert.equal(text(f.payload), `message-${i}`);
    assert.equal(f.checksum, referenceXxh3(f.covered));
    const idView = new DataView(f.id.buffer, f.id.byteOffset, 16);
    if (i % 3 === 0) {
      assert.equal(idView.getBigUint64(0, true), 7n);
      assert.equal(idView.getBigUint64(8, true), BigInt(i + 1));
    } else {
      assert.ok(f.id.some((b) => b !== 0));
      assert.equal(f.id[6]! >> 4, 4, "UUID version 4");
      assert.equal(f.id[8]! >> 6, 2, "RFC 4122 variant");
      const key = f.id.join(",");
      assert.ok(!ids.has(key), "ids are unique");
      ids.add(key);
    }
    end += 64 + f.payload.length + f.userHeaders.length;
    assert.equal(iv.getUint32(i * 16, true), 0xf0 + i);
    assert.equal(iv.getUint32(i * 16 + 4, true), end);
    assert.equal(iv.getBigUint64(i * 16 + 8, true), 1_800_000_000_000_123n);
  }
}

Deno.test("stampMessages() stamps offsets, timestamp, ids, checksums and index", () => {
  checkStamping(300, (section) => section); // more than one random pool refill
});

Deno.test("stampMessages() stamps a batch in request memory the same way, in place", () => {
  const { memory, allocate } = requestMemory();
  // Several batches through one buffer: its random pool is used up and refilled on the way.
  for (const count of [300, 5000, 1, 2000, 3000]) {
    checkStamping(count, (section) => {
      const received = allocate(section.length);
      received.set(section);
      return received;
    }, memory);
  }
});

Deno.test("stampMessages() in request memory rejects frames past the section or with wrapping lengths", () => {
  const { memory, allocate } = requestMemory();
  const opts = {
    firstOffset: 0n,
    timestamp: 1n,
    basePosition: 0,
    segmentStartOffset: 0n,
    index: new Uint8Array(48),
    memory,
  };
  const section = buildSection(3);
  const cut = allocate(section.length - 1);
  cut.set(section.subarray(0, section.length - 1));
  assert.throws(() => stampMessages(cut, 3, opts), /Message 2 exceeds/);
  const wrapped = allocate(section.length);
  wrapped.set(section);
  // payload_length of frame 1 so large that the frame end wraps around 2^32
  const second = 64 + new DataView(section.buffer).getUint32(52, true) +
    new DataView(section.buffer).getUint32(48, true);
  new DataView(wrapped.buffer, wrapped.byteOffset).setUint32(
    second + 52,
    0xffff_fff0,
    true,
  );
  assert.throws(() => stampMessages(wrapped, 3, opts), /Message 1 exceeds/);
  const short = allocate(10);
  assert.throws(() => stampMessages(short, 1, opts), /Message 0 exceeds/);
});

Deno.test("stampMessages() of a batch in request memory equals one stamped elsewhere", () => {
  const count = 50;
  const section = buildSection(count, { id: (i) => BigInt(i + 1) });
  const { memory, allocate } = requestMemory();
  const received = allocate(section.length);
  received.set(section);
  const opts = {
    firstOffset: 10n,
    timestamp: 1_800_000_000_000_000n,
    basePosition: 64,
    segmentStartOffset: 0n,
  };
  const index = new Uint8Array(16 * count);
  const receivedIndex = new Uint8Array(16 * count);
  stampMessages(section, count, { ...opts, index });
  stampMessages(received, count, { ...opts, index: receivedIndex, memory });
  assert.deepEqual(received, section);
  assert.deepEqual(receivedIndex, index);
  for (const f of parseFrames([received])) {
    assert.equal(f.checksum, referenceXxh3(f.covered));
  }
});

Deno.test("stampMessages() rejects a frame running past the section", () => {
  const section = buildSection(2);
  assert.throws(
    () =>
      stampMessages(section.subarray(0, section.length - 1), 2, {
        firstOffset: 0n,
        timestamp: 1n,
        basePosition: 0,
        segmentStartOffset: 0n,
        index: new Uint8Array(32),
      }),
    RangeError,
  );
});

Deno.test("writeFrameChecksum() matches hash-wasm's XXH3 for every length class", async () => {
  const reference = await createXXHash3(0, 0);
  for (
    const n of [
      0,
      1,
      3,
      8,
      16,
      17,
      128,
      129,
      240,
      241,
      1000,
      16384,
      16385,
      40000,
    ]
  ) {
    const frame = crypto.getRandomValues(new Uint8Array(n + 8));
    writeFrameChecksum(frame, 0, frame.length);
    const digest = reference.init().update(frame.subarray(8)).digest("binary");
    assert.deepEqual(
      [...frame.subarray(0, 8)],
      [...digest].reverse(),
      `${n} bytes`,
    );
  }
});
