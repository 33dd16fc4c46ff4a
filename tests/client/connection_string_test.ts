import assert from "node:assert/strict";
import { parseConnectionString, VERSION } from "../../mod.ts";

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
