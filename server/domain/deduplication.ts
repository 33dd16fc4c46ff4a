/**
 * Server-side message deduplication (`[system.message_deduplication]`, binary.md §6.5, §8.9):
 * a per-partition cache of recently seen message ids with a capacity and a time to live.
 * Duplicates are removed from a batch before offsets are assigned, so offsets stay contiguous.
 * @module
 */

import { MESSAGE_HEADER_SIZE, MessageField } from "../storage/stamp.ts";

/** Options of {@linkcode MessageDeduplicator}. */
export interface DeduplicatorOptions {
  /** Most ids remembered; the oldest are forgotten first. 0 = unbounded. */
  maxEntries: number;
  /** How long an id is remembered, in milliseconds. 0 = until evicted by capacity. */
  ttl: number;
  /** The clock, in milliseconds. @default {Date.now} */
  now?: () => number;
}

/** Result of {@linkcode MessageDeduplicator.filter}. */
export interface DeduplicatedSection {
  /** The kept frames back to back: the input itself when nothing was dropped. */
  messages: Uint8Array;
  /** Number of kept frames (0 when every message was a duplicate). */
  count: number;
  /** The ids remembered for this batch: give them to `forget` if storing it fails. */
  added: string[];
}

/** Builds a map key from the 16 id bytes at `at` (8 UTF-16 code units). */
function idKey(view: DataView, at: number): string {
  return String.fromCharCode(
    view.getUint16(at, true),
    view.getUint16(at + 2, true),
    view.getUint16(at + 4, true),
    view.getUint16(at + 6, true),
    view.getUint16(at + 8, true),
    view.getUint16(at + 10, true),
    view.getUint16(at + 12, true),
    view.getUint16(at + 14, true),
  );
}

const ZERO_ID = "\0\0\0\0\0\0\0\0";

/**
 * Remembers the message ids of one partition.
 * @example Usage
 * ```ts ignore
 * const dedup = new MessageDeduplicator({ maxEntries: 10_000, ttl: 60_000 });
 * const kept = dedup.filter(section, count);
 * if (kept.count > 0) await log.append(kept.messages, kept.count, now);
 * ```
 */
export class MessageDeduplicator {
  #maxEntries: number;
  #ttl: number;
  #now: () => number;
  /** id key → expiry time (ms); Map order is insertion order, oldest first. */
  #seen: Map<string, number> = new Map();

  /**
   * @throws {RangeError} when a limit is negative or not an integer
   */
  constructor(options: DeduplicatorOptions) {
    for (
      const [name, value] of Object.entries({
        maxEntries: options.maxEntries,
        ttl: options.ttl,
      })
    ) {
      if (!Number.isSafeInteger(value) || value < 0) {
        throw new RangeError(`Invalid deduplication ${name} "${value}"`);
      }
    }
    this.#maxEntries = options.maxEntries;
    this.#ttl = options.ttl;
    this.#now = options.now ?? Date.now;
  }

  /** Ids currently remembered (expired ones may still be counted until the next filter). */
  get size(): number {
    return this.#seen.size;
  }

  #expire(now: number): void {
    if (this.#ttl === 0) return;
    for (const [key, expiresAt] of this.#seen) {
      if (expiresAt > now) break;
      this.#seen.delete(key);
    }
  }

  /**
   * Drops the frames whose id was seen (in this batch or within the window) and remembers the
   * ids of the kept ones. Id 0 (the server generates one) is never a duplicate.
   * @param messages a validated message section (`count` frames back to back); not modified
   * @param count the number of frames
   * @returns the kept frames (compacted into a new buffer when any was dropped)
   */
  filter(messages: Uint8Array, count: number): DeduplicatedSection {
    const now = this.#now();
    this.#expire(now);
    const view = new DataView(
      messages.buffer,
      messages.byteOffset,
      messages.byteLength,
    );
    const expiresAt = this.#ttl === 0 ? Infinity : now + this.#ttl;
    const added: string[] = [];
    let dropped: boolean[] | undefined;
    let keptBytes = 0;
    let pos = 0;
    for (let i = 0; i < count; i++) {
      const end = pos + MESSAGE_HEADER_SIZE +
        view.getUint32(pos + MessageField.PayloadLength, true) +
        view.getUint32(pos + MessageField.UserHeadersLength, true);
      const key = idKey(view, pos + MessageField.Id);
      if (key !== ZERO_ID && this.#seen.has(key)) {
        dropped ??= new Array<boolean>(count).fill(false);
        dropped[i] = true;
      } else {
        if (key !== ZERO_ID) {
          this.#seen.set(key, expiresAt);
          added.push(key);
        }
        keptBytes += end - pos;
      }
      pos = end;
    }
    this.#evict();
    if (!dropped) return { messages, count, added };

    const out = new Uint8Array(keptBytes);
    let at = 0;
    let kept = 0;
    pos = 0;
    for (let i = 0; i < count; i++) {
      const end = pos + MESSAGE_HEADER_SIZE +
        view.getUint32(pos + MessageField.PayloadLength, true) +
        view.getUint32(pos + MessageField.UserHeadersLength, true);
      if (!dropped[i]) {
        out.set(messages.subarray(pos, end), at);
        at += end - pos;
        kept++;
      }
      pos = end;
    }
    return { messages: out, count: kept, added };
  }

  /** Forgets ids remembered by a `filter` whose batch was then not stored. */
  forget(keys: string[]): void {
    for (const key of keys) this.#seen.delete(key);
  }

  #evict(): void {
    if (this.#maxEntries === 0) return;
    let excess = this.#seen.size - this.#maxEntries;
    if (excess <= 0) return;
    for (const key of this.#seen.keys()) {
      this.#seen.delete(key);
      if (--excess === 0) break;
    }
  }
}
