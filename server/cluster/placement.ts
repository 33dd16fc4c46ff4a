/**
 * Partition placement: which nodes hold each partition of a new topic, and which of them leads.
 * Pure (no I/O): the node that validates a CreateTopic computes it from the live nodes and the
 * current assignments, and the result is committed with the log entry.
 * @module
 */

/** Where one partition lives. */
export interface PartitionAssignment {
  partitionId: number;
  /** The node that serves the partition's reads and writes. */
  leader: string;
  /** Every node holding a copy, leader first. */
  replicas: string[];
  /** Replicas known to be up to date (the leader included); changed only by etcd transaction. */
  inSync: string[];
  /** Raised each time the leader changes, so a stale leader's writes can be refused. */
  leaderEpoch: number;
  /**
   * Replicated partitions: where each epoch's log starts (the new leader's log end when it took
   * over); a replica returning from an older epoch cuts its log there.
   */
  epochs?: { epoch: number; start: number }[];
}

/**
 * Assigns `partitionsCount` partitions (ids from `firstPartitionId`) to `replicationFactor` nodes
 * each, leaders spread over `nodes`: each partition's leader is the node that leads the fewest
 * partitions so far (`leadCounts`, updated in place), ties broken by name, so N nodes share the
 * leaders (and the cores) evenly.
 * @throws {RangeError} when fewer nodes are live than the replication factor needs
 */
export function placePartitions(
  nodes: readonly string[],
  leadCounts: Map<string, number>,
  options: {
    partitionsCount: number;
    replicationFactor: number;
    firstPartitionId?: number;
  },
): PartitionAssignment[] {
  const { partitionsCount, replicationFactor } = options;
  const sorted = [...nodes].sort();
  if (sorted.length < replicationFactor || replicationFactor < 1) {
    throw new RangeError(
      `replication factor ${replicationFactor} needs that many live nodes; ${sorted.length} live`,
    );
  }
  const placed: PartitionAssignment[] = [];
  for (let i = 0; i < partitionsCount; i++) {
    const byLoad = [...sorted].sort((a, b) =>
      (leadCounts.get(a) ?? 0) - (leadCounts.get(b) ?? 0) || (a < b ? -1 : 1)
    );
    const leader = byLoad[0]!;
    leadCounts.set(leader, (leadCounts.get(leader) ?? 0) + 1);
    const replicas = [leader, ...byLoad.slice(1, replicationFactor)];
    placed.push({
      partitionId: (options.firstPartitionId ?? 0) + i,
      leader,
      replicas,
      inSync: replicationFactor > 1 ? replicas : [leader],
      leaderEpoch: 1,
      ...(replicationFactor > 1 ? { epochs: [{ epoch: 1, start: 0 }] } : {}),
    });
  }
  return placed;
}

/** How many partitions each node leads in `assignments`. */
export function leadCountsOf(
  assignments: Iterable<readonly PartitionAssignment[]>,
): Map<string, number> {
  const counts = new Map<string, number>();
  for (const topic of assignments) {
    for (const p of topic) {
      counts.set(p.leader, (counts.get(p.leader) ?? 0) + 1);
    }
  }
  return counts;
}
