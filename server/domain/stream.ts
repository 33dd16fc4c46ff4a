/**
 * A stream: a named set of topics.
 * @module
 */

import { IdAllocator } from "./ids.ts";
import type { Topic } from "./topic.ts";

/** One stream. */
export class Stream {
  readonly id: number;
  readonly createdAt: bigint;
  name: string;
  readonly topics: Map<number, Topic> = new Map();
  readonly topicIds: IdAllocator;

  constructor(
    id: number,
    createdAt: bigint,
    name: string,
    topicIds = new IdAllocator(),
  ) {
    this.id = id;
    this.createdAt = createdAt;
    this.name = name;
    this.topicIds = topicIds;
  }

  /** Finds a topic by id or name. */
  findTopic(id: number | string): Topic | undefined {
    if (typeof id === "number") return this.topics.get(id);
    for (const topic of this.topics.values()) {
      if (topic.name === id) return topic;
    }
    return undefined;
  }

  /** Total stored bytes. */
  get sizeBytes(): bigint {
    let sum = 0n;
    for (const topic of this.topics.values()) sum += topic.sizeBytes;
    return sum;
  }

  /** Total stored messages. */
  get messagesCount(): bigint {
    let sum = 0n;
    for (const topic of this.topics.values()) sum += topic.messagesCount;
    return sum;
  }
}
