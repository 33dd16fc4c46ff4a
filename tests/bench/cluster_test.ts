/**
 * The bench's `cluster` mode end to end, with tiny sizes: against the etcd and nodes it starts
 * (`--nodes`), and against a cluster this test started (`--connect`). Skipped without etcd.
 * @module
 */

import assert from "node:assert/strict";
import { bench } from "./_bench.ts";
import { startServer } from "../_server.ts";
import { ETCD_BIN, startEtcd } from "../cluster/_etcd.ts";
import { login, nodeEnv } from "../cluster/_cluster.ts";
import { EtcdClient } from "../../server/cluster/etcd.ts";
import type { PartitionAssignment } from "../../server/cluster/placement.ts";

const ignore = ETCD_BIN === undefined;
if (ignore) {
  console.log("etcd is not installed: the cluster bench tests are skipped");
}

/** The workload options every run here uses: 2 partitions x 2 batches x 10 messages of 100 B. */
const TINY = ["-a", "2", "-b", "2", "-P", "10", "--latency-sends", "20", "-q"];

/** Checks the figure lines of factors `factors` and the ratio line. */
function assertFigures(stdout: string, factors: number[]): void {
  const rate = String.raw`[\d,]+ msg/s +[\d.]+ MB/s`;
  for (const r of factors) {
    assert.match(
      stdout,
      new RegExp(`^R=${r}  send +${rate}   poll +${rate}$`, "m"),
    );
    assert.match(
      stdout,
      new RegExp(
        `^R=${r}  single-message send p50 [\\d.]+ ms, p99 [\\d.]+ ms \\(20 sends\\)$`,
        "m",
      ),
    );
  }
  const top = factors.at(-1);
  assert.match(
    stdout,
    new RegExp(
      `^Ratios: send R=${top}/R=1 [\\d.]+; single-message send p99 R=${top}/R=1 [\\d.]+$`,
      "m",
    ),
  );
}

Deno.test({
  name: "main() cluster mode starts etcd and 3 nodes and measures R = 1 and 3",
  ignore,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "iggy_bench_test_" });
    try {
      const { code, stdout, stderr } = await bench([
        "cluster",
        "--nodes",
        "3",
        "--replication",
        "1,3",
        ...TINY,
        "-o",
        dir,
      ]);
      assert.equal(code, 0, stderr);
      assert.match(stdout, /^Cluster of 3 nodes started by the bench/m);
      assert.match(stdout, /clients on n1 127\.0\.0\.1:\d+, n2 .*, n3 /);
      assertFigures(stdout, [1, 3]);
      const report = JSON.parse(await Deno.readTextFile(`${dir}/report.json`));
      assert.deepEqual(
        report.cluster.factors.map((f: { replicationFactor: number }) =>
          f.replicationFactor
        ),
        [1, 3],
      );
      assert.deepEqual(
        report.runs.map((r: { mode: string }) => r.mode),
        ["cluster R=1", "cluster R=3"],
      );
      for (const run of report.runs) {
        assert.deepEqual(
          run.aggregates.map((a: { messages: number }) => a.messages),
          [40, 40],
          "2 partitions x 2 batches x 10 messages sent, then polled",
        );
      }
      assert.ok(report.cluster.ratios.p99["3"] > 0);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "main() cluster mode --connect measures a running cluster and removes its streams",
  ignore,
  async fn() {
    await using etcd = await startEtcd();
    const env = (name: string) => ({
      ...nodeEnv(etcd.endpoint, "bench-connect", name),
      IGGY_CLUSTER_REPLICATION_ENABLED: "true",
      IGGY_HTTP_ENABLED: "false",
      IGGY_WEBSOCKET_ENABLED: "false",
    });
    await using n1 = await startServer({ env: env("n1") });
    await using n2 = await startServer({ env: env("n2") });
    const client = await login(n1);
    try {
      // Both nodes joined before the bench asks for the cluster metadata.
      const deadline = Date.now() + 20_000;
      while ((await client.getClusterMetadata()).nodes.length < 2) {
        assert.ok(Date.now() < deadline, "n2 joined the cluster");
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      // One address: the bench finds n2 in the cluster metadata; the default factors stop at 2.
      const { code, stdout, stderr } = await bench([
        "cluster",
        "--connect",
        `127.0.0.1:${n1.tcp.port}`,
        ...TINY,
      ]);
      assert.equal(code, 0, stderr);
      assert.match(stdout, /^Cluster of 2 nodes; clients on n1 .*, n2 /m);
      assert.ok(stdout.includes(`n2 127.0.0.1:${n2.tcp.port}`), stdout);
      assertFigures(stdout, [1, 2]);
      assert.doesNotMatch(stdout, /R=3/);
      assert.deepEqual(await client.getStreams(), [], "bench streams deleted");
      // What the bench's client placement relies on: on a cluster without topics, partition i
      // of a new topic is led by node i mod N (nodes by name).
      const { id } = await client.createStream("placement");
      await client.createTopic({
        streamId: id,
        name: "t",
        partitionsCount: 4,
        replicationFactor: 2,
      });
      const kv = await new EtcdClient([etcd.endpoint]).get(
        `/bench-connect/assignments/${id}/0`,
      );
      assert.deepEqual(
        (JSON.parse(kv!.value) as PartitionAssignment[]).map((p) => p.leader),
        ["n1", "n2", "n1", "n2"],
      );
    } finally {
      await client.close();
    }
  },
});

Deno.test({
  name: "main() cluster mode names a factor the cluster refuses in one line",
  ignore,
  async fn() {
    await using etcd = await startEtcd();
    // Replication off: R = 2 is refused with InvalidReplicationFactor.
    await using n1 = await startServer({
      env: nodeEnv(etcd.endpoint, "bench-refuse", "n1"),
    });
    const { code, stderr } = await bench([
      "cluster",
      "--connect",
      `127.0.0.1:${n1.tcp.port}`,
      "--replication",
      "2",
      ...TINY,
    ]);
    assert.equal(code, 1);
    assert.match(
      stderr,
      /^Bench failed: The cluster refused a topic with replication factor 2: .*cluster\.replication\.enabled/m,
    );
    assert.doesNotMatch(stderr, /\n\s+at /, "no stack trace");
  },
});

/** `unshare` and root: a private mount namespace can hide the etcd binary from one process. */
const canHideEtcd = Deno.build.os === "linux" && Deno.uid() === 0 &&
  (() => {
    try {
      return Deno.statSync("/usr/bin/unshare").isFile;
    } catch {
      return false;
    }
  })();

Deno.test({
  name: "main() cluster mode says in one line that etcd is missing",
  ignore: !canHideEtcd,
  async fn() {
    // /dev/null mounted over the binaries (in this process's own mount namespace only): not a file.
    const hide = ["/usr/bin/etcd", "/usr/local/bin/etcd"]
      .map((path) => `{ [ ! -e ${path} ] || mount --bind /dev/null ${path}; }`)
      .join(" && ");
    const output = await new Deno.Command("unshare", {
      args: [
        "-m",
        "sh",
        "-c",
        `${hide} && exec "$0" run -A bench/main.ts cluster -q`,
        Deno.execPath(),
      ],
      cwd: new URL("../../", import.meta.url),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(60_000),
    }).output();
    const stderr = new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 1, stderr);
    assert.match(
      stderr,
      /^etcd is not installed \(looked for \/usr\/bin\/etcd.*--connect host:port\n$/,
    );
    assert.equal(output.stdout.length, 0);
  },
});

Deno.test("main() cluster mode says in one line that --connect reaches nothing", async () => {
  // A port nothing listens on: bound, then closed.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const { code, stdout, stderr } = await bench([
    "cluster",
    "--connect",
    `127.0.0.1:${port}`,
    "-q",
  ]);
  assert.equal(code, 1);
  assert.match(
    stderr,
    new RegExp(
      `^Bench failed: Cannot connect and log in to 127\\.0\\.0\\.1:${port}: .+\\n$`,
    ),
  );
  assert.equal(stdout, "");
});
