/**
 * A partition: its append-only log and the offsets its consumers and groups stored.
 * @module
 */

import { PartitionLog } from "../storage/partition_log.ts";
import {
  deleteAllOffsets,
  deleteOffset,
  loadOffsets,
  storeOffset,
} from "../storage/offsets.ts";

/** Options for opening a partition's log. */
export interface PartitionOptions {
  segmentSize: number;
  enforceFsync: boolean;
  validateChecksum: boolean;
  logger: (message: string) => void;
}

/** Whose offset: a single consumer (keyed by id or hashed name) or a consumer group (by group id). */
export type OffsetOwner = { kind: "consumers" | "groups"; key: number };

/** One partition of a topic. */
export class Partition {
  readonly id: number;
  readonly createdAt: bigint;
  readonly dir: string;
  readonly log: PartitionLog;
  readonly consumerOffsets: Map<number, bigint>;
  readonly groupOffsets: Map<number, bigint>;

  private constructor(
    id: number,
    createdAt: bigint,
    dir: string,
    log: PartitionLog,
    offsets: { consumers: Map<number, bigint>; groups: Map<number, bigint> },
  ) {
    this.id = id;
    this.createdAt = createdAt;
    this.dir = dir;
    this.log = log;
    this.consumerOffsets = offsets.consumers;
    this.groupOffsets = offsets.groups;
  }

  /** Opens (or creates) the partition in `dir`, recovering its log and loading stored offsets. */
  static async open(
    dir: string,
    id: number,
    createdAt: bigint,
    options: PartitionOptions,
  ): Promise<Partition> {
    const log = await PartitionLog.open(dir, {
      segmentSize: options.segmentSize,
      enforceFsync: options.enforceFsync,
      validateChecksum: options.validateChecksum,
      logger: options.logger,
    });
    return new Partition(id, createdAt, dir, log, await loadOffsets(dir));
  }

  #offsets(owner: OffsetOwner): Map<number, bigint> {
    return owner.kind === "consumers"
      ? this.consumerOffsets
      : this.groupOffsets;
  }

  /** The stored offset of `owner`, if any. */
  storedOffset(owner: OffsetOwner): bigint | undefined {
    return this.#offsets(owner).get(owner.key);
  }

  /** Stores and persists `offset` for `owner`. */
  async storeOffset(owner: OffsetOwner, offset: bigint): Promise<void> {
    this.#offsets(owner).set(owner.key, offset);
    await storeOffset(this.dir, owner.kind, owner.key, offset);
  }

  /** Deletes the stored offset of `owner`; false when none was stored. */
  async deleteOffset(owner: OffsetOwner): Promise<boolean> {
    if (!this.#offsets(owner).delete(owner.key)) return false;
    await deleteOffset(this.dir, owner.kind, owner.key);
    return true;
  }

  /** Removes every message and stored offset; the partition restarts at offset 0. */
  async purge(): Promise<void> {
    await this.log.purge();
    this.consumerOffsets.clear();
    this.groupOffsets.clear();
    await deleteAllOffsets(this.dir);
  }

  /** The lowest offset any consumer or group stored, if any. */
  lowestStoredOffset(): bigint | undefined {
    let lowest: bigint | undefined;
    for (const map of [this.consumerOffsets, this.groupOffsets]) {
      for (const value of map.values()) {
        if (lowest === undefined || value < lowest) lowest = value;
      }
    }
    return lowest;
  }
}
