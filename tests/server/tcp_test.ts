/**
 * The TCP server against raw frames: framing, bad input, login rules and staying in sync.
 */
import assert from "node:assert/strict";
import { CommandCode, ErrorCode } from "../../client/protocol/mod.ts";
import { startServer } from "../_server.ts";
import { RawClient } from "./_raw_client.ts";

const text = new TextEncoder();

function name(value: string): Uint8Array {
  const bytes = text.encode(value);
  return Uint8Array.of(bytes.length, ...bytes);
}

const LOGIN_IGGY = Uint8Array.of(
  ...name("iggy"),
  ...name("iggy"),
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
);

Deno.test("TCP server answers bad frames with protocol errors and stays in sync", async (t) => {
  await using server = await startServer();
  const client = await RawClient.connect(server.tcp.port);
  try {
    await t.step("ping works before login", async () => {
      assert.deepEqual(await client.request(CommandCode.Ping), {
        status: 0,
        payload: new Uint8Array(),
      });
    });
    await t.step(
      "commands other than ping/login need a login (40)",
      async () => {
        assert.equal(
          (await client.request(CommandCode.GetStreams)).status,
          ErrorCode.Unauthenticated,
        );
        assert.equal(
          (await client.request(CommandCode.CreateStream, name("x"))).status,
          ErrorCode.Unauthenticated,
        );
      },
    );
    await t.step(
      "a send before login within the pre-login cap consumes the whole frame (40, then in sync)",
      async () => {
        // 4 KiB is the default `request_limits.max_unauthenticated_size`; above it the server
        // answers 40 and closes (tests/server/request_limits_test.ts).
        const junk = new Uint8Array(4000).fill(7);
        assert.equal(
          (await client.request(CommandCode.SendMessages, junk)).status,
          ErrorCode.Unauthenticated,
        );
        assert.equal((await client.request(CommandCode.Ping)).status, 0);
      },
    );
    await t.step("wrong password → 42, then login works", async () => {
      const wrong = Uint8Array.of(
        ...name("iggy"),
        ...name("nope"),
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
      );
      assert.equal(
        (await client.request(CommandCode.LoginUser, wrong)).status,
        ErrorCode.InvalidCredentials,
      );
      const ok = await client.request(CommandCode.LoginUser, LOGIN_IGGY);
      assert.equal(ok.status, 0);
      assert.deepEqual([...ok.payload], [0, 0, 0, 0]);
    });
    await t.step("login without the version/context lengths → 3", async () => {
      const short = Uint8Array.of(...name("iggy"), ...name("iggy"));
      assert.equal(
        (await client.request(CommandCode.LoginUser, short)).status,
        ErrorCode.InvalidCommand,
      );
    });
    await t.step(
      "an unknown command code → 3 after its payload is read",
      async () => {
        assert.equal(
          (await client.request(999, new Uint8Array(100))).status,
          ErrorCode.InvalidCommand,
        );
        assert.equal((await client.request(CommandCode.Ping)).status, 0);
      },
    );
    await t.step("a frame length below 4 → 3, connection usable", async () => {
      await client.write(Uint8Array.of(2, 0, 0, 0, 1, 0, 0, 0));
      assert.equal((await client.answer())?.status, ErrorCode.InvalidCommand);
      assert.equal((await client.request(CommandCode.Ping)).status, 0);
    });
    await t.step("truncated and malformed payloads → 3 / 4", async () => {
      assert.equal(
        (await client.request(CommandCode.GetStream, Uint8Array.of(1, 4, 0)))
          .status,
        ErrorCode.InvalidCommand,
      );
      assert.equal(
        (await client.request(
          CommandCode.GetStream,
          Uint8Array.of(1, 3, 0, 0, 0),
        )).status,
        ErrorCode.InvalidFormat,
      );
      assert.equal(
        (await client.request(CommandCode.GetStream, Uint8Array.of(2, 0)))
          .status,
        ErrorCode.InvalidFormat,
      );
      assert.equal(
        (await client.request(CommandCode.GetStream, Uint8Array.of(7, 1, 65)))
          .status,
        ErrorCode.InvalidCommand,
      );
      assert.equal(
        (await client.request(CommandCode.CreateStream, Uint8Array.of(0)))
          .status,
        ErrorCode.InvalidFormat,
      );
    });
    await t.step("invalid UTF-8 in a name → 3", async () => {
      assert.equal(
        (await client.request(
          CommandCode.CreateStream,
          Uint8Array.of(2, 0xff, 0xfe),
        )).status,
        ErrorCode.InvalidCommand,
      );
    });
    await t.step(
      "get of a missing stream is an empty OK, create returns the stream",
      async () => {
        assert.deepEqual(
          await client.request(
            CommandCode.GetStream,
            Uint8Array.of(1, 4, 9, 0, 0, 0),
          ),
          {
            status: 0,
            payload: new Uint8Array(),
          },
        );
        const created = await client.request(
          CommandCode.CreateStream,
          name("raw"),
        );
        assert.equal(created.status, 0);
        assert.equal(created.payload.length, 33 + 3);
        assert.equal(
          (await client.request(CommandCode.CreateStream, name("raw"))).status,
          ErrorCode.StreamNameAlreadyExists,
        );
      },
    );
    await t.step(
      "a malformed send batch is rejected and nothing is stored",
      async () => {
        // topic "t" with one partition in stream "raw"
        const topic = Uint8Array.of(
          2,
          3,
          ...text.encode("raw"),
          1,
          0,
          0,
          0,
          1,
          ...new Uint8Array(16),
          1,
          ...name("t"),
        );
        assert.equal(
          (await client.request(CommandCode.CreateTopic, topic)).status,
          0,
        );
        // metadata: stream "raw", topic "t", partition 0, count 1; index (0, 70, 0); frame of 64 + 6 claims 7 bytes
        const metadata = Uint8Array.of(
          2,
          3,
          ...text.encode("raw"),
          2,
          1,
          ...text.encode("t"),
          2,
          4,
          0,
          0,
          0,
          0,
          1,
          0,
          0,
          0,
        );
        const frame = new Uint8Array(70);
        new DataView(frame.buffer).setUint32(52, 7, true);
        const index = new Uint8Array(16);
        new DataView(index.buffer).setUint32(4, 70, true);
        const payload = Uint8Array.of(
          metadata.length,
          0,
          0,
          0,
          ...metadata,
          ...index,
          ...frame,
        );
        assert.equal(
          (await client.request(CommandCode.SendMessages, payload)).status,
          ErrorCode.MissingIndex,
        );
        const getTopic = Uint8Array.of(
          2,
          3,
          ...text.encode("raw"),
          2,
          1,
          ...text.encode("t"),
        );
        const details = await client.request(CommandCode.GetTopic, getTopic);
        const view = new DataView(details.payload.buffer);
        assert.equal(view.getBigUint64(42, true), 0n, "topic messages_count");
      },
    );
    await t.step(
      "an oversized control payload → 3 and the connection is closed",
      async () => {
        await client.write(
          Uint8Array.of(
            ...new Uint8Array(
              new Uint32Array([4 + 11 * 1024 * 1024, 202]).buffer,
            ),
          ),
        );
        assert.equal((await client.answer())?.status, ErrorCode.InvalidCommand);
        assert.equal(await client.answer(), null);
      },
    );
  } finally {
    client.close();
  }
  const fresh = await RawClient.connect(server.tcp.port);
  assert.equal(
    (await fresh.request(CommandCode.Ping)).status,
    0,
    "the server still serves others",
  );
  fresh.close();
});

Deno.test("TCP server sends Disconnected (8) to idle clients on SIGTERM", async () => {
  await using server = await startServer();
  const client = await RawClient.connect(server.tcp.port);
  assert.equal((await client.request(CommandCode.Ping)).status, 0);
  await server.kill("SIGTERM");
  assert.equal((await client.answer())?.status, ErrorCode.Disconnected);
  client.close();
});
