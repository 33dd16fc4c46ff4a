import assert from "node:assert/strict";
import {
  ConnectionLimiter,
  fitToFileLimit,
  openFileLimit,
} from "../../../server/net/limits.ts";

Deno.test("ConnectionLimiter.admit() refuses over the per-address limit and frees on release", () => {
  const limiter = new ConnectionLimiter({
    maxConnections: 0,
    maxConnectionsPerIp: 2,
  });
  const a = limiter.admit("10.0.0.1");
  const b = limiter.admit("10.0.0.1");
  assert.ok("slot" in a && "slot" in b);
  assert.deepEqual(limiter.admit("10.0.0.1"), {
    refused: "too many connections from 10.0.0.1 (limit 2)",
  });
  assert.ok("slot" in limiter.admit("10.0.0.2"), "other addresses are free");
  a.slot.release();
  a.slot.release(); // idempotent
  assert.equal(limiter.open, 2);
  assert.ok("slot" in limiter.admit("10.0.0.1"));
});

Deno.test("ConnectionLimiter.admit() refuses over the total limit", () => {
  const limiter = new ConnectionLimiter({
    maxConnections: 2,
    maxConnectionsPerIp: 0,
  });
  const first = limiter.admit("a");
  limiter.admit("b");
  assert.ok(limiter.full);
  assert.deepEqual(limiter.admit("c"), {
    refused: "too many connections (limit 2)",
  });
  if ("slot" in first) first.slot.release();
  assert.equal(limiter.full, false);
});

Deno.test("fitToFileLimit() leaves a quarter of the descriptors, and keeps 0 (no limit)", () => {
  assert.equal(fitToFileLimit(4096, 1024), 768);
  assert.equal(fitToFileLimit(4096, 256), 192);
  assert.equal(fitToFileLimit(100, 1024), 100);
  assert.equal(fitToFileLimit(4096, 40), 8);
  assert.equal(fitToFileLimit(0, 256), 0);
  assert.equal(fitToFileLimit(4096, undefined), 4096);
});

Deno.test("openFileLimit() reads this process's limit on Linux", () => {
  const limit = openFileLimit();
  if (Deno.build.os === "linux") assert.ok(limit !== undefined && limit > 0);
});
