/**
 * Test helpers for replicated partitions (issue 17): the one-partition topic "s"/"t" with
 * replication factor 3, its assignment in etcd, its stored `.log` copies and its messages.
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { type IggyClient, Partitioning, PollingStrategy } from "../../mod.ts";
import { EtcdClient } from "../../server/cluster/etcd.ts";
import type { PartitionAssignment } from "../../server/cluster/placement.ts";
import { startServer, type TestServer } from "../_server.ts";
import { startEtcd, type TestEtcd } from "./_etcd.ts";
import { eventually, login, nodeEnv } from "./_cluster.ts";

const decoder = new TextDecoder();

/** The assignment of partition 0 of topic 0 of stream 0 in cluster `cluster`, from etcd. */
export async function partitionAssignment(
  etcd: EtcdClient,
  cluster: string,
): Promise<PartitionAssignment> {
  const kv = await etcd.get(`/${cluster}/assignments/0/0`);
  assert.ok(kv, "the topic's assignments are in etcd");
  return (JSON.parse(kv.value) as PartitionAssignment[])[0]!;
}

/** Creates stream "s" with topic "t": one partition, replication factor 3. */
export async function createReplicatedTopic(client: IggyClient): Promise<void> {
  await client.createStream("s");
  await client.createTopic({
    streamId: "s",
    name: "t",
    partitionsCount: 1,
    replicationFactor: 3,
  });
}

/** Sends one message `payload` to partition 0 of "s"/"t" through `client`. */
export function sendOne(client: IggyClient, payload: string): Promise<void> {
  return client.sendMessages({
    streamId: "s",
    topicId: "t",
    partitioning: Partitioning.partitionId(0),
    messages: [{ payload }],
  });
}

/** The stored `.log` files of partition 0 of topic 0 of stream 0 on one node, by name. */
export async function logFiles(
  node: TestServer,
): Promise<Map<string, Uint8Array>> {
  const dir = join(
    node.dataDir,
    "streams",
    "0",
    "topics",
    "0",
    "partitions",
    "0",
  );
  const files = new Map<string, Uint8Array>();
  for await (const entry of Deno.readDir(dir)) {
    if (entry.name.endsWith(".log")) {
      files.set(entry.name, await Deno.readFile(join(dir, entry.name)));
    }
  }
  return files;
}

/**
 * True when the nodes hold the same segment files with the same bytes (and at least
 * `segments` of them); `undefined` while they differ (a copy still catching up).
 */
export async function identicalCopies(
  nodes: TestServer[],
  segments = 1,
): Promise<true | undefined> {
  const copies = await Promise.all(nodes.map(logFiles));
  const names = copies.map((c) => [...c.keys()].sort().join(","));
  if (new Set(names).size !== 1 || copies[0]!.size < segments) return undefined;
  for (const name of copies[0]!.keys()) {
    const bytes = copies.map((c) => c.get(name)!);
    if (bytes.some((b) => b.length !== bytes[0]!.length)) return undefined;
    if (bytes.some((b) => !b.every((x, k) => x === bytes[0]![k]))) {
      return undefined;
    }
  }
  return true;
}

/**
 * Every stored message of the partition, through `client`, from offset `from` (0; the oldest
 * retained one when segments were deleted), each poll after the last offset polled.
 */
export async function readAll(
  client: IggyClient,
  from = 0n,
): Promise<{ offset: bigint; payload: string }[]> {
  const out: { offset: bigint; payload: string }[] = [];
  for (;;) {
    const next = out.length > 0 ? out[out.length - 1]!.offset + 1n : from;
    const polled = await client.pollMessages({
      streamId: "s",
      topicId: "t",
      partitionId: 0,
      strategy: PollingStrategy.offset(next),
      count: 1000,
      autoCommit: false,
    });
    if (polled.messages.length === 0) return out;
    for (const m of polled.messages) {
      out.push({ offset: m.offset, payload: decoder.decode(m.payload) });
    }
  }
}

/** The name of the replicated test cluster of {@linkcode withReplicatedCluster}. */
export const CLUSTER = "replicated";
/** The names of its three nodes. */
export const NAMES = ["n1", "n2", "n3"];

/** Environment of node `name`: replication on, short lag and ack timeouts, small segments. */
export function replicatedEnv(
  etcd: string,
  name: string,
): Record<string, string> {
  return {
    ...nodeEnv(etcd, CLUSTER, name),
    IGGY_CLUSTER_REPLICATION_ENABLED: "true",
    IGGY_CLUSTER_REPLICATION_ACK_TIMEOUT: "3s",
    IGGY_CLUSTER_REPLICATION_MAX_LAG: "3s",
    // Small segments: the copies must seal their segments where the leader did.
    IGGY_SYSTEM_SEGMENT_SIZE: "8 KiB",
    IGGY_HTTP_ENABLED: "false",
    IGGY_WEBSOCKET_ENABLED: "false",
  };
}

/** The assignment of partition 0 of topic 0 of stream 0 in {@linkcode CLUSTER}, from etcd. */
export function assignment(etcd: EtcdClient): Promise<PartitionAssignment> {
  return partitionAssignment(etcd, CLUSTER);
}

/** Starts n1, n2, n3 with replication on (and `extra` env), one after the other. */
export async function startReplicated(
  etcd: string,
  extra: Record<string, string> = {},
): Promise<TestServer[]> {
  const nodes: TestServer[] = [];
  for (const name of NAMES) {
    nodes.push(
      await startServer({ env: { ...replicatedEnv(etcd, name), ...extra } }),
    );
  }
  return nodes;
}

/** Runs `fn` on a fresh etcd and three replicating nodes (with `extra` env), then stops them. */
export async function withReplicatedCluster(
  fn: (cluster: {
    etcdServer: TestEtcd;
    etcd: EtcdClient;
    nodes: TestServer[];
  }) => Promise<void>,
  extra: Record<string, string> = {},
): Promise<void> {
  await using etcdServer = await startEtcd();
  const nodes: TestServer[] = [];
  try {
    nodes.push(...await startReplicated(etcdServer.endpoint, extra));
    await fn({
      etcdServer,
      etcd: new EtcdClient([etcdServer.endpoint]),
      nodes,
    });
  } finally {
    for (const node of nodes) await node[Symbol.asyncDispose]();
  }
}

/** Waits until the three replicas are in the in-sync set (a restarted one caught up). */
export async function allInSync(etcd: EtcdClient): Promise<void> {
  await eventually(
    "the restarted node back in the in-sync set",
    async () => (await assignment(etcd)).inSync.length === 3 ? true : undefined,
    30_000,
  );
}

/** Creates the replicated topic through n1; the name of its partition's leader. */
export async function topicOnLeader(
  etcd: EtcdClient,
  nodes: TestServer[],
): Promise<string> {
  const admin = await login(nodes[0]!);
  try {
    await createReplicatedTopic(admin);
  } finally {
    await admin.close();
  }
  return (await assignment(etcd)).leader;
}

/** Closes `clients`, ignoring the ones whose node is gone. */
export async function closeAll(clients: Iterable<IggyClient>): Promise<void> {
  for (const client of clients) await client.close().catch(() => {});
}

/** Root clients of the nodes by name (n1, n2, n3), logged in on first use. */
export class NodeClients {
  readonly #nodes: TestServer[];
  readonly #clients = new Map<string, IggyClient>();

  constructor(nodes: TestServer[]) {
    this.#nodes = nodes;
  }

  /** The client of node `name` (a new login after {@linkcode NodeClients.forget}). */
  async of(name: string): Promise<IggyClient> {
    let client = this.#clients.get(name);
    if (!client) {
      client = await login(this.#nodes[NAMES.indexOf(name)]!);
      this.#clients.set(name, client);
    }
    return client;
  }

  /** Drops the client of node `name` (its node is killed or restarted). */
  forget(name: string): void {
    this.#clients.get(name)?.close().catch(() => {});
    this.#clients.delete(name);
  }

  /** Closes every client, ignoring the ones whose node is gone. */
  close(): Promise<void> {
    return closeAll(this.#clients.values());
  }
}
