/**
 * `[connections]` on the real server: idle connections are closed and pinging ones kept, the total
 * and per-address limits refuse clearly while accepted connections keep working, and clients'
 * mistakes are logged as single counted lines.
 */
import assert from "node:assert/strict";
import {
  CommandCode,
  encodeRequest,
  ErrorCode,
} from "../../client/protocol/mod.ts";
import { startServer, type TestServer } from "../_server.ts";
import { generateTestCertificate } from "../e2e/_certs.ts";
import { RawClient } from "./_raw_client.ts";

const DEADLINE_MS = 15_000;
const PING = encodeRequest(CommandCode.Ping, new Uint8Array());

const certificate = await generateTestCertificate();
const quicEnv = {
  IGGY_QUIC_CERTIFICATE_SELF_SIGNED: "false",
  IGGY_QUIC_CERTIFICATE_CERT_FILE: certificate.certFile,
  IGGY_QUIC_CERTIFICATE_KEY_FILE: certificate.keyFile,
};

function connectQuic(server: TestServer): Promise<Deno.QuicConn> {
  return Deno.connectQuic({
    ...server.quic!,
    serverName: "localhost",
    alpnProtocols: [],
    caCerts: [certificate.cert],
    zeroRtt: false,
  });
}

/** Waits for `promise`, failing after the deadline instead of hanging. */
async function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`No ${what} within ${DEADLINE_MS} ms`)),
          DEADLINE_MS,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `check` every 50 ms until it returns true, failing after the deadline. */
async function until(check: () => Promise<boolean> | boolean, what: string) {
  const deadline = performance.now() + DEADLINE_MS;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`No ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Sends a raw WebSocket upgrade request and returns the status line of the answer. */
async function upgradeStatus(port: number): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(
      new TextEncoder().encode(
        "GET / HTTP/1.1\r\nhost: 127.0.0.1\r\nupgrade: websocket\r\n" +
          "connection: upgrade\r\nsec-websocket-version: 13\r\n" +
          "sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
      ),
    );
    const buffer = new Uint8Array(4096);
    const n = await conn.read(buffer);
    return new TextDecoder().decode(buffer.subarray(0, n ?? 0)).split("\r\n")[
      0
    ]!;
  } finally {
    conn.close();
  }
}

function openWebSocket(port: number): Promise<WebSocket> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}`);
  socket.binaryType = "arraybuffer";
  return new Promise((resolve, reject) => {
    socket.onopen = () => resolve(socket);
    socket.onerror = () => reject(new Error("WebSocket did not open"));
  });
}

function closeEvent(socket: WebSocket): Promise<CloseEvent> {
  return new Promise((resolve) => socket.onclose = resolve);
}

Deno.test("idle_timeout closes silent and half-sent connections on every transport, never a pinging one", async () => {
  await using server = await startServer({
    env: { ...quicEnv, IGGY_CONNECTIONS_IDLE_TIMEOUT: "1 s" },
  });
  // Before the first connection: no connection can be idle for the timeout before this + 1 s.
  const started = performance.now();
  const silent = await RawClient.connect(server.tcp.port);
  const partial = await RawClient.connect(server.tcp.port);
  const pinger = await RawClient.connect(server.tcp.port);
  const socket = await openWebSocket(server.websocket!.port);
  const quic = await connectQuic(server);
  try {
    await partial.write(Uint8Array.of(1)); // one byte of a frame header, never completed
    const closedAt = (closed: Promise<unknown>) =>
      closed.then((outcome) => ({ outcome, ms: performance.now() - started }));
    const silentClosed = closedAt(silent.answer());
    const partialClosed = closedAt(partial.answer());
    const socketClosed = closedAt(closeEvent(socket));
    const quicClosed = closedAt(quic.closed);
    let settled = 0;
    const all = Promise.all([
      silentClosed,
      partialClosed,
      socketClosed,
      quicClosed,
    ].map((closed) => closed.finally(() => settled++)));
    // The pinger keeps pinging (every 100 ms) for at least three timeouts and until all are closed.
    await until(async () => {
      const answer = await pinger.request(CommandCode.Ping);
      assert.equal(answer.status, 0, "the pinging client is served");
      await new Promise((resolve) => setTimeout(resolve, 100));
      return settled === 4 && performance.now() - started > 3000;
    }, "idle connections closed");
    const [tcpSilent, tcpPartial, ws, q] = await all;
    assert.equal(tcpSilent.outcome, null, "silent TCP connection closed");
    assert.equal(tcpPartial.outcome, null, "half-sent TCP connection closed");
    assert.equal((ws.outcome as CloseEvent).reason, "idle timeout");
    assert.equal((q.outcome as Deno.QuicCloseInfo).reason, "idle timeout");
    for (const { ms } of [tcpSilent, tcpPartial, ws, q]) {
      assert.ok(ms >= 900, `closed after ${ms} ms, not before the timeout`);
      assert.ok(ms < 10_000, `closed after ${ms} ms`);
    }
    assert.equal((await pinger.request(CommandCode.Ping)).status, 0);
    assert.match(
      server.stderr(),
      /INFO {2}(websocket|tcp|quic): Closing idle connection client=/,
    );
  } finally {
    for (const client of [silent, partial, pinger]) client.close();
    socket.close();
    quic.close();
  }
});

Deno.test("max_connections_per_ip refuses with a clear outcome on every transport; accepted connections keep working", async () => {
  await using server = await startServer({
    env: { ...quicEnv, IGGY_CONNECTIONS_MAX_CONNECTIONS_PER_IP: "2" },
  });
  const first = await RawClient.connect(server.tcp.port);
  const second = await RawClient.connect(server.tcp.port);
  const refused = await RawClient.connect(server.tcp.port);
  try {
    assert.equal((await first.request(CommandCode.Ping)).status, 0);
    assert.equal((await second.request(CommandCode.Ping)).status, 0);
    // A refused TCP client reads status 9 as the answer to its first request, then EOF.
    await refused.write(PING);
    const answer = await within(refused.answer(), "refusal");
    assert.equal(answer?.status, ErrorCode.CannotEstablishConnection);
    assert.equal(await within(refused.answer(), "close"), null);
    // WebSocket: HTTP 503 before the upgrade.
    assert.equal(
      await upgradeStatus(server.websocket!.port),
      "HTTP/1.1 503 Service Unavailable",
    );
    // QUIC: accepted, then closed with code 9 and the reason.
    const quic = await connectQuic(server);
    const info = await within(quic.closed, "QUIC refusal");
    assert.equal(info.closeCode, ErrorCode.CannotEstablishConnection);
    assert.equal(info.reason, "too many connections from 127.0.0.1 (limit 2)");

    assert.equal((await first.request(CommandCode.Ping)).status, 0);
    // A closed connection frees its place.
    second.close();
    await until(async () => {
      const next = await RawClient.connect(server.tcp.port);
      try {
        await next.write(PING);
        return (await within(next.answer(), "answer"))?.status === 0;
      } finally {
        next.close();
      }
    }, "place freed by a closed connection");
    assert.equal((await first.request(CommandCode.Ping)).status, 0);
    const refusals = server.stderr().split("\n").filter((line) =>
      line.includes("Connection refused")
    );
    assert.ok(refusals.length > 0);
    for (const line of refusals) {
      assert.match(line, / WARN {2}(tcp|quic|websocket): Connection refused /);
      assert.match(line, /reason="too many connections from 127\.0\.0\.1/);
    }
  } finally {
    for (const client of [first, second, refused]) client.close();
  }
});

Deno.test("max_connections counts TCP, QUIC and WebSocket together", async () => {
  await using server = await startServer({
    env: { ...quicEnv, IGGY_CONNECTIONS_MAX_CONNECTIONS: "2" },
  });
  const tcp = await RawClient.connect(server.tcp.port);
  const socket = await openWebSocket(server.websocket!.port);
  try {
    assert.equal((await tcp.request(CommandCode.Ping)).status, 0);
    assert.equal(
      await upgradeStatus(server.websocket!.port),
      "HTTP/1.1 503 Service Unavailable",
    );
    // QUIC at the total limit is refused before the handshake.
    await assert.rejects(within(connectQuic(server), "QUIC refusal"));
    const refused = await RawClient.connect(server.tcp.port);
    try {
      await refused.write(PING);
      assert.equal(
        (await within(refused.answer(), "refusal"))?.status,
        ErrorCode.CannotEstablishConnection,
      );
    } finally {
      refused.close();
    }
    assert.equal((await tcp.request(CommandCode.Ping)).status, 0);
    assert.match(server.stderr(), /reason="too many connections \(limit 2\)"/);
  } finally {
    tcp.close();
    socket.close();
  }
});

Deno.test("client mistakes are one INFO or WARN line each, without a stack, and repeats are counted", async () => {
  await using server = await startServer();
  const base = `http://127.0.0.1:${server.http!.port}`;
  // Unauthenticated and malformed requests, again and again.
  const mistakes = async () => {
    for (
      const [path, init] of [
        ["/streams", {}],
        ["/users/login", { method: "POST", body: "{not json" }],
      ] as const
    ) {
      const response = await fetch(base + path, {
        ...init,
        headers: { "content-type": "application/json" },
      });
      await response.body?.cancel();
      assert.ok(response.status >= 400 && response.status < 500);
    }
  };
  for (let i = 0; i < 20; i++) await mistakes();
  // Repeats are reported with the next mistake after the one-second window.
  await until(async () => {
    await mistakes();
    return /HTTP request rejected .*repeated=\d+/.test(server.stderr());
  }, "a counted line");
  // A WebSocket text message is a protocol mistake of the client.
  const socket = await openWebSocket(server.websocket!.port);
  const closed = closeEvent(socket);
  socket.send("hello");
  assert.equal((await within(closed, "close")).code, 1003);

  const log = server.stderr().split("\n");
  const rejected = log.filter((line) => line.includes("HTTP request rejected"));
  assert.ok(rejected.length >= 1);
  assert.ok(rejected.length < 20, `${rejected.length} lines for 40+ mistakes`);
  for (const line of rejected) {
    assert.match(line, / INFO {2}http: HTTP request rejected /);
  }
  assert.ok(
    log.some((line) =>
      / WARN {2}websocket: Closing WebSocket connection: invalid message /.test(
        line,
      )
    ),
  );
  assert.deepEqual(log.filter((line) => / ERROR /.test(line)), []);
  assert.deepEqual(log.filter((line) => /^\s+at /.test(line)), [], "no stack");
});

/** Pings over TLS and returns the answer's status, or null when the connection closes first. */
async function tlsPingStatus(port: number): Promise<number | null> {
  const conn = await Deno.connectTls({
    hostname: "localhost",
    port,
    caCerts: [certificate.cert],
  });
  try {
    await conn.write(PING);
    const header = new Uint8Array(8);
    let at = 0;
    while (at < 8) {
      const n = await conn.read(header.subarray(at)).catch(() => null);
      if (n === null) return null;
      at += n;
    }
    return new DataView(header.buffer).getUint32(0, true);
  } finally {
    conn.close();
  }
}

Deno.test("handshake_timeout: a stalled TLS handshake is logged at the deadline and keeps its place until it ends", async () => {
  await using server = await startServer({
    env: {
      IGGY_QUIC_ENABLED: "false",
      IGGY_TCP_TLS_ENABLED: "true",
      IGGY_TCP_TLS_SELF_SIGNED: "false",
      IGGY_TCP_TLS_CERT_FILE: certificate.certFile,
      IGGY_TCP_TLS_KEY_FILE: certificate.keyFile,
      IGGY_CONNECTIONS_HANDSHAKE_TIMEOUT: "300 ms",
      IGGY_CONNECTIONS_MAX_CONNECTIONS_PER_IP: "1",
    },
  });
  const port = server.tcp.port;
  // Half a ClientHello record header, then nothing.
  const stalled = await RawClient.connect(port);
  try {
    await stalled.write(Uint8Array.of(0x16, 0x03));
    await until(
      () =>
        /INFO {2}tcp: TLS handshake timed out .*timeoutMs=300/.test(
          server.stderr(),
        ),
      "a log line at the deadline",
    );
    // Deno cannot abort the handshake, so the stalled connection still holds the address's only place.
    assert.equal(
      await tlsPingStatus(port),
      ErrorCode.CannotEstablishConnection,
    );
  } finally {
    stalled.close();
  }
  // Once the client gives up, its place is free again.
  await until(async () => await tlsPingStatus(port) === 0, "a served client");
});
