/**
 * A partition: its append-only log and the offsets its consumers and groups stored.
 * @module
 */

import { PartitionLog } from "../storage/partition_log.ts";
import type { ReadResult } from "../storage/partition_log.ts";
import type { RequestMemory } from "../storage/message_memory.ts";
import type { CacheBudget } from "../storage/cache_budget.ts";
import type { MessageCipher } from "../storage/encryption.ts";
import { decodeFromStorage, encodeForStorage } from "../storage/at_rest.ts";
import { MessageDeduplicator } from "./deduplication.ts";
import { deleteOffset, loadOffsets, storeOffset } from "../storage/offsets.ts";

/** Options for opening a partition's log. */
export interface PartitionOptions {
  segmentSize: number;
  enforceFsync: boolean;
  validateChecksum: boolean;
  logger: (message: string) => void;
  /** Memory budget shared by every partition's read cache. */
  cacheBudget?: CacheBudget;
  /** fsync after this many unsaved messages (`messages_required_to_save`); 0 = never on a count. */
  saveMessages?: number;
  /** fsync after this many unsaved bytes (`size_of_messages_required_to_save`); 0 = never on a size. */
  saveBytes?: number;
  /** Drop messages whose id was seen: capacity and time to live (ms), 0 = unbounded. */
  deduplication?: { maxEntries: number; ttl: number };
  /** Encrypt message bodies at rest. */
  cipher?: MessageCipher;
}

/** Options of {@linkcode Partition.appendMessages}. */
export interface AppendMessagesOptions {
  /** Store bodies gzipped (where that saves space). */
  gzip?: boolean;
  /** The memory `messages` was received in (see `PartitionLog.append`). */
  memory?: RequestMemory;
}

/** Whose offset: a single consumer (keyed by id or hashed name) or a consumer group (by group id). */
export type OffsetOwner = { kind: "consumers" | "groups"; key: number };

/** What reads report of a partition's storage. */
export interface PartitionFigures {
  segmentsCount: number;
  currentOffset: bigint;
  sizeBytes: bigint;
  messagesCount: bigint;
}

/** One partition of a topic. */
export class Partition {
  readonly id: number;
  readonly createdAt: bigint;
  readonly dir: string;
  readonly log: PartitionLog;
  readonly consumerOffsets: Map<number, bigint>;
  readonly groupOffsets: Map<number, bigint>;
  #dedup: MessageDeduplicator | undefined;
  #cipher: MessageCipher | undefined;

  private constructor(
    id: number,
    createdAt: bigint,
    dir: string,
    log: PartitionLog,
    offsets: { consumers: Map<number, bigint>; groups: Map<number, bigint> },
    options: PartitionOptions,
  ) {
    this.id = id;
    this.createdAt = createdAt;
    this.dir = dir;
    this.log = log;
    this.consumerOffsets = offsets.consumers;
    this.groupOffsets = offsets.groups;
    this.#dedup = options.deduplication &&
      new MessageDeduplicator(options.deduplication);
    this.#cipher = options.cipher;
  }

  /**
   * In a cluster, the figures of the node that leads this partition when another node does
   * (this node's copy is empty); reads report them instead of the local log's.
   */
  remoteFigures: PartitionFigures | undefined;

  /**
   * Changes with every stored or deleted offset (from a random start, so that two nodes' counters
   * do not look alike): a replica copies the offsets when it differs from the one it has.
   */
  offsetsVersion: number = crypto.getRandomValues(new Uint32Array(1))[0]!;

  /** Segments, as reads report them. */
  get segmentsCount(): number {
    return this.remoteFigures?.segmentsCount ?? this.log.segmentsCount;
  }

  /** Offset of the last message, as reads report it. */
  get currentOffset(): bigint {
    return this.remoteFigures?.currentOffset ?? this.log.currentOffset;
  }

  /** Stored bytes, as reads report them. */
  get sizeBytes(): bigint {
    return this.remoteFigures?.sizeBytes ?? this.log.sizeBytes;
  }

  /** Stored messages, as reads report them. */
  get messagesCount(): bigint {
    return this.remoteFigures?.messagesCount ?? this.log.messagesCount;
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
      cacheBudget: options.cacheBudget,
      saveMessages: options.saveMessages,
      saveBytes: options.saveBytes,
    });
    return new Partition(
      id,
      createdAt,
      dir,
      log,
      await loadOffsets(dir),
      options,
    );
  }

  /**
   * Stores a validated message section: drops duplicates (when deduplication is on) before
   * offsets are assigned, compresses and encrypts bodies as configured, then appends.
   * @returns how many messages were stored (fewer than `count` when duplicates were dropped)
   */
  async appendMessages(
    messages: Uint8Array,
    count: number,
    timestamp: bigint,
    options: AppendMessagesOptions = {},
  ): Promise<number> {
    let added: string[] = [];
    if (this.#dedup) {
      const kept = this.#dedup.filter(messages, count);
      messages = kept.messages;
      count = kept.count;
      added = kept.added;
      if (count === 0) return 0;
    }
    try {
      const stored = await encodeForStorage(messages, count, {
        cipher: this.#cipher,
        gzip: options.gzip,
      });
      await this.log.append(stored, count, timestamp, {
        memory: options.memory,
        // A new buffer made by compression or encryption is ours to give.
        transfer: stored !== messages || undefined,
      });
    } catch (err) {
      this.#dedup?.forget(added);
      throw err;
    }
    return count;
  }

  /**
   * Remembers the ids of stored frames copied from another node (a replica of the leader), so
   * that, leader in turn, this partition still drops a retry of a message the old leader took.
   */
  rememberIds(frames: Uint8Array, count: number): void {
    this.#dedup?.filter(frames, count);
  }

  /**
   * Reads up to `count` messages from `startOffset` as wire frames (decrypted and
   * decompressed where they were stored so).
   * @param memory the request's memory: plain frames are read into its answer regions; new
   *   buffers by default
   * @throws {IggyError} 72 `CannotDecryptData` for a stored message that cannot be opened
   */
  async readMessages(
    startOffset: bigint,
    count: number,
    memory?: RequestMemory,
  ): Promise<ReadResult> {
    const read = await this.log.read(startOffset, count, memory?.answer);
    read.chunks = await decodeFromStorage(read.chunks, this.#cipher);
    return read;
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

  /**
   * Stores `offset` for `owner` and persists it. Memory changes at once, so a poll that comes
   * while the file is written already continues after it (auto-commit is at-most-once); when the
   * write fails, memory goes back to what it was, unless a later store replaced it meanwhile.
   */
  async storeOffset(owner: OffsetOwner, offset: bigint): Promise<void> {
    const offsets = this.#offsets(owner);
    const previous = offsets.get(owner.key);
    offsets.set(owner.key, offset);
    this.offsetsVersion = (this.offsetsVersion + 1) >>> 0;
    try {
      await storeOffset(this.dir, owner.kind, owner.key, offset);
    } catch (err) {
      if (offsets.get(owner.key) === offset) {
        if (previous === undefined) offsets.delete(owner.key);
        else offsets.set(owner.key, previous);
      }
      throw err;
    }
  }

  /**
   * Deletes the stored offset of `owner` from disk, then from memory (unchanged when the removal
   * fails); false when none was stored in memory.
   */
  async deleteOffset(owner: OffsetOwner): Promise<boolean> {
    const stored = this.#offsets(owner).has(owner.key);
    await deleteOffset(this.dir, owner.kind, owner.key);
    this.#offsets(owner).delete(owner.key);
    this.offsetsVersion = (this.offsetsVersion + 1) >>> 0;
    return stored;
  }

  /**
   * Removes every message and stored offset; the partition restarts at offset 0.
   * @param takeAway takes the directory (offset files included) away in one atomic step, see
   * `PartitionLog.purge`; when it rejects, nothing changes
   */
  async purge(takeAway: (dir: string) => Promise<unknown>): Promise<void> {
    await this.log.purge(takeAway);
    this.consumerOffsets.clear();
    this.groupOffsets.clear();
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
