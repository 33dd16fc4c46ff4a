/**
 * Small builders for the values a poll or a send needs: who consumes ({@linkcode Consumer}), where a
 * poll starts ({@linkcode PollingStrategy}) and which partition a send goes to
 * ({@linkcode Partitioning}). Each name is both a value (the builders) and the type they build.
 * @module
 */

import type {
  Consumer as WireConsumer,
  Identifier,
  Partitioning as WirePartitioning,
  PollingStrategy as WirePollingStrategy,
} from "./protocol/mod.ts";
import type { HeaderValue } from "./protocol/mod.ts";
import { header as wireHeader, utf8 } from "./protocol/mod.ts";

/**
 * Who polls or owns an offset: a single consumer or a consumer group.
 *
 * @example Usage
 * ```ts
 * import { Consumer } from "@iggy/client";
 *
 * const who: Consumer = Consumer.group("billing");
 * console.log(who.kind);
 * ```
 */
export type Consumer = WireConsumer;

/**
 * Builders for {@linkcode Consumer}.
 *
 * @example Usage
 * ```ts
 * import { Consumer } from "@iggy/client";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(Consumer.single(1), { kind: "consumer", id: 1 });
 * assert.deepEqual(Consumer.group("workers"), { kind: "group", id: "workers" });
 * ```
 */
export const Consumer: {
  /**
   * A single consumer with a client-chosen id (its offsets are its own).
   *
   * @param id A numeric id or a name.
   * @returns The consumer.
   */
  single(id: Identifier): Consumer;
  /**
   * A consumer group (it must exist; the connection must have joined it to poll).
   *
   * @param id The group's id or name.
   * @returns The consumer.
   */
  group(id: Identifier): Consumer;
} = {
  single(id: Identifier): Consumer {
    return { kind: "consumer", id };
  },
  group(id: Identifier): Consumer {
    return { kind: "group", id };
  },
};

/**
 * Where a poll starts.
 *
 * @example Usage
 * ```ts
 * import { PollingStrategy } from "@iggy/client";
 *
 * const from: PollingStrategy = PollingStrategy.timestamp(new Date("2026-01-01"));
 * console.log(from.kind);
 * ```
 */
export type PollingStrategy = WirePollingStrategy;

/**
 * Builders for {@linkcode PollingStrategy}.
 *
 * @example Usage
 * ```ts
 * import { PollingStrategy } from "@iggy/client";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(PollingStrategy.offset(10), { kind: "offset", value: 10n });
 * assert.deepEqual(PollingStrategy.next(), { kind: "next", value: 0n });
 * ```
 */
export const PollingStrategy: {
  /**
   * Start at an absolute partition offset.
   *
   * @param offset The first offset to return.
   * @returns The strategy.
   * @throws {RangeError} When `offset` is negative or not an integer.
   */
  offset(offset: bigint | number): PollingStrategy;
  /**
   * Start at the first message whose server timestamp is at or after `timestamp`.
   *
   * @param timestamp Microseconds since the epoch, or a `Date`.
   * @returns The strategy.
   * @throws {RangeError} When the timestamp is negative or not an integer.
   */
  timestamp(timestamp: bigint | number | Date): PollingStrategy;
  /**
   * Start at the oldest retained message.
   *
   * @returns The strategy.
   */
  first(): PollingStrategy;
  /**
   * The last `count` messages of the partition.
   *
   * @returns The strategy.
   */
  last(): PollingStrategy;
  /**
   * Continue after the consumer's stored offset (from the first message when none is stored).
   *
   * @returns The strategy.
   */
  next(): PollingStrategy;
} = {
  offset(offset: bigint | number): PollingStrategy {
    return { kind: "offset", value: toU64(offset, "Offset") };
  },
  timestamp(timestamp: bigint | number | Date): PollingStrategy {
    const value = timestamp instanceof Date
      ? BigInt(timestamp.getTime()) * 1000n
      : toU64(timestamp, "Timestamp");
    return { kind: "timestamp", value };
  },
  first(): PollingStrategy {
    return { kind: "first", value: 0n };
  },
  last(): PollingStrategy {
    return { kind: "last", value: 0n };
  },
  next(): PollingStrategy {
    return { kind: "next", value: 0n };
  },
};

/**
 * How the server picks the partition of a send.
 *
 * @example Usage
 * ```ts
 * import { Partitioning } from "@iggy/client";
 *
 * const where: Partitioning = Partitioning.messagesKey("customer-42");
 * console.log(where.kind);
 * ```
 */
export type Partitioning = WirePartitioning;

/**
 * Builders for {@linkcode Partitioning}.
 *
 * @example Usage
 * ```ts
 * import { Partitioning } from "@iggy/client";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(Partitioning.partitionId(2), { kind: "partition_id", partitionId: 2 });
 * assert.equal(Partitioning.messagesKey("user-1").kind, "messages_key");
 * ```
 */
export const Partitioning: {
  /**
   * Round-robin over the topic's partitions, one step per send.
   *
   * @returns The partitioning.
   */
  balanced(): Partitioning;
  /**
   * A fixed partition (0-based).
   *
   * @param partitionId The partition id.
   * @returns The partitioning.
   * @throws {RangeError} When the id is not a u32.
   */
  partitionId(partitionId: number): Partitioning;
  /**
   * The partition chosen by hashing a key, so equal keys land on the same partition.
   *
   * @param key A string (sent as UTF-8) or bytes; 1..255 bytes.
   * @returns The partitioning.
   * @throws {RangeError} When the key is empty or longer than 255 bytes.
   */
  messagesKey(key: string | Uint8Array): Partitioning;
} = {
  balanced(): Partitioning {
    return { kind: "balanced" };
  },
  partitionId(partitionId: number): Partitioning {
    if (
      !Number.isInteger(partitionId) || partitionId < 0 ||
      partitionId > 0xffff_ffff
    ) {
      throw new RangeError(`Partition id must be a u32: ${partitionId}`);
    }
    return { kind: "partition_id", partitionId };
  },
  messagesKey(key: string | Uint8Array): Partitioning {
    const bytes = typeof key === "string" ? utf8(key) : key;
    if (bytes.length < 1 || bytes.length > 255) {
      throw new RangeError(
        `Messages key must be 1..255 bytes: ${bytes.length}`,
      );
    }
    return { kind: "messages_key", key: bytes };
  },
};

function toU64(value: bigint | number, what: string): bigint {
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`${what} must be a non-negative integer: ${value}`);
    }
    return BigInt(value);
  }
  if (value < 0n || value > 0xffff_ffff_ffff_ffffn) {
    throw new RangeError(`${what} must be a u64: ${value}`);
  }
  return value;
}

/**
 * Builders for typed user-header values (numbers little-endian, as Iggy sends them).
 *
 * @example Usage
 * ```ts
 * import { header, HeaderKind, headerToValue } from "@iggy/client";
 * import assert from "node:assert/strict";
 *
 * const value = header.uint64(42n);
 * assert.equal(value.kind, HeaderKind.Uint64);
 * assert.equal(headerToValue(value), 42n);
 * ```
 */
export const header: {
  /** Raw bytes (1..255). */
  raw(value: Uint8Array): HeaderValue;
  /** A UTF-8 string (1..255 bytes). */
  string(value: string): HeaderValue;
  /** A boolean. */
  bool(value: boolean): HeaderValue;
  /** A signed 8-bit integer. */
  int8(value: number): HeaderValue;
  /** A signed 16-bit integer. */
  int16(value: number): HeaderValue;
  /** A signed 32-bit integer. */
  int32(value: number): HeaderValue;
  /** A signed 64-bit integer. */
  int64(value: bigint): HeaderValue;
  /** A signed 128-bit integer. */
  int128(value: bigint): HeaderValue;
  /** An unsigned 8-bit integer. */
  uint8(value: number): HeaderValue;
  /** An unsigned 16-bit integer. */
  uint16(value: number): HeaderValue;
  /** An unsigned 32-bit integer. */
  uint32(value: number): HeaderValue;
  /** An unsigned 64-bit integer. */
  uint64(value: bigint): HeaderValue;
  /** An unsigned 128-bit integer. */
  uint128(value: bigint): HeaderValue;
  /** A 32-bit float. */
  float32(value: number): HeaderValue;
  /** A 64-bit float. */
  float64(value: number): HeaderValue;
} = wireHeader;
