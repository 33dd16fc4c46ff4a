/**
 * Test helpers for replicated partitions (issue 17): the one-partition topic "s"/"t" with
 * replication factor 3, its assignment in etcd, its stored `.log` copies and its messages.
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { type IggyClient, Partitioning, PollingStrategy } from "../../mod.ts";
import type { EtcdClient } from "../../server/cluster/etcd.ts";
import type { PartitionAssignment } from "../../server/cluster/placement.ts";
import type { TestServer } from "../_server.ts";

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
async function logFiles(node: TestServer): Promise<Map<string, Uint8Array>> {
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

/** Every stored message of the partition, through `client`, from offset 0. */
export async function readAll(
  client: IggyClient,
): Promise<{ offset: bigint; payload: string }[]> {
  const out: { offset: bigint; payload: string }[] = [];
  for (;;) {
    const polled = await client.pollMessages({
      streamId: "s",
      topicId: "t",
      partitionId: 0,
      strategy: PollingStrategy.offset(BigInt(out.length)),
      count: 1000,
      autoCommit: false,
    });
    if (polled.messages.length === 0) return out;
    for (const m of polled.messages) {
      out.push({ offset: m.offset, payload: decoder.decode(m.payload) });
    }
  }
}
