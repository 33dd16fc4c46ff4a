/**
 * Reports of followers that cannot reach their partition's leader. A leader cut off from its
 * followers but not from etcd keeps its lease, so the lease alone never replaces it; its
 * followers say so instead, in etcd (`unreachable/<stream>/<topic>/<partition>/<follower>`,
 * under the follower's lease), with the state an election needs (epoch, log end, offsets
 * version). When enough in-sync followers report the current epoch that one of them holds every
 * acknowledged message, the controller elects among them without asking anyone over the node
 * channel (it may be the node cut off). See `server/cluster/README.md`, "Network partitions".
 * @module
 */

import type { ClusterNode } from "./cluster_node.ts";

/** What a follower reports about the leader it cannot reach. */
export interface UnreachableReport {
  follower: string;
  /** The leader epoch its log follows. */
  epoch: number;
  /** Its log end. */
  nextOffset: bigint;
  /** The leader's offsets version it copied, when known. */
  offsetsVersion?: number;
}

/**
 * Follower side: reports when a fetch fails and the last answer is at least `afterMs` old (or,
 * with none yet, the follower loop started that long ago); withdraws on the next answer.
 */
export class LeaderContact {
  readonly #node: ClusterNode;
  readonly #key: string;
  readonly #afterMs: number;
  #lastAnswer = Date.now();
  #reported = false;

  constructor(node: ClusterNode, key: string, afterMs: number) {
    this.#node = node;
    this.#key = key;
    this.#afterMs = afterMs;
  }

  /** A fetch was answered: the leader is reachable (a report made earlier is withdrawn). */
  answered(): void {
    this.#lastAnswer = Date.now();
    this.withdraw();
  }

  /** A fetch failed (no answer, no connection, or a refusal); `state` is what to report. */
  failed(state: () => UnreachableReport): void {
    if (this.#reported || Date.now() - this.#lastAnswer < this.#afterMs) return;
    this.#reported = true;
    const report = state();
    this.#node.putOwned(
      this.#key,
      JSON.stringify({ ...report, nextOffset: String(report.nextOffset) }),
    ).catch(() => this.#reported = false);
  }

  /** Takes a report back (the follower loop ends, or the leader answered). */
  withdraw(): void {
    if (!this.#reported) return;
    this.#reported = false;
    this.#node.deleteKey(this.#key).catch(() => {});
  }
}

/**
 * The reports under `prefix` by partition (`"<stream>/<topic>/<partition>"`); malformed ones are
 * skipped.
 */
export function reportsByPartition(
  kvs: { key: string; value: string }[],
  prefix: string,
): Map<string, UnreachableReport[]> {
  const out = new Map<string, UnreachableReport[]>();
  for (const { key, value } of kvs) {
    const parts = key.slice(prefix.length).split("/");
    if (parts.length !== 4) continue;
    try {
      const raw = JSON.parse(value) as Record<string, unknown>;
      if (
        typeof raw.follower !== "string" || typeof raw.epoch !== "number" ||
        typeof raw.nextOffset !== "string"
      ) continue;
      const report: UnreachableReport = {
        follower: raw.follower,
        epoch: raw.epoch,
        nextOffset: BigInt(raw.nextOffset),
        offsetsVersion: typeof raw.offsetsVersion === "number"
          ? raw.offsetsVersion
          : undefined,
      };
      const partition = parts.slice(0, 3).join("/");
      const list = out.get(partition) ?? [];
      list.push(report);
      out.set(partition, list);
    } catch {
      // Not a report this version wrote.
    }
  }
  return out;
}
