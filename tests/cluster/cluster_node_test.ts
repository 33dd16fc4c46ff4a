import assert from "node:assert/strict";
import { ClusterNode } from "../../server/cluster/cluster_node.ts";
import { EtcdClient } from "../../server/cluster/etcd.ts";
import { createLogger } from "../../server/logger.ts";
import { waitFor } from "../_assert.ts";
import { ETCD_BIN, startEtcd } from "./_etcd.ts";

/** Cluster changes wait for etcd watches and lease expiries: a longer bound than the default. */
const until = (what: string, ok: () => boolean) =>
  waitFor(what, ok, { timeoutMs: 15_000, intervalMs: 20 });

const ignore = ETCD_BIN === undefined;
const logger = createLogger("off");
const TTL = 2;

/** An etcd client that counts the log reads (`rangeFrom`) it makes. */
class CountingEtcd extends EtcdClient {
  logReads = 0;

  override rangeFrom(start: string, prefix: string) {
    this.logReads++;
    return super.rangeFrom(start, prefix);
  }
}

function startNode(
  endpoint: string,
  clusterName: string,
  name: string,
  applied: string[] = [],
  etcd: EtcdClient = new EtcdClient([endpoint]),
): Promise<ClusterNode> {
  return ClusterNode.start({
    etcd,
    clusterName,
    node: {
      name,
      ip: "127.0.0.1",
      ports: { tcp: 1, quic: 2, http: 3, websocket: 4 },
    },
    leaseTtlSeconds: TTL,
    logger,
    apply: (index, payload) => {
      applied.push(`${index}:${payload}`);
    },
  });
}

Deno.test({
  name:
    "ClusterNode: members see each other, one controller, another when it dies",
  ignore,
  async fn() {
    await using etcd = await startEtcd();
    const a = await startNode(etcd.endpoint, "c1", "a");
    const b = await startNode(etcd.endpoint, "c1", "b");
    const c = await startNode(etcd.endpoint, "c1", "c");
    const other = await startNode(etcd.endpoint, "c1x", "z");
    try {
      for (const n of [a, b, c]) {
        await until("3 nodes", () => n.nodes.length === 3);
        assert.deepEqual(n.nodes.map((x) => x.name), ["a", "b", "c"]);
      }
      assert.deepEqual(other.nodes.map((x) => x.name), ["z"]);
      assert.equal(other.controller, "z");
      assert.equal(a.controller, "a");
      await until("b sees a as controller", () => b.controller === "a");
      // a crashes: no revoke, its lease runs out.
      const died = Date.now();
      await a.stop({ revokeLease: false });
      await until(
        "a new controller",
        () => b.controller !== undefined && b.controller !== "a",
      );
      const failover = Date.now() - died;
      assert.ok(["b", "c"].includes(b.controller!));
      await until("c agrees", () => c.controller === b.controller);
      await until("a gone", () => b.nodes.length === 2);
      console.log(`controller failover with a ${TTL} s lease: ${failover} ms`);
    } finally {
      await Promise.all([b.stop(), c.stop(), other.stop()]);
    }
  },
});

Deno.test({
  name:
    "ReplicatedLog: concurrent proposals from three nodes apply in one order everywhere",
  ignore,
  async fn() {
    await using etcd = await startEtcd();
    const logs: string[][] = [[], [], []];
    const nodes = await Promise.all(
      ["a", "b", "c"].map((name, i) =>
        startNode(etcd.endpoint, "c2", name, logs[i])
      ),
    );
    try {
      const proposals: Promise<number>[] = [];
      for (let i = 0; i < 10; i++) {
        for (const [n, node] of nodes.entries()) {
          proposals.push(
            node.log.propose(() => ({ payload: `${node.self.name}${i}` })),
          );
          // The proposer has applied its entry when propose() resolves.
          proposals[proposals.length - 1]!.then((index) =>
            assert.ok(logs[n]!.some((e) => e.startsWith(`${index}:`)))
          );
        }
      }
      const indexes = await Promise.all(proposals);
      assert.deepEqual([...indexes].sort((x, y) => x - y), [
        ...Array.from({ length: 30 }, (_, i) => i + 1),
      ]);
      for (const log of logs) {
        await until("30 entries", () => log.length === 30);
      }
      assert.deepEqual(logs[1], logs[0]);
      assert.deepEqual(logs[2], logs[0]);

      // A node that starts later (a restart after missing changes) catches up from etcd.
      const late: string[] = [];
      const d = await startNode(etcd.endpoint, "c2", "d", late);
      await until("the late node catches up", () => late.length === 30);
      assert.deepEqual(late, logs[0]);
      await d.stop();
    } finally {
      await Promise.all(nodes.map((n) => n.stop()));
    }
  },
});

Deno.test({
  name:
    "ReplicatedLog: a refused proposal commits nothing; etcd down fails with a clear error",
  ignore,
  async fn() {
    await using etcd = await startEtcd();
    const applied: string[] = [];
    const node = await startNode(etcd.endpoint, "c3", "a", applied);
    try {
      await assert.rejects(
        node.log.propose(() => {
          throw new Error("invalid");
        }),
        /invalid/,
      );
      assert.equal(await node.log.propose(() => ({ payload: "ok" })), 1);
      await etcd.stop();
      await assert.rejects(
        node.log.propose(() => ({ payload: "lost" })),
        /etcd is unreachable/,
      );
      assert.deepEqual(applied, ["1:ok"]);
    } finally {
      await node.stop();
    }
  },
});

Deno.test({
  name:
    "ReplicatedLog.refresh() applies what other nodes committed; concurrent callers share reads",
  ignore,
  async fn() {
    await using etcd = await startEtcd();
    const applied: string[] = [];
    const a = await startNode(etcd.endpoint, "c4", "a");
    const counting = new CountingEtcd([etcd.endpoint]);
    const b = await startNode(etcd.endpoint, "c4", "b", applied, counting);
    // b stops following the cluster (no watch): only refresh() can bring it entries.
    await b.stop({ revokeLease: false });
    try {
      for (const payload of ["x", "y", "z"]) {
        await a.log.propose(() => ({ payload }));
      }
      assert.deepEqual(applied, []);
      const readsBefore = counting.logReads;
      const results = await Promise.all(
        Array.from({ length: 20 }, () => b.log.refresh()),
      );
      assert.deepEqual(results, Array(20).fill(true));
      // One read in flight and one queued behind it serve all twenty callers.
      assert.ok(counting.logReads - readsBefore <= 2, `${counting.logReads}`);
      assert.deepEqual(applied, ["1:x", "2:y", "3:z"]);
      assert.equal(await b.log.refresh(), false);
    } finally {
      await a.stop();
    }
  },
});
