/**
 * The memory requests are served in, as an explicit capability: where a request payload is
 * received, whether a buffer is lent (reused after the request) or given, and where the answer of a
 * read goes. Storage owns it; `server.ts` hands it to the binary transports, and the command context
 * carries it to the handlers, which pass it down with the batch they store or the read they make.
 *
 * Two kinds:
 * - {@linkcode MessageMemory}, one per connection that handles one request at a time (TCP, TLS):
 *   payloads are received into WebAssembly memory that stamping works on in place, answers into an
 *   arena; both are lent, so whatever keeps bytes longer (the read cache) copies them.
 * - {@linkcode FreshMemory}, for everything else (concurrent QUIC streams, WebSocket, HTTP): new
 *   buffers, given to whoever receives them; nothing is lent.
 *
 * A stale view cannot be used unnoticed: a connection's request buffer is only replaced (and the
 * WebAssembly memory only grows) once the request that received into it has been released, and
 * stamping refuses a view that is not the current request buffer or whose memory has moved.
 * @module
 */

import { FRAME_HEADER_SIZE } from "../../client/protocol/mod.ts";
import { createXxh3Sync, type FrameStamp, type Xxh3 } from "./xxh3.ts";

export type { FrameStamp };

/** Bytes kept free in front of an answer arena's regions for the headers of a frame. */
export const ANSWER_PREFIX = 64;

/** A view of memory used after that memory was reused or moved (a bug, never a client's fault). */
export class StaleMemoryError extends Error {
  /**
   * @param message What was used, and where.
   */
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

/** The memory of one request, as handlers and storage use it. */
export interface RequestMemory {
  /**
   * A region of `size` bytes for the answer being built (read results), valid until the answer is
   * written. A property, so it can be handed on as an allocator.
   */
  readonly answer: (size: number) => Uint8Array;
  /**
   * True when `bytes` is lent by this memory: it is reused after the request, so whoever keeps
   * bytes longer must copy them.
   */
  lends(bytes: Uint8Array): boolean;
  /**
   * Stamps `count` frames of `section`, a view this memory {@linkcode RequestMemory.lends}, in
   * place (see `stampMessages`), and fills `index`.
   * @throws {StaleMemoryError} when `section` is not lent by this memory (any more)
   */
  stampInPlace(
    section: Uint8Array,
    count: number,
    stamp: FrameStamp,
    index: Uint8Array,
  ): void;
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
 * Request and answer memory of one connection that handles one request at a time (see the module
 * doc). Requests are received into a WebAssembly hasher's memory, where stamping needs no copy: a
 * fresh 1 MB buffer per batch costs more (page faults, zeroing, GC) than everything else but the
 * copies. The hasher is made on the first request buffer, so idle and control-only connections do
 * not pay for it.
 */
export class MessageMemory implements RequestMemory {
  readonly #answers = new AnswerArena();
  #hasher: Xxh3 | undefined;
  /** The request buffer handed out last, while its request is served; earlier ones are stale. */
  #lent: Uint8Array | undefined;

  /** {@inheritDoc RequestMemory.answer} */
  readonly answer = (size: number): Uint8Array => this.#answers.allocate(size);

  /**
   * A buffer of `size` bytes to receive a request payload into, lent until
   * {@linkcode MessageMemory.release}. Only then may the next call grow the memory, which detaches
   * every view handed out before.
   *
   * @param size Payload bytes, at most 1 GiB.
   * @returns The buffer.
   * @throws {StaleMemoryError} when the previous request buffer was not released
   * @throws {RangeError} when `size` is over 1 GiB
   */
  request(size: number): Uint8Array {
    if (this.#lent !== undefined) {
      throw new StaleMemoryError(
        "A request buffer was asked for while the previous one is still in use",
      );
    }
    this.#hasher ??= createXxh3Sync();
    this.#lent = this.#hasher.region(size);
    return this.#lent;
  }

  /** Ends the current request: its buffer may be reused (and moved) by the next one. */
  release(): void {
    this.#lent = undefined;
  }

  /** Starts the answer of a new request (see {@linkcode AnswerArena.reset}). */
  startAnswer(): void {
    this.#answers.reset();
  }

  /**
   * See {@linkcode AnswerArena.frameOf}.
   *
   * @param chunks The answer payload, in order.
   * @returns The frame (header bytes still to write), or `undefined`.
   */
  frameOf(chunks: Uint8Array[]): Uint8Array | undefined {
    return this.#answers.frameOf(chunks);
  }

  /**
   * True when `bytes` lies in the current request buffer (see {@linkcode RequestMemory.lends}).
   *
   * @param bytes Any view.
   * @returns Whether it is in this memory's current request buffer.
   */
  lends(bytes: Uint8Array): boolean {
    const lent = this.#lent;
    return lent !== undefined && bytes.buffer === lent.buffer &&
      bytes.byteOffset >= lent.byteOffset &&
      bytes.byteOffset + bytes.length <= lent.byteOffset + lent.length;
  }

  /**
   * Stamps `count` frames of `section`, which lies in the current request buffer, in place in one
   * WebAssembly call, and fills `index`.
   *
   * @param section Frames back to back, inside the current request buffer.
   * @param count Frames to stamp.
   * @param stamp Offsets, timestamp and positions.
   * @param index Receives `16 * count` bytes of index entries.
   * @throws {StaleMemoryError} when `section` is not in the current request buffer, or its
   *   memory has moved
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
        "A request view was used after its memory was released or moved",
      );
    }
    this.#hasher!.stampFrames(section, count, stamp, index);
  }
}

/**
 * Memory that lends nothing: new buffers for requests and answers, given to whoever receives them.
 * For transports that serve requests concurrently or keep no buffers (QUIC, WebSocket, HTTP).
 * It has the methods of {@linkcode MessageMemory}, so a transport can use either.
 */
export class FreshMemory implements RequestMemory {
  /** A new buffer of `size` bytes. */
  readonly answer = (size: number): Uint8Array => new Uint8Array(size);

  /**
   * A new buffer to receive a request payload into.
   *
   * @param size Payload bytes.
   * @returns The buffer (given, not lent).
   */
  request(size: number): Uint8Array {
    return new Uint8Array(size);
  }

  /** Nothing to release. */
  release(): void {}

  /** Nothing to reset. */
  startAnswer(): void {}

  /**
   * Never lays out a frame (answers are not in one arena).
   *
   * @param _chunks The answer payload.
   * @returns `undefined`.
   */
  frameOf(_chunks: Uint8Array[]): Uint8Array | undefined {
    return undefined;
  }

  /**
   * Nothing is lent.
   *
   * @param _bytes Any view.
   * @returns `false`.
   */
  lends(_bytes: Uint8Array): boolean {
    return false;
  }

  /**
   * Never called: nothing is lent, so stamping copies.
   *
   * @throws {StaleMemoryError} always
   */
  stampInPlace(): void {
    throw new StaleMemoryError("Fresh memory lends nothing to stamp in place");
  }
}

/** The one {@linkcode FreshMemory}: it holds no state. */
export const FRESH_MEMORY: FreshMemory = new FreshMemory();
