import assert from "node:assert/strict";
import {
  Consumer,
  IggyClient,
  Partitioning,
  PollingStrategy,
} from "../../mod.ts";
import { startServer, type TestServer } from "../_server.ts";

async function scrape(server: TestServer): Promise<string> {
  const response = await fetch(
    `http://${server.http!.hostname}:${server.http!.port}/metrics`,
  );
  assert.equal(response.status, 200);
  return await response.text();
}

/** The value of the sample `name{labels}` (labels written exactly as exposed), or NaN. */
function sample(text: string, name: string, labels = ""): number {
  const escaped = `${name}${labels}`.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const match = new RegExp(`^${escaped} (\\S+)$`, "m").exec(text);
  return match === null ? NaN : Number(match[1]);
}

Deno.test("/metrics exposes end offsets, consumer-group lag and command latency after sends, polls and a commit", async () => {
  await using server = await startServer();
  await using client = await IggyClient.connect({
    ...server.tcp,
    username: "iggy",
    password: "iggy",
  });
  await client.createStream("shop");
  await client.createTopic("shop", "orders", { partitionsCount: 2 });
  const topic = { streamId: "shop", topicId: "orders" };
  const batch = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ payload: `order ${i}` }));
  // Partition 0 gets 10 messages (offsets 0-9) in two sends, partition 1 gets 4 (0-3).
  for (const [partition, count] of [[0, 6], [0, 4], [1, 4]] as const) {
    await client.sendMessages({
      ...topic,
      partitioning: Partitioning.partitionId(partition),
      messages: batch(count),
    });
  }
  await client.createConsumerGroup({ ...topic, name: "billing" });
  await client.joinConsumerGroup({ ...topic, groupId: "billing" });
  // The group consumes 3 messages of partition 0 and commits offset 2.
  const polled = await client.pollMessages({
    ...topic,
    partitionId: 0,
    consumer: Consumer.group("billing"),
    strategy: PollingStrategy.first(),
    count: 3,
    autoCommit: false,
  });
  assert.equal(polled.messages.length, 3);
  await client.storeConsumerOffset({
    ...topic,
    partitionId: 0,
    consumer: Consumer.group("billing"),
    offset: 2n,
  });

  const text = await scrape(server);
  const p0 = '{stream="shop",topic="orders",partition="0"}';
  const p1 = '{stream="shop",topic="orders",partition="1"}';
  assert.equal(sample(text, "partition_end_offset", p0), 9);
  assert.equal(sample(text, "partition_end_offset", p1), 3);
  const g0 =
    '{stream="shop",topic="orders",consumer_group="billing",partition="0"}';
  const g1 =
    '{stream="shop",topic="orders",consumer_group="billing",partition="1"}';
  assert.equal(sample(text, "consumer_group_committed_offset", g0), 2);
  // lag = end offset - committed offset
  assert.equal(sample(text, "consumer_group_lag", g0), 9 - 2);
  // Nothing committed on partition 1: every retained message is behind.
  assert.ok(Number.isNaN(sample(text, "consumer_group_committed_offset", g1)));
  assert.equal(sample(text, "consumer_group_lag", g1), 4);
  assert.equal(
    sample(
      text,
      "consumer_group_members",
      '{stream="shop",topic="orders",consumer_group="billing"}',
    ),
    1,
  );

  // Three sends, one poll, one store: one observation each, bucket counts cumulative to +Inf.
  const send = '{command="message.send"}';
  assert.equal(sample(text, "request_duration_seconds_count", send), 3);
  assert.equal(
    sample(
      text,
      "request_duration_seconds_bucket",
      '{command="message.send",le="+Inf"}',
    ),
    3,
  );
  assert.ok(sample(text, "request_duration_seconds_sum", send) > 0);
  assert.equal(
    sample(text, "request_duration_seconds_count", '{command="message.poll"}'),
    1,
  );
  assert.equal(
    sample(
      text,
      "request_duration_seconds_count",
      '{command="consumer_offset.store"}',
    ),
    1,
  );
  assert.equal(sample(text, "messages_sent_total"), 14);
  assert.equal(sample(text, "messages_polled_total"), 3);

  // Process metrics, with units in their names.
  assert.ok(sample(text, "process_cpu_seconds_total") > 0);
  assert.ok(sample(text, "process_resident_memory_bytes") > 1024 * 1024);
  assert.ok(sample(text, "process_open_fds") > 0);
  assert.ok(sample(text, "process_event_loop_lag_seconds") >= 0);
  assert.ok(
    sample(text, "process_start_time_seconds") <= Date.now() / 1000,
  );
  // Gauges are no longer described as counts of a total.
  assert.match(text, /^# HELP streams Number of streams\.$/m);
  assert.doesNotMatch(text, /# HELP (?!http_requests)\S+ total count of/);
  assert.match(text, /# EOF\n$/);

  // Every series the Grafana dashboard queries is a family of this exposition.
  const dashboard = await Deno.readTextFile(
    new URL("../../deploy/grafana/iggy-dashboard.json", import.meta.url),
  );
  const queried = new Set(
    [...dashboard.matchAll(/([a-z_]+)\{instance=~/g)].map(([, name]) =>
      name!.replace(/_(bucket|count|sum|total)$/, "")
    ),
  );
  assert.ok(queried.size >= 15, [...queried].join(", "));
  for (const family of queried) {
    assert.match(text, new RegExp(`^# TYPE ${family} `, "m"), family);
  }
});

Deno.test("/metrics has an HTTP latency histogram per route pattern", async () => {
  await using server = await startServer();
  const base = `http://${server.http!.hostname}:${server.http!.port}`;
  for (let i = 0; i < 3; i++) await (await fetch(`${base}/ping`)).text();
  await (await fetch(`${base}/streams/1`)).text(); // 401: still one observation
  const text = await scrape(server);
  assert.equal(
    sample(
      text,
      "http_request_duration_seconds_count",
      '{method="GET",route="/ping"}',
    ),
    3,
  );
  assert.match(
    text,
    /^http_request_duration_seconds_count\{method="GET",route="\/streams\/:stream_id"\} 1$/m,
  );
});
