/**
 * Real nodes on a real etcd: GetClusterMetadata lists the live nodes with their bound ports and
 * the controller as `Leader`; kill -9 of the controller moves the role within the lease TTL; two
 * clusters with different names on one etcd do not see each other.
 */
import assert from "node:assert/strict";
import { type IggyClient, IggyError, Partitioning } from "../../mod.ts";
import { ClusterNodeRole } from "../../client/protocol/mod.ts";
import { ETCD_BIN, startEtcd } from "./_etcd.ts";
import { eventually, login, startNodes } from "./_cluster.ts";

const ignore = ETCD_BIN === undefined;

Deno.test({
  name:
    "GetClusterMetadata lists live nodes; kill -9 of the controller elects another",
  ignore,
  async fn() {
    await using etcd = await startEtcd();
    const nodes = await startNodes(etcd.endpoint, "alpha", ["n1", "n2", "n3"]);
    const others = await startNodes(etcd.endpoint, "alpha-2", ["m1"]);
    const clients: IggyClient[] = [];
    try {
      for (const node of [...nodes, ...others]) clients.push(await login(node));
      for (const client of clients.slice(0, 3)) {
        const metadata = await client.getClusterMetadata();
        assert.equal(metadata.name, "alpha");
        assert.deepEqual(
          metadata.nodes.map((n) => [n.name, n.tcpPort, n.httpPort, n.role]),
          nodes.map((s, i) => [
            `n${i + 1}`,
            s.tcp.port,
            s.http!.port,
            i === 0 ? ClusterNodeRole.Leader : ClusterNodeRole.Follower,
          ]),
        );
      }
      const isolated = await clients[3]!.getClusterMetadata();
      assert.equal(isolated.name, "alpha-2");
      assert.deepEqual(isolated.nodes.map((n) => [n.name, n.role]), [[
        "m1",
        ClusterNodeRole.Leader,
      ]]);

      // A topic with one partition led by each node (p0 on n1, p1 on n2, p2 on n3).
      await clients[1]!.createStream("s");
      await clients[1]!.createTopic({
        streamId: "s",
        name: "t",
        partitionsCount: 3,
      });

      // n1 (the controller) dies without a word.
      const killed = Date.now();
      await nodes[0]!.kill("SIGKILL");
      const after = await eventually("a new controller", async () => {
        const metadata = await clients[1]!.getClusterMetadata();
        const leaders = metadata.nodes.filter((n) =>
          n.role === ClusterNodeRole.Leader
        );
        return metadata.nodes.length === 2 && leaders.length === 1
          ? metadata
          : undefined;
      });
      const failover = Date.now() - killed;
      console.log(`controller failover (lease TTL 2 s): ${failover} ms`);
      assert.ok(failover < 15_000, `failover took ${failover} ms`);
      assert.deepEqual(after.nodes.map((n) => n.name), ["n2", "n3"]);
      const viewOfN3 = await clients[2]!.getClusterMetadata();
      assert.deepEqual(
        viewOfN3.nodes.map((n) => [n.name, n.role]),
        after.nodes.map((n) => [n.name, n.role]),
      );

      // Metadata changes work without n1; its partition answers a clear error, not a hang.
      await clients[2]!.createStream("after-failover");
      assert.ok(await clients[1]!.getStream("after-failover"));
      await assert.rejects(
        clients[1]!.sendMessages({
          streamId: "s",
          topicId: "t",
          partitioning: Partitioning.partitionId(0),
          messages: [{ payload: "to a dead leader" }],
        }),
        (err) => err instanceof IggyError && err.code === 11001,
      );
      await clients[1]!.sendMessages({
        streamId: "s",
        topicId: "t",
        partitioning: Partitioning.partitionId(2),
        messages: [{ payload: "to a live leader" }],
      });

      // n1 comes back (same name, same data) and rejoins as a follower.
      await nodes[0]!.restart();
      const rejoined = await eventually("n1 rejoins", async () => {
        const metadata = await clients[1]!.getClusterMetadata();
        return metadata.nodes.length === 3 ? metadata : undefined;
      });
      assert.equal(
        rejoined.nodes.find((n) => n.name === "n1")?.role,
        ClusterNodeRole.Follower,
      );
      // It caught up the stream made while it was down, and serves its partition again.
      await using back = await login(nodes[0]!);
      assert.ok(await back.getStream("after-failover"));
      await clients[1]!.sendMessages({
        streamId: "s",
        topicId: "t",
        partitioning: Partitioning.partitionId(0),
        messages: [{ payload: "to n1 again" }],
      });
    } finally {
      for (const client of clients) await client.close().catch(() => {});
      for (const node of [...nodes, ...others]) {
        await node[Symbol.asyncDispose]();
      }
    }
  },
});
