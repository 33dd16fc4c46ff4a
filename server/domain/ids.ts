/**
 * Server-assigned ids (binary.md §8.2): 0-based, the next never-used id, except that freed ids are reused
 * first, most recently freed first. The allocator is plain data, so the metadata log can assign an id
 * when a change is validated and apply it later, the same way on every replica.
 *
 * Because ids are reused, nothing may hold an id past the life of what it named:
 * - users: sessions, JWTs and personal access tokens also hold the user's incarnation
 *   (`UserAccount.incarnation`), so they never pass for a later user at the same id;
 * - streams and topics: users' permissions are the only lasting references by id, and deleting a
 *   stream or topic removes its entries (`state/apply.ts`). Consumer groups and their members
 *   live inside the topic and go with it; requests name streams and topics afresh each time and
 *   act on whatever holds that id (or name) now, as in Iggy 0.8.0. A new stream or topic never
 *   adopts an old one's files (storage).
 * @module
 */

/** The ids of one scope (streams, topics of a stream, groups of a topic, users). */
export interface IdAllocatorState {
  /** The lowest id never handed out. */
  next: number;
  /** Freed ids, reused last-freed first. */
  free: number[];
}

/** A fresh scope: ids start at 0. */
export function newIds(): IdAllocatorState {
  return { next: 0, free: [] };
}

/** The id the next allocation takes (nothing changes). */
export function peekId(ids: IdAllocatorState): number {
  return ids.free.at(-1) ?? ids.next;
}

/** Marks `id` as taken (as the allocation that {@linkcode peekId} announced). */
export function takeId(ids: IdAllocatorState, id: number): void {
  const index = ids.free.lastIndexOf(id);
  if (index >= 0) ids.free.splice(index, 1);
  else if (id >= ids.next) ids.next = id + 1;
}

/** Returns `id` for reuse. */
export function releaseId(ids: IdAllocatorState, id: number): void {
  if (!ids.free.includes(id)) ids.free.push(id);
}
