/**
 * The pending-request FIFO shared by the TCP and WebSocket transports.
 */
import assert from "node:assert/strict";
import { checkTimeout, PendingQueue } from "../../client/_pending.ts";
import { ConnectionError, TimeoutError } from "../../client/errors.ts";
import { IggyError } from "../../client/protocol/mod.ts";

Deno.test("PendingQueue.answer() settles requests in order", async () => {
  const queue = new PendingQueue(undefined, () => assert.fail("no timeout"));
  const first = queue.push();
  const second = queue.push();
  assert.equal(queue.answer(0, Uint8Array.of(1)), undefined);
  assert.equal(queue.answer(4, new Uint8Array(0)), undefined);
  assert.deepEqual(await first, Uint8Array.of(1));
  await assert.rejects(
    second,
    (err) => err instanceof IggyError && err.code === 4,
  );
});

Deno.test("PendingQueue.answer() turns an unsolicited error into a ConnectionError", () => {
  const queue = new PendingQueue(undefined, () => assert.fail("no timeout"));
  assert.equal(queue.answer(0, new Uint8Array(0)), undefined);
  const error = queue.answer(5, new Uint8Array(0));
  assert.ok(error instanceof ConnectionError);
  assert.ok(error.cause instanceof IggyError);
});

Deno.test("PendingQueue times out the oldest request and asks to close", async () => {
  const closed = Promise.withResolvers<ConnectionError>();
  const queue = new PendingQueue(5, (error) => {
    queue.close(error);
    closed.resolve(error);
  });
  const first = queue.push();
  const second = queue.push();
  await assert.rejects(first, TimeoutError);
  await assert.rejects(second, ConnectionError);
  assert.ok((await closed.promise).cause instanceof TimeoutError);
});

Deno.test("PendingQueue.close() rejects every pending request", async () => {
  const queue = new PendingQueue(60_000, () => assert.fail("no timeout"));
  const pending = [queue.push(), queue.push()];
  queue.close(new ConnectionError("closed"));
  for (const p of pending) await assert.rejects(p, ConnectionError);
});

Deno.test("checkTimeout() rejects a non-positive timeout", () => {
  assert.equal(checkTimeout(undefined), undefined);
  assert.equal(checkTimeout(10), 10);
  assert.throws(() => checkTimeout(0), RangeError);
  assert.throws(() => checkTimeout(Infinity), RangeError);
});
