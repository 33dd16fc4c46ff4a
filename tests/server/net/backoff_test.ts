import assert from "node:assert/strict";
import {
  ACCEPT_BACKOFF_MAX_MS,
  AcceptBackoff,
  pause,
} from "../../../server/net/backoff.ts";

Deno.test("AcceptBackoff.next() doubles up to the cap and reset() starts over", () => {
  const backoff = new AcceptBackoff();
  const waits = Array.from({ length: 10 }, () => backoff.next());
  assert.deepEqual(waits, [5, 10, 20, 40, 80, 160, 320, 640, 1000, 1000]);
  assert.equal(Math.max(...waits), ACCEPT_BACKOFF_MAX_MS);
  backoff.reset();
  assert.equal(backoff.next(), 5);
});

Deno.test("pause() ends early when stopped", async () => {
  assert.equal(await pause(60_000, Promise.resolve()), true);
  assert.equal(await pause(1, new Promise(() => {})), false);
});
