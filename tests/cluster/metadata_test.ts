/**
 * Real nodes on a real etcd: metadata made through one node is on every node; partition leaders
 * are spread over the nodes and any node answers sends, polls and offsets for any partition
 * (forwarding); replication_factor > 1 is refused; a node that missed changes catches up; with
 * etcd down, metadata changes fail clearly while messages keep flowing.
 */
import assert from "node:assert/strict";
import {
  Consumer,
  IggyClient,
  IggyError,
  Partitioning,
  PollingStrategy,
} from "../../mod.ts";
import { ETCD_BIN, startEtcd } from "./_etcd.ts";
import { eventually, login, startNodes } from "./_cluster.ts";

const ignore = ETCD_BIN === undefined;

function payloads(polled: { messages: { payload: Uint8Array }[] }): string[] {
  return polled.messages.map((m) => new TextDecoder().decode(m.payload));
}

/** The last message of partition `p` of orders/created, polled through `client`. */
function pollLast(client: IggyClient, p: number) {
  return client.pollMessages({
    streamId: "orders",
    topicId: "created",
    partitionId: p,
    strategy: PollingStrategy.last(),
    count: 1,
    autoCommit: false,
  });
}

Deno.test({
  name:
    "Cluster: metadata through any node, forwarding to partition leaders, catch-up, etcd down",
  ignore,
  async fn() {
    await using etcd = await startEtcd();
    // Replication turned off: replication_factor > 1 must be refused.
    const nodes = await startNodes(etcd.endpoint, "meta", ["n1", "n2", "n3"], {
      IGGY_CLUSTER_REPLICATION_ENABLED: "false",
    });
    const clients: IggyClient[] = [];
    try {
      for (const node of nodes) clients.push(await login(node));
      const [c1, c2, c3] = clients as [IggyClient, IggyClient, IggyClient];

      // One root user for the whole cluster.
      assert.deepEqual((await c2.getUsers()).map((u) => u.username), ["iggy"]);

      const stream = await c1.createStream("orders");
      await c1.createTopic({
        streamId: stream.id,
        name: "created",
        partitionsCount: 3,
      });
      await c1.createUser({ username: "alice", password: "secret-1" });
      for (const client of [c2, c3]) {
        const topic = await client.getTopic({
          streamId: "orders",
          topicId: "created",
        });
        assert.equal(topic?.partitionsCount, 3);
        assert.equal((await client.getUser("alice"))?.username, "alice");
      }
      await assert.rejects(
        c2.createStream("orders"),
        (err) => err instanceof IggyError && err.code === 1012,
      );
      await assert.rejects(
        c3.createTopic({
          streamId: stream.id,
          name: "replicated",
          replicationFactor: 2,
        }),
        (err) => err instanceof IggyError && err.code === 2018,
      );

      // A change made through one node is usable through another at once: a node that does not
      // find something first applies what etcd committed meanwhile.
      for (let i = 0; i < 10; i++) {
        await c1.createStream(`at-once-${i}`);
        assert.ok(await c2.getStream(`at-once-${i}`), `n2 sees at-once-${i}`);
        await c3.createTopic({
          streamId: `at-once-${i}`,
          name: "t",
          partitionsCount: 1,
        });
        await c2.sendMessages({
          streamId: `at-once-${i}`,
          topicId: "t",
          partitioning: Partitioning.partitionId(0),
          messages: [{ payload: "x" }],
        });
        await c3.deleteStream(`at-once-${i}`);
      }

      // Measured, not asserted: a metadata change through a node that is not the controller, end
      // to end (client -> node -> etcd transaction -> applied on that node -> answer).
      const took: number[] = [];
      for (let i = 0; i < 20; i++) {
        const started = performance.now();
        await c2.createStream(`timed-${i}`);
        took.push(performance.now() - started);
        await c2.deleteStream(`timed-${i}`);
      }
      took.sort((x, y) => x - y);
      console.log(
        `CreateStream through a node (20 runs): median ${
          took[10]!.toFixed(1)
        } ms, max ${took[19]!.toFixed(1)} ms`,
      );

      // Every node sends to every partition; every node polls every partition.
      for (const [n, client] of clients.entries()) {
        for (let p = 0; p < 3; p++) {
          await client.sendMessages({
            streamId: "orders",
            topicId: "created",
            partitioning: Partitioning.partitionId(p),
            messages: [{ payload: `from n${n + 1} to p${p}` }],
          });
        }
      }
      for (const client of clients) {
        for (let p = 0; p < 3; p++) {
          const polled = await client.pollMessages({
            streamId: "orders",
            topicId: "created",
            partitionId: p,
            strategy: PollingStrategy.first(),
            count: 10,
            autoCommit: false,
          });
          assert.deepEqual(payloads(polled), [
            `from n1 to p${p}`,
            `from n2 to p${p}`,
            `from n3 to p${p}`,
          ]);
        }
      }
      // Each partition's data is on one node only: leaders are spread (one partition each).
      const holders = await Promise.all(
        nodes.map(async (node) => {
          let held = 0;
          for (let p = 0; p < 3; p++) {
            const dir =
              `${node.dataDir}/streams/${stream.id}/topics/0/partitions/${p}`;
            for await (const file of Deno.readDir(dir)) {
              if (file.name.endsWith(".log")) {
                held += (await Deno.stat(`${dir}/${file.name}`)).size > 0
                  ? 1
                  : 0;
              }
            }
          }
          return held;
        }),
      );
      assert.deepEqual(holders, [1, 1, 1]);

      // The HTTP API forwards too: through n2, every partition takes and serves messages, and
      // a consumer offset of another node's partition is stored where that partition lives.
      {
        await using http = await IggyClient.connect({
          transport: "http",
          ...nodes[1]!.http!,
          username: "iggy",
          password: "iggy",
        });
        for (let p = 0; p < 3; p++) {
          await http.sendMessages({
            streamId: "orders",
            topicId: "created",
            partitioning: Partitioning.partitionId(p),
            messages: [{ payload: `over http to p${p}` }],
          });
          const polled = await pollLast(http, p);
          assert.deepEqual(payloads(polled), [`over http to p${p}`]);
          assert.equal(polled.partitionId, p);
          assert.equal(polled.currentOffset, 3n);
        }
        await http.storeConsumerOffset({
          streamId: "orders",
          topicId: "created",
          consumer: Consumer.single(8),
          partitionId: 0,
          offset: 2n,
        });
        const stored = await c3.getConsumerOffset({
          streamId: "orders",
          topicId: "created",
          consumer: Consumer.single(8),
          partitionId: 0,
        });
        assert.equal(stored?.storedOffset, 2n);
        // A stream made through n1 is found over n2's HTTP API at once.
        for (let i = 0; i < 5; i++) {
          await c1.createStream(`http-at-once-${i}`);
          const seen = await http.getStream(`http-at-once-${i}`);
          assert.equal(seen?.name, `http-at-once-${i}`);
          await c1.deleteStream(`http-at-once-${i}`);
        }
        // Figures of other nodes' partitions are fetched from their leaders.
        const topic = await http.getTopic({
          streamId: "orders",
          topicId: "created",
        });
        assert.equal(topic?.messagesCount, 12n);
      }

      // Consumer offsets are stored on the leader, readable through any node.
      const consumer = Consumer.single(7);
      await c1.storeConsumerOffset({
        streamId: "orders",
        topicId: "created",
        consumer,
        partitionId: 2,
        offset: 1n,
      });
      for (const client of clients) {
        const offset = await client.getConsumerOffset({
          streamId: "orders",
          topicId: "created",
          consumer,
          partitionId: 2,
        });
        assert.equal(offset?.storedOffset, 1n);
      }

      // n3 stops, changes happen, n3 comes back and catches up.
      await clients.pop()!.close();
      await nodes[2]!.kill("SIGTERM");
      await c1.createStream("while-n3-was-away");
      await c2.createTopic({
        streamId: "while-n3-was-away",
        name: "t",
        partitionsCount: 2,
      });
      await nodes[2]!.restart();
      const c3b = await login(nodes[2]!);
      clients.push(c3b);
      assert.deepEqual(
        (await c3b.getStreams()).map((s) => s.name).sort(),
        ["orders", "while-n3-was-away"],
      );

      // etcd down: metadata changes fail with a clear error; messages keep flowing.
      await etcd.stop();
      await assert.rejects(
        c2.createStream("no-etcd"),
        (err) => err instanceof IggyError && err.code === 11001,
      );
      // A command for something that does not exist still gets its plain answer.
      await assert.rejects(
        c2.sendMessages({
          streamId: "no-such-stream",
          topicId: "t",
          partitioning: Partitioning.partitionId(0),
          messages: [{ payload: "x" }],
        }),
        (err) => err instanceof IggyError && err.code === 1009,
      );
      for (let p = 0; p < 3; p++) {
        await c2.sendMessages({
          streamId: "orders",
          topicId: "created",
          partitioning: Partitioning.partitionId(p),
          messages: [{ payload: `no etcd p${p}` }],
        });
        assert.deepEqual(payloads(await pollLast(c3b, p)), [`no etcd p${p}`]);
      }
      await etcd.start();
      await eventually("metadata changes work again", async () => {
        await c2.createStream("etcd-back");
        return true;
      });
      // The other nodes' watches reconnected: they apply it too.
      await eventually(
        "n3 sees the change",
        async () => (await c3b.getStream("etcd-back")) ? true : undefined,
      );
    } finally {
      for (const client of clients) await client.close().catch(() => {});
      for (const node of nodes) await node[Symbol.asyncDispose]();
    }
  },
});
