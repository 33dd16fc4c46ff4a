/**
 * The real server process over real HTTP, and the byte-size / lossless JSON helpers.
 */
import assert from "node:assert/strict";
import { startServer } from "../../_server.ts";
import {
  formatByteSize,
  parseJson,
  stringifyJson,
} from "../../../server/http/json.ts";

Deno.test("startServer() serves the HTTP API on the address it records in the runtime config", async () => {
  await using server = await startServer();
  assert.ok(server.http, "runtime config has an [http] address");
  const base = `http://${server.http.hostname}:${server.http.port}`;
  const ping = await fetch(`${base}/ping`);
  assert.equal(await ping.text(), "pong");
  const login = await fetch(`${base}/users/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "iggy", password: "iggy" }),
  });
  assert.equal(login.status, 200);
  const { access_token } = await login.json();
  const headers = {
    authorization: `Bearer ${access_token.token}`,
    "content-type": "application/json",
  };
  const created = await fetch(`${base}/streams`, {
    method: "POST",
    headers,
    body: '{"name":"over-http"}',
  });
  assert.equal(created.status, 200);
  await created.body?.cancel();
  const metadata = await (await fetch(`${base}/cluster/metadata`, { headers }))
    .json();
  assert.equal(metadata.nodes[0].endpoints.http, server.http.port);
  assert.equal(metadata.nodes[0].endpoints.tcp, server.tcp.port);
  const streams = await (await fetch(`${base}/streams`, { headers })).json();
  assert.deepEqual(streams.map((s: { name: string }) => s.name), ["over-http"]);
});

Deno.test("formatByteSize() renders IggyByteSize strings", () => {
  const cases: [number, string][] = [
    [0, "0 B"],
    [999, "999 B"],
    [1000, "1 KB"],
    [1024, "1 KiB"],
    [1500, "1.5 KB"],
    [1536, "1.5 KiB"],
    [1234, "1.234 KB"],
    [1234567, "1234.567 KB"],
    [1024000, "1.024 MB"],
    [3211776, "3136.5 KiB"],
    [1073741824, "1 GiB"],
  ];
  for (const [bytes, text] of cases) {
    assert.equal(formatByteSize(bytes), text, `${bytes}`);
  }
});

Deno.test("parseJson() and stringifyJson() keep u64 and u128 exact", () => {
  const text =
    '{"a":18446744073709551615,"b":[340282366920938463463374607431768211455,1.5,-2]}';
  const value = parseJson(text);
  assert.deepEqual(value, {
    a: 18446744073709551615n,
    b: [(1n << 128n) - 1n, 1.5, -2n],
  });
  assert.equal(stringifyJson(value), text);
});
