/**
 * A stream: a named set of topics.
 * @module
 */

import type { Topic } from "./topic.ts";

/** One stream. */
export class Stream {
  readonly id: number;
  readonly createdAt: bigint;
  name: string;
  readonly topics: Map<number, Topic> = new Map();

  constructor(id: number, createdAt: bigint, name: string) {
    this.id = id;
    this.createdAt = createdAt;
    this.name = name;
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
