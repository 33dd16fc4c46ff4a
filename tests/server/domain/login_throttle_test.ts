/**
 * Login back-off: the throttle itself on a fake clock, and over the real TCP server.
 */
import assert from "node:assert/strict";
import {
  hostOf,
  LoginThrottle,
} from "../../../server/domain/login_throttle.ts";
import {
  CommandCode,
  encodeLoginUser,
  ErrorCode,
} from "../../../client/protocol/mod.ts";
import { startServer } from "../../_server.ts";
import { RawClient } from "../_raw_client.ts";

/** A throttle on a fake clock whose sleeps advance the clock and are recorded. */
function fakeThrottle(options: { maxWaitMs?: number } = {}) {
  let now = 1_000_000;
  const sleeps: number[] = [];
  const throttle = new LoginThrottle({
    freeFailures: 3,
    baseDelayMs: 100,
    maxDelayMs: 1000,
    forgetAfterMs: 60_000,
    maxWaitMs: options.maxWaitMs,
    now: () => now,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
  });
  return {
    throttle,
    sleeps,
    advance: (ms: number) => now += ms,
  };
}

const failing = () => Promise.reject(new Error("bad credentials"));
const succeeding = () => Promise.resolve("ok");

Deno.test("LoginThrottle.delayFor() is free at first, then doubles up to the bound", () => {
  const { throttle } = fakeThrottle();
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 50].map((f) => throttle.delayFor(f)),
    [0, 0, 0, 100, 200, 400, 800, 1000, 1000, 1000],
  );
});

Deno.test("LoginThrottle.guard() delays attempts after repeated failures of one key only", async () => {
  const { throttle, sleeps } = fakeThrottle();
  for (let i = 0; i < 3; i++) {
    await assert.rejects(throttle.guard("a", failing));
  }
  assert.deepEqual(sleeps, [], "the first failures are free");
  assert.equal(throttle.failures("a"), 3);
  await assert.rejects(throttle.guard("a", failing));
  assert.deepEqual(sleeps, [100]);
  await throttle.guard("b", succeeding);
  assert.deepEqual(sleeps, [100], "another address is not delayed");
  assert.equal(await throttle.guard("a", succeeding), "ok");
  assert.deepEqual(sleeps, [100, 200], "a right password waits too");
  assert.equal(throttle.failures("a"), 3, "a success forgives one failure");
});

Deno.test("LoginThrottle.admit() spaces parallel attempts and bounds each wait", async () => {
  const { throttle, sleeps } = fakeThrottle({ maxWaitMs: 250 });
  for (let i = 0; i < 3; i++) throttle.fail("a");
  await Promise.all([
    throttle.admit("a"),
    throttle.admit("a"),
    throttle.admit("a"),
    throttle.admit("a"),
  ]);
  assert.deepEqual(sleeps, [100, 200, 250, 250]);
});

Deno.test("LoginThrottle forgets failures after forgetAfterMs", async () => {
  const { throttle, sleeps, advance } = fakeThrottle();
  for (let i = 0; i < 5; i++) throttle.fail("a");
  advance(60_001);
  assert.equal(throttle.failures("a"), 0);
  await throttle.admit("a");
  assert.deepEqual(sleeps, []);
});

Deno.test("LoginThrottle keeps at most maxEntries addresses", () => {
  const throttle = new LoginThrottle({ maxEntries: 2 });
  throttle.fail("a");
  throttle.fail("b");
  throttle.fail("c");
  assert.deepEqual(
    ["a", "b", "c"].map((k) => throttle.failures(k)),
    [0, 1, 1],
  );
});

Deno.test("hostOf() strips the port of IPv4 and IPv6 addresses", () => {
  assert.equal(hostOf("127.0.0.1:5000"), "127.0.0.1");
  assert.equal(hostOf("[::1]:5000"), "::1");
  assert.equal(hostOf("::1"), "::1");
  assert.equal(hostOf("localhost"), "localhost");
});

function login(username: string, password: string): Uint8Array {
  return encodeLoginUser({ username, password });
}

Deno.test("loginUser() failures from one address are slowed down over TCP, other clients are served meanwhile", async () => {
  await using server = await startServer();
  const other = await RawClient.connect(server.tcp.port);
  const attacker = await RawClient.connect(server.tcp.port);
  try {
    assert.equal(
      (await other.request(CommandCode.LoginUser, login("iggy", "iggy")))
        .status,
      0,
    );
    // Two free failures: wrong password and unknown user look the same (42).
    assert.equal(
      (await attacker.request(CommandCode.LoginUser, login("iggy", "nope")))
        .status,
      ErrorCode.InvalidCredentials,
    );
    assert.equal(
      (await attacker.request(CommandCode.LoginUser, login("nobody", "nope")))
        .status,
      ErrorCode.InvalidCredentials,
    );
    // The third failure arms the back-off (250 ms by default) for the next attempt.
    const armed = performance.now();
    assert.equal(
      (await attacker.request(CommandCode.LoginUser, login("iggy", "nope2")))
        .status,
      ErrorCode.InvalidCredentials,
    );
    let answeredAt = 0;
    const slow = attacker.request(CommandCode.LoginUser, login("iggy", "iggy"))
      .then((answer) => {
        answeredAt = performance.now();
        return answer;
      });
    // Another (logged-in) client from the same address is not held up.
    assert.equal((await other.request(CommandCode.GetStreams)).status, 0);
    assert.equal(answeredAt, 0, "served before the delayed login answered");
    assert.equal((await slow).status, 0, "a right password still works");
    assert.ok(
      answeredAt - armed >= 250,
      `delayed by ${answeredAt - armed} ms`,
    );
  } finally {
    other.close();
    attacker.close();
  }
});
