/**
 * Route tests of the HTTP API with in-process `app.request()`: status codes and exact JSON of
 * http.md §5–§6.
 */
import assert from "node:assert/strict";
import { unzipSync } from "fflate";
import { openApi } from "./_app.ts";

const NEVER = 18446744073709551615n;
const TOPIC_BODY = {
  name: "orders",
  partitions_count: 2,
  compression_algorithm: "none",
  message_expiry: 0,
  max_topic_size: 0,
};

// deno-lint-ignore no-explicit-any
type Json = any;

Deno.test("createHttpApp() serves /, /ping and /metrics as text without a token", async () => {
  await using t = await openApi();
  for (const [path, text] of [["/", "Iggy API"], ["/ping", "pong"]]) {
    const res = await t.request("GET", path, { token: null });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "text/plain; charset=utf-8");
    assert.equal(await res.text(), text);
  }
  const res = await t.request("GET", "/metrics", { token: null });
  assert.equal(res.status, 200);
  const text = await res.text();
  assert.match(
    text,
    /^# HELP http_requests total count of http_requests\.\n# TYPE http_requests counter\nhttp_requests_total \d+\n/,
  );
  assert.match(text, /\nstreams 0\n/);
  assert.match(text, /\nusers 1\n/);
  assert.ok(text.endsWith("# EOF\n"));
});

Deno.test("createHttpApp() stream routes create, list, get, update, purge and delete", async () => {
  await using t = await openApi();
  const created = await t.json("POST", "/streams", 200, {
    body: { name: "s1" },
  }) as Json;
  assert.equal(typeof created.created_at, "number");
  assert.deepEqual(created, {
    id: 0,
    created_at: created.created_at,
    name: "s1",
    size: "0 B",
    messages_count: 0,
    topics_count: 0,
    topics: [],
  });
  await t.json("POST", "/streams", 200, { body: { name: "s2" } });
  const list = await t.json("GET", "/streams", 200) as Json[];
  assert.deepEqual(list.map((s) => [s.id, s.name, "topics" in s]), [[
    0,
    "s1",
    false,
  ], [1, "s2", false]]);
  assert.deepEqual(await t.json("GET", "/streams/s1", 200), created);

  const dup = await t.json("POST", "/streams", 400, { body: { name: "s1" } });
  assert.deepEqual(dup, {
    id: 1012,
    code: "stream_name_already_exists",
    reason: "Stream with name: s1 already exists.",
    field: "name",
  });
  assert.deepEqual(
    await t.json("POST", "/streams", 400, { body: { name: "" } }),
    {
      id: 1013,
      code: "invalid_stream_name",
      reason: "Invalid stream name",
      field: "name",
    },
  );

  let res = await t.request("PUT", "/streams/0", { body: { name: "renamed" } });
  assert.equal(res.status, 204);
  assert.equal(await res.text(), "");
  assert.equal(
    (await t.json("GET", "/streams/0", 200) as Json).name,
    "renamed",
  );
  res = await t.request("DELETE", "/streams/0/purge");
  assert.equal(res.status, 204);
  res = await t.request("DELETE", "/streams/renamed");
  assert.equal(res.status, 204);
  assert.deepEqual(await t.json("GET", "/streams/0", 404), {
    id: 404,
    code: "not_found",
    reason: "Resource not found",
    field: null,
  });
  assert.deepEqual(await t.json("DELETE", "/streams/7", 404), {
    id: 1009,
    code: "stream_id_not_found",
    reason: "Stream with ID: 7 was not found.",
    field: "stream_id",
  });
});

Deno.test("createHttpApp() topic routes render Topic/TopicDetails/Partition and resolve defaults", async () => {
  await using t = await openApi();
  await t.json("POST", "/streams", 200, { body: { name: "s" } });
  const topic = await t.json("POST", "/streams/0/topics", 200, {
    body: TOPIC_BODY,
  }) as Json;
  assert.deepEqual(topic, {
    id: 0,
    created_at: topic.created_at,
    name: "orders",
    size: "0 B",
    message_expiry: NEVER,
    compression_algorithm: "none",
    max_topic_size: NEVER,
    replication_factor: 1,
    messages_count: 0,
    partitions_count: 2,
    partitions: [0, 1].map((id) => ({
      id,
      created_at: topic.partitions[id].created_at,
      segments_count: 1,
      current_offset: 0,
      size: "0 B",
      messages_count: 0,
    })),
  });
  const list = await t.json("GET", "/streams/s/topics", 200) as Json[];
  assert.equal(list.length, 1);
  assert.equal("partitions" in list[0], false);
  assert.equal(list[0].partitions_count, 2);
  assert.deepEqual(await t.json("GET", "/streams/s/topics/orders", 200), topic);
  assert.equal((await t.json("GET", "/streams/9/topics", 404) as Json).id, 404);
  assert.equal(
    (await t.json("POST", "/streams/9/topics", 404, {
      body: TOPIC_BODY,
    }) as Json).id,
    404,
  );
  assert.equal(
    (await t.json("GET", "/streams/0/topics/5", 404) as Json).id,
    404,
  );
  assert.deepEqual(
    await t.json("POST", "/streams/0/topics", 400, { body: TOPIC_BODY }),
    {
      id: 2013,
      code: "topic_name_already_exists",
      reason: "Topic with name: orders for stream with ID: 0 already exists.",
      field: "name",
    },
  );

  // The Web UI's edit form: max_topic_size 0 and a case-insensitive compression name.
  let res = await t.request("PUT", "/streams/0/topics/0", {
    body: {
      name: "orders2",
      compression_algorithm: "Gzip",
      message_expiry: 1000000,
      max_topic_size: 0,
    },
  });
  assert.equal(res.status, 204);
  const updated = await t.json("GET", "/streams/0/topics/0", 200) as Json;
  assert.equal(updated.name, "orders2");
  assert.equal(updated.compression_algorithm, "gzip");
  assert.equal(updated.message_expiry, 1000000);
  assert.equal(updated.max_topic_size, NEVER);

  res = await t.request("POST", "/streams/0/topics/0/partitions", {
    body: { partitions_count: 3 },
  });
  assert.equal(res.status, 201);
  assert.equal(await res.text(), "");
  assert.equal(
    (await t.json("GET", "/streams/0/topics/0", 200) as Json).partitions_count,
    5,
  );
  res = await t.request(
    "DELETE",
    "/streams/0/topics/0/partitions?partitions_count=4",
  );
  assert.equal(res.status, 204);
  assert.equal(
    (await t.json("GET", "/streams/0/topics/0", 200) as Json).partitions_count,
    1,
  );
  res = await t.request(
    "DELETE",
    "/streams/0/topics/0/partitions/0?segments_count=1",
  );
  assert.equal(res.status, 204);
  assert.deepEqual(
    await t.json(
      "DELETE",
      "/streams/0/topics/0/partitions/3?segments_count=1",
      404,
    ),
    {
      id: 3007,
      code: "partition_not_found",
      reason:
        "Partition with ID: 3 for topic with ID: 0 for stream with ID: 0 was not found.",
      field: "partition_id",
    },
  );
  res = await t.request("DELETE", "/streams/0/topics/0/purge");
  assert.equal(res.status, 204);
  res = await t.request("DELETE", "/streams/0/topics/0");
  assert.equal(res.status, 204);
  assert.deepEqual(await t.json("DELETE", "/streams/0/topics/0", 404), {
    id: 2010,
    code: "topic_id_not_found",
    reason: "Topic with ID: 0 for stream with ID: 0 was not found.",
    field: "topic_id",
  });
});

Deno.test("createHttpApp() consumer-group routes answer 201 with details and list by id", async () => {
  await using t = await openApi();
  await t.json("POST", "/streams", 200, { body: { name: "s" } });
  await t.json("POST", "/streams/0/topics", 200, { body: TOPIC_BODY });
  const base = "/streams/0/topics/0/consumer-groups";
  const group = await t.json("POST", base, 201, { body: { name: "g" } });
  const details = {
    id: 0,
    name: "g",
    partitions_count: 2,
    members_count: 0,
    members: [],
  };
  assert.deepEqual(group, details);
  assert.deepEqual(await t.json("GET", base, 200), [
    { id: 0, name: "g", partitions_count: 2, members_count: 0 },
  ]);
  assert.deepEqual(await t.json("GET", `${base}/g`, 200), details);
  assert.equal(
    (await t.json("POST", base, 400, { body: { name: "g" } }) as Json).id,
    5004,
  );
  const res = await t.request("DELETE", `${base}/0`);
  assert.equal(res.status, 204);
  assert.equal(
    (await t.json("GET", `${base}/0`, 404) as Json).code,
    "not_found",
  );
});

Deno.test("createHttpApp() user routes manage users, permissions and passwords", async () => {
  await using t = await openApi();
  const permissions = {
    global: {
      manage_servers: false,
      read_servers: false,
      manage_users: false,
      read_users: false,
      manage_streams: false,
      read_streams: true,
      manage_topics: false,
      read_topics: false,
      poll_messages: false,
      send_messages: false,
    },
    streams: {
      "5": {
        manage_stream: false,
        read_stream: true,
        manage_topics: false,
        read_topics: true,
        poll_messages: true,
        send_messages: false,
        topics: {
          "2": {
            manage_topic: false,
            read_topic: true,
            poll_messages: true,
            send_messages: true,
          },
        },
      },
    },
  };
  const user = await t.json("POST", "/users", 200, {
    body: {
      username: "alice",
      password: "secret",
      status: "active",
      permissions,
    },
  }) as Json;
  assert.deepEqual(user, {
    id: 1,
    created_at: user.created_at,
    status: "active",
    username: "alice",
    permissions,
  });
  assert.deepEqual(
    (await t.json("GET", "/users", 200) as Json[]).map((
      u,
    ) => [u.id, u.username, u.status, "permissions" in u]),
    [[0, "iggy", "active", false], [1, "alice", "active", false]],
  );
  assert.deepEqual(await t.json("GET", "/users/alice", 200), user);
  assert.deepEqual(await t.json("GET", "/users/42", 404), {
    id: 404,
    code: "not_found",
    reason: "Resource not found",
    field: null,
  });
  assert.deepEqual(
    await t.json("POST", "/users", 400, {
      body: { username: "alice", password: "xyz", status: "active" },
    }),
    {
      id: 46,
      code: "user_already_exists",
      reason: "User already exists",
      field: "username",
    },
  );
  assert.equal(
    (await t.request("POST", "/users", {
      body: { username: "bob", password: "xyz" },
    })).status,
    422,
  );

  // Alice: read_streams only.
  const login = await t.json("POST", "/users/login", 200, {
    body: { username: "alice", password: "secret" },
    token: null,
  }) as Json;
  const alice = login.access_token.token;
  assert.equal(login.user_id, 1);
  assert.equal(
    (await t.json("GET", "/users/1", 200, { token: alice }) as Json).username,
    "alice",
  );
  assert.deepEqual(await t.json("GET", "/users", 403, { token: alice }), {
    id: 41,
    code: "unauthorized",
    reason: "Unauthorized",
    field: null,
  });
  assert.equal(
    (await t.json("POST", "/streams", 403, {
      body: { name: "x" },
      token: alice,
    }) as Json).id,
    41,
  );
  assert.deepEqual(await t.json("GET", "/streams", 200, { token: alice }), []);

  let res = await t.request("PUT", "/users/1", {
    body: { username: "alice2", status: "inactive" },
  });
  assert.equal(res.status, 204);
  assert.deepEqual(
    await t.json("POST", "/users/login", 400, {
      body: { username: "alice2", password: "secret" },
      token: null,
    }),
    {
      id: 47,
      code: "user_inactive",
      reason: "User inactive",
      field: null,
    },
  );
  res = await t.request("PUT", "/users/1", { body: { status: "active" } });
  assert.equal(res.status, 204);
  res = await t.request("PUT", "/users/1/permissions", {
    body: { permissions: null },
  });
  assert.equal(res.status, 204);
  assert.equal(
    (await t.json("GET", "/users/1", 200) as Json).permissions,
    null,
  );
  assert.equal(
    (await t.json("PUT", "/users/0/permissions", 400, {
      body: { permissions: null },
    }) as Json).id,
    49,
  );
  res = await t.request("PUT", "/users/1/password", {
    body: { current_password: "secret", new_password: "better" },
  });
  assert.equal(res.status, 204);
  assert.equal(
    (await t.json("PUT", "/users/1/password", 400, {
      body: { current_password: "wrong", new_password: "better" },
    }) as Json).id,
    42,
  );
  await t.json("POST", "/users/login", 200, {
    body: { username: "alice2", password: "better" },
    token: null,
  });
  assert.equal((await t.json("DELETE", "/users/0", 400) as Json).id, 48);
  res = await t.request("DELETE", "/users/1");
  assert.equal(res.status, 204);
  assert.deepEqual(
    await t.json("POST", "/users/login", 400, {
      body: { username: "alice2", password: "better" },
      token: null,
    }),
    {
      id: 42,
      code: "invalid_credentials",
      reason: "Invalid credentials",
      field: null,
    },
  );
});

Deno.test("createHttpApp() personal-access-token routes create, list, log in and delete", async () => {
  await using t = await openApi();
  const { token } = await t.json("POST", "/personal-access-tokens", 200, {
    body: { name: "ci-token", expiry: 0 },
  }) as Json;
  assert.equal(typeof token, "string");
  await t.json("POST", "/personal-access-tokens", 200, {
    body: { name: "a-token", expiry: 3_600_000_000 },
  });
  const list = await t.json("GET", "/personal-access-tokens", 200) as Json[];
  assert.deepEqual(list.map((p) => p.name), ["a-token", "ci-token"]);
  assert.equal(typeof list[0].expiry_at, "number");
  assert.equal(list[1].expiry_at, null);
  assert.equal(
    (await t.json("POST", "/personal-access-tokens", 400, {
      body: { name: "ci-token", expiry: 0 },
    }) as Json).field,
    "name",
  );
  const login = await t.json("POST", "/personal-access-tokens/login", 200, {
    body: { token },
    token: null,
  }) as Json;
  assert.equal(login.user_id, 0);
  assert.equal(
    (await t.json("GET", "/streams", 200, {
      token: login.access_token.token,
    }) as Json[]).length,
    0,
  );
  const unknown = await t.json("POST", "/personal-access-tokens/login", 404, {
    body: { token: "nope" },
    token: null,
  }) as Json;
  assert.deepEqual([unknown.id, unknown.code, unknown.field], [
    20,
    "resource_not_found",
    null,
  ]);
  const res = await t.request("DELETE", "/personal-access-tokens/ci-token");
  assert.equal(res.status, 204);
  assert.equal(
    (await t.json("POST", "/personal-access-tokens/login", 404, {
      body: { token },
      token: null,
    }) as Json).id,
    20,
  );
});

Deno.test("createHttpApp() /stats, /cluster/metadata, /clients and /snapshot", async () => {
  await using t = await openApi();
  const stats = await t.json("GET", "/stats", 200) as Json;
  assert.equal(stats.process_id, Deno.pid);
  assert.equal(typeof stats.cpu_usage, "number");
  assert.match(stats.memory_usage, /^\d+(\.\d+)? (B|KiB|KB|MiB|MB|GiB|GB)$/);
  assert.equal(stats.iggy_server_version, "0.8.0");
  assert.equal(stats.iggy_server_semver, 8000);
  assert.deepEqual(stats.cache_metrics, {});
  assert.equal(stats.streams_count, 0);
  t.system.listeners.tcp = { hostname: "127.0.0.1", port: 8090 };
  t.system.listeners.http = { hostname: "127.0.0.1", port: 3000 };
  assert.deepEqual(await t.json("GET", "/cluster/metadata", 200), {
    name: "single-node",
    nodes: [{
      name: "iggy-node",
      ip: "127.0.0.1",
      endpoints: { tcp: 8090, quic: 0, http: 3000, websocket: 0 },
      role: "leader",
      status: "healthy",
    }],
  });
  assert.deepEqual(await t.json("GET", "/clients", 200), []);
  assert.equal((await t.json("GET", "/clients/12", 404) as Json).id, 404);
  assert.equal((await t.request("GET", "/clients/abc")).status, 400);
  assert.equal(
    (await t.json("POST", "/snapshot", 400, {
      body: { compression: "Deflated", snapshot_types: ["All", "Test"] },
    }) as Json).id,
    3,
  );
  assert.equal(
    (await t.request("POST", "/snapshot", {
      body: { compression: "Nope", snapshot_types: [] },
    })).status,
    422,
  );
  const zip = await t.request("POST", "/snapshot", {
    body: { compression: "Stored", snapshot_types: ["Test"] },
  });
  assert.equal(zip.status, 200);
  assert.equal(zip.headers.get("content-type"), "application/zip");
  assert.match(
    zip.headers.get("content-disposition") ?? "",
    /^attachment; filename="iggy_snapshot_\d{8}_\d{6}\.zip"$/,
  );
  const files = unzipSync(new Uint8Array(await zip.arrayBuffer()));
  assert.deepEqual(Object.keys(files), ["test.txt"]);
  assert.equal(
    (await t.json("POST", "/snapshot", 400, {
      body: { compression: "Zstd", snapshot_types: ["Test"] },
    }) as Json).id,
    5,
  );
});
