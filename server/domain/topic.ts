/**
 * A topic: partitions, consumer groups and retention settings.
 * @module
 */

import type { ConsumerGroup } from "./consumer_group.ts";
import type { Partition } from "./partition.ts";

/** Mutable topic settings (CreateTopic/UpdateTopic fields). */
export interface TopicSettings {
  name: string;
  compressionAlgorithm: number;
  messageExpiry: bigint;
  maxTopicSize: bigint;
  replicationFactor: number;
}

/** One topic of a stream. */
export class Topic {
  readonly id: number;
  readonly createdAt: bigint;
  settings: TopicSettings;
  readonly partitions: Partition[] = [];
  readonly groups: Map<number, ConsumerGroup> = new Map();
  /** Round-robin cursor of Balanced partitioning. */
  balancedCursor = 0;

  constructor(id: number, createdAt: bigint, settings: TopicSettings) {
    this.id = id;
    this.createdAt = createdAt;
    this.settings = settings;
  }

  get name(): string {
    return this.settings.name;
  }

  /** Total stored bytes. */
  get sizeBytes(): bigint {
    return this.partitions.reduce((sum, p) => sum + p.sizeBytes, 0n);
  }

  /** Total stored messages. */
  get messagesCount(): bigint {
    return this.partitions.reduce((sum, p) => sum + p.messagesCount, 0n);
  }

  /** Finds a group by id or name. */
  findGroup(id: number | string): ConsumerGroup | undefined {
    if (typeof id === "number") return this.groups.get(id);
    for (const group of this.groups.values()) {
      if (group.name === id) return group;
    }
    return undefined;
  }

  /** Rebalances every group after the partition count changed. */
  rebalanceGroups(): void {
    for (const group of this.groups.values()) {
      group.rebalance(this.partitions.length);
    }
  }
}
