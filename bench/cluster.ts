/**
 * `deno task bench:cluster`: send and poll throughput of one node against a two-node cluster
 * (partition leaders spread over both nodes) in the same run, on this machine.
 *
 * Each of `--partitions` producers sends `--batches` batches of `--batch` messages of `--size`
 * bytes to its own partition, all at once; then one consumer per partition polls it back in
 * polls of `--batch` messages. In the cluster, producer and consumer `i` talk to the node that
 * leads partition `i` ("direct": how an SDK that routes to leaders would run) and, in a second
 * round, all to the first node ("via one node": half the requests are forwarded).
 *
 * With `--replicated`: three nodes with `cluster.replication.enabled`, topics with replication
 * factor 1, 2 and 3 (quorum acks) in the same run, each client on its
 * partition's leader (read from etcd), then the latency of single-message sends at R = 1 and 3.
 *
 * Needs etcd (`/usr/bin/etcd`, Debian's etcd-server).
 * @module
 */

import { parseArgs } from "node:util";
import {
  connect,
  type IggyClient,
  Partitioning,
  PollingStrategy,
} from "../mod.ts";
import { startEtcd } from "../tests/cluster/_etcd.ts";
import { EtcdClient } from "../server/cluster/etcd.ts";
import { startBenchServer } from "./server.ts";

const args = parseArgs({
  args: Deno.args,
  options: {
    partitions: { type: "string", default: "4" },
    batches: { type: "string", default: "200" },
    batch: { type: "string", default: "1000" },
    size: { type: "string", default: "100" },
    replicated: { type: "boolean", default: false },
  },
});
const PARTITIONS = Number(args.values.partitions);
const BATCHES = Number(args.values.batches);
const BATCH = Number(args.values.batch);
const SIZE = Number(args.values.size);
const TOTAL = PARTITIONS * BATCHES * BATCH;

function tcpOf(address: string): { hostname: string; port: number } {
  const at = address.lastIndexOf(":");
  return {
    hostname: address.slice(0, at),
    port: Number(address.slice(at + 1)),
  };
}

function login(address: string): Promise<IggyClient> {
  return connect({
    ...tcpOf(address),
    username: "iggy",
    password: "iggy",
    reconnect: false,
  });
}

interface Round {
  name: string;
  send: number;
  poll: number;
}

/** Runs producers then consumers; `addressOf(i)` is the node partition `i`'s client uses. */
async function round(
  name: string,
  admin: string,
  addressOf: (partition: number, streamId: number) => string | Promise<string>,
  replicationFactor = 1,
): Promise<Round> {
  const setup = await login(admin);
  const stream = `bench-${crypto.randomUUID().slice(0, 8)}`;
  const { id: streamId } = await setup.createStream(stream);
  await setup.createTopic({
    streamId: stream,
    name: "t",
    partitionsCount: PARTITIONS,
    replicationFactor,
  });
  const clients = await Promise.all(
    Array.from(
      { length: PARTITIONS },
      async (_, i) => login(await addressOf(i, streamId)),
    ),
  );
  const payload = new Uint8Array(SIZE).fill(120);
  const batches = await Promise.all(
    clients.map((client) =>
      client.prepareMessages(Array.from({ length: BATCH }, () => ({ payload })))
    ),
  );
  let started = performance.now();
  await Promise.all(clients.map(async (client, partition) => {
    const batch = batches[partition]!;
    for (let b = 0; b < BATCHES; b++) {
      await client.sendMessages({
        streamId: stream,
        topicId: "t",
        partitioning: Partitioning.partitionId(partition),
        messages: batch,
      });
    }
  }));
  const send = TOTAL / ((performance.now() - started) / 1000);
  started = performance.now();
  await Promise.all(clients.map(async (client, partition) => {
    let offset = 0n;
    while (offset < BigInt(BATCHES * BATCH)) {
      const polled = await client.pollMessages({
        streamId: stream,
        topicId: "t",
        partitionId: partition,
        strategy: PollingStrategy.offset(offset),
        count: BATCH,
        autoCommit: false,
      });
      if (polled.messages.length === 0) {
        throw new Error("poll returned nothing");
      }
      offset += BigInt(polled.messages.length);
    }
  }));
  const poll = TOTAL / ((performance.now() - started) / 1000);
  for (const client of [setup, ...clients]) await client.close();
  return { name, send, poll };
}

const QUIET = {
  IGGY_SYSTEM_LOGGING_LEVEL: "warn",
  IGGY_QUIC_ENABLED: "false",
  IGGY_HTTP_ENABLED: "false",
  IGGY_WEBSOCKET_ENABLED: "false",
};

/** The environment of cluster node `name` on `etcd`. */
function clusterNodeEnv(
  etcd: string,
  name: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    ...QUIET,
    IGGY_CLUSTER_ENABLED: "true",
    IGGY_CLUSTER_NAME: "bench",
    IGGY_CLUSTER_ETCD_ENDPOINTS: etcd,
    IGGY_CLUSTER_NODE_CURRENT_NAME: name,
    IGGY_CLUSTER_SECRET: "bench-cluster-secret-0123",
    ...extra,
  };
}

const rounds: Round[] = [];
const latencies: string[] = [];

/** p50 and p99 of `count` single-message sends to partition 0 of a new topic. */
async function sendLatency(
  name: string,
  address: (streamId: number) => Promise<string>,
  admin: string,
  replicationFactor: number,
): Promise<void> {
  const setup = await login(admin);
  const stream = `lat-${crypto.randomUUID().slice(0, 8)}`;
  const { id } = await setup.createStream(stream);
  await setup.createTopic({
    streamId: stream,
    name: "t",
    partitionsCount: 1,
    replicationFactor,
  });
  const client = await login(await address(id));
  const times: number[] = [];
  for (let i = 0; i < 500; i++) {
    const started = performance.now();
    await client.sendMessages({
      streamId: stream,
      topicId: "t",
      partitioning: Partitioning.partitionId(0),
      messages: [{ payload: "x".repeat(SIZE) }],
    });
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  latencies.push(
    `${name.padEnd(18)} single-message send p50 ${
      times[250]!.toFixed(2)
    } ms, p99 ${times[495]!.toFixed(2)} ms`,
  );
  await client.close();
  await setup.close();
}

if (args.values.replicated) {
  await using etcd = await startEtcd();
  const client = new EtcdClient([etcd.endpoint]);
  const names = ["n1", "n2", "n3"];
  const nodes = [];
  for (const name of names) {
    nodes.push(
      await startBenchServer({
        env: clusterNodeEnv(etcd.endpoint, name, {
          IGGY_CLUSTER_REPLICATION_ENABLED: "true",
        }),
      }),
    );
  }
  const addresses = nodes.map((n) => n.addresses.tcp!);
  const leaderOf = async (partition: number, streamId: number) => {
    const kv = await client.get(`/bench/assignments/${streamId}/0`);
    const leader = (JSON.parse(kv!.value) as { leader: string }[])[partition]!
      .leader;
    return addresses[names.indexOf(leader)]!;
  };
  try {
    for (const factor of [1, 2, 3]) {
      rounds.push(
        await round(`3 nodes, R=${factor}`, addresses[0]!, leaderOf, factor),
      );
    }
    for (const factor of [1, 3]) {
      await sendLatency(
        `3 nodes, R=${factor}`,
        (id) => leaderOf(0, id),
        addresses[0]!,
        factor,
      );
    }
  } finally {
    for (const node of nodes) await node.stop();
  }
} else {
  const single = await startBenchServer({ env: QUIET });
  try {
    const tcp = single.addresses.tcp!;
    rounds.push(await round("one node", tcp, () => tcp));
  } finally {
    await single.stop();
  }
}
if (!args.values.replicated) {
  await using etcd = await startEtcd();
  const nodeEnv = (name: string) => clusterNodeEnv(etcd.endpoint, name);
  const n1 = await startBenchServer({ env: nodeEnv("n1") });
  const n2 = await startBenchServer({ env: nodeEnv("n2") });
  try {
    const nodes = [n1.addresses.tcp!, n2.addresses.tcp!];
    // Placement gives each new partition to the node leading the fewest, ties by name: with two
    // nodes and one topic per round, partition i is led by node i % 2 (n1, n2, n1, ...).
    rounds.push(
      await round("2 nodes, direct", nodes[0]!, (i) => nodes[i % 2]!),
    );
    rounds.push(
      await round("2 nodes, via n1", nodes[0]!, () => nodes[0]!),
    );
  } finally {
    await n1.stop();
    await n2.stop();
  }
}

const mb = (rate: number) => ((rate * SIZE) / 1e6).toFixed(1);
console.log(
  `${PARTITIONS} partitions x ${BATCHES} batches x ${BATCH} messages of ${SIZE} B`,
);
for (const r of rounds) {
  console.log(
    `${r.name.padEnd(18)} send ${
      Math.round(r.send).toLocaleString("en")
    } msg/s (${mb(r.send)} MB/s)   poll ${
      Math.round(r.poll).toLocaleString("en")
    } msg/s (${mb(r.poll)} MB/s)`,
  );
}
for (const line of latencies) console.log(line);
