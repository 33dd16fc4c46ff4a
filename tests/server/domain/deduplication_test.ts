import assert from "node:assert/strict";
import { MessageDeduplicator } from "../../../server/domain/deduplication.ts";
import { buildSection, parseFrames, text } from "../../storage/_frames.ts";

function ids(section: Uint8Array): bigint[] {
  return parseFrames([section]).map((f) =>
    new DataView(f.id.buffer, f.id.byteOffset).getBigUint64(0, true)
  );
}

function batch(idList: bigint[]): Uint8Array {
  return buildSection(idList.length, {
    id: (i) => idList[i]!,
    payload: (i) => new TextEncoder().encode(`id-${idList[i]}-${i}`),
  });
}

Deno.test("MessageDeduplicator.filter() drops ids seen before and within the batch", () => {
  const dedup = new MessageDeduplicator({ maxEntries: 100, ttl: 0 });
  const first = batch([1n, 2n, 3n]);
  const kept = dedup.filter(first, 3);
  assert.equal(kept.messages, first, "nothing dropped: no copy");
  assert.equal(kept.count, 3);
  const second = dedup.filter(batch([2n, 4n, 4n, 5n, 1n]), 5);
  assert.equal(second.count, 2);
  assert.deepEqual(ids(second.messages), [4n, 5n]);
  assert.deepEqual(
    parseFrames([second.messages]).map((f) => text(f.payload)),
    ["id-4-1", "id-5-3"],
  );
});

Deno.test("MessageDeduplicator.filter() never treats id 0 as a duplicate", () => {
  const dedup = new MessageDeduplicator({ maxEntries: 100, ttl: 0 });
  assert.equal(dedup.filter(batch([0n, 0n]), 2).count, 2);
  assert.equal(dedup.filter(batch([0n]), 1).count, 1);
  assert.equal(dedup.size, 0);
});

Deno.test("MessageDeduplicator forgets ids after the TTL", () => {
  let now = 1000;
  const dedup = new MessageDeduplicator({
    maxEntries: 0,
    ttl: 50,
    now: () => now,
  });
  dedup.filter(batch([7n]), 1);
  now += 49;
  assert.equal(dedup.filter(batch([7n]), 1).count, 0);
  now += 1;
  assert.equal(dedup.filter(batch([7n]), 1).count, 1, "expired at 50 ms");
});

Deno.test("MessageDeduplicator forgets the oldest ids beyond its capacity", () => {
  const dedup = new MessageDeduplicator({ maxEntries: 2, ttl: 0 });
  dedup.filter(batch([1n, 2n, 3n]), 3);
  assert.equal(dedup.size, 2);
  assert.equal(dedup.filter(batch([1n]), 1).count, 1, "1 was evicted");
  assert.equal(dedup.filter(batch([3n]), 1).count, 0);
});

Deno.test("MessageDeduplicator.forget() lets a failed batch be sent again", () => {
  const dedup = new MessageDeduplicator({ maxEntries: 10, ttl: 0 });
  const kept = dedup.filter(batch([1n, 2n]), 2);
  dedup.forget(kept.added);
  assert.equal(dedup.filter(batch([1n, 2n]), 2).count, 2);
});

Deno.test("new MessageDeduplicator() rejects negative limits", () => {
  assert.throws(
    () => new MessageDeduplicator({ maxEntries: -1, ttl: 0 }),
    RangeError,
  );
  assert.throws(
    () => new MessageDeduplicator({ maxEntries: 1, ttl: 1.5 }),
    RangeError,
  );
});
