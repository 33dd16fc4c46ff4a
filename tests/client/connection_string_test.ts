import assert from "node:assert/strict";
import {
  connectionStringKeys,
  parseConnectionString,
  VERSION,
} from "../../mod.ts";

Deno.test("parseConnectionString() reads credentials, host and port", () => {
  assert.deepEqual(parseConnectionString("iggy://iggy:secret@localhost:8090"), {
    transport: "tcp",
    hostname: "localhost",
    port: 8090,
    username: "iggy",
    password: "secret",
  });
});

Deno.test("parseConnectionString() treats iggy+tcp like iggy", () => {
  assert.deepEqual(
    parseConnectionString("iggy+tcp://u1:p1@10.0.0.5:9000"),
    parseConnectionString("iggy://u1:p1@10.0.0.5:9000"),
  );
});

Deno.test("parseConnectionString() defaults the TCP port to 8090", () => {
  const options = parseConnectionString("iggy://iggy:iggy@example.com");
  assert.equal(options.port, 8090);
  assert.equal(options.hostname, "example.com");
});

Deno.test("parseConnectionString() percent-decodes user name and password", () => {
  const options = parseConnectionString("iggy://us%40er:p%3Ass%2Fw@h:1");
  assert.equal(options.username, "us@er");
  assert.equal(options.password, "p:ss/w");
});

Deno.test("parseConnectionString() strips IPv6 brackets", () => {
  const options = parseConnectionString("iggy://a:b@[::1]:8090");
  assert.equal(options.hostname, "::1");
  assert.equal(options.port, 8090);
});

Deno.test("parseConnectionString() allows no credentials", () => {
  const options = parseConnectionString("iggy://127.0.0.1:8090");
  assert.equal(options.username, undefined);
  assert.equal(options.password, undefined);
  assert.equal(options.token, undefined);
});

Deno.test("parseConnectionString() reads a personal access token", () => {
  const options = parseConnectionString("iggy://iggypat-abc123@127.0.0.1");
  assert.equal(options.token, "abc123");
  assert.equal(options.username, undefined);
});

Deno.test("parseConnectionString() reads timeout in ms or seconds", () => {
  assert.equal(parseConnectionString("iggy://h?timeout=250").timeout, 250);
  assert.equal(parseConnectionString("iggy://h?timeout=250ms").timeout, 250);
  assert.equal(parseConnectionString("iggy://h?timeout=5s").timeout, 5000);
  assert.throws(
    () => parseConnectionString("iggy://h?timeout=soon"),
    TypeError,
  );
});

Deno.test("parseConnectionString() reads heartbeat_interval", () => {
  const options = parseConnectionString("iggy://a:b@h:1?heartbeat_interval=5s");
  assert.equal(options.hostname, "h");
  assert.deepEqual(options.reconnect, { heartbeatIntervalMs: 5000 });
});

Deno.test("parseConnectionString() rejects other schemes with TypeError", () => {
  for (
    const url of [
      "iggy+udp://a:b@h:8080",
      "nats://h:4222",
    ]
  ) {
    assert.throws(() => parseConnectionString(url), TypeError, url);
  }
});

Deno.test("parseConnectionString() maps iggy+tls, iggy+quic, iggy+ws and iggy+wss to transports and default ports", () => {
  assert.deepEqual(parseConnectionString("iggy+tls://a:b@localhost"), {
    transport: "tcp",
    hostname: "localhost",
    port: 8090,
    tls: {},
    username: "a",
    password: "b",
  });
  const quic = parseConnectionString("iggy+quic://a:b@127.0.0.1");
  assert.equal(quic.transport, "quic");
  assert.equal(quic.port, 8080);
  assert.equal(quic.tls, undefined);
  const ws = parseConnectionString("iggy+ws://h:9000");
  assert.equal(ws.transport, "websocket");
  assert.equal(ws.port, 9000);
  assert.equal(ws.tls, undefined);
  const wss = parseConnectionString("iggy+wss://h");
  assert.equal(wss.transport, "websocket");
  assert.equal(wss.port, 8092);
  assert.deepEqual(wss.tls, {});
});

Deno.test("parseConnectionString() reads tls_domain as the certificate name", () => {
  assert.deepEqual(
    parseConnectionString("iggy+tls://10.0.0.1:8090?tls_domain=iggy.local").tls,
    { hostname: "iggy.local" },
  );
  assert.deepEqual(
    parseConnectionString("iggy+quic://10.0.0.1?tls_domain=localhost").tls,
    { hostname: "localhost" },
  );
  assert.equal(parseConnectionString("iggy://h?tls_domain=x").tls, undefined);
});

Deno.test("parseConnectionString() rejects a password without a user and non-URLs", () => {
  assert.throws(() => parseConnectionString("iggy://:pw@h:1"), TypeError);
  assert.throws(() => parseConnectionString("iggy://user:@h:1"), TypeError);
  assert.throws(() => parseConnectionString("not a url"), TypeError);
});

Deno.test("parseConnectionString() does not echo the password in errors", () => {
  assert.throws(
    () => parseConnectionString("iggy://user:hunter2@"),
    (err: unknown) =>
      err instanceof TypeError && !err.message.includes("hunter2"),
  );
});

Deno.test("VERSION matches deno.json", async () => {
  const config = JSON.parse(
    await Deno.readTextFile(new URL("../../deno.json", import.meta.url)),
  );
  assert.equal(VERSION, config.version);
});

Deno.test("parseConnectionString() turns reconnection on with reconnection_retries/_interval", () => {
  assert.deepEqual(
    parseConnectionString(
      "iggy://h?reconnection_retries=3&reconnection_interval=2s",
    )
      .reconnect,
    { retries: 3, delayMs: 2000 },
  );
  assert.equal(parseConnectionString("iggy://h").reconnect, undefined);
  assert.throws(
    () => parseConnectionString("iggy://h?reconnection_retries=-1"),
    TypeError,
  );
});

Deno.test("parseConnectionString() takes a personal access token as the server prints it (base64 with + / =)", () => {
  // A token as CreatePersonalAccessToken returns it: standard base64 of 50 random bytes.
  const token =
    "q+/Zr0xJ8Yk3c2lW/9a+Qm1vTnBkZXZ2b3RlZC1ieXRlcy1mb3ItdGVzdGluZy1h0w==";
  const options = parseConnectionString(`iggy://${token}@127.0.0.1:8090`);
  assert.equal(options.token, token);
  assert.equal(options.username, undefined);
  assert.equal(options.hostname, "127.0.0.1");
  assert.equal(options.port, 8090);
  // Percent-encoded, as a URL library would write it, it is the same token.
  assert.equal(
    parseConnectionString(`iggy://${encodeURIComponent(token)}@h:1`).token,
    token,
  );
  // Our earlier `iggypat-` prefix is still understood.
  assert.equal(parseConnectionString(`iggy://iggypat-${token}@h`).token, token);
});

Deno.test("parseConnectionString() keeps @, / and ? of a password and takes the host after the last @", () => {
  const options = parseConnectionString(
    "iggy://admin:p@ss/w?rd@db.local:9000?timeout=2s",
  );
  assert.equal(options.username, "admin");
  assert.equal(options.password, "p@ss/w?rd");
  assert.equal(options.hostname, "db.local");
  assert.equal(options.timeout, 2000);
});

Deno.test("parseConnectionString() reads every TCP key of the official SDK", () => {
  const options = parseConnectionString(
    "iggy://u:p@h:8090?tls=true&tls_domain=iggy.local&tls_ca_file=/etc/iggy/ca.pem" +
      "&reconnection_retries=unlimited&reconnection_interval=1s&reestablish_after=5s" +
      "&heartbeat_interval=10s&nodelay=true",
  );
  assert.deepEqual(options.tls, { hostname: "iggy.local" });
  assert.equal(options.tlsCaFile, "/etc/iggy/ca.pem");
  assert.deepEqual(options.reconnect, {
    retries: Infinity,
    delayMs: 1000,
    reestablishAfterMs: 5000,
    heartbeatIntervalMs: 10_000,
  });
  assert.equal(parseConnectionString("iggy+tls://h?tls=false").tls, undefined);
});

Deno.test("parseConnectionString() reads the QUIC, WebSocket and HTTP keys of the official SDK", () => {
  const quic = parseConnectionString(
    "iggy+quic://u:p@h:8080?response_buffer_size=10000000&max_concurrent_bidi_streams=10000" +
      "&datagram_send_buffer_size=100000&initial_mtu=1200&send_window=100000" +
      "&receive_window=100000&keep_alive_interval=5000&max_idle_timeout=10000" +
      "&validate_certificate=false&heartbeat_interval=5s&reconnection_max_retries=3" +
      "&reconnection_interval=1s&reconnection_reestablish_after=5s",
  );
  assert.deepEqual(quic.quic, {
    keepAliveInterval: 5000,
    maxIdleTimeout: 10_000,
  });
  assert.deepEqual(quic.reconnect, {
    retries: 3,
    delayMs: 1000,
    reestablishAfterMs: 5000,
    heartbeatIntervalMs: 5000,
  });
  const ws = parseConnectionString(
    "iggy+ws://u:p@h:8092?heartbeat_interval=5s&reconnection_retries=2&reconnection_interval=1s" +
      "&reestablish_after=5s&read_buffer_size=1&write_buffer_size=1&max_write_buffer_size=1" +
      "&max_message_size=1&max_frame_size=1&accept_unmasked_frames=false&tls=true" +
      "&tls_domain=x&tls_ca_file=ca.pem&tls_validate_certificate=true",
  );
  assert.deepEqual(ws.tls, { hostname: "x" });
  assert.equal(
    ws.reconnect && typeof ws.reconnect === "object" && ws.reconnect.retries,
    2,
  );
  const http = parseConnectionString(
    "iggy+http://u:p@h:3000?heartbeat_interval=5s&retries=3",
  );
  assert.equal(http.transport, "http");
  assert.equal(http.port, 3000);
});

Deno.test("parseConnectionString() rejects an unknown or misspelled key, listing the valid ones", () => {
  assert.throws(
    () => parseConnectionString("iggy://u:p@h:8090?reconection_retries=3"),
    (err: unknown) =>
      err instanceof TypeError &&
      err.message.includes('"reconection_retries"') &&
      err.message.includes(
        "heartbeat_interval, nodelay, reconnection_interval, reconnection_retries, " +
          "reestablish_after, timeout, tls, tls_ca_file, tls_domain",
      ),
  );
  // A key of another transport is unknown too.
  assert.throws(
    () => parseConnectionString("iggy+quic://h?reconnection_retries=3"),
    /reconnection_max_retries/,
  );
  assert.throws(
    () => parseConnectionString("iggy+http://h?tls=true"),
    TypeError,
  );
  assert.deepEqual(connectionStringKeys("http"), [
    "heartbeat_interval",
    "retries",
    "timeout",
  ]);
});

Deno.test("parseConnectionString() rejects bad values with the key's name", () => {
  for (
    const [url, pattern] of [
      ["iggy://h?tls=yes", /Invalid tls "yes"/],
      ["iggy://h?nodelay=1", /Invalid nodelay/],
      ["iggy://h?reconnection_retries=many", /Invalid reconnection_retries/],
      ["iggy://h?heartbeat_interval=soon", /Invalid heartbeat_interval/],
      ["iggy+quic://h?initial_mtu=70000", /Invalid initial_mtu/],
      ["iggy://h?tls", /expected key=value/],
      ["iggy://h:99999", /Invalid port/],
    ] as const
  ) {
    assert.throws(() => parseConnectionString(url), pattern, url);
  }
});
