import assert from "node:assert/strict";
import {
  type IggyClient,
  IggyConsumer,
  Partitioning,
  type RebalanceEvent,
} from "../../mod.ts";
import { connectRoot, startServer } from "../_server.ts";
import { waitFor } from "../_assert.ts";

const TOPIC = { streamId: "s", topicId: "t" };

async function declare(client: IggyClient, partitions: number): Promise<void> {
  await client.ensureStream("s");
  await client.ensureTopic({
    streamId: "s",
    name: "t",
    partitionsCount: partitions,
  });
}

/** Sends `count` messages `p<partition>-<i>` to one partition. */
async function fill(
  client: IggyClient,
  partitionId: number,
  count: number,
): Promise<void> {
  await client.sendMessages({
    ...TOPIC,
    partitioning: Partitioning.partitionId(partitionId),
    messages: Array.from(
      { length: count },
      (_, i) => ({ payload: `p${partitionId}-${i}` }),
    ),
  });
}

/** Iterates `consumer` in the background into `into`, until it closes. */
function drain(consumer: IggyConsumer, into: string[]): Promise<void> {
  return (async () => {
    for await (const m of consumer) into.push(m.text());
  })();
}

Deno.test("IggyConsumer onRebalance reports the partitions on join, when another member joins and leaves, and on close", async () => {
  await using server = await startServer();
  await using admin = await connectRoot(server);
  await declare(admin, 4);
  const eventsA: RebalanceEvent[] = [];
  const eventsB: RebalanceEvent[] = [];
  const options = {
    ...TOPIC,
    group: "g",
    createGroup: true,
    pollIntervalMs: 20,
    rebalanceCheckMs: 50,
  };
  await using clientA = await connectRoot(server);
  const a = new IggyConsumer(clientA, {
    ...options,
    onRebalance: (e) => void eventsA.push(e),
  });
  const received: string[] = [];
  const loopA = drain(a, received);
  await waitFor("A's first assignment", () => eventsA.length === 1);
  assert.deepEqual(eventsA[0], {
    partitions: [0, 1, 2, 3],
    assigned: [0, 1, 2, 3],
    revoked: [],
  });
  assert.deepEqual(a.partitions, [0, 1, 2, 3]);

  const logB: string[] = [];
  const quiet = () => {};
  await using clientB = await connectRoot(server, {
    logger: {
      debug: quiet,
      info: (m) => logB.push(m),
      warn: quiet,
      error: quiet,
    },
  });
  const b = new IggyConsumer(clientB, {
    ...options,
    onRebalance: (e) => void eventsB.push(e),
  });
  await b.init();
  assert.equal(eventsB.length, 1);
  const bPartitions = eventsB[0]!.partitions;
  assert.equal(bPartitions.length, 2);
  // The client's logger hears of it too.
  assert.ok(
    logB.includes(
      `Iggy consumer: group "g" reads partitions ${bPartitions.join(", ")} ` +
        `(gained ${bPartitions.join(", ")}, lost none)`,
    ),
    logB.join("\n"),
  );
  await waitFor("A's partitions shrink", () => eventsA.length === 2);
  assert.deepEqual(eventsA[1]!.revoked, bPartitions);
  assert.deepEqual(eventsA[1]!.assigned, []);
  assert.deepEqual(
    [...eventsA[1]!.partitions, ...bPartitions].sort(),
    [0, 1, 2, 3],
  );

  await b.close();
  assert.deepEqual(eventsB.at(-1), {
    partitions: [],
    assigned: [],
    revoked: bPartitions,
  });
  await waitFor("A gets every partition back", () => eventsA.length === 3);
  assert.deepEqual(eventsA[2]!.assigned, bPartitions);
  assert.deepEqual(eventsA[2]!.partitions, [0, 1, 2, 3]);

  // A reads every partition again: a message sent to B's old partition reaches A.
  await fill(admin, bPartitions[0]!, 1);
  await waitFor("A reads B's old partition", () => received.length === 1);
  await a.close();
  await loopA;
  assert.deepEqual(eventsA.at(-1)!.revoked, [0, 1, 2, 3]);
});

Deno.test("IggyConsumer onRebalance for a single consumer reports its partitions once", async () => {
  await using server = await startServer();
  await using client = await connectRoot(server);
  await declare(client, 3);
  const events: RebalanceEvent[] = [];
  const consumer = new IggyConsumer(client, {
    ...TOPIC,
    onRebalance: (e) => void events.push(e),
  });
  await consumer.init();
  assert.deepEqual(events, [{
    partitions: [0, 1, 2],
    assigned: [0, 1, 2],
    revoked: [],
  }]);
  await consumer.close();
  assert.equal(events.length, 2);
});

Deno.test("IggyConsumer pause() holds a partition's messages until resume(), without losing any", async () => {
  await using server = await startServer();
  await using client = await connectRoot(server);
  await declare(client, 2);
  await fill(client, 0, 5);
  await fill(client, 1, 5);
  const seen: string[] = [];
  const consumer = new IggyConsumer(client, {
    ...TOPIC,
    batchLength: 10,
    pollIntervalMs: 10,
    autoCommit: "disabled",
  });
  for await (const m of consumer) {
    seen.push(m.text());
    if (seen.length === 1) {
      // The rest of partition 0's batch is dropped now and polled again on resume.
      consumer.pause([m.partitionId]);
      assert.deepEqual(consumer.paused(), [m.partitionId]);
    }
    if (seen.length === 6) {
      assert.ok(
        seen.slice(1).every((text) => !text.startsWith(seen[0]!.slice(0, 2))),
        `only the other partition while paused: ${seen}`,
      );
      consumer.resume();
    }
    if (seen.length === 10) break;
  }
  assert.deepEqual(
    [...seen].sort(),
    [0, 1].flatMap((p) => [0, 1, 2, 3, 4].map((i) => `p${p}-${i}`)).sort(),
  );
});

Deno.test("IggyConsumer with every partition paused waits, and resume() wakes it", async () => {
  await using server = await startServer();
  await using client = await connectRoot(server);
  await declare(client, 1);
  const consumer = new IggyConsumer(client, { ...TOPIC, pollIntervalMs: 10 });
  await consumer.init();
  consumer.pause();
  const seen: string[] = [];
  const loop = drain(consumer, seen);
  await fill(client, 0, 3);
  // Several poll intervals pass with the partition paused: nothing is delivered.
  const lag = await consumer.lag();
  assert.deepEqual(lag, [{
    partitionId: 0,
    currentOffset: 2n,
    offset: undefined,
    lag: 3n,
  }]);
  assert.deepEqual(seen, []);
  consumer.resume();
  await waitFor("messages after resume", () => seen.length === 3);
  await consumer.close();
  await loop;
});

Deno.test("IggyConsumer seek() to an offset, first, last and a timestamp while iterating", async () => {
  await using server = await startServer();
  await using client = await connectRoot(server);
  await declare(client, 1);
  // One send per message, so that each gets its own server timestamp.
  for (let i = 0; i < 10; i++) await fill(client, 0, 1);
  const offsets: bigint[] = [];
  const consumer = new IggyConsumer(client, {
    ...TOPIC,
    batchLength: 4,
    pollIntervalMs: 10,
  });
  const timestamps = new Map<bigint, bigint>();
  let timestampOf3 = 0n;
  for await (const m of consumer) {
    offsets.push(m.offset);
    timestamps.set(m.offset, m.timestamp);
    if (m.offset === 3n) timestampOf3 = m.timestamp;
    const step = offsets.length;
    if (step === 2) consumer.seek(0, { offset: 7n }); // 0, 1, then 7
    if (step === 4) consumer.seek(0, "first"); // 7, 8, then 0
    if (step === 8) consumer.seek(0, "last"); // 0..3, then 9
    if (step === 9) consumer.seek(0, { timestamp: timestampOf3 }); // 9, then 3
    if (step === 10) break;
  }
  // The server stamps in whole milliseconds, so a message sent in the same millisecond as 3 has
  // its timestamp: the seek lands on the first message stamped at or after 3's.
  const atTimestamp = [0n, 1n, 2n, 3n].find((o) =>
    timestamps.get(o)! >= timestampOf3
  );
  assert.deepEqual(offsets, [0n, 1n, 7n, 8n, 0n, 1n, 2n, 3n, 9n, atTimestamp]);
  assert.throws(
    () => consumer.seek(5, "first"),
    (err: unknown) =>
      err instanceof RangeError && /partition 5/.test(err.message),
  );
});

Deno.test("IggyConsumer group member seeks its partitions after init(), before iterating (as the README shows)", async () => {
  await using server = await startServer();
  await using client = await connectRoot(server);
  await declare(client, 2);
  await fill(client, 0, 5);
  await fill(client, 1, 5);
  const consumer = new IggyConsumer(client, {
    ...TOPIC,
    group: "replay",
    createGroup: true,
    pollIntervalMs: 10,
  });
  await consumer.init();
  assert.deepEqual(consumer.partitions, [0, 1]);
  for (const id of consumer.partitions) consumer.seek(id, { offset: 3n });
  const seen: string[] = [];
  for await (const m of consumer) {
    seen.push(m.text());
    if (seen.length === 4) break;
  }
  assert.deepEqual(seen.sort(), ["p0-3", "p0-4", "p1-3", "p1-4"]);
});

Deno.test("IggyConsumer lag() counts the messages after the last delivered or stored offset", async () => {
  await using server = await startServer();
  await using client = await connectRoot(server);
  await declare(client, 2);
  await fill(client, 0, 10);
  await fill(client, 1, 4);
  await client.storeConsumerOffset({ ...TOPIC, partitionId: 1, offset: 1n });
  const consumer = new IggyConsumer(client, {
    ...TOPIC,
    partitionId: 0,
    batchLength: 3,
  });
  assert.deepEqual(await consumer.lag(), [{
    partitionId: 0,
    currentOffset: 9n,
    offset: undefined,
    lag: 10n,
  }]);
  for await (const m of consumer) if (m.offset === 5n) break;
  const other = new IggyConsumer(client, { ...TOPIC, partitionId: 1 });
  assert.deepEqual(await other.lag(), [{
    partitionId: 1,
    currentOffset: 3n,
    offset: 1n,
    lag: 2n,
  }]);
  await other.close();
  // After the loop, the stored offset (5) counts.
  const again = new IggyConsumer(client, { ...TOPIC, partitionId: 0 });
  assert.deepEqual((await again.lag())[0]!.lag, 4n);
  await again.close();
});

Deno.test("IggyConsumer on a connection that is already a group member finds its partitions by probing", async () => {
  await using server = await startServer();
  await using admin = await connectRoot(server);
  await declare(admin, 4);
  const ref = { ...TOPIC, groupId: "g" };
  await admin.createConsumerGroup({ ...TOPIC, name: "g" });
  await using x = await connectRoot(server);
  await using y = await connectRoot(server);
  await x.joinConsumerGroup(ref);
  await y.joinConsumerGroup(ref);
  const members = (await admin.getConsumerGroup(ref))!.members;
  const events: RebalanceEvent[] = [];
  // Joining again is a no-op for the server: no new member id shows which one is x.
  const consumer = new IggyConsumer(x, {
    ...TOPIC,
    group: "g",
    onRebalance: (e) => void events.push(e),
  });
  await consumer.init();
  assert.deepEqual(consumer.partitions, members[0]!.partitions);
  assert.deepEqual(events[0]!.partitions, [0, 2]);
  await consumer.close();
});
