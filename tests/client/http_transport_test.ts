import assert from "node:assert/strict";
import {
  ConnectionError,
  ErrorCode,
  HttpTransport,
  IggyClient,
  IggyError,
  parseConnectionString,
  TimeoutError,
} from "../../mod.ts";
import { httpError } from "../../client/http_transport.ts";
import { topicDetailsToJson } from "../../client/protocol/http_json/mod.ts";
import {
  CommandCode,
  decodeStreams,
  encodeSendMessages,
} from "../../client/protocol/mod.ts";
import { stringifyJson } from "../../client/_http_json.ts";

Deno.test("httpError() takes the Iggy code and reason of a JSON error body", () => {
  const err = httpError(
    404,
    '{"id":1009,"code":"stream_id_not_found","reason":"Stream with ID: 7 was not found.","field":"stream_id"}',
  );
  assert.equal(err.code, ErrorCode.StreamIdNotFound);
  assert.match(err.message, /Stream with ID: 7 was not found\./);
  assert.equal(
    httpError(
      400,
      '{"id":42,"code":"invalid_credentials","reason":"Invalid credentials","field":null}',
    ).code,
    ErrorCode.InvalidCredentials,
  );
  assert.equal(
    httpError(
      403,
      '{"id":41,"code":"unauthorized","reason":"Unauthorized","field":null}',
    ).code,
    41,
  );
});

Deno.test("httpError() maps framework rejections by status", () => {
  assert.equal(httpError(401, "").code, ErrorCode.Unauthenticated);
  assert.equal(httpError(403, "").code, ErrorCode.Unauthorized);
  assert.equal(httpError(404, "").code, ErrorCode.ResourceNotFound);
  assert.equal(
    httpError(
      404,
      '{"id":404,"code":"not_found","reason":"Resource not found","field":null}',
    ).code,
    ErrorCode.ResourceNotFound,
  );
  const rejected = httpError(
    422,
    "Failed to deserialize the JSON body into the target type: payload",
  );
  assert.equal(rejected.code, ErrorCode.HttpResponseError);
  assert.match(rejected.message, /status 422, body: Failed to deserialize/);
  assert.equal(httpError(500, "{not json").code, ErrorCode.HttpResponseError);
  assert.equal(httpError(400, '{"id":3}').code, ErrorCode.HttpResponseError);
});

Deno.test("parseConnectionString() reads http:// and https:// as the HTTP transport", () => {
  assert.deepEqual(parseConnectionString("http://iggy:secret@localhost:3001"), {
    transport: "http",
    hostname: "localhost",
    port: 3001,
    username: "iggy",
    password: "secret",
  });
  assert.deepEqual(parseConnectionString("https://example.com"), {
    transport: "http",
    hostname: "example.com",
    port: 3000,
    tls: {},
  });
  assert.equal(parseConnectionString("http://127.0.0.1:80").port, 80);
  assert.equal(parseConnectionString("https://u:p@h:443").port, 443);
});

interface Seen {
  method: string;
  path: string;
  authorization: string | null;
  body: string;
}

/** A stub REST server: `routes` answers by "METHOD /path"; every request is recorded. */
function stub(
  routes: Record<string, (body: string) => Response | Promise<Response>>,
) {
  const seen: Seen[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (request) => {
      const url = new URL(request.url);
      const body = await request.text();
      seen.push({
        method: request.method,
        path: url.pathname + url.search,
        authorization: request.headers.get("authorization"),
        body,
      });
      const route = routes[`${request.method} ${url.pathname}`];
      return route ? route(body) : new Response(null, { status: 404 });
    },
  );
  return { server, seen, url: `http://127.0.0.1:${server.addr.port}` };
}

function json(value: string, status = 200): Response {
  return new Response(value, {
    status,
    headers: { "content-type": "application/json" },
  });
}

function identity(token: string, expiry: number): Response {
  return json(
    `{"user_id":0,"access_token":{"token":"${token}","expiry":${expiry}}}`,
  );
}

const LATER = Math.floor(Date.now() / 1000) + 3600;

Deno.test("HttpTransport stores the login JWT, sends it as Bearer and drops it on logout", async () => {
  const { server, seen, url } = stub({
    "GET /ping": () => new Response("pong"),
    "POST /users/login": () => identity("jwt-1", LATER),
    "GET /streams": () => json("[]"),
    "DELETE /users/logout": () => new Response(null, { status: 204 }),
  });
  await using _ = server;
  await using client = new IggyClient(await HttpTransport.connect({ url }));
  assert.equal((await client.login("iggy", "iggy")).userId, 0);
  await client.getStreams();
  await client.logout();
  await client.ping();
  assert.deepEqual(
    seen.map((s) => [s.method, s.path, s.authorization]),
    [
      ["GET", "/ping", null],
      ["POST", "/users/login", null],
      ["GET", "/streams", "Bearer jwt-1"],
      ["DELETE", "/users/logout", "Bearer jwt-1"],
      ["GET", "/ping", null],
    ],
  );
  const login = JSON.parse(seen[1]!.body);
  assert.equal(login.username, "iggy");
  assert.equal(login.password, "iggy");
});

Deno.test("HttpTransport refreshes a JWT about to expire before the next request", async () => {
  const soon = Math.floor(Date.now() / 1000) + 10;
  const { server, seen, url } = stub({
    "POST /users/login": () => identity("old", soon),
    "POST /users/refresh-token": () => identity("new", LATER),
    "GET /streams": () => json("[]"),
  });
  await using _ = server;
  await using client = new IggyClient(new HttpTransport({ url }));
  await client.login("iggy", "iggy");
  await Promise.all([client.getStreams(), client.getStreams()]);
  assert.deepEqual(
    seen.map((s) => [s.path, s.authorization]),
    [
      ["/users/login", null],
      ["/users/refresh-token", null],
      ["/streams", "Bearer new"],
      ["/streams", "Bearer new"],
    ],
  );
  assert.deepEqual(JSON.parse(seen[1]!.body), { token: "old" });
});

Deno.test("HttpTransport answers 404 as not found: empty on a Get-one, the route's code on create", async () => {
  const { server, url } = stub({
    "GET /streams/7": () =>
      json(
        '{"id":404,"code":"not_found","reason":"Resource not found","field":null}',
        404,
      ),
    "POST /streams/nope/topics": () => new Response(null, { status: 404 }),
    "DELETE /streams/7": () =>
      json(
        '{"id":1009,"code":"stream_id_not_found","reason":"Stream with ID: 7 was not found.","field":"stream_id"}',
        404,
      ),
  });
  await using _ = server;
  await using client = new IggyClient(new HttpTransport({ url }));
  assert.equal(await client.getStream(7), undefined);
  assert.deepEqual(await client.getTopics("nope"), []);
  await assert.rejects(client.createTopic("nope", "t"), (err: unknown) => {
    assert.ok(err instanceof IggyError);
    assert.equal(err.code, ErrorCode.StreamIdNotFound);
    return true;
  });
  await assert.rejects(client.deleteStream(7), (err: unknown) => {
    assert.ok(err instanceof IggyError);
    assert.equal(err.code, ErrorCode.StreamIdNotFound);
    return true;
  });
});

Deno.test("HttpTransport rejects commands HTTP cannot express with 5, without a request", async () => {
  const { server, seen, url } = stub({});
  await using _ = server;
  await using client = new IggyClient(new HttpTransport({ url }));
  const ref = { streamId: 1, topicId: 1, groupId: 1 };
  for (
    const attempt of [
      client.joinConsumerGroup(ref),
      client.leaveConsumerGroup(ref),
      client.getMe(),
    ]
  ) {
    await assert.rejects(attempt, (err: unknown) => {
      assert.ok(err instanceof IggyError);
      assert.equal(err.code, ErrorCode.FeatureUnavailable);
      return true;
    });
  }
  assert.deepEqual(seen, []);
});

Deno.test("HttpTransport sends one request at a time unless concurrent", async () => {
  let active = 0;
  let most = 0;
  let arrived = 0;
  const { promise: allArrived, resolve } = Promise.withResolvers<void>();
  const { server, url } = stub({
    // Ordered: each answer waits 20 ms, so requests sent in parallel would overlap here.
    "GET /ping": async () => {
      active++;
      most = Math.max(most, active);
      await new Promise((done) => setTimeout(done, 20));
      active--;
      return new Response("pong");
    },
    // Concurrent: no answer until all five requests have arrived.
    "GET /stats": async () => {
      if (++arrived === 5) resolve();
      await allArrived;
      return json("{}");
    },
  });
  await using _ = server;
  const ordered = new HttpTransport({ url });
  await Promise.all(
    Array.from({ length: 5 }, () => ordered.request(1, new Uint8Array())),
  );
  assert.equal(most, 1);
  const concurrent = new HttpTransport({ url, concurrent: true });
  const answers = await Promise.allSettled(
    Array.from({ length: 5 }, () => concurrent.request(10, new Uint8Array())),
  );
  assert.equal(arrived, 5);
  // "{}" is not a Stats object: each rejects with 302 once all were answered together.
  for (const answer of answers) assert.equal(answer.status, "rejected");
  await ordered.close();
  await concurrent.close();
});

Deno.test("HttpTransport times out with TimeoutError and close() fails requests with ConnectionError", async () => {
  const { promise: release, resolve } = Promise.withResolvers<void>();
  const { server, url } = stub({
    "GET /ping": async () => {
      await release;
      return new Response("pong");
    },
  });
  await using _ = server;
  const timed = new HttpTransport({ url, timeout: 50 });
  await assert.rejects(timed.request(1, new Uint8Array()), TimeoutError);
  await timed.close();

  const transport = new HttpTransport({ url });
  const pending = transport.request(1, new Uint8Array());
  const closing = transport.close();
  await assert.rejects(pending, ConnectionError);
  await closing;
  assert.equal(transport.closed, true);
  await assert.rejects(transport.request(1, new Uint8Array()), ConnectionError);
  resolve();
});

Deno.test("HttpTransport reads an empty poll's position from the answer's headers, else from the topic", async () => {
  const zeroed =
    '{"partition_id":0,"current_offset":0,"count":0,"messages":[]}';
  let withHeaders = true;
  const topic = stringifyJson(topicDetailsToJson({
    id: 1,
    createdAt: 1n,
    name: "t",
    partitionsCount: 1,
    messageExpiry: 0n,
    compressionAlgorithm: 1,
    maxTopicSize: 0n,
    replicationFactor: 1,
    sizeBytes: 0n,
    messagesCount: 42n,
    partitions: [{
      id: 2,
      createdAt: 1n,
      segmentsCount: 1,
      currentOffset: 41n,
      sizeBytes: 0n,
      messagesCount: 42n,
    }],
  }));
  const { server, seen, url } = stub({
    "GET /streams/s/topics/t/messages": () =>
      new Response(zeroed, {
        headers: withHeaders
          ? {
            "content-type": "application/json",
            "iggy-partition-id": "2",
            "iggy-current-offset": "41",
          }
          : { "content-type": "application/json" },
      }),
    "GET /streams/s/topics/t": () => json(topic),
  });
  await using _ = server;
  await using client = new IggyClient(new HttpTransport({ url }));
  const poll = () =>
    client.pollMessages({ streamId: "s", topicId: "t", partitionId: 2 });
  assert.deepEqual(await poll(), {
    partitionId: 2,
    currentOffset: 41n,
    messages: [],
  });
  assert.equal(seen.length, 1, "no second request");
  withHeaders = false;
  assert.deepEqual(await poll(), {
    partitionId: 2,
    currentOffset: 41n,
    messages: [],
  });
  assert.deepEqual(seen.slice(1).map((s) => s.path.split("?")[0]), [
    "/streams/s/topics/t/messages",
    "/streams/s/topics/t",
  ]);
});

Deno.test("HttpTransport.request() still carries binary commands: decoded to typed, answered in binary", async () => {
  const { server, seen, url } = stub({
    "POST /streams/s/topics/t/messages": () =>
      new Response(null, { status: 201 }),
    "GET /streams": () =>
      json(stringifyJson([{
        id: 1,
        created_at: 2,
        name: "s",
        size: "1 KiB",
        messages_count: 3,
        topics_count: 1,
      }])),
  });
  await using _ = server;
  const transport = new HttpTransport({ url });
  try {
    const sent = await transport.request(
      CommandCode.SendMessages,
      encodeSendMessages({
        streamId: "s",
        topicId: "t",
        partitioning: { kind: "balanced" },
        messages: [{ id: 5n, payload: new TextEncoder().encode("hi") }],
      }),
    );
    assert.equal(sent.length, 0);
    assert.deepEqual(JSON.parse(seen[0]!.body), {
      partitioning: { kind: "balanced", value: "" },
      messages: [{ payload: "aGk=", id: "5" }],
    });
    const streams = decodeStreams(
      await transport.request(CommandCode.GetStreams, new Uint8Array()),
    );
    assert.deepEqual(streams.map((s) => [s.name, s.sizeBytes]), [["s", 1024n]]);
  } finally {
    await transport.close();
  }
});
