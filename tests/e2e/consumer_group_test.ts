import assert from "node:assert/strict";
import {
  type AutoCommit,
  Consumer,
  IggyClient,
  IggyConsumer,
  IggyProducer,
} from "../../mod.ts";
import { startServer, type TestServer } from "../_server.ts";
import { waitFor } from "../_assert.ts";

const S = "groups";
const T = "work";
const TOPIC = { streamId: S, topicId: T };
const PARTITIONS = 6;

function connectRoot(server: TestServer): Promise<IggyClient> {
  return IggyClient.connect({
    ...server.tcp,
    username: "iggy",
    password: "iggy",
  });
}

function waitUntil(
  condition: () => boolean | Promise<boolean>,
  what: string,
  ms = 60_000,
): Promise<void> {
  return waitFor(what, condition, { timeoutMs: ms });
}

/** Creates the stream, the topic and the group. */
async function createTopic(client: IggyClient): Promise<void> {
  await client.createStream(S);
  await client.createTopic(S, T, { partitionsCount: PARTITIONS });
  await client.createConsumerGroup({ ...TOPIC, name: "workers" });
}

/** Sends `count` messages, balanced (one partition per batch of 100). */
async function produce(client: IggyClient, count: number): Promise<void> {
  await using producer = new IggyProducer(client, {
    ...TOPIC,
    batchLength: 100,
  });
  const sends: Promise<void>[] = [];
  for (let i = 0; i < count; i += 100) {
    sends.push(producer.send(
      Array.from({ length: 100 }, (_, j) => ({
        id: BigInt(i + j + 1),
        payload: `m${i + j}`,
      })),
    ));
  }
  await Promise.all(sends);
}

interface Received {
  member: number;
  partitionId: number;
  offset: bigint;
  id: bigint;
}

/** A group member reading into `log` until closed (or `stopAfter` messages, then it leaves). */
function member(
  client: IggyClient,
  index: number,
  log: Received[],
  options: { autoCommit?: AutoCommit; stopAfter?: number } = {},
): { consumer: IggyConsumer; done: Promise<void> } {
  const consumer = new IggyConsumer(client, {
    ...TOPIC,
    group: "workers",
    batchLength: 100,
    pollIntervalMs: 10,
    autoCommit: options.autoCommit,
  });
  let received = 0;
  const done = (async () => {
    await consumer.init();
    for await (const m of consumer) {
      log.push({
        member: index,
        partitionId: m.partitionId,
        offset: m.offset,
        id: m.id,
      });
      if (++received === options.stopAfter) break;
    }
  })();
  return { consumer, done };
}

/** True when the group's stored offset of every partition is the partition's last offset. */
async function allCommitted(client: IggyClient): Promise<boolean> {
  for (let p = 0; p < PARTITIONS; p++) {
    const info = await client.getConsumerOffset({
      ...TOPIC,
      consumer: Consumer.group("workers"),
      partitionId: p,
    });
    if (!info || info.storedOffset !== info.currentOffset) return false;
  }
  return true;
}

function assertOrderedPerMember(log: Received[]): void {
  const last = new Map<string, bigint>();
  for (const r of log) {
    const key = `${r.member}/${r.partitionId}`;
    const previous = last.get(key);
    assert.ok(
      previous === undefined || r.offset > previous,
      `member ${r.member} got partition ${r.partitionId} out of order: ${previous} then ${r.offset}`,
    );
    last.set(key, r.offset);
  }
}

Deno.test("IggyConsumer: three group members over six partitions receive 30,000 messages exactly once, in order", async () => {
  const TOTAL = 30_000;
  await using server = await startServer();
  await using admin = await connectRoot(server);
  const clients = await Promise.all([0, 1, 2].map(() => connectRoot(server)));
  try {
    await createTopic(admin);
    const log: Received[] = [];
    const members = clients.map((client, i) => member(client, i, log));
    await Promise.all(members.map((m) => m.consumer.init()));
    const group = await admin.getConsumerGroup({
      ...TOPIC,
      groupId: "workers",
    });
    assert.equal(group?.membersCount, 3);
    assert.deepEqual(group?.members.map((m) => m.partitions.length), [2, 2, 2]);

    await produce(admin, TOTAL);
    await waitUntil(() => log.length >= TOTAL, `${TOTAL} messages`);
    await waitUntil(() => allCommitted(admin), "every offset committed");
    await Promise.all(members.map((m) => m.consumer.close()));
    await Promise.all(members.map((m) => m.done));

    assert.equal(log.length, TOTAL, "no duplicate deliveries");
    assert.equal(new Set(log.map((r) => r.id)).size, TOTAL, "every message");
    assertOrderedPerMember(log);
    // Each partition was read by one member, from offset 0 to the end, in order.
    for (let p = 0; p < PARTITIONS; p++) {
      const reads = log.filter((r) => r.partitionId === p);
      assert.equal(new Set(reads.map((r) => r.member)).size, 1);
      assert.deepEqual(
        reads.map((r) => r.offset),
        reads.map((_, i) => BigInt(i)),
      );
    }
    assert.deepEqual(
      [0, 1, 2].map((i) => log.filter((r) => r.member === i).length),
      [TOTAL / 3, TOTAL / 3, TOTAL / 3],
    );
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
});

for (
  const [mode, autoCommit] of [
    ["at-least-once", "processed"],
    ["at-most-once", "poll"],
  ] as const
) {
  Deno.test(`IggyConsumer: when a member leaves mid-stream, the others take over its partitions (${mode})`, async () => {
    const TOTAL = 6_000;
    await using server = await startServer();
    await using admin = await connectRoot(server);
    await createTopic(admin);
    await produce(admin, TOTAL);
    const clients = await Promise.all([0, 1, 2].map(() => connectRoot(server)));
    try {
      const log: Received[] = [];
      const leaving = member(clients[0]!, 0, log, {
        autoCommit,
        stopAfter: 300,
      });
      const staying = [1, 2].map((i) =>
        member(clients[i]!, i, log, { autoCommit })
      );
      await leaving.done; // the loop ends after 300 messages: it commits and leaves
      const group = await admin.getConsumerGroup({
        ...TOPIC,
        groupId: "workers",
      });
      assert.equal(group?.membersCount, 2);
      // With auto-commit on poll the offsets are committed before the polled messages reach the
      // loop, so also wait for every partition's last message to be handed out.
      const lastOffset = BigInt(TOTAL / PARTITIONS - 1);
      const ended = (p: number) =>
        log.some((r) => r.partitionId === p && r.offset === lastOffset);
      await waitUntil(
        async () =>
          await allCommitted(admin) &&
          [...Array(PARTITIONS).keys()].every(ended),
        "every offset committed and every partition's last message delivered",
      );
      await Promise.all(staying.map((m) => m.consumer.close()));
      await Promise.all(staying.map((m) => m.done));

      assertOrderedPerMember(log);
      const ids = new Set(log.map((r) => r.id));
      const left = log.filter((r) => r.member === 0);
      assert.equal(left.length, 300);
      // The leaving member's partitions were finished by the others.
      for (const p of new Set(left.map((r) => r.partitionId))) {
        const last = left.filter((r) => r.partitionId === p).at(-1)!.offset;
        const after = log.filter((r) =>
          r.member !== 0 && r.partitionId === p && r.offset > last
        );
        assert.ok(after.length > 0, `partition ${p} taken over`);
        assert.equal(after.at(-1)!.offset, BigInt(TOTAL / PARTITIONS - 1));
      }
      if (autoCommit === "processed") {
        assert.equal(ids.size, TOTAL, "no message lost");
      } else {
        assert.equal(log.length, ids.size, "no message delivered twice");
        // Only what the leaving member had polled but not yet handed out is skipped.
        assert.ok(ids.size >= TOTAL - 100, `delivered ${ids.size}`);
      }
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });
}
