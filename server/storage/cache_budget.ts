/**
 * A memory budget shared by the read caches of every partition (`system.cache.size`).
 *
 * Each cache charges the budget for every chunk it keeps and releases the charge when it drops
 * the chunk. When a charge takes the total over the limit, the budget evicts the oldest charged
 * chunks of any cache (first in, first out) until the total fits again: the cache that owns an
 * evicted chunk is told through the callback it gave with the charge. Because every cache adds
 * and drops its chunks in order, the oldest live charge of a cache is always its oldest chunk.
 * @module
 */

/** One charged chunk; returned by {@linkcode CacheBudget.charge}, given back to `release`. */
export interface CacheCharge {
  /** Bytes charged. */
  readonly bytes: number;
  /** True once released or evicted. */
  done: boolean;
  /** Called when the budget evicts the chunk. */
  readonly evict: () => void;
}

/**
 * A shared byte budget with first-in-first-out eviction across its users.
 * @example Usage
 * ```ts
 * import { CacheBudget } from "./cache_budget.ts";
 * const budget = new CacheBudget(100);
 * const charge = budget.charge(60, () => {});
 * budget.release(charge!);
 * ```
 */
export class CacheBudget {
  /** The most bytes all caches may hold together. */
  readonly limit: number;
  #used = 0;
  #live = 0;
  #queue: CacheCharge[] = [];
  #head = 0;

  /**
   * @param limit the byte limit, at least 0 (0 disables caching: every charge is refused)
   * @throws {RangeError} when `limit` is negative or not a number
   */
  constructor(limit: number) {
    if (!(limit >= 0)) throw new RangeError(`Invalid cache size "${limit}"`);
    this.limit = limit;
  }

  /** Bytes currently charged. */
  get used(): number {
    return this.#used;
  }

  /**
   * Charges `bytes`, first evicting the oldest charges of any cache until they fit.
   * @param bytes the size of the chunk to keep
   * @param evict called (synchronously) if the budget later evicts this chunk
   * @returns the charge, or `undefined` when `bytes` alone exceeds the limit (do not keep the chunk)
   */
  charge(bytes: number, evict: () => void): CacheCharge | undefined {
    if (bytes > this.limit) return undefined;
    while (this.#used + bytes > this.limit && this.#head < this.#queue.length) {
      const oldest = this.#queue[this.#head]!;
      this.#queue[this.#head++] = DONE;
      if (oldest.done) continue;
      this.#settle(oldest);
      oldest.evict();
    }
    const entry: CacheCharge = { bytes, done: false, evict };
    this.#queue.push(entry);
    this.#used += bytes;
    this.#live++;
    this.#compact();
    return entry;
  }

  /** Gives a charge back (its cache dropped the chunk). Releasing twice is harmless. */
  release(entry: CacheCharge): void {
    if (!entry.done) this.#settle(entry);
  }

  #settle(entry: CacheCharge): void {
    entry.done = true;
    this.#used -= entry.bytes;
    this.#live--;
  }

  #compact(): void {
    const pending = this.#queue.length - this.#head;
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    } else if (pending > 1024 && pending > 4 * this.#live) {
      this.#queue = this.#queue.slice(this.#head).filter((e) => !e.done);
      this.#head = 0;
    }
  }
}

const DONE: CacheCharge = { bytes: 0, done: true, evict: () => {} };
