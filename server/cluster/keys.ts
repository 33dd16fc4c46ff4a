/**
 * Where a cluster keeps its state in etcd: everything under `/<cluster.name>/`, so clusters with
 * different names share an etcd without seeing each other.
 *
 * ```text
 * /<name>/nodes/<node>            NodeInfo JSON, attached to the node's lease (gone when it dies)
 * /<name>/controller              the controller's node name, attached to its lease
 * /<name>/log/<20-digit index>    one committed metadata entry (1, 2, 3, ...; never rewritten)
 * /<name>/assignments/<s>/<t>     a topic's partition assignments (PartitionAssignment[] JSON)
 * /<name>/members/<s>/<t>/<g>/<node>/<client>   a consumer group member, on its node's lease
 * ```
 * @module
 */

/** The etcd keys of one cluster. */
export class ClusterKeys {
  /** `/<name>/`: every key of the cluster starts with it. */
  readonly root: string;
  /** Prefix of the node registrations. */
  readonly nodes: string;
  /** The controller election key. */
  readonly controller: string;
  /** Prefix of the metadata log. */
  readonly log: string;
  /** Prefix of the partition assignments. */
  readonly assignments: string;
  /** Prefix of the consumer group members. */
  readonly members: string;
  /** Prefix of the followers' reports of a partition leader they cannot reach. */
  readonly unreachable: string;

  /** @param clusterName `cluster.name` */
  constructor(clusterName: string) {
    this.root = `/${clusterName}/`;
    this.nodes = `${this.root}nodes/`;
    this.controller = `${this.root}controller`;
    this.log = `${this.root}log/`;
    this.assignments = `${this.root}assignments/`;
    this.members = `${this.root}members/`;
    this.unreachable = `${this.root}unreachable/`;
  }

  /** The key of `follower`'s report that it cannot reach the leader of a partition. */
  unreachableReport(
    ref: { streamId: number; topicId: number; partitionId: number },
    follower: string,
  ): string {
    return `${this.unreachable}${ref.streamId}/${ref.topicId}/${ref.partitionId}/${follower}`;
  }

  /** The registration key of `node`. */
  node(name: string): string {
    return `${this.nodes}${name}`;
  }

  /** The key of log entry `index` (zero-padded, so keys sort as indexes do). */
  logEntry(index: number): string {
    return `${this.log}${String(index).padStart(20, "0")}`;
  }

  /** The log index a log key names, or `NaN`. */
  logIndex(key: string): number {
    return Number(key.slice(this.log.length));
  }

  /** The assignments key of one topic. */
  topicAssignments(streamId: number, topicId: number): string {
    return `${this.assignments}${streamId}/${topicId}`;
  }

  /** The prefix of one group's members, of one topic's (no `groupId`) or one stream's groups. */
  groupMembers(streamId: number, topicId?: number, groupId?: number): string {
    return [streamId, topicId, groupId].filter((id) => id !== undefined)
      .reduce((key, id) => `${key}${id}/`, this.members);
  }

  /** The key of one member: connection `clientId` of `node`. */
  groupMember(group: GroupRef, node: string, clientId: number): string {
    return `${
      this.groupMembers(group.streamId, group.topicId, group.groupId)
    }${node}/${clientId}`;
  }

  /** The group and member a member key names, or undefined for another key. */
  parseGroupMember(
    key: string,
  ): { group: GroupRef; node: string; clientId: number } | undefined {
    if (!key.startsWith(this.members)) return undefined;
    const parts = key.slice(this.members.length).split("/");
    if (parts.length !== 5) return undefined;
    const [streamId, topicId, groupId, clientId] = [0, 1, 2, 4].map((i) =>
      Number(parts[i])
    ) as [number, number, number, number];
    return {
      group: { streamId, topicId, groupId },
      node: parts[3]!,
      clientId,
    };
  }
}

/** One consumer group, by numeric ids. */
export interface GroupRef {
  streamId: number;
  topicId: number;
  groupId: number;
}
