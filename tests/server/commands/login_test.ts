/**
 * Issue 14, logins on the real server: argon2id runs off the event loop, the throttle holds up only
 * the address that fails, and a full verification queue answers a clear error at once. Bounds are
 * generous (a loaded machine); the measured figures come from `tests/load/logins.ts`.
 */
import assert from "node:assert/strict";
import {
  CommandCode,
  encodeLoginUser,
  ErrorCode,
} from "../../../client/protocol/mod.ts";
import { startServer } from "../../_server.ts";
import { RawClient } from "../_raw_client.ts";

function login(username: string, password: string): Uint8Array {
  return encodeLoginUser({ username, password });
}

/** Sends one login on a connection of its own; resolves with the status. */
async function loginOnce(
  port: number,
  credentials: { username: string; password: string; hostname?: string },
): Promise<number> {
  const client = await RawClient.connect(port, credentials.hostname);
  try {
    return (await client.request(
      CommandCode.LoginUser,
      login(credentials.username, credentials.password),
    )).status;
  } finally {
    client.close();
  }
}

function ipv6Available(): boolean {
  try {
    Deno.listen({ hostname: "::1", port: 0 }).close();
    return true;
  } catch {
    return false;
  }
}

Deno.test("100 parallel wrong logins do not hold up a Ping on another connection", async () => {
  await using server = await startServer({
    env: { IGGY_LOGIN_THROTTLE_MAX_WAIT: "2 s" },
  });
  const watcher = await RawClient.connect(server.tcp.port);
  try {
    assert.equal(
      (await watcher.request(CommandCode.LoginUser, login("iggy", "iggy")))
        .status,
      0,
    );
    const attempts = Array.from(
      { length: 100 },
      (_, i) =>
        loginOnce(server.tcp.port, {
          username: "iggy",
          password: `wrong-${i}`,
        }),
    );
    let slowest = 0;
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      assert.equal((await watcher.request(CommandCode.Ping)).status, 0);
      slowest = Math.max(slowest, performance.now() - started);
    }
    const statuses = await Promise.all(attempts);
    assert.ok(slowest < 2000, `a ping took ${slowest.toFixed(0)} ms`);
    assert.deepEqual(
      [...new Set(statuses)].sort((a, b) => a - b),
      [ErrorCode.InvalidCredentials, ErrorCode.TooManyLoginAttempts],
      "wrong (42) until the throttle refuses at once (12002)",
    );
    assert.ok(
      statuses.filter((s) => s === ErrorCode.InvalidCredentials).length < 20,
      "parallel connections do not slip guesses past the throttle",
    );
    assert.equal(
      (await watcher.request(CommandCode.GetMe)).status,
      0,
      "the watcher is still logged in",
    );
  } finally {
    watcher.close();
  }
});

Deno.test({
  name: "a correct login from another address is not delayed by the throttle",
  ignore: !ipv6Available(),
  async fn() {
    await using server = await startServer({
      env: {
        IGGY_TCP_ADDRESS: "[::]:0",
        IGGY_LOGIN_THROTTLE_BASE_DELAY: "10 s",
        IGGY_LOGIN_THROTTLE_MAX_DELAY: "10 s",
        IGGY_LOGIN_THROTTLE_MAX_WAIT: "30 s",
      },
    });
    const port = server.tcp.port;
    const attacker = { username: "iggy", hostname: "::1" };
    for (let i = 0; i < 3; i++) {
      assert.equal(
        await loginOnce(port, { ...attacker, password: `wrong-${i}` }),
        ErrorCode.InvalidCredentials,
      );
    }
    // The next attempt from ::1 waits 10 s: a login from 127.0.0.1 meanwhile is served at once.
    const delayed = loginOnce(port, { ...attacker, password: "iggy" });
    const started = performance.now();
    assert.equal(
      await loginOnce(port, {
        username: "iggy",
        password: "iggy",
        hostname: "127.0.0.1",
      }),
      0,
    );
    const took = performance.now() - started;
    assert.ok(took < 5000, `the other address waited ${took.toFixed(0)} ms`);
    assert.equal(await delayed, 0, "the right password still works, later");
    assert.ok(
      performance.now() - started >= 5000,
      "while the attacker's address waited",
    );
  },
});

Deno.test("a full verification queue answers 12003 (binary) and 503 (HTTP) at once", async () => {
  await using server = await startServer({
    env: {
      IGGY_LOGIN_WORKERS: "1",
      IGGY_LOGIN_QUEUE_SIZE: "1",
      IGGY_LOGIN_THROTTLE_MAX_IN_FLIGHT_PER_ADDRESS: "100",
      IGGY_LOGIN_THROTTLE_ADDRESS_FREE_FAILURES: "1000",
    },
  });
  const statuses = await Promise.all(
    Array.from(
      { length: 30 },
      (_, i) =>
        loginOnce(server.tcp.port, {
          username: `user-${i}`,
          password: `password-${i}`,
        }),
    ),
  );
  assert.ok(statuses.includes(ErrorCode.LoginQueueFull), String(statuses));
  for (const status of statuses) {
    assert.ok(
      status === ErrorCode.InvalidCredentials ||
        status === ErrorCode.LoginQueueFull,
      `status ${status}`,
    );
  }
  const base = `http://${server.http!.hostname}:${server.http!.port}`;
  const answers = await Promise.all(
    Array.from({ length: 30 }, async (_, i) => {
      const res = await fetch(`${base}/users/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: `http-${i}`, password: `pw-${i}` }),
      });
      return { status: res.status, body: await res.json() };
    }),
  );
  const busy = answers.find((a) => a.status === 503);
  assert.ok(busy, JSON.stringify(answers.map((a) => a.status)));
  assert.equal(busy.body.code, "login_queue_full");
  assert.equal(busy.body.id, ErrorCode.LoginQueueFull);
});
