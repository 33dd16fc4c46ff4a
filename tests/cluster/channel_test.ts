import assert from "node:assert/strict";
import { IggyError } from "../../client/protocol/errors.ts";
import {
  NODE_CALLER,
  NodeChannel,
  NodeChannelServer,
} from "../../server/cluster/channel.ts";
import { createLogger } from "../../server/logger.ts";

const SECRET = "0123456789abcdef-secret";

function echoServer(): NodeChannelServer {
  return NodeChannelServer.listen({
    hostname: "127.0.0.1",
    port: 0,
    secret: SECRET,
    clusterName: "c",
    logger: createLogger("off"),
    handle: async (caller, code, payload) => {
      if (code === 999) throw new IggyError(1009);
      // Later requests may finish first: answers are matched by id.
      await new Promise((r) => setTimeout(r, payload[0] ?? 0));
      const incarnation = new TextEncoder().encode(caller.incarnation);
      return [Uint8Array.of(caller.userId, code), incarnation, payload];
    },
  });
}

Deno.test("NodeChannel carries concurrent requests and the peer's error codes", async () => {
  const server = echoServer();
  const channel = await NodeChannel.connect(server.addr, {
    secret: SECRET,
    clusterName: "c",
  });
  try {
    const answers = await Promise.all([
      channel.request({ userId: 7, incarnation: "ab" }, 101, Uint8Array.of(30)),
      channel.request({ userId: 8, incarnation: "" }, 100, Uint8Array.of(0)),
    ]);
    assert.deepEqual(answers.map((a) => [...a]), [
      [7, 101, 97, 98, 30],
      [8, 100, 0],
    ]);
    await assert.rejects(
      channel.request(NODE_CALLER, 999, new Uint8Array(0)),
      (err) => err instanceof IggyError && err.code === 1009,
    );
  } finally {
    channel.close();
    await server.close();
  }
});

Deno.test("NodeChannel: a wrong secret or cluster name is refused; requests fail with code 11001", async () => {
  const server = echoServer();
  try {
    for (
      const options of [
        { secret: "wrong-secret-0123456789", clusterName: "c" },
        { secret: SECRET, clusterName: "other" },
      ]
    ) {
      const channel = await NodeChannel.connect(server.addr, options);
      await assert.rejects(
        channel.request(NODE_CALLER, 1, new Uint8Array(0)),
        (err) => err instanceof IggyError && err.code === 11001,
      );
      assert.equal(channel.closed, true);
    }
    await assert.rejects(
      NodeChannel.connect({ hostname: "127.0.0.1", port: 1 }, {
        secret: SECRET,
        clusterName: "c",
      }),
      (err) => err instanceof IggyError && err.code === 11001,
    );
  } finally {
    await server.close();
  }
});

Deno.test("NodeChannel carries large answers whole and in order among small ones", async () => {
  const server = echoServer();
  const channel = await NodeChannel.connect(server.addr, {
    secret: SECRET,
    clusterName: "c",
  });
  try {
    // Answers larger than the reader's buffer and than a coalesced write, interleaved with
    // small ones on one connection.
    const payloads = [300_000, 3, 70_000, 20_000, 1, 1_000_000].map(
      (size, i) => {
        const bytes = new Uint8Array(size);
        for (let k = 0; k < size; k++) bytes[k] = (k * 31 + i) & 0xff;
        bytes[0] = 0; // no delay in the echo handler
        return bytes;
      },
    );
    const answers = await Promise.all(
      payloads.map((p) => channel.request(NODE_CALLER, 5, p)),
    );
    answers.forEach((answer, i) => {
      assert.equal(answer.length, 2 + payloads[i]!.length);
      assert.deepEqual(answer.subarray(2), payloads[i]);
    });
  } finally {
    channel.close();
    await server.close();
  }
});

Deno.test("NodeChannel.connect: a peer that accepts but never sends its challenge fails within the timeout", async () => {
  // The kernel completes the TCP handshake of a paused or hung node: only the challenge is missing.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of listener) accepted.push(conn);
  })();
  try {
    const started = Date.now();
    await assert.rejects(
      NodeChannel.connect(listener.addr as Deno.NetAddr, {
        secret: SECRET,
        clusterName: "c",
        timeoutMs: 300,
      }),
      (err) => err instanceof IggyError && err.code === 11001,
    );
    // Generous bound for a loaded machine: without the handshake timeout it never settles.
    assert.ok(Date.now() - started < 10_000);
  } finally {
    listener.close();
    await accepting.catch(() => {});
    for (const conn of accepted) conn.close();
  }
});
