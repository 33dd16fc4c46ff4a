import assert from "node:assert/strict";
import {
  DeadlineExceeded,
  IdleSweeper,
  sweepInterval,
  withDeadline,
} from "../../../server/net/idle.ts";

Deno.test("IdleSweeper.sweep() closes only connections idle longer than the timeout", () => {
  const sweeper = new IdleSweeper(1000);
  const closed: string[] = [];
  let active = 0;
  sweeper.watch({ lastActive: () => 0, close: () => closed.push("idle") });
  sweeper.watch({ lastActive: () => active, close: () => closed.push("busy") });
  const stop = sweeper.watch({
    lastActive: () => 0,
    close: () => closed.push("gone"),
  });
  stop();
  active = 1500;
  assert.equal(sweeper.sweep(1000), 0, "exactly the timeout is not idle yet");
  assert.equal(sweeper.sweep(2000), 1);
  assert.deepEqual(closed, ["idle"]);
  assert.equal(
    sweeper.sweep(2000),
    0,
    "a closed connection is not closed twice",
  );
});

Deno.test("IdleSweeper with timeout 0 never closes", () => {
  const sweeper = new IdleSweeper(0);
  sweeper.watch({ lastActive: () => 0, close: () => assert.fail("closed") });
  assert.equal(sweeper.sweep(1e12), 0);
});

Deno.test("sweepInterval() is a tenth of the timeout, within 50 ms and 1 s", () => {
  assert.equal(sweepInterval(50_000), 1000);
  assert.equal(sweepInterval(2000), 200);
  assert.equal(sweepInterval(100), 50);
});

Deno.test("withDeadline() settles with the work or fails when the time is up", async () => {
  assert.equal(await withDeadline(Promise.resolve(7), 1000), 7);
  assert.equal(await withDeadline(Promise.resolve(8), 0), 8);
  const never = Promise.withResolvers<void>();
  await assert.rejects(withDeadline(never.promise, 10), DeadlineExceeded);
  // A late failure of the abandoned work is not an unhandled rejection.
  never.reject(new Error("late"));
});
