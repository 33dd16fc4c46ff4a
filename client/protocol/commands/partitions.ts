/**
 * Partition commands (binary.md §5.8) and the PartitionInfo object (§4.4).
 * @module
 */

import { ByteReader, type ByteWriter } from "../bytes.ts";
import type { Identifier } from "../identifier.ts";
import { readIdentifier, writeIdentifier } from "../identifier.ts";
import { encodeWith } from "./_codec.ts";

/** CreatePartitions (402): appends partitions to a topic. */
export interface CreatePartitions {
  /** The stream id or name. */
  streamId: Identifier;
  /** The topic id or name. */
  topicId: Identifier;
  /** How many partitions to add (the handler accepts 1..1000). */
  partitionsCount: number;
}

/** DeletePartitions (403): removes the last partitions of a topic. */
export interface DeletePartitions {
  /** The stream id or name. */
  streamId: Identifier;
  /** The topic id or name. */
  topicId: Identifier;
  /** How many partitions to remove (from the highest id down). */
  partitionsCount: number;
}

/**
 * A partition (PartitionInfo, §4.4).
 *
 * @example Usage
 * ```ts ignore
 * const topic = await client.getTopic({ streamId: "orders", topicId: "created" });
 * for (const p of topic?.partitions ?? []) console.log(p.id, p.currentOffset, p.messagesCount);
 * ```
 */
export interface Partition {
  /** Partition id (0-based). */
  id: number;
  /** Creation time, µs since the epoch. */
  createdAt: bigint;
  /** Number of segments. */
  segmentsCount: number;
  /** Highest assigned offset (0 when empty). */
  currentOffset: bigint;
  /** Stored message bytes. */
  sizeBytes: bigint;
  /** Stored messages. */
  messagesCount: bigint;
}

// CreatePartitions / DeletePartitions request =
//   stream Identifier, topic Identifier, partitions_count u32

function writePartitionsCommand(
  writer: ByteWriter,
  command: CreatePartitions | DeletePartitions,
): void {
  writeIdentifier(writer, command.streamId);
  writeIdentifier(writer, command.topicId);
  writer.u32(command.partitionsCount);
}

function readPartitionsCommand(payload: Uint8Array): CreatePartitions {
  const reader = new ByteReader(payload);
  const streamId = readIdentifier(reader);
  const topicId = readIdentifier(reader);
  return { streamId, topicId, partitionsCount: reader.u32() };
}

/**
 * Encodes a CreatePartitions request.
 *
 * @param command The request.
 * @returns The payload.
 */
export function encodeCreatePartitions(command: CreatePartitions): Uint8Array {
  return encodeWith((w) => writePartitionsCommand(w, command));
}

/**
 * Decodes a CreatePartitions request.
 *
 * @param payload The payload.
 * @returns The request.
 * @throws {WireError} 3 or 4 on malformed input.
 */
export function decodeCreatePartitions(payload: Uint8Array): CreatePartitions {
  return readPartitionsCommand(payload);
}

/**
 * Encodes a DeletePartitions request.
 *
 * @param command The request.
 * @returns The payload.
 */
export function encodeDeletePartitions(command: DeletePartitions): Uint8Array {
  return encodeWith((w) => writePartitionsCommand(w, command));
}

/**
 * Decodes a DeletePartitions request.
 *
 * @param payload The payload.
 * @returns The request.
 * @throws {WireError} 3 or 4 on malformed input.
 */
export function decodeDeletePartitions(payload: Uint8Array): DeletePartitions {
  return readPartitionsCommand(payload);
}

// PartitionInfo (40 bytes) = id u32, created_at u64, segments_count u32, current_offset u64,
//                            size_bytes u64, messages_count u64

/**
 * Writes a PartitionInfo.
 *
 * @param writer The target writer.
 * @param partition The partition.
 */
export function writePartition(writer: ByteWriter, partition: Partition): void {
  writer.u32(partition.id).u64(partition.createdAt).u32(partition.segmentsCount)
    .u64(partition.currentOffset).u64(partition.sizeBytes)
    .u64(partition.messagesCount);
}

/**
 * Reads a PartitionInfo.
 *
 * @param reader The source reader.
 * @returns The partition.
 * @throws {WireError} 3 when truncated.
 */
export function readPartition(reader: ByteReader): Partition {
  const id = reader.u32();
  const createdAt = reader.u64();
  const segmentsCount = reader.u32();
  const currentOffset = reader.u64();
  const sizeBytes = reader.u64();
  const messagesCount = reader.u64();
  return {
    id,
    createdAt,
    segmentsCount,
    currentOffset,
    sizeBytes,
    messagesCount,
  };
}

/**
 * Encodes one PartitionInfo.
 *
 * @param partition The partition.
 * @returns The 40 bytes.
 */
export function encodePartition(partition: Partition): Uint8Array {
  return encodeWith((w) => writePartition(w, partition), 40);
}

/**
 * Decodes one PartitionInfo.
 *
 * @param payload The bytes.
 * @returns The partition.
 * @throws {WireError} 3 when truncated.
 */
export function decodePartition(payload: Uint8Array): Partition {
  return readPartition(new ByteReader(payload));
}
