/**
 * XXH3-64 (seed 0, default secret) on our own WebAssembly module: `xxh3.wat`, assembled into
 * `_xxh3_wasm.ts` by `tools/build_xxh3.ts`. Long inputs run on SIMD128.
 *
 * Input is copied into the module's memory before hashing. Message batches go in pieces of
 * about {@linkcode XXH3_CHUNK_SIZE} bytes of whole frames: the module checksums every frame of a
 * piece in one call, and only the 8-byte checksums are copied back.
 * @module
 */

import { XXH3_WASM_BASE64 } from "./_xxh3_wasm.ts";

/** Bytes of whole frames copied into the module per {@linkcode Xxh3.checksumFrames} call. */
export const XXH3_CHUNK_SIZE = 128 * 1024;

const PAGE_SIZE = 64 * 1024;
/** Size of the fixed message header (binary.md §6.1). */
const HEADER_SIZE = 64;
const USER_HEADERS_LENGTH = 48;
const PAYLOAD_LENGTH = 52;

/** An instantiated XXH3-64 hasher; its methods are synchronous and not reentrant. */
export interface Xxh3 {
  /**
   * XXH3-64 of `bytes`.
   * @returns the hash as an unsigned 64-bit bigint
   */
  hash(bytes: Uint8Array): bigint;
  /**
   * Writes XXH3-64 of `buf[start, end)` little-endian at `buf[at, at + 8)`.
   * @param buf holds the input and receives the hash
   * @param start first byte hashed
   * @param end end of the hashed bytes
   * @param at where the 8 bytes go (may lie inside `buf[start, end)`: the hash is taken first)
   */
  hashInto(buf: Uint8Array, start: number, end: number, at: number): void;
  /**
   * Tells whether `buf[at, at + 8)` holds XXH3-64 of `buf[start, end)`, little-endian.
   */
  matches(buf: Uint8Array, start: number, end: number, at: number): boolean;
  /**
   * Writes the checksum of each of `count` message frames laid back to back from `section[0]`
   * (binary.md §6.1, §6.6): XXH3-64 of bytes `[8, end)` of the frame, little-endian, into its
   * first 8 bytes.
   * @param section the frames; changed in the checksum fields only
   * @param count how many frames to checksum
   * @returns where the last frame ends
   * @throws {RangeError} when a frame runs past `section`
   */
  checksumFrames(section: Uint8Array, count: number): number;
  /**
   * A view of `size` bytes of this hasher's own memory. Frames placed there are checksummed in
   * place by {@linkcode Xxh3.checksumFrames}, without the copy other inputs need. The memory grows
   * when needed, which invalidates views handed out before: take a new one for every input. Other
   * inputs are copied to the same place, so a hasher that hands out regions hashes nothing else.
   * @param size bytes wanted, at most {@linkcode MAX_REGION_SIZE}
   * @throws {RangeError} when `size` is not an integer in `[0, MAX_REGION_SIZE]`
   */
  region(size: number): Uint8Array;
  /**
   * Stamps and checksums `count` frames of a section inside this hasher's memory (from
   * {@linkcode Xxh3.region}) in one call, as `stampMessages` does elsewhere (binary.md §6.5):
   * offsets, timestamp, a random UUIDv4 where the id is zero, checksums; and fills `index`
   * with the `16 * count` bytes of segment index entries.
   * @throws {RangeError} when a frame runs past the section (earlier frames are stamped by then)
   * @throws {Error} when `section` is not in a region of this hasher
   */
  stampFrames(
    section: Uint8Array,
    count: number,
    stamp: FrameStamp,
    index: Uint8Array,
  ): void;
}

/** The values {@linkcode Xxh3.stampFrames} writes. */
export interface FrameStamp {
  /** Offset of the first frame; the others follow one by one. */
  firstOffset: bigint;
  /** Server timestamp (µs) of every frame. */
  timestamp: bigint;
  /** Index offset of the first frame, relative to the segment start. */
  relativeOffset: number;
  /** Size of the segment `.log` before the section: index positions are relative to it. */
  basePosition: number;
}

/** The module's exports (see `xxh3.wat`). */
interface Xxh3Exports {
  memory: WebAssembly.Memory;
  input_base: WebAssembly.Global;
  scratch: WebAssembly.Global;
  hash_to_scratch(ptr: number, len: number): void;
  checksum_frames(ptr: number, count: number): number;
  stamp_frames(
    ptr: number,
    end: number,
    count: number,
    offset: bigint,
    timestamp: bigint,
    index: number,
    relativeOffset: number,
    position: number,
    random: number,
  ): number;
}

/** Most random bytes `crypto.getRandomValues` fills per call. */
const RANDOM_CHUNK = 65536;

/**
 * Largest region {@linkcode Xxh3.region} hands out: 1 GiB, so that the region, its scratch areas
 * (half as much again) and a doubled capacity stay inside the module's 32-bit memory (4 GiB).
 */
export const MAX_REGION_SIZE = 1024 * 1024 * 1024;

/** `n` rounded up to a multiple of 16, in full number range (a 32-bit `& ~15` goes negative from 2^31). */
function align16(n: number): number {
  return Math.ceil(n / 16) * 16;
}

let compiled: Promise<WebAssembly.Module> | undefined;
let compiledModule: WebAssembly.Module | undefined;

/**
 * Instantiates the XXH3 module. Create one and keep it: each instance owns its memory.
 * @returns a ready hasher
 * @throws {WebAssembly.CompileError} when the runtime lacks SIMD128
 * @example Usage
 * ```ts ignore
 * const xxh3 = await createXxh3();
 * xxh3.hash(new TextEncoder().encode("hello"));
 * ```
 */
export async function createXxh3(): Promise<Xxh3> {
  compiled ??= WebAssembly.compile(Uint8Array.fromBase64(XXH3_WASM_BASE64));
  compiledModule = await compiled;
  const instance = await WebAssembly.instantiate(compiledModule);
  return new WasmXxh3(instance.exports as unknown as Xxh3Exports);
}

/**
 * Instantiates one more hasher without waiting, once {@linkcode createXxh3} has resolved (the
 * module is then compiled).
 * @returns a ready hasher
 * @throws {Error} when no hasher was created with {@linkcode createXxh3} before
 */
export function createXxh3Sync(): Xxh3 {
  if (!compiledModule) {
    throw new Error("XXH3 is not compiled yet: await createXxh3() first");
  }
  const instance = new WebAssembly.Instance(compiledModule);
  return new WasmXxh3(instance.exports as unknown as Xxh3Exports);
}

class WasmXxh3 implements Xxh3 {
  #exports: Xxh3Exports;
  #base: number;
  /** Bytes of input region reserved by {@linkcode Xxh3.region}; its scratch areas follow. */
  #capacity = 0;
  #indexArea = 0;
  #randomArea = 0;
  #randomSize = 0;
  #randomUsed = 0;
  #scratch: number;
  #bytes: Uint8Array;
  #view: DataView;
  /** Start of each frame of the piece being checksummed, relative to the section. */
  #starts = new Float64Array(256);

  constructor(exports: Xxh3Exports) {
    this.#exports = exports;
    this.#base = exports.input_base.value as number;
    this.#scratch = exports.scratch.value as number;
    this.#bytes = new Uint8Array(exports.memory.buffer);
    this.#view = new DataView(exports.memory.buffer);
  }

  /** Makes room for `size` bytes of input. */
  #reserve(size: number): void {
    const need = this.#base + size;
    const have = this.#bytes.length;
    if (need <= have) return;
    this.#exports.memory.grow(Math.ceil((need - have) / PAGE_SIZE));
    this.#bytes = new Uint8Array(this.#exports.memory.buffer);
    this.#view = new DataView(this.#exports.memory.buffer);
  }

  region(size: number): Uint8Array {
    if (!(Number.isInteger(size) && size >= 0 && size <= MAX_REGION_SIZE)) {
      // A view shorter than asked for would let the rest of a request be read as new requests.
      throw new RangeError(
        `Region of ${size} bytes asked for (limit ${MAX_REGION_SIZE})`,
      );
    }
    if (size > this.#capacity) {
      // Behind the region: room for the index entries and the random ids of as many frames as
      // fit in it (64 bytes at least each), so stamping never grows the memory under a section.
      this.#capacity = align16(
        Math.min(
          Math.max(size, 2 * this.#capacity, 64 * 1024),
          MAX_REGION_SIZE,
        ),
      );
      const area = align16(this.#capacity / 4);
      this.#reserve(this.#capacity + 2 * area);
      this.#indexArea = this.#base + this.#capacity;
      this.#randomArea = this.#indexArea + area;
      this.#randomSize = area;
      this.#randomUsed = area;
    }
    return this.#bytes.subarray(this.#base, this.#base + size);
  }

  stampFrames(
    section: Uint8Array,
    count: number,
    stamp: FrameStamp,
    index: Uint8Array,
  ): void {
    const ptr = section.byteOffset;
    if (
      section.buffer !== this.#exports.memory.buffer || ptr < this.#base ||
      ptr + section.length > this.#base + this.#capacity
    ) {
      throw new Error("The section is not in a region of this hasher");
    }
    // Enough unused random bytes for every frame that can fit.
    const ids = 16 * Math.min(count, Math.floor(section.length / 64));
    if (this.#randomSize - this.#randomUsed < ids) {
      for (let at = 0; at < this.#randomSize; at += RANDOM_CHUNK) {
        crypto.getRandomValues(
          this.#bytes.subarray(
            this.#randomArea + at,
            this.#randomArea + Math.min(this.#randomSize, at + RANDOM_CHUNK),
          ),
        );
      }
      this.#randomUsed = 0;
    }
    const used = this.#exports.stamp_frames(
      ptr,
      ptr + section.length,
      count,
      BigInt.asIntN(64, stamp.firstOffset),
      BigInt.asIntN(64, stamp.timestamp),
      this.#indexArea,
      stamp.relativeOffset,
      stamp.basePosition,
      this.#randomArea + this.#randomUsed,
    );
    if (used < 0) {
      throw new RangeError(`Message ${-1 - used} exceeds the section`);
    }
    this.#randomUsed += 16 * used;
    index.set(
      this.#bytes.subarray(this.#indexArea, this.#indexArea + 16 * count),
    );
  }

  /** Hashes `buf[start, end)` into the scratch slot. */
  #hashToScratch(buf: Uint8Array, start: number, end: number): void {
    const len = end - start;
    this.#reserve(len);
    this.#bytes.set(buf.subarray(start, end), this.#base);
    this.#exports.hash_to_scratch(this.#base, len);
  }

  hash(bytes: Uint8Array): bigint {
    this.#hashToScratch(bytes, 0, bytes.length);
    return this.#view.getBigUint64(this.#scratch, true);
  }

  hashInto(buf: Uint8Array, start: number, end: number, at: number): void {
    this.#hashToScratch(buf, start, end);
    const s = this.#scratch;
    const b = this.#bytes;
    for (let i = 0; i < 8; i++) buf[at + i] = b[s + i]!;
  }

  matches(buf: Uint8Array, start: number, end: number, at: number): boolean {
    this.#hashToScratch(buf, start, end);
    const s = this.#scratch;
    const b = this.#bytes;
    for (let i = 0; i < 8; i++) {
      if (buf[at + i] !== b[s + i]) return false;
    }
    return true;
  }

  checksumFrames(section: Uint8Array, count: number): number {
    const view = new DataView(
      section.buffer,
      section.byteOffset,
      section.byteLength,
    );
    const total = section.length;
    if (section.buffer === this.#exports.memory.buffer) {
      return this.#checksumInPlace(section, view, count);
    }
    const base = this.#base;
    let pos = 0;
    let done = 0;
    while (done < count) {
      // A piece: whole frames up to XXH3_CHUNK_SIZE bytes, or one larger frame.
      const from = pos;
      let n = 0;
      while (done + n < count) {
        if (pos + HEADER_SIZE > total) {
          throw new RangeError(
            `Message ${done + n} header exceeds the section`,
          );
        }
        const end = pos + HEADER_SIZE +
          view.getUint32(pos + USER_HEADERS_LENGTH, true) +
          view.getUint32(pos + PAYLOAD_LENGTH, true);
        if (end > total) {
          throw new RangeError(`Message ${done + n} exceeds the section`);
        }
        if (n > 0 && end - from > XXH3_CHUNK_SIZE) break;
        if (n === this.#starts.length) {
          const grown = new Float64Array(n * 2);
          grown.set(this.#starts);
          this.#starts = grown;
        }
        this.#starts[n++] = pos;
        pos = end;
      }
      this.#reserve(pos - from);
      this.#bytes.set(section.subarray(from, pos), base);
      this.#exports.checksum_frames(base, n);
      // Copy the checksums back, as two 32-bit halves.
      const mem = this.#view;
      const starts = this.#starts;
      for (let i = 0; i < n; i++) {
        const at = starts[i]!;
        const w = at - from + base;
        view.setUint32(at, mem.getUint32(w, true), true);
        view.setUint32(at + 4, mem.getUint32(w + 4, true), true);
      }
      done += n;
    }
    return pos;
  }

  /** {@linkcode Xxh3.checksumFrames} of a section inside this module's memory: one call, no copies. */
  #checksumInPlace(section: Uint8Array, view: DataView, count: number): number {
    const total = section.length;
    let pos = 0;
    // The module trusts the frame lengths: check that every frame lies inside the section first.
    for (let i = 0; i < count; i++) {
      if (pos + HEADER_SIZE > total) {
        throw new RangeError(`Message ${i} header exceeds the section`);
      }
      pos += HEADER_SIZE + view.getUint32(pos + USER_HEADERS_LENGTH, true) +
        view.getUint32(pos + PAYLOAD_LENGTH, true);
      if (pos > total) throw new RangeError(`Message ${i} exceeds the section`);
    }
    this.#exports.checksum_frames(section.byteOffset, count);
    return pos;
  }
}
