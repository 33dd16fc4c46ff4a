/**
 * Consumer groups, in process through the command table (binary.md §4.7, §7): membership and
 * rebalancing, group polls and offsets, deletion and restarts.
 */
import assert from "node:assert/strict";
import {
  Consumer,
  ErrorCode,
  type IggyClient,
  IggyError,
  Partitioning,
  PollingStrategy,
} from "../../../mod.ts";
import { waitFor } from "../../_assert.ts";
import { type HandlerSystem, openHandlerSystem } from "./_handlers.ts";

const S = "groups";
const T = "events";
const TOPIC = { streamId: S, topicId: T };
const GROUP = { ...TOPIC, groupId: "g" };

function connectRoot(server: HandlerSystem): Promise<IggyClient> {
  return server.connect({ username: "iggy", password: "iggy" });
}

async function setUp(client: IggyClient, partitionsCount: number) {
  await client.createStream(S);
  await client.createTopic(S, T, { partitionsCount });
  await client.createConsumerGroup({ ...TOPIC, name: "g" });
}

/** Partitions per member, in member order. */
async function assignment(client: IggyClient): Promise<number[][]> {
  const details = await client.getConsumerGroup(GROUP);
  return (details?.members ?? []).map((m) => [...m.partitions].sort());
}

function waitUntil(
  condition: () => Promise<boolean>,
  what: string,
): Promise<void> {
  return waitFor(what, condition, { timeoutMs: 5000, intervalMs: 5 });
}

async function rejectsWithCode(promise: Promise<unknown>, code: number) {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof IggyError, `${err}`);
    assert.equal(err.code, code);
    return true;
  });
}

Deno.test("joinConsumerGroup() and leave/disconnect/partition changes rebalance the group", async () => {
  await using server = await openHandlerSystem();
  await using a = await connectRoot(server);
  await using b = await connectRoot(server);
  const c = await connectRoot(server);
  await setUp(a, 6);

  await a.joinConsumerGroup(GROUP);
  await a.joinConsumerGroup(GROUP); // idempotent
  assert.deepEqual(await assignment(a), [[0, 1, 2, 3, 4, 5]]);
  await b.joinConsumerGroup(GROUP);
  await c.joinConsumerGroup(GROUP);
  assert.deepEqual(await assignment(a), [[0, 3], [1, 4], [2, 5]]);

  await b.leaveConsumerGroup(GROUP);
  assert.deepEqual(await assignment(a), [[0, 2, 4], [1, 3, 5]]);
  await b.joinConsumerGroup(GROUP);
  assert.equal((await assignment(a)).length, 3);

  await c.close(); // a disconnect removes the member
  await waitUntil(
    async () => (await assignment(a)).length === 2,
    "disconnected member removed",
  );
  assert.deepEqual(await assignment(a), [[0, 2, 4], [1, 3, 5]]);

  await a.createPartitions({ ...TOPIC, partitionsCount: 2 });
  assert.deepEqual(await assignment(a), [[0, 2, 4, 6], [1, 3, 5, 7]]);
  await a.deletePartitions({ ...TOPIC, partitionsCount: 3 });
  assert.deepEqual(await assignment(a), [[0, 2, 4], [1, 3]]);
  assert.equal((await a.getConsumerGroup(GROUP))?.partitionsCount, 5);
});

Deno.test("pollMessages() as a group: own partitions in turn, foreign ones empty, offsets per partition", async () => {
  await using server = await openHandlerSystem();
  await using a = await connectRoot(server);
  await using b = await connectRoot(server);
  await setUp(a, 2);
  for (const partitionId of [0, 1]) {
    await a.sendMessages({
      ...TOPIC,
      partitioning: Partitioning.partitionId(partitionId),
      messages: Array.from({ length: 5 }, (_, i) => ({
        payload: `p${partitionId}-${i}`,
      })),
    });
  }
  await a.joinConsumerGroup(GROUP);
  await b.joinConsumerGroup(GROUP);
  const [ownA, ownB] = await assignment(a);
  assert.deepEqual([ownA, ownB], [[0], [1]]);
  const group = Consumer.group("g");

  // No partition: the member's own partition; auto-commit stores the group offset.
  const first = await a.pollMessages({ ...TOPIC, consumer: group, count: 3 });
  assert.equal(first.partitionId, 0);
  assert.deepEqual(first.messages.map((m) => m.offset), [0n, 1n, 2n]);
  const next = await a.pollMessages({ ...TOPIC, consumer: group, count: 3 });
  assert.deepEqual(next.messages.map((m) => m.offset), [3n, 4n]);
  assert.equal(
    (await b.getConsumerOffset({ ...TOPIC, consumer: group, partitionId: 0 }))
      ?.storedOffset,
    4n,
  );

  // An explicit partition the member does not own: empty poll, store rejected with 3022.
  const foreign = await a.pollMessages({
    ...TOPIC,
    consumer: group,
    partitionId: 1,
    strategy: PollingStrategy.first(),
  });
  assert.deepEqual(
    [foreign.partitionId, foreign.currentOffset, foreign.messages.length],
    [0, 0n, 0],
  );
  await rejectsWithCode(
    a.storeConsumerOffset({
      ...TOPIC,
      consumer: group,
      partitionId: 1,
      offset: 1n,
    }),
    ErrorCode.NotResolvedConsumer,
  );
  await b.storeConsumerOffset({
    ...TOPIC,
    consumer: group,
    partitionId: 1,
    offset: 1n,
  });
  const fromStored = await b.pollMessages({
    ...TOPIC,
    consumer: group,
    autoCommit: false,
  });
  assert.equal(fromStored.partitionId, 1);
  assert.equal(fromStored.messages[0]?.offset, 2n);

  // After a leave, the other member takes the partition over from the stored offset.
  await a.leaveConsumerGroup(GROUP);
  const takeover = await b.pollMessages({
    ...TOPIC,
    consumer: group,
    partitionId: 0,
  });
  assert.equal(takeover.messages.length, 0, "partition 0 is consumed to 4");
  await a.sendMessages({
    ...TOPIC,
    partitioning: Partitioning.partitionId(0),
    messages: [{ payload: "late" }],
  });
  const late = await b.pollMessages({
    ...TOPIC,
    consumer: group,
    partitionId: 0,
  });
  assert.deepEqual(late.messages.map((m) => m.offset), [5n]);

  // A non-member is rejected.
  await rejectsWithCode(
    a.pollMessages({ ...TOPIC, consumer: group }),
    ErrorCode.ConsumerGroupMemberNotFound,
  );
});

Deno.test("deleteConsumerGroup() deletes its offsets; group offsets survive a restart", async () => {
  await using server = await openHandlerSystem();
  {
    await using client = await connectRoot(server);
    await setUp(client, 2);
    await client.sendMessages({
      ...TOPIC,
      partitioning: Partitioning.partitionId(1),
      messages: [{ payload: "a" }, { payload: "b" }, { payload: "c" }],
    });
    await client.joinConsumerGroup(GROUP);
    await client.storeConsumerOffset({
      ...TOPIC,
      consumer: Consumer.group("g"),
      partitionId: 1,
      offset: 1n,
    });
  }
  await server.restart();
  await using client = await connectRoot(server);
  const ref = { ...TOPIC, consumer: Consumer.group("g"), partitionId: 1 };
  assert.equal((await client.getConsumerOffset(ref))?.storedOffset, 1n);
  assert.equal((await client.getConsumerGroup(GROUP))?.membersCount, 0);
  await client.joinConsumerGroup(GROUP);
  const polled = await client.pollMessages({
    ...TOPIC,
    consumer: Consumer.group("g"),
    partitionId: 1,
  });
  assert.deepEqual(polled.messages.map((m) => m.offset), [2n]);

  await client.deleteConsumerGroup(GROUP);
  await client.createConsumerGroup({ ...TOPIC, name: "g" });
  assert.equal(await client.getConsumerOffset(ref), undefined);
  await server.restart();
  await using again = await connectRoot(server);
  assert.equal(await again.getConsumerOffset(ref), undefined);
});
