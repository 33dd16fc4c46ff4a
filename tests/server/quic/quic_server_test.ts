/**
 * The QUIC listener against raw streams: one request per stream, a session per connection, concurrent
 * streams, and bad input that drops a stream or a handshake while the server keeps serving.
 */
import assert from "node:assert/strict";
import {
  CommandCode,
  encodeLoginUser,
  encodeRequest,
  ErrorCode,
} from "../../../client/protocol/mod.ts";
import { startInProcess } from "../_in_process.ts";
import { QUIC_TRANSPORT } from "../../../server/quic/quic_server.ts";
import { generateSelfSigned } from "../../../server/tls.ts";

const LOGIN = encodeLoginUser({ username: "iggy", password: "iggy" });

interface Answer {
  status: number;
  payload: Uint8Array;
}

async function readAll(
  stream: ReadableStream<Uint8Array>,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/** Writes `bytes` on a new stream, finishes it and reads the stream to its end. */
async function exchange(
  conn: Deno.QuicConn,
  bytes: Uint8Array,
): Promise<Uint8Array> {
  const stream = await conn.createBidirectionalStream();
  const writer = stream.writable.getWriter();
  await writer.write(bytes);
  await writer.close();
  return await readAll(stream.readable);
}

async function request(
  conn: Deno.QuicConn,
  code: number,
  payload: Uint8Array = new Uint8Array(),
): Promise<Answer> {
  const frame = await exchange(conn, encodeRequest(code, payload));
  assert.ok(frame.length >= 8, `short answer of ${frame.length} bytes`);
  const view = new DataView(frame.buffer, frame.byteOffset);
  const length = view.getUint32(4, true);
  assert.equal(frame.length, 8 + length);
  return { status: view.getUint32(0, true), payload: frame.subarray(8) };
}

/** A certificate in temp files and the env that makes the QUIC listener use it (TCP and WS off). */
async function quicEnv(): Promise<
  { cert: string; env: Record<string, string> }
> {
  const pair = await generateSelfSigned();
  const dir = await Deno.makeTempDir({ prefix: "iggy_quic_cert_" });
  await Deno.writeTextFile(`${dir}/cert.pem`, pair.cert);
  await Deno.writeTextFile(`${dir}/key.pem`, pair.key);
  return {
    cert: pair.cert,
    env: {
      IGGY_TCP_ENABLED: "false",
      IGGY_WEBSOCKET_ENABLED: "false",
      IGGY_QUIC_CERTIFICATE_SELF_SIGNED: "false",
      IGGY_QUIC_CERTIFICATE_CERT_FILE: `${dir}/cert.pem`,
      IGGY_QUIC_CERTIFICATE_KEY_FILE: `${dir}/key.pem`,
    },
  };
}

function connect(
  port: number,
  cert: string,
  alpn: string[] = [],
): Promise<Deno.QuicConn> {
  return Deno.connectQuic({
    hostname: "127.0.0.1",
    port,
    serverName: "localhost",
    alpnProtocols: alpn,
    caCerts: [cert],
    zeroRtt: false,
  });
}

Deno.test("QuicServer serves one request per stream with a session per connection", async () => {
  const { cert, env } = await quicEnv();
  await using running = await startInProcess(env);
  const { server } = running;
  assert.equal(server.tcp, undefined, "disabled TCP binds nothing");
  assert.equal(server.system.listeners.tcp, undefined);
  const port = server.system.listeners.quic!.port;
  const first = await connect(port, cert);
  const second = await connect(port, cert);
  try {
    assert.equal(first.protocol, null, "no ALPN is negotiated");
    assert.equal((await request(first, CommandCode.Ping)).status, 0);
    assert.equal(
      (await request(first, CommandCode.GetStreams)).status,
      ErrorCode.Unauthenticated,
    );
    assert.equal(
      (await request(first, CommandCode.LoginUser, LOGIN)).status,
      0,
    );
    // The login on one stream holds for the later streams of the same connection only.
    assert.equal((await request(first, CommandCode.GetStreams)).status, 0);
    assert.equal(
      (await request(second, CommandCode.GetStreams)).status,
      ErrorCode.Unauthenticated,
    );
    const sessions = [...server.system.clients.values()];
    assert.equal(sessions.length, 2);
    assert.ok(sessions.every((s) => s.transport === QUIC_TRANSPORT));

    // Many streams in flight at once on one connection all get their own answer.
    const answers = await Promise.all(
      Array.from({ length: 25 }, () => request(first, CommandCode.GetStats)),
    );
    assert.ok(answers.every((a) => a.status === 0 && a.payload.length > 0));
  } finally {
    first.close();
    second.close();
  }
});

Deno.test("QuicServer drops garbage streams and keeps serving", async () => {
  const { cert, env } = await quicEnv();
  await using running = await startInProcess(env);
  const { server, logs } = running;
  const port = server.system.listeners.quic!.port;
  const conn = await connect(port, cert);
  try {
    // Fewer bytes than a header, then FIN: no answer, the stream is dropped.
    assert.equal((await exchange(conn, Uint8Array.of(1, 2, 3))).length, 0);
    // A length below 4: dropped without an answer.
    assert.equal((await exchange(conn, new Uint8Array(8))).length, 0);
    // A header promising more payload than sent.
    const short = encodeRequest(CommandCode.Ping, new Uint8Array(10)).subarray(
      0,
      12,
    );
    assert.equal((await exchange(conn, short)).length, 0);
    // An unknown code is answered with 3 and the stream finishes normally.
    assert.equal(
      (await request(conn, 0xdead)).status,
      ErrorCode.InvalidCommand,
    );
    assert.ok(logs.some((line) => line.includes("Dropping QUIC stream")));
    // The same connection still works, and so does a new one.
    assert.equal((await request(conn, CommandCode.Ping)).status, 0);
    const other = await connect(port, cert);
    try {
      assert.equal((await request(other, CommandCode.Ping)).status, 0);
    } finally {
      other.close();
    }
  } finally {
    conn.close();
  }
});

Deno.test("QuicServer logs failed handshakes (ALPN offered, certificate not trusted) and keeps serving", async () => {
  const { cert, env } = await quicEnv();
  await using running = await startInProcess(env);
  const { server, logs } = running;
  const port = server.system.listeners.quic!.port;
  await assert.rejects(connect(port, cert, ["iggy"]));
  const stranger = (await generateSelfSigned()).cert;
  await assert.rejects(connect(port, stranger));
  const conn = await connect(port, cert);
  try {
    assert.equal((await request(conn, CommandCode.Ping)).status, 0);
  } finally {
    conn.close();
  }
  assert.ok(logs.some((line) => line.includes("QUIC handshake failed")));
});

Deno.test("QuicServer generates a certificate for localhost when self_signed is set", async () => {
  await using running = await startInProcess({
    IGGY_TCP_ENABLED: "false",
    IGGY_WEBSOCKET_ENABLED: "false",
  });
  const port = running.server.system.listeners.quic!.port;
  // A random certificate nobody trusts: the client's verification fails, yet the listener is up.
  await assert.rejects(
    Deno.connectQuic({
      hostname: "127.0.0.1",
      port,
      alpnProtocols: [],
      zeroRtt: false,
    }),
    /certificate|UnknownIssuer/i,
  );
  assert.ok(
    running.logs.some((line) =>
      line.includes("Generated a self-signed certificate")
    ),
  );
});
