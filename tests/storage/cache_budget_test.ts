import assert from "node:assert/strict";
import { CacheBudget } from "../../server/storage/cache_budget.ts";

Deno.test("CacheBudget.charge() evicts the oldest charges of any owner first", () => {
  const budget = new CacheBudget(100);
  const evicted: string[] = [];
  budget.charge(40, () => evicted.push("a1"));
  budget.charge(40, () => evicted.push("b1"));
  budget.charge(10, () => evicted.push("a2"));
  assert.equal(budget.used, 90);
  budget.charge(50, () => evicted.push("b2"));
  assert.deepEqual(evicted, ["a1"], "100 bytes still fit");
  assert.equal(budget.used, 100);
  budget.charge(45, () => evicted.push("a3"));
  assert.deepEqual(evicted, ["a1", "b1", "a2"]);
  assert.equal(budget.used, 95);
});

Deno.test("CacheBudget.charge() refuses a chunk larger than the limit", () => {
  const budget = new CacheBudget(10);
  assert.equal(budget.charge(11, () => {}), undefined);
  assert.equal(new CacheBudget(0).charge(1, () => {}), undefined);
  assert.equal(budget.used, 0);
});

Deno.test("CacheBudget.release() gives bytes back and skips released charges on eviction", () => {
  const budget = new CacheBudget(100);
  const evicted: number[] = [];
  const first = budget.charge(60, () => evicted.push(1))!;
  budget.charge(30, () => evicted.push(2));
  budget.release(first);
  budget.release(first);
  assert.equal(budget.used, 30);
  budget.charge(80, () => evicted.push(3));
  assert.deepEqual(evicted, [2], "the released charge is not evicted again");
  assert.equal(budget.used, 80);
});

Deno.test("CacheBudget stays within its limit over many charges and releases", () => {
  const budget = new CacheBudget(1000);
  const live: ReturnType<CacheBudget["charge"]>[] = [];
  for (let i = 0; i < 20_000; i++) {
    const charge = budget.charge(1 + (i % 97), () => {});
    live.push(charge);
    if (i % 3 === 0) budget.release(live[i >> 1]!);
    assert.ok(budget.used <= 1000, `used ${budget.used} at ${i}`);
  }
});

Deno.test("new CacheBudget() rejects a negative limit", () => {
  assert.throws(() => new CacheBudget(-1), RangeError);
});
