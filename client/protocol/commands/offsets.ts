/**
 * Consumer offset commands (binary.md §5.5) and the ConsumerOffsetInfo object (§4.13).
 * @module
 */

import { ByteReader, type ByteWriter } from "../bytes.ts";
import type { Identifier } from "../identifier.ts";
import { readIdentifier, writeIdentifier } from "../identifier.ts";
import type { Consumer } from "../primitives.ts";
import {
  readConsumer,
  readOptPartition,
  writeConsumer,
  writeOptPartition,
} from "../primitives.ts";
import { encodeWith } from "./_codec.ts";

/** GetConsumerOffset (120). */
export interface GetConsumerOffset {
  /** The consumer or group. */
  consumer: Consumer;
  /** The stream id or name. */
  streamId: Identifier;
  /** The topic id or name. */
  topicId: Identifier;
  /** The partition id, or `undefined` to let the server resolve it. */
  partitionId?: number;
}

/** StoreConsumerOffset (121). */
export interface StoreConsumerOffset {
  /** The consumer or group. */
  consumer: Consumer;
  /** The stream id or name. */
  streamId: Identifier;
  /** The topic id or name. */
  topicId: Identifier;
  /** The partition id, or `undefined` to let the server resolve it. */
  partitionId?: number;
  /** The offset to commit. */
  offset: bigint;
}

/** DeleteConsumerOffset (122). */
export interface DeleteConsumerOffset {
  /** The consumer or group. */
  consumer: Consumer;
  /** The stream id or name. */
  streamId: Identifier;
  /** The topic id or name. */
  topicId: Identifier;
  /** The partition id, or `undefined` to let the server resolve it. */
  partitionId?: number;
}

/**
 * A stored consumer offset (ConsumerOffsetInfo, §4.13).
 *
 * @example Usage
 * ```ts ignore
 * const info = await client.getConsumerOffset({ streamId: "orders", topicId: "created" });
 * if (info) console.log("behind by", info.currentOffset - info.storedOffset);
 * ```
 */
export interface ConsumerOffsetInfo {
  /** The partition id. */
  partitionId: number;
  /** The partition's highest assigned offset. */
  currentOffset: bigint;
  /** The consumer's committed offset. */
  storedOffset: bigint;
}

// Get/DeleteConsumerOffset request = Consumer, stream Identifier, topic Identifier, OptPartition
// StoreConsumerOffset request      = the same, then offset u64

function writeOffsetRef(writer: ByteWriter, command: GetConsumerOffset): void {
  writeConsumer(writer, command.consumer);
  writeIdentifier(writer, command.streamId);
  writeIdentifier(writer, command.topicId);
  writeOptPartition(writer, command.partitionId);
}

function readOffsetRef(reader: ByteReader): GetConsumerOffset {
  const consumer = readConsumer(reader);
  const streamId = readIdentifier(reader);
  const topicId = readIdentifier(reader);
  const partitionId = readOptPartition(reader);
  const out: GetConsumerOffset = { consumer, streamId, topicId };
  if (partitionId !== undefined) out.partitionId = partitionId;
  return out;
}

/**
 * Encodes a GetConsumerOffset request.
 *
 * @param command The request.
 * @returns The payload.
 */
export function encodeGetConsumerOffset(
  command: GetConsumerOffset,
): Uint8Array {
  return encodeWith((w) => writeOffsetRef(w, command));
}

/**
 * Decodes a GetConsumerOffset request.
 *
 * @param payload The payload.
 * @returns The request.
 * @throws {WireError} 3 or 4 on malformed input.
 */
export function decodeGetConsumerOffset(
  payload: Uint8Array,
): GetConsumerOffset {
  return readOffsetRef(new ByteReader(payload));
}

/**
 * Encodes a DeleteConsumerOffset request.
 *
 * @param command The request.
 * @returns The payload.
 */
export function encodeDeleteConsumerOffset(
  command: DeleteConsumerOffset,
): Uint8Array {
  return encodeWith((w) => writeOffsetRef(w, command));
}

/**
 * Decodes a DeleteConsumerOffset request.
 *
 * @param payload The payload.
 * @returns The request.
 * @throws {WireError} 3 or 4 on malformed input.
 */
export function decodeDeleteConsumerOffset(
  payload: Uint8Array,
): DeleteConsumerOffset {
  return readOffsetRef(new ByteReader(payload));
}

/**
 * Encodes a StoreConsumerOffset request.
 *
 * @param command The request.
 * @returns The payload.
 */
export function encodeStoreConsumerOffset(
  command: StoreConsumerOffset,
): Uint8Array {
  return encodeWith((w) => {
    writeOffsetRef(w, command);
    w.u64(command.offset);
  });
}

/**
 * Decodes a StoreConsumerOffset request.
 *
 * @param payload The payload.
 * @returns The request.
 * @throws {WireError} 3 or 4 on malformed input.
 */
export function decodeStoreConsumerOffset(
  payload: Uint8Array,
): StoreConsumerOffset {
  const reader = new ByteReader(payload);
  const ref = readOffsetRef(reader);
  return { ...ref, offset: reader.u64() };
}

// ConsumerOffsetInfo (20 bytes) = partition_id u32, current_offset u64, stored_offset u64

/**
 * Encodes a GetConsumerOffset response.
 *
 * @param info The offset info.
 * @returns The 20-byte payload.
 */
export function encodeConsumerOffsetInfo(info: ConsumerOffsetInfo): Uint8Array {
  return encodeWith(
    (w) =>
      w.u32(info.partitionId).u64(info.currentOffset).u64(info.storedOffset),
    20,
  );
}

/**
 * Decodes a GetConsumerOffset response.
 *
 * @param payload The payload (non-empty; empty means "nothing stored").
 * @returns The offset info.
 * @throws {WireError} 3 when truncated.
 */
export function decodeConsumerOffsetInfo(
  payload: Uint8Array,
): ConsumerOffsetInfo {
  const reader = new ByteReader(payload);
  const partitionId = reader.u32();
  const currentOffset = reader.u64();
  return { partitionId, currentOffset, storedOffset: reader.u64() };
}
