/**
 * Consumer groups (binary.md §8.7): members are connections; partitions are dealt round-robin.
 * In a cluster the members are every node's (`server/cluster/group_members.ts`), in one order on
 * every node, so the nodes deal the partitions alike.
 * @module
 */

/** One member of a group: a connection and the partitions it owns. */
export interface GroupMember {
  /** Member id, per group (max existing + 1). */
  id: number;
  /** The connection's client id (on its node). */
  clientId: number;
  /** In a cluster, the node of a member connected to another node; undefined for this node's. */
  node?: string;
  /** Owned partition ids, ascending. */
  partitions: number[];
  /** Round-robin cursor over `partitions` for polls without a partition. */
  cursor: number;
}

/** A consumer group of one topic. */
export class ConsumerGroup {
  readonly id: number;
  name: string;
  readonly members: GroupMember[] = [];

  constructor(id: number, name: string) {
    this.id = id;
    this.name = name;
  }

  /** The member for `clientId` (a connection to this node), if any. */
  member(clientId: number): GroupMember | undefined {
    return this.members.find((m) =>
      m.clientId === clientId && m.node === undefined
    );
  }

  /** Adds `clientId` (idempotent) and rebalances. */
  join(clientId: number, partitionsCount: number): void {
    if (this.member(clientId)) return;
    const id = this.members.reduce((max, m) => Math.max(max, m.id + 1), 0);
    this.members.push({ id, clientId, partitions: [], cursor: 0 });
    this.rebalance(partitionsCount);
  }

  /** Removes `clientId`; returns false when it was not a member. */
  leave(clientId: number, partitionsCount: number): boolean {
    const index = this.members.findIndex((m) =>
      m.clientId === clientId && m.node === undefined
    );
    if (index < 0) return false;
    this.members.splice(index, 1);
    this.rebalance(partitionsCount);
    return true;
  }

  /**
   * In a cluster: takes the cluster's members, in its join order (the same on every node), ids
   * by position, and rebalances. `node` is undefined for this node's connections.
   */
  setMembers(
    members: readonly { clientId: number; node?: string }[],
    partitionsCount: number,
  ): void {
    this.members.length = 0;
    members.forEach(({ clientId, node }, id) =>
      this.members.push({ id, clientId, node, partitions: [], cursor: 0 })
    );
    this.rebalance(partitionsCount);
  }

  /** Full rebalance: partition i goes to member `i mod members`, in member order. */
  rebalance(partitionsCount: number): void {
    for (const m of this.members) {
      m.partitions = [];
      m.cursor = 0;
    }
    if (this.members.length === 0) return;
    for (let p = 0; p < partitionsCount; p++) {
      this.members[p % this.members.length]!.partitions.push(p);
    }
  }
}
