import assert from "node:assert/strict";
import { createXXHash3 } from "hash-wasm";
import {
  createXxh3,
  createXxh3Sync,
  MAX_REGION_SIZE,
  XXH3_CHUNK_SIZE,
} from "../../server/storage/xxh3.ts";
import { XXH3_WASM_BASE64 } from "../../server/storage/_xxh3_wasm.ts";
import { assembleXxh3, renderXxh3Module } from "../../tools/build_xxh3.ts";
import { buildSection, parseFrames } from "./_frames.ts";

const xxh3 = await createXxh3();

/** hash-wasm's XXH3-64, the independent reference. */
const reference = await createXXHash3(0, 0);
function referenceXxh3(bytes: Uint8Array): bigint {
  return BigInt("0x" + reference.init().update(bytes).digest("hex"));
}

/** Deterministic pseudo-random bytes (xorshift32), so a failure can be replayed. */
function noise(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed | 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function fromHex(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g)!.map((h) => parseInt(h, 16)));
}

Deno.test("createXxh3() hash() matches hash-wasm for every length 0..2048", () => {
  const data = noise(2048, 1);
  const zeros = new Uint8Array(2048);
  const ones = new Uint8Array(2048).fill(0xff);
  for (let n = 0; n <= 2048; n++) {
    for (
      const [name, source] of [["random", data], ["zeros", zeros], [
        "0xff",
        ones,
      ]] as const
    ) {
      const input = source.subarray(0, n);
      assert.equal(
        xxh3.hash(input),
        referenceXxh3(input),
        `${name}, ${n} bytes`,
      );
    }
  }
});

Deno.test("createXxh3() hash() matches hash-wasm on large and odd sizes", () => {
  for (
    const n of [
      4095,
      4096,
      16383,
      16384,
      16385,
      65_537,
      100_003,
      1 << 20,
      (1 << 20) + 63,
      3_000_017,
    ]
  ) {
    const input = noise(n, n);
    assert.equal(xxh3.hash(input), referenceXxh3(input), `${n} bytes`);
  }
  const zeros = new Uint8Array(1 << 20);
  assert.equal(xxh3.hash(zeros), referenceXxh3(zeros));
  const ones = new Uint8Array((1 << 20) + 1).fill(0xff);
  assert.equal(xxh3.hash(ones), referenceXxh3(ones));
});

Deno.test("createXxh3() hash() gives the known values of the empty and short inputs", () => {
  // XXH3-64 of "" and of "a" (seed 0), as listed by xxHash's sanity tests and hash-wasm
  assert.equal(xxh3.hash(new Uint8Array(0)), 0x2d06800538d394c2n);
  assert.equal(
    xxh3.hash(new TextEncoder().encode("a")),
    referenceXxh3(new TextEncoder().encode("a")),
  );
});

Deno.test("createXxh3() hashInto() and matches() reproduce the worked example (binary.md §9.6)", () => {
  const stored = fromHex(
    "36d06205431f4be8010000000000000000000000000000000000000000000000e8431e18240a060000401e18240a06000000000005000000000000000000000068656c6c6f",
  );
  assert.equal(xxh3.hash(stored.subarray(8)), 0xe84b1f430562d036n);
  assert.ok(xxh3.matches(stored, 8, stored.length, 0));
  const frame = stored.slice();
  frame.fill(0, 0, 8);
  assert.ok(!xxh3.matches(frame, 8, frame.length, 0));
  xxh3.hashInto(frame, 8, frame.length, 0);
  assert.deepEqual(frame, stored);
  // inside a larger buffer, at an offset
  const shifted = new Uint8Array(stored.length + 13);
  shifted.set(stored, 5);
  assert.ok(xxh3.matches(shifted, 13, 5 + stored.length, 5));
  shifted[70]! ^= 1;
  assert.ok(!xxh3.matches(shifted, 13, 5 + stored.length, 5));
});

Deno.test("createXxh3() checksumFrames() checksums a real batch like hash-wasm", () => {
  const count = 1000;
  const section = buildSection(count, {
    // every length class, including frames larger than a chunk
    payload: (i) =>
      noise(
        i % 97 === 0
          ? XXH3_CHUNK_SIZE + i
          : i % 10 === 0
          ? 1024
          : (i * 7) % 300,
        i + 1,
      ),
    headers: (i) => (i % 4 === 0 ? noise(i % 50, i + 7) : new Uint8Array(0)),
    id: (i) => BigInt(i + 1),
  });
  const before = section.slice();
  const end = xxh3.checksumFrames(section, count);
  assert.equal(end, section.length);
  const frames = parseFrames([section]);
  assert.equal(frames.length, count);
  for (let i = 0; i < count; i++) {
    assert.equal(
      frames[i]!.checksum,
      referenceXxh3(frames[i]!.covered),
      `frame ${i}`,
    );
  }
  // nothing but the checksum fields changed
  let pos = 0;
  for (const f of frames) {
    const size = 64 + f.payload.length + f.userHeaders.length;
    assert.deepEqual(
      section.subarray(pos + 8, pos + size),
      before.subarray(pos + 8, pos + size),
    );
    pos += size;
  }
});

Deno.test("createXxh3() checksumFrames() stops at count and rejects a frame past the section", () => {
  const section = buildSection(3, { payload: () => noise(500, 3) });
  const copy = section.slice();
  const first = 64 + 500;
  assert.equal(xxh3.checksumFrames(section, 1), first);
  assert.deepEqual(section.subarray(first), copy.subarray(first));
  assert.throws(
    () => xxh3.checksumFrames(section.subarray(0, section.length - 1), 3),
    RangeError,
  );
  assert.throws(
    () => xxh3.checksumFrames(section.subarray(0, first + 10), 2),
    RangeError,
  );
});

Deno.test("createXxh3Sync() region() frames are checksummed in place, like a copied batch", () => {
  const count = 400;
  const section = buildSection(count, {
    payload: (i) =>
      noise(i % 50 === 0 ? XXH3_CHUNK_SIZE + i : (i * 13) % 1500, i + 3),
    headers: (i) => (i % 3 === 0 ? noise(i % 40, i + 9) : new Uint8Array(0)),
  });
  const copied = section.slice();
  xxh3.checksumFrames(copied, count);

  const own = createXxh3Sync();
  own.region(16);
  // A larger region grows the memory.
  const region = own.region(section.length);
  region.set(section);
  assert.equal(own.checksumFrames(region, count), section.length);
  assert.deepEqual(region, copied);
});

Deno.test("createXxh3Sync() region() rejects frames past the section before hashing", () => {
  const own = createXxh3Sync();
  const section = buildSection(3, { payload: () => noise(500, 5) });
  const region = own.region(section.length - 1);
  region.set(section.subarray(0, section.length - 1));
  const before = region.slice();
  assert.throws(() => own.checksumFrames(region, 3), RangeError);
  assert.deepEqual(region, before, "nothing is checksummed");
});

Deno.test("createXxh3Sync() region() refuses sizes past MAX_REGION_SIZE instead of handing out a shorter view", () => {
  const own = createXxh3Sync();
  // 2^31 and up went negative in a 32-bit `& ~15` and the region silently shrank (issue 14).
  for (
    const size of [2 ** 31 - 1, 2 ** 31, 2 ** 32 - 5, 2 ** 32 - 1, -1, 1.5]
  ) {
    assert.throws(() => own.region(size), RangeError, `size ${size}`);
  }
  assert.ok(MAX_REGION_SIZE < 2 ** 31);
  const region = own.region(300_000);
  assert.equal(
    region.length,
    300_000,
    "a valid size gets exactly that many bytes",
  );
});

Deno.test("createXxh3Sync() stampFrames() refuses frames whose u32 lengths wrap in 32 bits", () => {
  const own = createXxh3Sync();
  const section = buildSection(2, { payload: () => noise(65, 11) });
  const region = own.region(section.length);
  region.set(section);
  // Frame 1's lengths sum to 2^32 + 0x41: a 32-bit sum would see a 129-byte frame ending inside.
  const view = new DataView(region.buffer, region.byteOffset, region.length);
  const second = 64 + 65;
  view.setUint32(second + 48, 0xffff_ffff, true);
  view.setUint32(second + 52, 0x41, true);
  const stamp = {
    firstOffset: 0n,
    timestamp: 1n,
    relativeOffset: 0,
    basePosition: 0,
  };
  assert.throws(
    () => own.stampFrames(region, 2, stamp, new Uint8Array(32)),
    (err: unknown) =>
      err instanceof RangeError && /Message 1 /.test(err.message),
  );
});

Deno.test("_xxh3_wasm.ts holds xxh3.wat as assembled now (regenerate with build_xxh3.ts)", async () => {
  const bytes = await assembleXxh3();
  assert.deepEqual(Uint8Array.fromBase64(XXH3_WASM_BASE64), bytes);
  const generated = await Deno.readTextFile(
    new URL("../../server/storage/_xxh3_wasm.ts", import.meta.url),
  );
  assert.equal(generated, renderXxh3Module(bytes));
});

Deno.test("assembleXxh3() rejects text that does not validate", async () => {
  await assert.rejects(
    () => assembleXxh3("(module (func (result i32) (i64.const 1)))"),
  );
});
