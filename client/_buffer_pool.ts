/**
 * Reuses large send buffers: a fresh 1 MB `Uint8Array` costs page faults and zeroing on every batch,
 * a warm one only the copy. Buffers are kept by power-of-two size class, a few per class.
 * @module
 */

const MIN_POOLED = 64 * 1024;
const MAX_POOLED = 64 * 1024 * 1024;
const PER_CLASS = 4;

/** A pool of reusable byte buffers. */
export class BufferPool {
  readonly #free = new Map<number, ArrayBuffer[]>();

  static #classOf(size: number): number {
    let capacity = MIN_POOLED;
    while (capacity < size) capacity *= 2;
    return capacity;
  }

  /** A buffer of exactly `size` bytes, with unspecified contents. */
  acquire(size: number): Uint8Array {
    if (size < MIN_POOLED || size > MAX_POOLED) return new Uint8Array(size);
    const capacity = BufferPool.#classOf(size);
    const buffer = this.#free.get(capacity)?.pop() ?? new ArrayBuffer(capacity);
    return new Uint8Array(buffer, 0, size);
  }

  /** Gives `bytes` (from {@linkcode BufferPool.acquire}) back; it must not be used afterwards. */
  release(bytes: Uint8Array): void {
    const capacity = bytes.buffer.byteLength;
    if (
      bytes.byteOffset !== 0 || capacity < MIN_POOLED || capacity > MAX_POOLED
    ) return;
    if (capacity !== BufferPool.#classOf(capacity)) return;
    const list = this.#free.get(capacity) ?? [];
    if (list.length < PER_CLASS) list.push(bytes.buffer as ArrayBuffer);
    this.#free.set(capacity, list);
  }
}
