/**
 * Bad input gets the statuses and bodies of http.md §4, never a 500.
 */
import assert from "node:assert/strict";
import { openApi } from "./_app.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

Deno.test("createHttpApp() answers bad bodies with 415, 400, 422 and 413 in plain text", async () => {
  await using t = await openApi({ IGGY_HTTP_MAX_REQUEST_SIZE: "1 KB" });
  const cases: [string, RequestInit["body"], Record<string, string>, number][] =
    [
      [
        "no content type",
        '{"name":"s"}',
        { "content-type": "text/plain" },
        415,
      ],
      ["malformed JSON", '{"name":', {}, 400],
      ["not an object", "[1,2]", {}, 422],
      ["wrong type", '{"name":7}', {}, 422],
      ["missing field", "{}", {}, 422],
      ["too large", JSON.stringify({ name: "x".repeat(2000) }), {}, 413],
    ];
  for (const [what, body, headers, status] of cases) {
    const res = await t.api.app.request("/streams", {
      method: "POST",
      body,
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${t.token}`,
        ...headers,
      },
    });
    const text = await res.text();
    assert.equal(res.status, status, `${what}: ${text}`);
    assert.doesNotMatch(text, /^\{/, what);
    assert.doesNotMatch(text, /\bat .*\.ts:\d+/, what);
  }
  assert.equal((await t.json("GET", "/streams", 200) as Json[]).length, 0);
});

Deno.test("createHttpApp() rejects bad identifiers, numbers, base64 and topic fields", async () => {
  await using t = await openApi();
  await t.json("POST", "/streams", 200, { body: { name: "s" } });
  await t.json("POST", "/streams/0/topics", 200, {
    body: {
      name: "t",
      partitions_count: 1,
      compression_algorithm: "none",
      message_expiry: 0,
      max_topic_size: 0,
    },
  });
  const long = "x".repeat(256);
  assert.deepEqual(await t.json("GET", `/streams/${long}`, 400), {
    id: 6,
    code: "invalid_identifier",
    reason: "Invalid identifier",
    field: null,
  });
  assert.equal(
    (await t.request(
      "DELETE",
      "/streams/0/topics/0/partitions/abc?segments_count=1",
    )).status,
    400,
  );
  assert.equal(
    (await t.request("DELETE", "/streams/0/topics/0/partitions")).status,
    400,
  );
  assert.equal(
    (await t.request(
      "DELETE",
      "/streams/0/topics/0/partitions?partitions_count=x",
    )).status,
    400,
  );
  const topicCases: [Record<string, unknown>, number, number?][] = [
    [{
      name: "u",
      partitions_count: -1,
      compression_algorithm: "none",
      message_expiry: 0,
      max_topic_size: 0,
    }, 422],
    [{
      name: "u",
      partitions_count: 1,
      compression_algorithm: "zstd",
      message_expiry: 0,
      max_topic_size: 0,
    }, 422],
    [{
      name: "u",
      partitions_count: 1,
      compression_algorithm: "none",
      message_expiry: 18446744073709551616n,
      max_topic_size: 0,
    }, 422],
    [{
      name: "u",
      partitions_count: 1,
      compression_algorithm: "none",
      message_expiry: 0,
    }, 422],
    [
      {
        name: "u",
        partitions_count: 1001,
        compression_algorithm: "none",
        message_expiry: 0,
        max_topic_size: 0,
      },
      400,
      2015,
    ],
    [
      {
        name: "u",
        partitions_count: 1,
        compression_algorithm: "none",
        message_expiry: 0,
        max_topic_size: 10,
      },
      400,
      1019,
    ],
    [
      {
        name: "u",
        partitions_count: 1,
        compression_algorithm: "none",
        message_expiry: 0,
        max_topic_size: 0,
        replication_factor: 0,
      },
      400,
      2018,
    ],
    [
      {
        name: "",
        partitions_count: 1,
        compression_algorithm: "none",
        message_expiry: 0,
        max_topic_size: 0,
      },
      400,
      2014,
    ],
  ];
  for (const [body, status, id] of topicCases) {
    const res = await t.request("POST", "/streams/0/topics", { body });
    const text = await res.text();
    assert.equal(
      res.status,
      status,
      `${
        JSON.stringify(body, (_k, v) => typeof v === "bigint" ? String(v) : v)
      }: ${text}`,
    );
    if (id !== undefined) assert.equal(JSON.parse(text).id, id);
  }
  const send = (body: unknown) =>
    t.request("POST", "/streams/0/topics/0/messages", { body });
  const P0 = { kind: "partition_id", value: "AAAAAA==" };
  for (
    const body of [
      { partitioning: P0, messages: [{ payload: "not base64!" }] },
      { partitioning: P0, messages: [{ payload: "aGVsbG8" }] },
      { partitioning: P0, messages: [{ payload: "" }] },
      { partitioning: P0, messages: [{ payload: "aGk=", id: -1 }] },
      { partitioning: P0, messages: [{ payload: "aGk=", id: "xyz" }] },
      {
        partitioning: P0,
        messages: [{
          payload: "aGk=",
          user_headers: [{ key: { kind: "nope", value: "" } }],
        }],
      },
      { partitioning: P0, messages: [{ payload: "aGk=" }], extra: 1 },
      { partitioning: { kind: "balanced" }, messages: [{ payload: "aGk=" }] },
      { messages: [{ payload: "aGk=" }] },
    ]
  ) {
    const res = await send(body);
    assert.equal(
      res.status,
      422,
      `${JSON.stringify(body)}: ${await res.clone().text()}`,
    );
    await res.body?.cancel();
  }
  const badHeader = await send({
    partitioning: P0,
    messages: [{
      payload: "aGk=",
      user_headers: [{
        key: { kind: "string", value: "aw==" },
        value: { kind: "uint32", value: "AQ==" },
      }],
    }],
  });
  assert.equal(badHeader.status, 400);
  assert.equal((await badHeader.json()).id, 4019);
});
