/**
 * Server-side stamping of a message section before it is stored (binary.md §6.5, §6.6),
 * and the hash functions the server needs (XXH3-64 checksums, XXH32 keys).
 *
 * XXH3-64 runs on our own WebAssembly module (`xxh3.ts`), XXH32 on `hash-wasm`; both must be
 * instantiated once: await {@linkcode initHashing} at start-up; after it every function here is
 * synchronous.
 * @module
 */

import {
  INDEX_ENTRY_SIZE,
  MESSAGE_HEADER_SIZE,
  MessageField,
} from "../../client/protocol/batch.ts";
import { createXXHash32 } from "hash-wasm";
import type { IHasher } from "hash-wasm";
import { createXxh3 } from "./xxh3.ts";
import {
  isDetached,
  MessageMemory,
  type RequestMemory,
  StaleMemoryError,
} from "./message_memory.ts";
import type { Xxh3 } from "./xxh3.ts";

export { INDEX_ENTRY_SIZE, MESSAGE_HEADER_SIZE, MessageField };

let xxh3Hasher: Xxh3 | undefined;
let xxh32Hasher: IHasher | undefined;
/** Where batches received outside a connection's memory are stamped (copied in and back). */
let stamper: MessageMemory | undefined;
const xxh32Seeded = new Map<number, IHasher>();

/**
 * Instantiates the WebAssembly hashers. Await it once before any other function of this module.
 * Calling it again is harmless.
 * @example Usage
 * ```ts ignore
 * await initHashing();
 * ```
 */
export async function initHashing(): Promise<void> {
  if (xxh3Hasher && xxh32Hasher) return;
  xxh3Hasher = await createXxh3();
  xxh32Hasher = await createXXHash32(0);
}

function hasher3(): Xxh3 {
  if (!xxh3Hasher) {
    throw new Error("Hashing is not initialised: await initHashing() first");
  }
  return xxh3Hasher;
}

/**
 * XXH32 of `bytes` (used for client ids, message keys and string consumer ids).
 * @param bytes the input
 * @param seed the seed, u32 (0 by default); a non-zero seed needs {@linkcode initHashing} to
 *   have been followed by one call of {@linkcode initXxh32Seed} for it
 * @returns the hash as an unsigned 32-bit number
 * @throws {Error} when hashing is not initialised
 */
export function xxh32(bytes: Uint8Array, seed = 0): number {
  const h = seed === 0 ? xxh32Hasher : xxh32Seeded.get(seed);
  if (!h) {
    throw new Error(
      seed === 0
        ? "Hashing is not initialised: await initHashing() first"
        : `XXH32 seed "${seed}" is not initialised: await initXxh32Seed(${seed}) first`,
    );
  }
  const d = h.init().update(bytes).digest("binary");
  // The binary digest is the canonical (big-endian) representation.
  return ((d[0]! << 24) | (d[1]! << 16) | (d[2]! << 8) | d[3]!) >>> 0;
}

/** Prepares a non-zero XXH32 seed for synchronous use by {@linkcode xxh32}. */
export async function initXxh32Seed(seed: number): Promise<void> {
  if (seed === 0 || xxh32Seeded.has(seed)) return;
  xxh32Seeded.set(seed, await createXXHash32(seed));
}

/**
 * XXH3-64 (seed 0) of `bytes`.
 * @returns the hash as an unsigned 64-bit bigint
 * @throws {Error} when hashing is not initialised
 */
export function xxh3(bytes: Uint8Array): bigint {
  return hasher3().hash(bytes);
}

/**
 * Writes the checksum of the frame at `buf[start, end)`: XXH3-64 of bytes `[start + 8, end)`,
 * little-endian, into its first 8 bytes (binary.md §6.6).
 * @throws {Error} when hashing is not initialised
 */
export function writeFrameChecksum(
  buf: Uint8Array,
  start: number,
  end: number,
): void {
  hasher3().hashInto(buf, start + 8, end, start);
}

/**
 * Tells whether the stored checksum of the frame starting at `start` in `buf` matches its bytes.
 * @param buf bytes holding whole message frames
 * @param start where the frame starts
 * @param end where the frame ends
 */
export function checksumMatches(
  buf: Uint8Array,
  start: number,
  end: number,
): boolean {
  return hasher3().matches(buf, start + 8, end, start);
}

/** Options of {@linkcode stampMessages}. */
export interface StampOptions {
  /** Offset given to the first message; the others follow one by one. */
  firstOffset: bigint;
  /** Server timestamp (µs) written into every message of the batch. */
  timestamp: bigint;
  /** Size of the segment `.log` before this batch: index positions are relative to it. */
  basePosition: number;
  /** Start offset of the segment: index offsets are relative to it. */
  segmentStartOffset: bigint;
  /** Receives `16 * count` bytes of index entries (relative offset, end position, timestamp). */
  index: Uint8Array;
  /**
   * The memory the batch was received in, if any: when it lends the batch, the batch is stamped
   * where it lies; other batches are copied to the stamping memory in pieces and back.
   */
  memory?: RequestMemory;
}

/** The leading header bytes stamping writes: checksum, id, offset and timestamp (binary.md §6.1). */
const STAMPED_BYTES = MessageField.Timestamp + 8;
/** Where each frame of the piece being stamped starts, relative to the section. */
let frameStarts = new Float64Array(1024);

/** Bytes of whole frames stamped per piece of a batch that is not in request memory. */
export const STAMP_PIECE_SIZE = 256 * 1024;

/**
 * Stamps a validated message section in place: offsets from `opts.firstOffset`, the timestamp, a
 * UUIDv4 where the id is zero, then the XXH3-64 checksum of bytes `[8, end)` of each frame;
 * and fills `opts.index` with the segment index entries of the batch.
 *
 * One implementation for every transport: the WebAssembly `stamp_frames`, in place in the
 * request memory that lends the batch (`opts.memory`), else on copies of pieces of about
 * {@linkcode STAMP_PIECE_SIZE} bytes of whole frames in this module's stamping memory.
 *
 * The section must hold exactly `count` frames back to back, each
 * `64 + payload_length + user_headers_length` bytes (as checked on receipt, §6.4).
 * @param messages the message section, modified in place
 * @param count the number of frames in it
 * @param opts offsets, timestamp, positions, the index buffer to fill and the batch's memory
 * @throws {RangeError} when the frames do not fit `messages` or `index` is too small
 * @throws {StaleMemoryError} when `messages` is a view of memory since released or moved
 * @example Usage
 * ```ts ignore
 * const index = new Uint8Array(16 * count);
 * stampMessages(section, count, {
 *   firstOffset: 0n, timestamp: nowMicros(), basePosition: 0, segmentStartOffset: 0n, index,
 * });
 * ```
 */
export function stampMessages(
  messages: Uint8Array,
  count: number,
  opts: StampOptions,
): void {
  hasher3();
  const index = opts.index;
  if (index.length < count * INDEX_ENTRY_SIZE) {
    throw new RangeError(
      `Index buffer too small: need ${
        count * INDEX_ENTRY_SIZE
      } bytes, have ${index.length}`,
    );
  }
  if (isDetached(messages)) {
    throw new StaleMemoryError(
      "A message view was used after its memory moved",
    );
  }
  const relativeOffset = Number(opts.firstOffset - opts.segmentStartOffset);
  if (opts.memory?.lends(messages)) {
    opts.memory.stampInPlace(messages, count, {
      firstOffset: opts.firstOffset,
      timestamp: opts.timestamp,
      relativeOffset,
      basePosition: opts.basePosition,
    }, index);
    return;
  }
  stamper ??= new MessageMemory();
  const view = new DataView(
    messages.buffer,
    messages.byteOffset,
    messages.byteLength,
  );
  const total = messages.length;
  let pos = 0;
  let done = 0;
  while (done < count) {
    // A piece: whole frames up to STAMP_PIECE_SIZE bytes, or one larger frame.
    const from = pos;
    let n = 0;
    while (done + n < count) {
      const end = pos + MESSAGE_HEADER_SIZE > total ? Infinity : pos +
        MESSAGE_HEADER_SIZE +
        view.getUint32(pos + MessageField.PayloadLength, true) +
        view.getUint32(pos + MessageField.UserHeadersLength, true);
      if (end > total) {
        throw new RangeError(`Message ${done + n} exceeds the section`);
      }
      if (n > 0 && end - from > STAMP_PIECE_SIZE) break;
      if (n === frameStarts.length) {
        const grown = new Float64Array(2 * n);
        grown.set(frameStarts);
        frameStarts = grown;
      }
      frameStarts[n++] = pos;
      pos = end;
    }
    const piece = stamper.request(pos - from);
    try {
      piece.set(messages.subarray(from, pos));
      stamper.stampInPlace(piece, n, {
        firstOffset: opts.firstOffset + BigInt(done),
        timestamp: opts.timestamp,
        relativeOffset: relativeOffset + done,
        basePosition: opts.basePosition + from,
      }, index.subarray(done * INDEX_ENTRY_SIZE));
      // Only the stamped fields changed: copy them back, not the bodies.
      const stamped = new DataView(
        piece.buffer,
        piece.byteOffset,
        piece.length,
      );
      for (let i = 0; i < n; i++) {
        const at = frameStarts[i]!;
        const w = at - from;
        for (let k = 0; k < STAMPED_BYTES; k += 4) {
          view.setUint32(at + k, stamped.getUint32(w + k, true), true);
        }
      }
    } finally {
      stamper.release();
    }
    done += n;
  }
}
