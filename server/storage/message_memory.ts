/**
 * The memory of one connection that handles one request at a time, as an explicit capability:
 * a request buffer that message batches are received into (WebAssembly memory, stamped in place),
 * and an arena for answers. Storage owns it; `server.ts` hands a factory to the binary transports,
 * and the command context carries it to the handlers, which pass it down with the batch.
 *
 * Both are lent, not given: a request buffer is reused for the next request, and answer regions
 * after the answer is written. Whatever keeps bytes longer (the read cache) copies them.
 * @module
 */

import { FRAME_HEADER_SIZE } from "../../client/protocol/mod.ts";
import { createXxh3Sync, type FrameStamp, type Xxh3 } from "./xxh3.ts";

/** Bytes kept free in front of an answer arena's regions for the headers of a frame. */
export const ANSWER_PREFIX = 64;

/** A view of memory used after that memory was reused or moved (a bug, never a client's fault). */
export class StaleMemoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StaleMemoryError";
  }
}

/**
 * True when `bytes` views memory that has been detached (a WebAssembly memory that grew since):
 * it reads as empty, and writes to it are lost.
 *
 * @param bytes Any view.
 * @returns Whether its buffer is detached.
 */
export function isDetached(bytes: Uint8Array): boolean {
  const buffer = bytes.buffer;
  return buffer instanceof ArrayBuffer && buffer.detached;
}

/**
 * Memory for answers, reused from request to request: regions handed out during one request stay
 * valid until the next `reset()`, which comes after the answer was written.
 */
export class AnswerArena {
  #buffer = new Uint8Array(0);
  #used = 0;

  /** Starts the answer of a new request: regions handed out before may be reused. */
  reset(): void {
    // The first region starts after room for the frame header and a small answer header.
    this.#used = Math.min(ANSWER_PREFIX, this.#buffer.length);
  }

  /**
   * The whole answer frame as one view when `chunks` are small header chunks followed by regions
   * of this arena laid back to back from its first one: the small chunks are copied in front of
   * them, and the frame header's 8 bytes are left for the caller. Undefined otherwise.
   *
   * @param chunks The answer payload, in order.
   * @returns The frame (header bytes still to write), or `undefined`.
   */
  frameOf(chunks: Uint8Array[]): Uint8Array | undefined {
    const buffer = this.#buffer;
    const first = buffer.byteOffset + ANSWER_PREFIX;
    let k = 0;
    let small = 0;
    while (k < chunks.length && chunks[k]!.buffer !== buffer.buffer) {
      small += chunks[k]!.length;
      k++;
    }
    if (
      k === chunks.length || chunks[k]!.byteOffset !== first ||
      FRAME_HEADER_SIZE + small > ANSWER_PREFIX
    ) return undefined;
    let end = first;
    for (let i = k; i < chunks.length; i++) {
      const chunk = chunks[i]!;
      if (chunk.buffer !== buffer.buffer || chunk.byteOffset !== end) {
        return undefined;
      }
      end += chunk.length;
    }
    let at = ANSWER_PREFIX - small;
    for (let i = 0; i < k; i++) {
      buffer.set(chunks[i]!, at);
      at += chunks[i]!.length;
    }
    return buffer.subarray(
      ANSWER_PREFIX - small - FRAME_HEADER_SIZE,
      end - buffer.byteOffset,
    );
  }

  /**
   * A region of `size` bytes, valid until the next {@linkcode AnswerArena.reset}.
   *
   * @param size Bytes wanted.
   * @returns The region.
   */
  allocate(size: number): Uint8Array {
    if (this.#used + size > this.#buffer.length) {
      // Regions already handed out keep the old buffer alive; later ones use a bigger one.
      this.#buffer = new Uint8Array(
        Math.max(ANSWER_PREFIX + size, 2 * this.#buffer.length, 1 << 20),
      );
      this.#used = ANSWER_PREFIX;
    }
    const out = this.#buffer.subarray(this.#used, this.#used + size);
    this.#used += size;
    return out;
  }
}

/**
 * Request and answer memory of one connection (see the module doc). Not shared between
 * connections: one request at a time uses it.
 */
export class MessageMemory {
  /** The answers of the current request. */
  readonly answers: AnswerArena = new AnswerArena();
  /** The WebAssembly hasher whose memory receives requests; made on the first large request. */
  #hasher: Xxh3 | undefined;
  /** The request buffer handed out last; every earlier one is stale. */
  #current: Uint8Array | undefined;

  /**
   * A buffer of `size` bytes to receive a request payload into. It stays valid until the next
   * call: that one may grow the memory, which detaches every view handed out before (using one is
   * detected: see {@linkcode MessageMemory.stampInPlace}).
   *
   * @param size Payload bytes.
   * @returns The buffer.
   * @throws {RangeError} when `size` is over 1 GiB
   */
  request(size: number): Uint8Array {
    this.#hasher ??= createXxh3Sync();
    this.#current = this.#hasher.region(size);
    return this.#current;
  }

  /**
   * True when `bytes` lies in the current request buffer: it is lent (reused by the next request),
   * so whoever keeps it must copy it.
   *
   * @param bytes Any view.
   * @returns Whether it is in this memory's current request buffer.
   */
  lends(bytes: Uint8Array): boolean {
    const current = this.#current;
    return current !== undefined && bytes.buffer === current.buffer &&
      bytes.byteOffset >= current.byteOffset &&
      bytes.byteOffset + bytes.length <= current.byteOffset + current.length;
  }

  /**
   * A region for the current answer (valid until the answer is written).
   *
   * @param size Bytes wanted.
   * @returns The region.
   */
  answer(size: number): Uint8Array {
    return this.answers.allocate(size);
  }

  /**
   * Stamps `count` frames of `section`, which lies in the current request buffer, in one
   * WebAssembly call in place, and fills `index`.
   *
   * @param section Frames back to back, inside the current request buffer.
   * @param count Frames to stamp.
   * @param stamp Offsets, timestamp and positions.
   * @param index Receives `16 * count` bytes of index entries.
   * @throws {StaleMemoryError} when `section` is a view of memory since reused or moved
   * @throws {RangeError} when a frame runs past the section
   */
  stampInPlace(
    section: Uint8Array,
    count: number,
    stamp: FrameStamp,
    index: Uint8Array,
  ): void {
    if (isDetached(section) || !this.lends(section)) {
      throw new StaleMemoryError(
        "A request view was used after its memory was reused",
      );
    }
    this.#hasher!.stampFrames(section, count, stamp, index);
  }
}
