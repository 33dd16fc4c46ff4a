import assert from "node:assert/strict";
import {
  newIds,
  peekId,
  releaseId,
  takeId,
} from "../../../server/domain/ids.ts";

function allocate(ids: ReturnType<typeof newIds>): number {
  const id = peekId(ids);
  takeId(ids, id);
  return id;
}

Deno.test("peekId() and takeId() reuse freed ids first, most recently freed first (binary.md §8.2)", () => {
  const ids = newIds();
  assert.deepEqual([allocate(ids), allocate(ids), allocate(ids)], [0, 1, 2]);
  releaseId(ids, 0);
  releaseId(ids, 2);
  assert.equal(allocate(ids), 2);
  assert.equal(allocate(ids), 0);
  assert.equal(allocate(ids), 3);
  const restored = structuredClone(ids);
  releaseId(ids, 1);
  assert.deepEqual(restored, { next: 4, free: [] });
  assert.deepEqual(ids, { next: 4, free: [1] });
});

Deno.test("peekId() changes nothing", () => {
  const ids = { next: 3, free: [1] };
  assert.equal(peekId(ids), 1);
  assert.equal(peekId(ids), 1);
  assert.deepEqual(ids, { next: 3, free: [1] });
});
