/**
 * Partition figures across the cluster: a node's copy of a partition another node leads is empty,
 * so reads that report figures (GetStats, GetStream(s), GetTopic(s)) first ask the other nodes,
 * over the node channel, for the figures of the partitions they lead.
 *
 * ```text
 * request   code PARTITION_FIGURES, empty payload
 * answer    [count u32] then per partition:
 *           [stream u32][topic u32][partition u32][segments u32][current offset u64][size u64][messages u64]
 * ```
 * @module
 */

import { CommandCode } from "../../client/protocol/codes.ts";
import type { System } from "../domain/system.ts";
import type { ClusterNode } from "./cluster_node.ts";
import { NODE_CALLER, type NodeChannel } from "./channel.ts";
import { requestWithin } from "./peer_request.ts";

/** Channel-only command code (no client command uses it; clients cannot reach the channel). */
export const PARTITION_FIGURES = 0x49_47_00_01;

const ENTRY_SIZE = 40;

/** The reads whose answers include partition figures. */
const READS_WITH_FIGURES: ReadonlySet<number> = new Set([
  CommandCode.GetStats,
  CommandCode.GetStream,
  CommandCode.GetStreams,
  CommandCode.GetTopic,
  CommandCode.GetTopics,
]);

/** True when the answer of `code` reports partition figures. */
export function readsFigures(code: number): boolean {
  return READS_WITH_FIGURES.has(code);
}

/** The figures of every partition `node` leads, encoded. */
export function encodeLedFigures(
  system: System,
  node: ClusterNode,
): Uint8Array {
  const entries: Uint8Array[] = [];
  for (const stream of system.streams.values()) {
    for (const topic of stream.topics.values()) {
      const assignments = node.assignmentsOf(stream.id, topic.id);
      for (const p of topic.partitions) {
        if (assignments?.[p.id]?.leader !== node.self.name) continue;
        const entry = new Uint8Array(ENTRY_SIZE);
        const view = new DataView(entry.buffer);
        view.setUint32(0, stream.id, true);
        view.setUint32(4, topic.id, true);
        view.setUint32(8, p.id, true);
        view.setUint32(12, p.log.segmentsCount, true);
        view.setBigUint64(16, p.log.currentOffset, true);
        view.setBigUint64(24, p.log.sizeBytes, true);
        view.setBigUint64(32, p.log.messagesCount, true);
        entries.push(entry);
      }
    }
  }
  const out = new Uint8Array(4 + entries.length * ENTRY_SIZE);
  new DataView(out.buffer).setUint32(0, entries.length, true);
  entries.forEach((entry, i) => out.set(entry, 4 + i * ENTRY_SIZE));
  return out;
}

/** Stores the figures `answer` carries on this node's copies of those partitions. */
function applyFigures(system: System, answer: Uint8Array): void {
  const view = new DataView(
    answer.buffer,
    answer.byteOffset,
    answer.byteLength,
  );
  const count = answer.length >= 4 ? view.getUint32(0, true) : 0;
  for (let i = 0; i < count && 4 + (i + 1) * ENTRY_SIZE <= answer.length; i++) {
    const at = 4 + i * ENTRY_SIZE;
    const partition = system.streams.get(view.getUint32(at, true))
      ?.topics.get(view.getUint32(at + 4, true))
      ?.partitions[view.getUint32(at + 8, true)];
    if (!partition) continue;
    partition.remoteFigures = {
      segmentsCount: view.getUint32(at + 12, true),
      currentOffset: view.getBigUint64(at + 16, true),
      sizeBytes: view.getBigUint64(at + 24, true),
      messagesCount: view.getBigUint64(at + 32, true),
    };
  }
}

/**
 * Asks every other live node that leads partitions for their figures, at once. A node that does
 * not answer keeps the figures it gave last.
 */
export async function refreshFigures(
  system: System,
  cluster: {
    node: ClusterNode;
    channelTo: (name: string) => Promise<NodeChannel>;
    /** How long to wait for a node's figures (one cut off never answers). */
    requestTimeoutMs: number;
  },
): Promise<void> {
  const { node, channelTo } = cluster;
  const peers = node.nodes.filter((n) =>
    n.name !== node.self.name && n.leadsPartitions !== false
  );
  await Promise.all(peers.map(async (peer) => {
    try {
      const channel = await channelTo(peer.name);
      applyFigures(
        system,
        await requestWithin(channel, cluster.requestTimeoutMs, {
          caller: NODE_CALLER,
          code: PARTITION_FIGURES,
          payload: new Uint8Array(0),
        }),
      );
    } catch {
      // Unreachable: keep what it reported last.
    }
  }));
}
