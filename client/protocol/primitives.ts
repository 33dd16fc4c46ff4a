/**
 * Wire primitives shared by many commands (binary.md §2): names, Consumer, OptPartition,
 * PollingStrategy, Partitioning and the small enumerations of §2.8.
 *
 * Readers throw {@linkcode WireError}: 3 `InvalidCommand` for truncated input and unknown enum
 * codes, 4 `InvalidFormat` for failed validation (e.g. an empty name).
 * @module
 */

import type { ByteReader, ByteWriter } from "./bytes.ts";
import { fromUtf8, utf8 } from "./bytes.ts";
import { ErrorCode, invalid } from "./errors.ts";
import type { Identifier } from "./identifier.ts";
import { readIdentifier, writeIdentifier } from "./identifier.ts";

/** Longest name (stream, topic, group, user, token) in bytes. */
export const MAX_NAME_LENGTH = 255;

// Name = [len u8][len bytes UTF-8], 1 <= len <= 255

/**
 * Writes a `Name`.
 *
 * @param writer The target writer.
 * @param name The name; 1..255 UTF-8 bytes.
 * @throws {RangeError} When the name is empty or longer than 255 bytes.
 */
export function writeName(writer: ByteWriter, name: string): void {
  const bytes = utf8(name);
  if (bytes.length < 1 || bytes.length > MAX_NAME_LENGTH) {
    throw new RangeError(`Name must be 1..255 bytes: "${name}"`);
  }
  writer.u8(bytes.length).bytes(bytes);
}

/**
 * Reads a `Name`.
 *
 * @param reader The source reader.
 * @returns The decoded name.
 * @throws {WireError} 4 `InvalidFormat` for an empty name, 3 when truncated or not UTF-8.
 */
export function readName(reader: ByteReader): string {
  const at = reader.offset;
  const length = reader.u8();
  if (length === 0) invalid(ErrorCode.InvalidFormat, "Name is empty", at);
  return fromUtf8(reader.bytesView(length));
}

// ---------------------------------------------------------------------------------------------
// Consumer = [kind u8: 1 consumer | 2 group][Identifier]

/** Who polls or owns an offset: a single consumer or a consumer group (§2.2). */
export interface Consumer {
  /** `"consumer"` (wire kind 1) or `"group"` (wire kind 2). */
  kind: "consumer" | "group";
  /** The consumer id (client-chosen) or the consumer group id/name. */
  id: Identifier;
}

/**
 * Writes a {@linkcode Consumer}.
 *
 * @param writer The target writer.
 * @param consumer The consumer.
 * @throws {TypeError} On an unknown kind.
 */
export function writeConsumer(writer: ByteWriter, consumer: Consumer): void {
  if (consumer.kind === "consumer") writer.u8(1);
  else if (consumer.kind === "group") writer.u8(2);
  else throw new TypeError(`Unknown consumer kind "${consumer.kind}"`);
  writeIdentifier(writer, consumer.id);
}

/**
 * Reads a {@linkcode Consumer}.
 *
 * @param reader The source reader.
 * @returns The consumer.
 * @throws {WireError} 3 on an unknown kind; see `readIdentifier` for the id.
 */
export function readConsumer(reader: ByteReader): Consumer {
  const at = reader.offset;
  const kind = reader.u8();
  if (kind === 1) return { kind: "consumer", id: readIdentifier(reader) };
  if (kind === 2) return { kind: "group", id: readIdentifier(reader) };
  return invalid(ErrorCode.InvalidCommand, `Unknown consumer kind ${kind}`, at);
}

// ---------------------------------------------------------------------------------------------
// OptPartition = [flag u8: 1 = present][partition_id u32]  (always 5 bytes)

/**
 * Writes an optional partition id as `[flag][u32]`.
 *
 * @param writer The target writer.
 * @param partitionId The partition id, or `undefined` for none (written as `00 00000000`).
 */
export function writeOptPartition(
  writer: ByteWriter,
  partitionId: number | undefined,
): void {
  if (partitionId === undefined) writer.u8(0).u32(0);
  else writer.u8(1).u32(partitionId);
}

/**
 * Reads an optional partition id; any flag other than 1 means none.
 *
 * @param reader The source reader.
 * @returns The partition id or `undefined`.
 * @throws {WireError} 3 when truncated.
 */
export function readOptPartition(reader: ByteReader): number | undefined {
  const flag = reader.u8();
  const value = reader.u32();
  return flag === 1 ? value : undefined;
}

// ---------------------------------------------------------------------------------------------
// PollingStrategy = [kind u8: 1 offset | 2 timestamp | 3 first | 4 last | 5 next][value u64]

/** Where a poll starts (§2.4). `value` is ignored (0) for first, last and next. */
export interface PollingStrategy {
  /** The strategy kind. */
  kind: "offset" | "timestamp" | "first" | "last" | "next";
  /** The offset or timestamp (µs); 0 for the other kinds. */
  value: bigint;
}

const POLLING_KINDS = ["offset", "timestamp", "first", "last", "next"] as const;

/**
 * Writes a {@linkcode PollingStrategy} (9 bytes).
 *
 * @param writer The target writer.
 * @param strategy The strategy.
 * @throws {TypeError} On an unknown kind.
 */
export function writePollingStrategy(
  writer: ByteWriter,
  strategy: PollingStrategy,
): void {
  const index = POLLING_KINDS.indexOf(strategy.kind);
  if (index < 0) {
    throw new TypeError(`Unknown polling strategy "${strategy.kind}"`);
  }
  writer.u8(index + 1).u64(strategy.value);
}

/**
 * Reads a {@linkcode PollingStrategy}.
 *
 * @param reader The source reader.
 * @returns The strategy.
 * @throws {WireError} 3 on an unknown kind or when truncated.
 */
export function readPollingStrategy(reader: ByteReader): PollingStrategy {
  const at = reader.offset;
  const code = reader.u8();
  const kind = POLLING_KINDS[code - 1];
  if (kind === undefined) {
    invalid(ErrorCode.InvalidCommand, `Unknown polling strategy ${code}`, at);
  }
  return { kind, value: reader.u64() };
}

// ---------------------------------------------------------------------------------------------
// Partitioning = [kind u8][length u8][value]
//   1 balanced: length 0 | 2 partition_id: length 4, u32 | 3 messages_key: length 0..255, key bytes

/** How SendMessages picks the partition (§2.5). */
export type Partitioning =
  | { kind: "balanced" }
  | { kind: "partition_id"; partitionId: number }
  | { kind: "messages_key"; key: Uint8Array };

/**
 * Writes a {@linkcode Partitioning}.
 *
 * @param writer The target writer.
 * @param partitioning The partitioning.
 * @throws {RangeError} When a messages key is longer than 255 bytes.
 */
export function writePartitioning(
  writer: ByteWriter,
  partitioning: Partitioning,
): void {
  switch (partitioning.kind) {
    case "balanced":
      writer.u8(1).u8(0);
      return;
    case "partition_id":
      writer.u8(2).u8(4).u32(partitioning.partitionId);
      return;
    case "messages_key":
      if (partitioning.key.length > 255) {
        throw new RangeError(
          `Messages key must be at most 255 bytes: ${partitioning.key.length}`,
        );
      }
      writer.u8(3).u8(partitioning.key.length).bytes(partitioning.key);
      return;
    default:
      throw new TypeError(`Unknown partitioning kind`);
  }
}

/** Encoded size of a {@linkcode Partitioning}. */
export function partitioningSize(partitioning: Partitioning): number {
  switch (partitioning.kind) {
    case "balanced":
      return 2;
    case "partition_id":
      return 6;
    case "messages_key":
      return 2 + partitioning.key.length;
  }
}

/**
 * Reads a {@linkcode Partitioning}; a messages key is a view into the reader's bytes.
 *
 * @param reader The source reader.
 * @returns The partitioning.
 * @throws {WireError} 3 on an unknown kind, a wrong length or truncation.
 */
export function readPartitioning(reader: ByteReader): Partitioning {
  const at = reader.offset;
  const kind = reader.u8();
  const length = reader.u8();
  switch (kind) {
    case 1:
      if (length !== 0) {
        invalid(ErrorCode.InvalidCommand, "Balanced length must be 0", at);
      }
      return { kind: "balanced" };
    case 2:
      if (length !== 4) {
        invalid(ErrorCode.InvalidCommand, "Partition id length must be 4", at);
      }
      return { kind: "partition_id", partitionId: reader.u32() };
    case 3:
      return { kind: "messages_key", key: reader.bytesView(length) };
    default:
      return invalid(
        ErrorCode.InvalidCommand,
        `Unknown partitioning kind ${kind}`,
        at,
      );
  }
}

// ---------------------------------------------------------------------------------------------
// Small enumerations (§2.8), each a u8

/**
 * Topic compression algorithm codes (metadata only in 0.8.0).
 *
 * @example Usage
 * ```ts
 * import { CompressionAlgorithm } from "@iggy/client";
 * import assert from "node:assert/strict";
 *
 * assert.equal(CompressionAlgorithm.Gzip, 2);
 * ```
 */
export const CompressionAlgorithm = { None: 1, Gzip: 2 } as const;
/**
 * A compression algorithm code.
 *
 * @example Usage
 * ```ts
 * import { CompressionAlgorithm } from "@iggy/client";
 *
 * const value: CompressionAlgorithm = CompressionAlgorithm.Gzip;
 * console.log(value);
 * ```
 */
export type CompressionAlgorithm =
  (typeof CompressionAlgorithm)[keyof typeof CompressionAlgorithm];

/**
 * User status codes.
 *
 * @example Usage
 * ```ts
 * import { UserStatus } from "@iggy/client";
 * import assert from "node:assert/strict";
 *
 * assert.equal(UserStatus.Inactive, 2);
 * ```
 */
export const UserStatus = { Active: 1, Inactive: 2 } as const;
/**
 * A user status code.
 *
 * @example Usage
 * ```ts
 * import { UserStatus } from "@iggy/client";
 *
 * const value: UserStatus = UserStatus.Inactive;
 * console.log(value);
 * ```
 */
export type UserStatus = (typeof UserStatus)[keyof typeof UserStatus];

/**
 * Client transport codes reported in client info.
 *
 * @example Usage
 * ```ts
 * import { ClientTransport } from "@iggy/client";
 * import assert from "node:assert/strict";
 *
 * assert.equal(ClientTransport.Quic, 2);
 * ```
 */
export const ClientTransport = {
  Tcp: 1,
  Quic: 2,
  Http: 3,
  WebSocket: 4,
} as const;
/**
 * A client transport code.
 *
 * @example Usage
 * ```ts
 * import { ClientTransport } from "@iggy/client";
 *
 * const value: ClientTransport = ClientTransport.Quic;
 * console.log(value);
 * ```
 */
export type ClientTransport =
  (typeof ClientTransport)[keyof typeof ClientTransport];

/**
 * Cluster node role codes.
 *
 * @example Usage
 * ```ts
 * import { ClusterNodeRole } from "@iggy/client";
 * import assert from "node:assert/strict";
 *
 * assert.equal(ClusterNodeRole.Follower, 1);
 * ```
 */
export const ClusterNodeRole = { Leader: 0, Follower: 1 } as const;
/**
 * A cluster node role code.
 *
 * @example Usage
 * ```ts
 * import { ClusterNodeRole } from "@iggy/client";
 *
 * const value: ClusterNodeRole = ClusterNodeRole.Follower;
 * console.log(value);
 * ```
 */
export type ClusterNodeRole =
  (typeof ClusterNodeRole)[keyof typeof ClusterNodeRole];

/**
 * Cluster node status codes (0.8.0 only reports `Healthy`).
 *
 * @example Usage
 * ```ts
 * import { ClusterNodeStatus } from "@iggy/client";
 * import assert from "node:assert/strict";
 *
 * assert.equal(ClusterNodeStatus.Healthy, 0);
 * ```
 */
export const ClusterNodeStatus = {
  Healthy: 0,
  Starting: 1,
  Stopping: 2,
  Unreachable: 3,
  Maintenance: 4,
  Unknown: 5,
} as const;
/**
 * A cluster node status code.
 *
 * @example Usage
 * ```ts
 * import { ClusterNodeStatus } from "@iggy/client";
 *
 * const value: ClusterNodeStatus = ClusterNodeStatus.Healthy;
 * console.log(value);
 * ```
 */
export type ClusterNodeStatus =
  (typeof ClusterNodeStatus)[keyof typeof ClusterNodeStatus];

/**
 * GetSnapshot archive compression codes.
 *
 * @example Usage
 * ```ts
 * import { SnapshotCompression } from "@iggy/client";
 * import assert from "node:assert/strict";
 *
 * assert.equal(SnapshotCompression.Deflated, 2);
 * ```
 */
export const SnapshotCompression = {
  Stored: 1,
  Deflated: 2,
  Bzip2: 3,
  Zstd: 4,
  Lzma: 5,
  Xz: 6,
} as const;
/**
 * A snapshot compression code.
 *
 * @example Usage
 * ```ts
 * import { SnapshotCompression } from "@iggy/client";
 *
 * const value: SnapshotCompression = SnapshotCompression.Deflated;
 * console.log(value);
 * ```
 */
export type SnapshotCompression =
  (typeof SnapshotCompression)[keyof typeof SnapshotCompression];

/**
 * GetSnapshot system snapshot type codes; `All` must be the only entry.
 *
 * @example Usage
 * ```ts
 * import { SnapshotType } from "@iggy/client";
 * import assert from "node:assert/strict";
 *
 * assert.equal(SnapshotType.ProcessList, 2);
 * ```
 */
export const SnapshotType = {
  FilesystemOverview: 1,
  ProcessList: 2,
  ResourceUsage: 3,
  Test: 4,
  ServerLogs: 5,
  ServerConfig: 6,
  All: 100,
} as const;
/**
 * A snapshot type code.
 *
 * @example Usage
 * ```ts
 * import { SnapshotType } from "@iggy/client";
 *
 * const value: SnapshotType = SnapshotType.ProcessList;
 * console.log(value);
 * ```
 */
export type SnapshotType = (typeof SnapshotType)[keyof typeof SnapshotType];

function readEnum<T extends number>(
  reader: ByteReader,
  table: Record<string, number>,
  what: string,
): T {
  const at = reader.offset;
  const code = reader.u8();
  if (!Object.values(table).includes(code)) {
    invalid(ErrorCode.InvalidCommand, `Unknown ${what} ${code}`, at);
  }
  return code as T;
}

/**
 * Reads a compression algorithm code.
 *
 * @param reader The source reader.
 * @returns The code.
 * @throws {WireError} 3 on an unknown code.
 */
export function readCompressionAlgorithm(
  reader: ByteReader,
): CompressionAlgorithm {
  return readEnum(reader, CompressionAlgorithm, "compression algorithm");
}

/**
 * Reads a user status code.
 *
 * @param reader The source reader.
 * @returns The code.
 * @throws {WireError} 3 on an unknown code.
 */
export function readUserStatus(reader: ByteReader): UserStatus {
  return readEnum(reader, UserStatus, "user status");
}

/**
 * Reads a client transport code.
 *
 * @param reader The source reader.
 * @returns The code.
 * @throws {WireError} 3 on an unknown code.
 */
export function readClientTransport(reader: ByteReader): ClientTransport {
  return readEnum(reader, ClientTransport, "client transport");
}

/**
 * Reads a cluster node role code.
 *
 * @param reader The source reader.
 * @returns The code.
 * @throws {WireError} 3 on an unknown code.
 */
export function readClusterNodeRole(reader: ByteReader): ClusterNodeRole {
  return readEnum(reader, ClusterNodeRole, "cluster node role");
}

/**
 * Reads a cluster node status code.
 *
 * @param reader The source reader.
 * @returns The code.
 * @throws {WireError} 3 on an unknown code.
 */
export function readClusterNodeStatus(reader: ByteReader): ClusterNodeStatus {
  return readEnum(reader, ClusterNodeStatus, "cluster node status");
}

/**
 * Reads a snapshot compression code.
 *
 * @param reader The source reader.
 * @returns The code.
 * @throws {WireError} 3 on an unknown code.
 */
export function readSnapshotCompression(
  reader: ByteReader,
): SnapshotCompression {
  return readEnum(reader, SnapshotCompression, "snapshot compression");
}

/**
 * Reads a snapshot type code.
 *
 * @param reader The source reader.
 * @returns The code.
 * @throws {WireError} 3 on an unknown code.
 */
export function readSnapshotType(reader: ByteReader): SnapshotType {
  return readEnum(reader, SnapshotType, "snapshot type");
}
