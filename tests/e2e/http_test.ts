import assert from "node:assert/strict";
import {
  ConnectionError,
  ErrorCode,
  HttpTransport,
  IggyClient,
  IggyError,
} from "../../mod.ts";
import { startServer } from "../_server.ts";
import { clientSuite } from "./_client_suite.ts";

// HTTP requests are not sessions: the suite checks FeatureUnavailable instead of consumer-group
// membership, group polls and getMe(), and an empty client list (http.md §5, §6.8).
clientSuite("http", (server) =>
  IggyClient.connect({
    transport: "http",
    ...server.http!,
    username: "iggy",
    password: "iggy",
  }), { sessionless: true });

Deno.test("IggyClient over http connects with an http:// connection string", async () => {
  await using server = await startServer();
  const { hostname, port } = server.http!;
  await using client = await IggyClient.connect(
    `http://iggy:iggy@${hostname}:${port}`,
  );
  assert.ok(Array.isArray(await client.getStreams()));
});

Deno.test("IggyClient over http: logout() ends the session, later requests get 40", async () => {
  await using server = await startServer();
  const { hostname, port } = server.http!;
  await using client = await IggyClient.connect(
    `http://iggy:iggy@${hostname}:${port}`,
  );
  await client.logout();
  await assert.rejects(client.getStreams(), (err: unknown) => {
    assert.ok(err instanceof IggyError);
    assert.equal(err.code, ErrorCode.Unauthenticated);
    return true;
  });
});

Deno.test("IggyClient over http keeps u64 and u128 values exact", async () => {
  await using server = await startServer();
  await using client = await IggyClient.connect({
    transport: "http",
    ...server.http!,
    username: "iggy",
    password: "iggy",
  });
  await client.createStream("exact");
  const topic = await client.createTopic("exact", "t", {
    messageExpiry: 2n ** 64n - 2n,
  });
  assert.equal(topic.messageExpiry, 2n ** 64n - 2n);
  const id = 2n ** 128n - 3n;
  await client.sendMessages({
    streamId: "exact",
    topicId: "t",
    messages: [{ id, payload: "x" }],
  });
  const polled = await client.pollMessages({
    streamId: "exact",
    topicId: "t",
    partitionId: 0,
  });
  assert.equal(polled.messages[0]?.id, id);
  await client.storeConsumerOffset({
    streamId: "exact",
    topicId: "t",
    offset: 0n,
  });
  assert.equal(
    (await client.getConsumerOffset({ streamId: "exact", topicId: "t" }))
      ?.storedOffset,
    0n,
  );
});

Deno.test("HttpTransport.connect() fails with ConnectionError when nothing listens", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  listener.close();
  await assert.rejects(
    HttpTransport.connect({ hostname: "127.0.0.1", port }),
    ConnectionError,
  );
});
