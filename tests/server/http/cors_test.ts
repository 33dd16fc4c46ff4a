/**
 * CORS per `[http.cors]` and the browser-style flow of the Web UI from another origin.
 */
import assert from "node:assert/strict";
import { parseJson, stringifyJson } from "../../../server/http/json.ts";
import { openApi } from "./_app.ts";

// deno-lint-ignore no-explicit-any
type Json = any;
const ORIGIN = "http://localhost:5173";

Deno.test("createHttpApp() answers a preflight without a token, then serves the Web UI flow", async () => {
  await using t = await openApi();
  const app = t.api.app;
  const preflight = await app.request("/users/login", {
    method: "OPTIONS",
    headers: {
      origin: ORIGIN,
      "access-control-request-method": "POST",
      "access-control-request-headers": "content-type,authorization",
    },
  });
  assert.equal(preflight.status, 200);
  assert.equal(preflight.headers.get("access-control-allow-origin"), "*");
  assert.equal(
    preflight.headers.get("access-control-allow-methods"),
    "GET,POST,PUT,DELETE",
  );
  assert.equal(
    preflight.headers.get("access-control-allow-headers"),
    "content-type,authorization",
  );
  assert.equal(
    preflight.headers.get("vary"),
    "origin, access-control-request-method, access-control-request-headers",
  );
  assert.equal(preflight.headers.get("access-control-allow-credentials"), null);

  const call = async (
    method: string,
    path: string,
    token?: string,
    body?: unknown,
  ) => {
    const res = await app.request(path, {
      method,
      headers: {
        origin: ORIGIN,
        "content-type": "application/json", // the Web UI sends it on every request
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : stringifyJson(body),
    });
    assert.equal(
      res.headers.get("access-control-allow-origin"),
      "*",
      `${method} ${path}`,
    );
    const text = await res.text();
    return {
      status: res.status,
      body: text ? parseJson(text) as Json : undefined,
    };
  };
  assert.equal((await call("GET", "/streams")).status, 401);
  const login = await call("POST", "/users/login", undefined, {
    username: "iggy",
    password: "iggy",
  });
  assert.equal(login.status, 200);
  const token = login.body.access_token.token;
  assert.equal(parseInt(JSON.parse(atob(token.split(".")[1]!)).sub), 0);
  assert.equal(
    (await call("POST", "/streams", token, { name: "web" })).status,
    200,
  );
  const streams = await call("GET", "/streams", token);
  assert.deepEqual(streams.body.map((s: Json) => s.name), ["web"]);
  const topic = await call("POST", "/streams/0/topics", token, {
    name: "events",
    partitions_count: 1,
    message_expiry: 0,
    compression_algorithm: "none",
    max_topic_size: 2000000000,
  });
  assert.equal(topic.status, 200);
  assert.equal(topic.body.max_topic_size, 2000000000n);
  const sent = await call("POST", "/streams/0/topics/0/messages", token, {
    partitioning: { kind: "partition_id", value: "AAAAAA==" },
    messages: [{ payload: btoa("one") }, { payload: btoa("two") }],
  });
  assert.equal(sent.status, 201);
  const first = await call(
    "GET",
    "/streams/0/topics/0/messages?kind=offset&value=0&count=1",
    token,
  );
  assert.equal(first.body.current_offset, 1n);
  const page = await call(
    "GET",
    "/streams/0/topics/0/messages?kind=offset&value=0&count=20&auto_commit=false&partition_id=0",
    token,
  );
  assert.deepEqual(page.body.messages.map((m: Json) => atob(m.payload)), [
    "one",
    "two",
  ]);
});

Deno.test("createHttpApp() restricts origins and can turn CORS off", async () => {
  await using t = await openApi({
    IGGY_HTTP_CORS_ALLOWED_ORIGINS: "http://good.example",
  });
  const origin = async (value: string) =>
    (await t.request("GET", "/ping", {
      token: null,
      headers: { origin: value },
    })).headers.get(
      "access-control-allow-origin",
    );
  assert.equal(await origin("http://good.example"), "http://good.example");
  assert.equal(await origin("http://evil.example"), null);
  await t.reopen({ IGGY_HTTP_CORS_ENABLED: "false" });
  assert.equal(await origin("http://good.example"), null);
  const preflight = await t.request("OPTIONS", "/streams", {
    token: null,
    headers: {
      origin: "http://good.example",
      "access-control-request-method": "GET",
    },
  });
  assert.equal(preflight.status, 401);
});
