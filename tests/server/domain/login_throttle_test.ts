/**
 * Login back-off: the throttle itself on a fake clock, and over the real TCP server.
 */
import assert from "node:assert/strict";
import {
  hostOf,
  LoginThrottle,
  throttleKeyOf,
} from "../../../server/domain/login_throttle.ts";
import {
  CommandCode,
  encodeLoginUser,
  ErrorCode,
  IggyError,
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

Deno.test("LoginThrottle.guard() delays attempts after repeated failures of one address and username only", async () => {
  const { throttle, sleeps } = fakeThrottle();
  for (let i = 0; i < 3; i++) {
    await assert.rejects(throttle.guard("a", "root", failing));
  }
  assert.deepEqual(sleeps, [], "the first failures are free");
  assert.equal(throttle.failures("a", "root"), 3);
  await assert.rejects(throttle.guard("a", "root", failing));
  assert.deepEqual(sleeps, [100]);
  await throttle.guard("b", "root", succeeding);
  assert.deepEqual(sleeps, [100], "another address is not delayed");
  await throttle.guard("a", "app", succeeding);
  assert.deepEqual(sleeps, [100], "another username of the address is not");
  assert.equal(await throttle.guard("a", "root", succeeding), "ok");
  assert.deepEqual(sleeps, [100, 200], "a right password waits too");
  assert.equal(
    throttle.failures("a", "root"),
    3,
    "a success forgives one failure",
  );
});

Deno.test("LoginThrottle.admit() counts attempts in flight, so parallel attempts are spaced too", async () => {
  const { throttle, sleeps } = fakeThrottle();
  const tickets = await Promise.all(
    Array.from({ length: 6 }, () => throttle.admit("a", "root")),
  );
  // Three free, then 100 ms, 200 ms and 400 ms apart: the starts are now, +100 and +300.
  assert.deepEqual(sleeps, [100, 300]);
  for (const ticket of tickets) ticket.end(false);
  assert.equal(throttle.failures("a", "root"), 6);
  assert.equal(throttle.failures("a"), 6);
});

Deno.test("LoginThrottle.admit() refuses at once an attempt that would wait past maxWaitMs", async () => {
  const { throttle, sleeps } = fakeThrottle({ maxWaitMs: 250 });
  const admitted = [];
  for (let i = 0; i < 5; i++) admitted.push(throttle.admit("a", "root"));
  await Promise.all(admitted);
  await assert.rejects(
    throttle.admit("a", "root"),
    (err: unknown) =>
      err instanceof IggyError && err.code === ErrorCode.TooManyLoginAttempts,
  );
  assert.deepEqual(sleeps, [100], "the refused attempt did not wait");
  await throttle.admit("b", "root");
  await throttle.admit("a", "app");
  assert.deepEqual(sleeps, [100], "others are admitted at once");
});

Deno.test("LoginThrottle.admit() lets maxInFlightPerAddress attempts of an address run at once", async () => {
  const throttle = new LoginThrottle({ maxInFlightPerAddress: 2 });
  const first = await throttle.admit("a", "u1");
  await throttle.admit("a", "u2");
  let thirdAdmitted = false;
  const third = throttle.admit("a", "u3").then((t) => {
    thirdAdmitted = true;
    return t;
  });
  await throttle.admit("b", "u1");
  assert.equal(thirdAdmitted, false, "waits for a slot of its address");
  first.end(true);
  (await third).end(true);
  assert.equal(thirdAdmitted, true);
});

Deno.test("LoginThrottle delays every username of an address after addressFreeFailures", async () => {
  let now = 1_000_000;
  const sleeps: number[] = [];
  const throttle = new LoginThrottle({
    freeFailures: 3,
    addressFreeFailures: 2,
    baseDelayMs: 100,
    maxDelayMs: 1000,
    now: () => now,
    sleep: (ms) => {
      sleeps.push(ms);
      now += ms;
      return Promise.resolve();
    },
  });
  await assert.rejects(throttle.guard("a", "u1", failing));
  await assert.rejects(throttle.guard("a", "u2", failing));
  assert.deepEqual(sleeps, []);
  await throttle.guard("a", "u3", succeeding);
  assert.deepEqual(sleeps, [100], "a username never tried before waits too");
  await throttle.guard("b", "u1", succeeding);
  assert.deepEqual(sleeps, [100], "another address does not");
});

Deno.test("LoginThrottle admits many users of one address at once while none fails", async () => {
  const { throttle, sleeps } = fakeThrottle();
  const tickets = await Promise.all(
    Array.from({ length: 8 }, (_, i) => throttle.admit("nat", `user-${i}`)),
  );
  let queued = 0;
  // Each of these ends as soon as it gets a slot, handing the slot on.
  const more = Array.from(
    { length: 12 },
    (_, i) =>
      throttle.admit("nat", `user-${8 + i}`).then((ticket) => {
        queued++;
        ticket.end(true);
      }),
  );
  for (const ticket of tickets) ticket.end(true);
  await Promise.all(more);
  assert.equal(queued, 12, "the rest took the freed slots");
  assert.deepEqual(sleeps, [], "no one waited for a delay");
  assert.equal(throttle.failures("nat"), 0);
});

Deno.test("LoginThrottle forgets failures after forgetAfterMs", async () => {
  const { throttle, sleeps, advance } = fakeThrottle();
  for (let i = 0; i < 5; i++) {
    await assert.rejects(throttle.guard("a", "root", failing));
  }
  sleeps.length = 0;
  advance(60_001);
  assert.equal(throttle.failures("a", "root"), 0);
  await throttle.admit("a", "root");
  assert.deepEqual(sleeps, []);
});

Deno.test("LoginThrottle keeps at most maxEntries keys", async () => {
  const throttle = new LoginThrottle({ maxEntries: 4 });
  for (const host of ["a", "b", "c"]) {
    await assert.rejects(throttle.guard(host, "root", failing));
  }
  assert.deepEqual(
    ["a", "b", "c"].map((host) => throttle.failures(host, "root")),
    [0, 1, 1],
  );
});

Deno.test("hostOf() strips the port of IPv4 and IPv6 addresses", () => {
  assert.equal(hostOf("127.0.0.1:5000"), "127.0.0.1");
  assert.equal(hostOf("[::1]:5000"), "::1");
  assert.equal(hostOf("::1"), "::1");
  assert.equal(hostOf("localhost"), "localhost");
});

Deno.test("throttleKeyOf() keys IPv4 hosts whole and IPv6 addresses by their /64", () => {
  assert.equal(throttleKeyOf("127.0.0.1:5000"), "127.0.0.1");
  assert.equal(throttleKeyOf("[::ffff:10.0.0.7]:5000"), "10.0.0.7");
  assert.equal(throttleKeyOf("[::1]:5000"), "0:0:0:0::/64");
  assert.equal(
    throttleKeyOf("[2001:db8:1:2:aaaa::1]:5000"),
    throttleKeyOf("[2001:db8:1:2:bbbb:cccc:dddd:eeee]:6000"),
  );
  assert.equal(throttleKeyOf("[2001:db8:1:2::1]:1"), "2001:db8:1:2::/64");
  assert.notEqual(
    throttleKeyOf("[2001:db8:1:2::1]:1"),
    throttleKeyOf("[2001:db8:1:3::1]:1"),
  );
  assert.equal(throttleKeyOf("[fe80::1%eth0]:1"), "fe80:0:0:0::/64");
  assert.equal(throttleKeyOf("not-an-address"), "not-an-address");
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
    // Free failures: wrong password and unknown user look the same (42).
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
    assert.equal(
      (await attacker.request(CommandCode.LoginUser, login("iggy", "nope1")))
        .status,
      ErrorCode.InvalidCredentials,
    );
    // The third failure for "iggy" arms its back-off (250 ms by default) for the next attempt.
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
