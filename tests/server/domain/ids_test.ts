import assert from "node:assert/strict";
import { IdAllocator } from "../../../server/domain/ids.ts";

Deno.test("IdAllocator reuses freed ids first, most recently freed first (binary.md §8.2)", () => {
  const ids = new IdAllocator();
  assert.deepEqual([ids.allocate(), ids.allocate(), ids.allocate()], [0, 1, 2]);
  ids.release(0);
  ids.release(2);
  assert.equal(ids.allocate(), 2);
  assert.equal(ids.allocate(), 0);
  assert.equal(ids.allocate(), 3);
  const restored = new IdAllocator(ids.toJSON());
  ids.release(1);
  assert.deepEqual(restored.toJSON(), { next: 4, free: [] });
  assert.deepEqual(ids.toJSON(), { next: 4, free: [1] });
});
