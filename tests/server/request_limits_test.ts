/**
 * Request size caps on the real server (issue 14): a client that never logged in cannot make the
 * server hold more than a few KiB, a length field past 2^31 cannot smuggle commands, and the
 * SendMessages cap after login is configurable.
 */
import assert from "node:assert/strict";
import {
  CommandCode,
  encodeCreateStream,
  encodeCreateTopic,
  encodeLoginUser,
  encodeRequest,
  encodeSendMessages,
  ErrorCode,
} from "../../client/protocol/mod.ts";
import { loadConfig } from "../../server/config.ts";
import { startServer } from "../_server.ts";
import { RawClient } from "./_raw_client.ts";
import { concat } from "../protocol/_codec.ts";
import { generateTestCertificate, tcpTlsEnv } from "../e2e/_certs.ts";
import { rssOf, startFuzzServer } from "../fuzz/_fuzz.ts";
import { MAX_UNAUTHENTICATED_STREAMS } from "../../server/quic/quic_server.ts";

const ROOT = { username: "iggy", password: "iggy" };
const MiB = 1024 * 1024;

/** An 8-byte request header announcing `length` (= 4 + payload) for `code`. */
function header(length: number, code: number): Uint8Array {
  const out = new Uint8Array(8);
  const view = new DataView(out.buffer);
  view.setUint32(0, length, true);
  view.setUint32(4, code, true);
  return out;
}

/** Rejects when `promise` takes longer than `ms` (a server that waits for more bytes). */
async function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) =>
        timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms)
      ),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Reads answers until the server closes; fails after `limit` answers or 10 s. */
async function answersUntilClosed(
  client: RawClient,
  limit = 4,
): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i <= limit; i++) {
    const answer = await within(client.answer(), 10_000);
    if (answer === null) return statuses;
    statuses.push(answer.status);
  }
  throw new Error(`still answering after ${limit} answers: ${statuses}`);
}

Deno.test("50 connections that never log in, each announcing a 1 GiB send and writing 32 MiB of it, add under 50 MB of server RSS", async () => {
  await using server = await startServer();
  const warm = await RawClient.connect(server.tcp.port);
  assert.equal((await warm.request(CommandCode.Ping)).status, 0);
  warm.close();
  const before = await rssOf(server.pid!);

  const clients = await Promise.all(
    Array.from({ length: 50 }, () => RawClient.connect(server.tcp.port)),
  );
  // Each writes its header and the first 32 MiB of the "1 GiB" payload (until the server closes):
  // a server that reads before it checks the login holds all of it.
  const chunk = new Uint8Array(MiB).fill(0x5a);
  await Promise.all(clients.map(async (client) => {
    try {
      await client.write(header(4 + 1024 * MiB, CommandCode.SendMessages));
      for (let i = 0; i < 32; i++) await client.write(chunk);
    } catch {
      // closed by the server
    }
  }));
  const after = await rssOf(server.pid!);
  const outcomes = await Promise.allSettled(
    clients.map((client) => answersUntilClosed(client)),
  );
  for (const client of clients) client.close();
  const added = after - before;
  console.log(
    `server RSS ${(before / MiB).toFixed(1)} MiB -> ${
      (after / MiB).toFixed(1)
    } MiB (+${
      (added / MiB).toFixed(1)
    } MiB) for 50 unauthenticated 1 GiB sends`,
  );
  assert.ok(added < 50_000_000, `RSS grew by ${added} B (bound 50 MB)`);
  for (const outcome of outcomes) {
    assert.equal(
      outcome.status,
      "fulfilled",
      String((outcome as PromiseRejectedResult).reason),
    );
    assert.deepEqual(
      (outcome as PromiseFulfilledResult<number[]>).value,
      [ErrorCode.Unauthenticated],
      "40, then closed",
    );
  }
  const fresh = await RawClient.connect(server.tcp.port);
  assert.equal((await fresh.request(CommandCode.Ping)).status, 0);
  fresh.close();
});

/**
 * A "4 GiB" send hiding a LoginUser and a GetStreams where a server that cut the payload short at
 * 261,888 bytes (the 32-bit `align16` overflow) would have resumed parsing, and right after the
 * header too.
 */
function smugglingFrame(length: number): Uint8Array {
  const hidden = concat(
    encodeRequest(CommandCode.LoginUser, encodeLoginUser(ROOT)),
    encodeRequest(CommandCode.GetStreams, new Uint8Array(0)),
  );
  return concat(
    header(length, CommandCode.SendMessages),
    hidden,
    new Uint8Array(261_888 - hidden.length),
    hidden,
  );
}

Deno.test("a send declaring 2^31 bytes or more is refused and nothing hidden in it is executed", async (t) => {
  await using server = await startServer();
  for (const length of [2 ** 31, 2 ** 32 - 1]) {
    await t.step(`length ${length}, before login: 40, closed`, async () => {
      const client = await RawClient.connect(server.tcp.port);
      await client.write(smugglingFrame(length)).catch(() => {});
      assert.deepEqual(await answersUntilClosed(client), [
        ErrorCode.Unauthenticated,
      ]);
      client.close();
    });
    await t.step(`length ${length}, after login: 4036, closed`, async () => {
      const client = await RawClient.connect(server.tcp.port);
      assert.equal(
        (await client.request(CommandCode.LoginUser, encodeLoginUser(ROOT)))
          .status,
        0,
      );
      await client.write(smugglingFrame(length)).catch(() => {});
      // No answer to the hidden LoginUser (0) or GetStreams (0 with a list).
      assert.deepEqual(await answersUntilClosed(client), [
        ErrorCode.InvalidMessagesSize,
      ]);
      client.close();
    });
  }
  assert.doesNotMatch(server.stderr(), /ERROR|Connection error/);
});

Deno.test("TLS: a '4 GiB' send before login is refused (40) and closed, nothing hidden in it runs", async () => {
  const certificate = await generateTestCertificate();
  await using server = await startServer({ env: tcpTlsEnv(certificate) });
  const conn = await Deno.connectTls({
    hostname: "localhost",
    port: server.tcp.port,
    caCerts: [certificate.cert],
  });
  try {
    await conn.write(smugglingFrame(2 ** 32 - 1)).catch(() => {});
    // Everything the server writes until it closes: exactly one 8-byte error frame.
    const received: Uint8Array[] = [];
    const buffer = new Uint8Array(4096);
    await within(
      (async () => {
        while (true) {
          const n = await conn.read(buffer).catch(() => null);
          if (n === null) return;
          received.push(buffer.slice(0, n));
        }
      })(),
      10_000,
    );
    const bytes = concat(...received);
    assert.equal(bytes.length, 8, `answers: ${bytes}`);
    assert.equal(
      new DataView(bytes.buffer).getUint32(0, true),
      ErrorCode.Unauthenticated,
    );
  } finally {
    conn.close();
  }
});

Deno.test("QUIC: before login a connection may not pile up request streams; after login it may", async () => {
  await using fuzz = await startFuzzServer();
  const connect = () =>
    Deno.connectQuic({
      hostname: "127.0.0.1",
      port: fuzz.server.quic!.port,
      serverName: "localhost",
      alpnProtocols: [],
      caCerts: [fuzz.cert],
    });
  const open = async (conn: Deno.QuicConn, bytes: Uint8Array) => {
    const stream = await conn.createBidirectionalStream();
    const writer = stream.writable.getWriter();
    await writer.write(bytes);
    return { stream, writer };
  };
  const readAnswer = async (stream: Deno.QuicBidirectionalStream) => {
    const chunks: Uint8Array[] = [];
    for await (const chunk of stream.readable) chunks.push(chunk);
    return new DataView(concat(...chunks).buffer).getUint32(0, true);
  };

  // Streams that announce 1 KiB and send 10 bytes stay in flight: one too many closes it.
  const anonymous = await connect();
  for (let i = 0; i <= MAX_UNAUTHENTICATED_STREAMS; i++) {
    await open(
      anonymous,
      concat(header(4 + 1024, CommandCode.Ping), new Uint8Array(10)),
    ).catch(() => {});
  }
  const info = await within(anonymous.closed, 10_000);
  assert.match(info.reason, /too many streams before login/);

  const member = await connect();
  try {
    const login = await open(
      member,
      encodeRequest(CommandCode.LoginUser, encodeLoginUser(ROOT)),
    );
    await login.writer.close();
    assert.equal(await readAnswer(login.stream), 0);
    const pings = await Promise.all(
      Array.from(
        { length: 3 * MAX_UNAUTHENTICATED_STREAMS },
        () => open(member, encodeRequest(CommandCode.Ping, new Uint8Array(0))),
      ),
    );
    for (const ping of pings) await ping.writer.close();
    for (const ping of pings) assert.equal(await readAnswer(ping.stream), 0);
  } finally {
    member.close({ closeCode: 0, reason: "" });
  }
});

Deno.test("[request_limits] max_send_messages_size caps a logged-in send: 4036 and closed above it, stored below", async () => {
  await using server = await startServer({
    env: { IGGY_REQUEST_LIMITS_MAX_SEND_MESSAGES_SIZE: "16 KiB" },
  });
  const client = await RawClient.connect(server.tcp.port);
  try {
    const ok = async (code: number, payload: Uint8Array) =>
      assert.equal((await client.request(code, payload)).status, 0);
    await ok(CommandCode.LoginUser, encodeLoginUser(ROOT));
    await ok(CommandCode.CreateStream, encodeCreateStream({ name: "s" }));
    await ok(
      CommandCode.CreateTopic,
      encodeCreateTopic({
        streamId: "s",
        partitionsCount: 1,
        compressionAlgorithm: 1,
        messageExpiry: 0n,
        maxTopicSize: 0n,
        replicationFactor: 1,
        name: "t",
      }),
    );
    const send = (size: number) =>
      encodeSendMessages({
        streamId: "s",
        topicId: "t",
        partitioning: { kind: "partition_id", partitionId: 0 },
        messages: [{ payload: new Uint8Array(size) }],
      });
    await ok(CommandCode.SendMessages, send(15 * 1024));
    await client.write(
      encodeRequest(CommandCode.SendMessages, send(17 * 1024)),
    );
    assert.deepEqual(await answersUntilClosed(client), [
      ErrorCode.InvalidMessagesSize,
    ]);
  } finally {
    client.close();
  }
});

Deno.test("the HTTP login routes read at most max_unauthenticated_size bytes of body (413 above)", async () => {
  await using server = await startServer({
    env: { IGGY_REQUEST_LIMITS_MAX_UNAUTHENTICATED_SIZE: "2 KiB" },
  });
  const base = `http://127.0.0.1:${server.http!.port}`;
  for (const path of ["/users/login", "/personal-access-tokens/login"]) {
    const big = await fetch(`${base}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "x".repeat(3000), password: "y" }),
    });
    await big.body?.cancel();
    assert.equal(big.status, 413, path);
  }
  // Chunked, with no length announced: read until the cap, then 413 (not 200 MiB later).
  let sent = 0;
  const chunk = new Uint8Array(64 * 1024).fill(0x20);
  const endless = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= 200 * MiB) return controller.close();
      sent += chunk.length;
      controller.enqueue(chunk);
    },
  });
  const chunked = await fetch(`${base}/users/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: endless,
  });
  await chunked.body?.cancel();
  assert.equal(chunked.status, 413);
  assert.ok(sent < 200 * MiB, "answered before the body ended");
  const login = await fetch(`${base}/users/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(ROOT),
  });
  await login.body?.cancel();
  assert.equal(login.status, 200);
});

Deno.test("loadConfig() checks the [request_limits] ranges", async () => {
  const load = (env: Record<string, string>) =>
    loadConfig({ env, onWarning: () => {} });
  const defaults = await load({});
  assert.deepEqual(defaults.requestLimits, {
    maxUnauthenticatedSize: 4096,
    maxSendMessagesSize: 64 * MiB,
  });
  await assert.rejects(
    load({ IGGY_REQUEST_LIMITS_MAX_SEND_MESSAGES_SIZE: "2 GiB" }),
    /request_limits\.max_send_messages_size.*at most|between/,
  );
  await assert.rejects(
    load({ IGGY_REQUEST_LIMITS_MAX_SEND_MESSAGES_SIZE: "unlimited" }),
    /request_limits\.max_send_messages_size/,
  );
  await assert.rejects(
    load({ IGGY_REQUEST_LIMITS_MAX_UNAUTHENTICATED_SIZE: "100 B" }),
    /request_limits\.max_unauthenticated_size/,
  );
});
