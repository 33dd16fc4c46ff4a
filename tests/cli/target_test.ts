import assert from "node:assert/strict";
import {
  connectionString,
  parseTransport,
  resolveTarget,
} from "../../cli/_target.ts";
import { parseConnectionString } from "../../mod.ts";

Deno.test("resolveTarget() maps each --transport to its connection-string scheme", () => {
  const cases: [Parameters<typeof resolveTarget>[0], string][] = [
    [{}, "iggy://127.0.0.1:8090"],
    [{ transport: "tcp", tcpTlsEnabled: true }, "iggy+tls://127.0.0.1:8090"],
    [{ transport: "tls", serverAddress: "h:1" }, "iggy+tls://h:1"],
    [{ transport: "quic" }, "iggy+quic://127.0.0.1:8080"],
    [{ transport: "ws", websocketServerAddress: "h:2" }, "iggy+ws://h:2"],
    [{ transport: "http", httpApiUrl: "http://h:3000" }, "http://h:3000"],
    [{ transport: "http", httpApiUrl: "https://h:3443" }, "https://h:3443"],
  ];
  for (const [options, expected] of cases) {
    assert.equal(connectionString(resolveTarget(options)), expected);
  }
});

Deno.test("resolveTarget() prefers options over the context", () => {
  const context = { transport: "quic", quic_server_address: "q:1" };
  assert.equal(connectionString(resolveTarget({}, context)), "iggy+quic://q:1");
  assert.equal(
    connectionString(resolveTarget({ transport: "tcp" }, context)),
    "iggy://127.0.0.1:8090",
  );
  assert.throws(() => parseTransport("smoke"), RangeError);
});

Deno.test("connectionString() puts escaped credentials or a token where the SDK reads them", () => {
  const target = resolveTarget({ tcpServerAddress: "127.0.0.1:9" });
  const url = connectionString(target, { username: "a@b", password: "p:w/d%" });
  assert.deepEqual(parseConnectionString(url), {
    transport: "tcp",
    hostname: "127.0.0.1",
    port: 9,
    username: "a@b",
    password: "p:w/d%",
  });
  assert.equal(
    parseConnectionString(connectionString(target, { token: "abc" })).token,
    "abc",
  );
});
