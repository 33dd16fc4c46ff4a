/**
 * `[heartbeat]` (binary.md §1.6, config.md §4.5): with a short interval, a silent client is removed
 * and its connection closed, while a client that pings stays.
 */
import assert from "node:assert/strict";
import {
  CommandCode,
  decodeClientDetails,
  decodeClients,
  encodeLoginUser,
  ErrorCode,
  IggyError,
} from "../../client/protocol/mod.ts";
import { dispatch } from "../../server/binary/table.ts";
import { Session } from "../../server/binary/session.ts";
import type { System } from "../../server/domain/system.ts";
import { FRESH_MEMORY } from "../../server/storage/message_memory.ts";
import { startServer } from "../_server.ts";
import { RawClient } from "./_raw_client.ts";

const DEADLINE_MS = 10_000;

function login(): Uint8Array {
  return encodeLoginUser({ username: "iggy", password: "iggy" });
}

Deno.test("startServer() with [heartbeat] evicts silent clients and keeps pinging ones", async () => {
  await using server = await startServer({
    env: {
      IGGY_HEARTBEAT_ENABLED: "true",
      // Long enough that two argon2id logins on a loaded 2-core machine finish inside it.
      IGGY_HEARTBEAT_INTERVAL: "3 s",
    },
  });
  const silent = await RawClient.connect(server.tcp.port);
  const alive = await RawClient.connect(server.tcp.port);
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    assert.equal(
      (await silent.request(CommandCode.LoginUser, login())).status,
      0,
    );
    assert.equal(
      (await alive.request(CommandCode.LoginUser, login())).status,
      0,
    );
    const silentId = decodeClientDetails(
      (await silent.request(CommandCode.GetMe)).payload,
    ).clientId;

    // The silent client sends nothing more: its next read ends when the server closes it.
    let closed = false;
    const evicted = silent.answer().then((answer) => {
      closed = true;
      return answer;
    });
    const deadline = new Promise<"deadline">((resolve) => {
      timer = setTimeout(() => resolve("deadline"), DEADLINE_MS);
    });
    // Meanwhile the other client keeps its heartbeat (a ping every 50 ms).
    while (!closed) {
      const outcome = await Promise.race([
        evicted.then(() => "closed" as const),
        deadline,
        new Promise<"tick">((resolve) => setTimeout(() => resolve("tick"), 50)),
      ]);
      if (outcome === "deadline") {
        assert.fail("the silent client was not evicted");
      }
      assert.equal((await alive.request(CommandCode.Ping)).status, 0);
    }
    assert.equal(await evicted, null, "closed without an answer");

    // Another interval later the pinging client is still there and the evicted one is gone.
    const until = performance.now() + 1500;
    while (performance.now() < until) {
      assert.equal((await alive.request(CommandCode.Ping)).status, 0);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const clients = decodeClients(
      (await alive.request(CommandCode.GetClients)).payload,
    );
    assert.ok(!clients.some((c) => c.clientId === silentId));
    assert.equal(clients.length, 1);
  } finally {
    clearTimeout(timer);
    silent.close();
    alive.close();
  }
});

Deno.test("dispatch() answers 30 StaleClient to a session the heartbeat check removed", async () => {
  const session = new Session(1, 1, "127.0.0.1:1");
  session.userId = 0;
  session.stale = true;
  const system = { users: new Map([[0, {}]]) } as unknown as System;
  await assert.rejects(
    dispatch(
      { system, session, memory: FRESH_MEMORY },
      CommandCode.Ping,
      new Uint8Array(),
    ),
    (err: unknown) =>
      err instanceof IggyError && err.code === ErrorCode.StaleClient,
  );
});
