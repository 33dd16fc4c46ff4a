/**
 * Server-assigned ids (binary.md §8.2): 0-based, the next never-used id, except that freed ids are reused
 * first, most recently freed first.
 * @module
 */

/** The persisted form of an {@linkcode IdAllocator}. */
export interface IdAllocatorState {
  next: number;
  free: number[];
}

/** Hands out ids for one scope (streams, topics of a stream, groups of a topic, users). */
export class IdAllocator {
  #next: number;
  #free: number[];

  constructor(state: IdAllocatorState = { next: 0, free: [] }) {
    this.#next = state.next;
    this.#free = [...state.free];
  }

  /** Takes the next id. */
  allocate(): number {
    return this.#free.pop() ?? this.#next++;
  }

  /** Returns `id` for reuse. */
  release(id: number): void {
    this.#free.push(id);
  }

  /** The state to persist. */
  toJSON(): IdAllocatorState {
    return { next: this.#next, free: [...this.#free] };
  }
}
