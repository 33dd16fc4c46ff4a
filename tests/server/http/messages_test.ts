/**
 * Messages over HTTP (http.md §7): send with base64 and typed headers, poll with every strategy,
 * exact u64/u128 numbers, flush and consumer offsets.
 */
import assert from "node:assert/strict";
import { parseJson } from "../../../server/http/json.ts";
import { openApi, type TestApi } from "./_app.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const b64 = (text: string) => btoa(text);
const P0 = { kind: "partition_id", value: "AAAAAA==" };

async function topic(t: TestApi): Promise<void> {
  await t.json("POST", "/streams", 200, { body: { name: "s" } });
  await t.json("POST", "/streams/0/topics", 200, {
    body: {
      name: "t",
      partitions_count: 2,
      compression_algorithm: "none",
      message_expiry: 0,
      max_topic_size: 0,
    },
  });
}

async function send(
  t: TestApi,
  messages: unknown[],
  partitioning: unknown = P0,
): Promise<void> {
  const res = await t.request("POST", "/streams/0/topics/0/messages", {
    body: { partitioning, messages },
  });
  assert.equal(res.status, 201, await res.clone().text());
  assert.equal(await res.text(), "");
}

async function poll(t: TestApi, query: string): Promise<Json> {
  const res = await t.request("GET", `/streams/0/topics/0/messages?${query}`);
  const text = await res.text();
  assert.equal(res.status, 200, text);
  return parseJson(text);
}

Deno.test("messages routes send typed headers and ids, and poll them back exactly", async () => {
  await using t = await openApi();
  await topic(t);
  const big = 18446744073709551615n;
  const headers = [
    {
      key: { kind: "string", value: b64("zeta") },
      value: { kind: "uint64", value: "//////////8=" },
    },
    {
      key: { kind: "string", value: b64("alpha") },
      value: { kind: "string", value: b64("first") },
    },
    {
      key: { kind: "string", value: b64("alpha") },
      value: { kind: "string", value: b64("last wins") },
    },
    {
      key: { kind: "raw", value: b64("k") },
      value: { kind: "bool", value: "AQ==" },
    },
  ];
  await send(t, [
    { id: big, payload: b64("hello") },
    {
      id: "0123456789abcdef0123456789abcdef",
      payload: b64("world"),
      user_headers: headers,
    },
    { id: "340282366920938463463374607431768211455", payload: b64("max") },
  ]);
  const polled = await poll(t, "kind=offset&value=0&count=10&partition_id=0");
  assert.equal(polled.partition_id, 0n);
  assert.equal(polled.current_offset, 2n);
  assert.equal(polled.count, 3n);
  const [a, b, c] = polled.messages;
  assert.equal(a.header.id, big);
  assert.equal(b.header.id, 0x0123456789abcdef0123456789abcdefn);
  assert.equal(c.header.id, (1n << 128n) - 1n);
  assert.deepEqual(a.header.offset, 0n);
  assert.equal(typeof a.header.checksum, "bigint");
  assert.equal(a.header.payload_length, 5n);
  assert.equal(a.header.reserved, 0n);
  assert.ok(a.header.timestamp >= a.header.origin_timestamp);
  assert.equal(a.payload, b64("hello"));
  assert.deepEqual(a.user_headers, []);
  // Ordered by (key kind, key bytes); the repeated key keeps its last value.
  assert.deepEqual(b.user_headers, [
    {
      key: { kind: "raw", value: b64("k") },
      value: { kind: "bool", value: "AQ==" },
    },
    {
      key: { kind: "string", value: b64("alpha") },
      value: { kind: "string", value: b64("last wins") },
    },
    {
      key: { kind: "string", value: b64("zeta") },
      value: { kind: "uint64", value: "//////////8=" },
    },
  ]);
  assert.ok(b.header.user_headers_length > 0n);

  // The raw JSON text carries the u64/u128 numbers bare.
  const raw =
    await (await t.request("GET", "/streams/0/topics/0/messages?count=1"))
      .text();
  assert.match(raw, /"id":18446744073709551615,/);
});

Deno.test("messages routes poll with every strategy and auto-commit", async () => {
  await using t = await openApi();
  await topic(t);
  await send(t, [1, 2, 3, 4, 5].map((i) => ({ payload: b64(`m${i}`) })));
  const offsets = (p: Json) =>
    p.messages.map((m: Json) => Number(m.header.offset));
  assert.deepEqual(offsets(await poll(t, "kind=offset&value=2&count=2")), [
    2,
    3,
  ]);
  assert.deepEqual(offsets(await poll(t, "kind=first&count=2")), [0, 1]);
  assert.deepEqual(offsets(await poll(t, "kind=last&count=2")), [3, 4]);
  assert.deepEqual(offsets(await poll(t, "kind=t&value=0&count=1")), [0]);
  assert.deepEqual(
    offsets(await poll(t, "kind=next&count=2&consumer_id=7&auto_commit=true")),
    [0, 1],
  );
  assert.deepEqual(
    offsets(await poll(t, "kind=n&count=2&consumer_id=7&auto_commit=true")),
    [2, 3],
  );
  assert.deepEqual(offsets(await poll(t, "kind=next&count=10&consumer_id=7")), [
    4,
  ]);
  assert.deepEqual(offsets(await poll(t, "count=10")), [0, 1, 2, 3, 4]);
  // Empty answers zero partition_id and current_offset (quirk 5).
  assert.deepEqual(await poll(t, "kind=offset&value=99&count=10"), {
    partition_id: 0n,
    current_offset: 0n,
    count: 0n,
    messages: [],
  });
  assert.deepEqual(await poll(t, "partition_id=1"), {
    partition_id: 0n,
    current_offset: 0n,
    count: 0n,
    messages: [],
  });
  assert.equal(
    (await t.json(
      "GET",
      "/streams/0/topics/0/messages?partition_id=9",
      404,
    ) as Json).id,
    3007,
  );
  assert.equal(
    (await t.request("GET", "/streams/0/topics/0/messages?kind=sideways"))
      .status,
    400,
  );
  assert.equal(
    (await t.request("GET", "/streams/0/topics/0/messages?count=-1")).status,
    400,
  );
});

Deno.test("messages routes pick partitions by key and balanced, and reject bad partitioning", async () => {
  await using t = await openApi();
  await topic(t);
  await send(t, [{ payload: b64("a") }], { kind: "balanced", value: "" });
  await send(t, [{ payload: b64("b") }], { kind: "balanced", value: "" });
  await send(t, [{ payload: b64("c") }], {
    kind: "messages_key",
    value: b64("user-1"),
  });
  const p0 = await poll(t, "partition_id=0");
  const p1 = await poll(t, "partition_id=1");
  assert.equal(Number(p0.count) + Number(p1.count), 3);
  assert.ok(p0.count >= 1n && p1.count >= 1n);
  for (
    const partitioning of [{ kind: "messages_key", value: "" }, {
      kind: "partition_id",
      value: "AA==",
    }]
  ) {
    const body = await t.json("POST", "/streams/0/topics/0/messages", 400, {
      body: { partitioning, messages: [{ payload: b64("x") }] },
    }) as Json;
    assert.equal(body.id, 4028);
    assert.equal(body.code, "invalid_key_value_length");
  }
  assert.deepEqual(
    await t.json("POST", "/streams/0/topics/0/messages", 400, {
      body: { partitioning: P0, messages: [] },
    }),
    {
      id: 4009,
      code: "invalid_messages_count",
      reason: "Invalid messages count",
      field: null,
    },
  );
});

Deno.test("messages routes flush and manage consumer offsets", async () => {
  await using t = await openApi();
  await topic(t);
  await send(t, [{ payload: b64("a") }, { payload: b64("b") }]);
  for (const fsync of ["true", "false", "fsync=true"]) {
    const res = await t.request(
      "GET",
      `/streams/0/topics/0/messages/flush/0/${fsync}`,
    );
    assert.equal(res.status, 200);
    assert.equal(await res.text(), "");
  }
  assert.equal(
    (await t.request("GET", "/streams/0/topics/0/messages/flush/0/maybe"))
      .status,
    400,
  );
  assert.equal(
    (await t.request("GET", "/streams/0/topics/0/messages/flush/x/true"))
      .status,
    400,
  );

  const base = "/streams/0/topics/0/consumer-offsets";
  assert.equal(
    (await t.json("GET", `${base}?consumer_id=3&partition_id=0`, 404) as Json)
      .id,
    404,
  );
  let res = await t.request("PUT", base, {
    body: { consumer_id: "3", partition_id: 0, offset: 1 },
  });
  assert.equal(res.status, 204);
  assert.deepEqual(
    await t.json("GET", `${base}?consumer_id=3&partition_id=0`, 200),
    {
      partition_id: 0,
      current_offset: 1,
      stored_offset: 1,
    },
  );
  assert.deepEqual(
    await t.json("PUT", base, 400, {
      body: { consumer_id: 3, partition_id: 0, offset: 5 },
    }),
    {
      id: 4100,
      code: "invalid_offset",
      reason: "Invalid offset: 5",
      field: "offset",
    },
  );
  assert.equal(
    (await t.json(
      "GET",
      `/streams/9/topics/0/consumer-offsets?consumer_id=3`,
      404,
    ) as Json).id,
    1009,
  );
  assert.equal(
    (await t.json(
      "GET",
      `/streams/0/topics/9/consumer-offsets?consumer_id=3`,
      404,
    ) as Json).id,
    2010,
  );
  res = await t.request("DELETE", `${base}/3?partition_id=0`);
  assert.equal(res.status, 204);
  assert.equal(
    (await t.json("DELETE", `${base}/3?partition_id=0`, 404) as Json).id,
    3021,
  );
});
