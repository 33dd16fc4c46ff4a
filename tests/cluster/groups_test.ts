/**
 * Consumer groups are cluster-wide: members joined through different nodes share the group's
 * partitions (each partition owned by one member, the same deal seen through every node), a
 * group poll through any node reads each message once, and a member that leaves, disconnects or
 * whose node dies hands its partitions to the others.
 */
import assert from "node:assert/strict";
import {
  Consumer,
  type IggyClient,
  Partitioning,
  PollingStrategy,
} from "../../mod.ts";
import type { TestServer } from "../_server.ts";
import { ETCD_BIN, startEtcd } from "./_etcd.ts";
import { eventually, login, startNodes } from "./_cluster.ts";

const TOPIC = { streamId: "g", topicId: "t" };
const GROUP = { ...TOPIC, groupId: "workers" };

/** The members' partitions as `client` sees them, sorted. */
async function deal(client: IggyClient): Promise<number[][]> {
  const group = await client.getConsumerGroup(GROUP);
  return (group?.members ?? []).map((m) => m.partitions.toSorted());
}

Deno.test({
  name:
    "Cluster: consumer group members on different nodes share the partitions",
  ignore: ETCD_BIN === undefined,
  async fn() {
    await using etcd = await startEtcd();
    const [n1, n2] = await startNodes(etcd.endpoint, "groups", [
      "n1",
      "n2",
    ]) as [TestServer, TestServer];
    const clients: IggyClient[] = [];
    try {
      const [a, b] = [await login(n1), await login(n2)];
      clients.push(a, b);
      await a.createStream("g");
      await a.createTopic({ streamId: "g", name: "t", partitionsCount: 4 });
      await a.createConsumerGroup({ ...TOPIC, name: "workers" });
      await a.joinConsumerGroup(GROUP);
      await b.joinConsumerGroup(GROUP);

      // One deal of the four partitions over the two members, the same through both nodes.
      const expected = [[0, 2], [1, 3]];
      assert.deepEqual(await deal(b), expected);
      await eventually(
        "n1 sees both members",
        async () =>
          JSON.stringify(await deal(a)) === JSON.stringify(expected)
            ? true
            : undefined,
      );

      // 40 messages over the four partitions; group polls through both nodes read each once.
      for (let i = 0; i < 40; i++) {
        await a.sendMessages({
          ...TOPIC,
          partitioning: Partitioning.partitionId(i % 4),
          messages: [{ payload: `m${i}` }],
        });
      }
      const read: string[] = [];
      for (const client of [a, b]) {
        for (let round = 0; round < 8; round++) {
          const polled = await client.pollMessages({
            ...TOPIC,
            consumer: Consumer.group("workers"),
            strategy: PollingStrategy.next(),
            count: 100,
            autoCommit: true,
          });
          for (const m of polled.messages) {
            read.push(new TextDecoder().decode(m.payload));
          }
        }
      }
      assert.equal(read.length, 40);
      assert.equal(new Set(read).size, 40);

      // b disconnects: a owns all four partitions, through both nodes.
      await clients.pop()!.close();
      await eventually(
        "a owns every partition",
        async () =>
          JSON.stringify(await deal(a)) === "[[0,1,2,3]]" ? true : undefined,
      );
      const c = await login(n2);
      clients.push(c);
      assert.deepEqual(await deal(c), [[0, 1, 2, 3]]);

      // A member that leaves hands its partitions over as well.
      await c.joinConsumerGroup(GROUP);
      await eventually(
        "n1 sees c",
        async () => (await deal(a)).length === 2 ? true : undefined,
      );
      await a.leaveConsumerGroup(GROUP);
      await eventually(
        "c owns every partition",
        async () =>
          JSON.stringify(await deal(c)) === "[[0,1,2,3]]" ? true : undefined,
      );

      // The members of a node killed with -9 go with its lease (2 s in these tests).
      await a.joinConsumerGroup(GROUP);
      assert.equal((await deal(a)).length, 2);
      await n2.kill("SIGKILL");
      await eventually(
        "a owns every partition once n2's lease expired",
        async () =>
          JSON.stringify(await deal(a)) === "[[0,1,2,3]]" ? true : undefined,
      );
    } finally {
      for (const client of clients) await client.close().catch(() => {});
      await n1[Symbol.asyncDispose]();
      await n2[Symbol.asyncDispose]();
    }
  },
});
