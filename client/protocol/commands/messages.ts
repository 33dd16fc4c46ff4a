/**
 * PollMessages and FlushUnsavedBuffer requests (binary.md §5.4) and the 16-byte PolledMessages
 * header (§6.7). The message frames themselves live in `batch.ts`.
 * @module
 */

import { ByteReader, viewOf } from "../bytes.ts";
import type { Identifier } from "../identifier.ts";
import { readIdentifier, writeIdentifier } from "../identifier.ts";
import type { Consumer, PollingStrategy } from "../primitives.ts";
import {
  readConsumer,
  readOptPartition,
  readPollingStrategy,
  writeConsumer,
  writeOptPartition,
  writePollingStrategy,
} from "../primitives.ts";
import { encodeWith } from "./_codec.ts";

/** PollMessages (100). */
export interface PollMessages {
  /** The consumer or group polling. */
  consumer: Consumer;
  /** The stream id or name. */
  streamId: Identifier;
  /** The topic id or name. */
  topicId: Identifier;
  /** The partition id, or `undefined` to let the server pick it. */
  partitionId?: number;
  /** Where to start. */
  strategy: PollingStrategy;
  /** Maximum number of messages to return. */
  count: number;
  /** Commit the last returned offset after the poll. */
  autoCommit: boolean;
}

/** FlushUnsavedBuffer (102): writes a partition's in-memory messages to disk. */
export interface FlushUnsavedBuffer {
  /** The stream id or name. */
  streamId: Identifier;
  /** The topic id or name. */
  topicId: Identifier;
  /** The partition id (0-based). */
  partitionId: number;
  /** Fsync after writing. */
  fsync: boolean;
}

/** The header of a PollMessages response. */
export interface PolledMessagesHeader {
  /** The partition actually read. */
  partitionId: number;
  /** The partition's highest assigned offset (0 when empty). */
  currentOffset: bigint;
  /** Number of message frames that follow. */
  count: number;
}

// Size of the PolledMessages header (`batch.ts` exports it as POLLED_HEADER_SIZE).
const POLLED_HEADER_SIZE = 16;

// PollMessages request = Consumer, stream Identifier, topic Identifier, OptPartition,
//                        PollingStrategy, count u32, auto_commit u8

/**
 * Encodes a PollMessages request.
 *
 * @param command The request.
 * @returns The payload.
 */
export function encodePollMessages(command: PollMessages): Uint8Array {
  return encodeWith((w) => {
    writeConsumer(w, command.consumer);
    writeIdentifier(w, command.streamId);
    writeIdentifier(w, command.topicId);
    writeOptPartition(w, command.partitionId);
    writePollingStrategy(w, command.strategy);
    w.u32(command.count).bool(command.autoCommit);
  });
}

/**
 * Decodes a PollMessages request (`auto_commit` is true when non-zero).
 *
 * @param payload The payload.
 * @returns The request.
 * @throws {WireError} 3 on unknown kinds or truncation, 4 on a bad identifier.
 */
export function decodePollMessages(payload: Uint8Array): PollMessages {
  const reader = new ByteReader(payload);
  const consumer = readConsumer(reader);
  const streamId = readIdentifier(reader);
  const topicId = readIdentifier(reader);
  const partitionId = readOptPartition(reader);
  const strategy = readPollingStrategy(reader);
  const count = reader.u32();
  const autoCommit = reader.bool();
  const out: PollMessages = {
    consumer,
    streamId,
    topicId,
    strategy,
    count,
    autoCommit,
  };
  if (partitionId !== undefined) out.partitionId = partitionId;
  return out;
}

// FlushUnsavedBuffer request = stream Identifier, topic Identifier, partition_id u32, fsync u8

/**
 * Encodes a FlushUnsavedBuffer request.
 *
 * @param command The request.
 * @returns The payload.
 */
export function encodeFlushUnsavedBuffer(
  command: FlushUnsavedBuffer,
): Uint8Array {
  return encodeWith((w) => {
    writeIdentifier(w, command.streamId);
    writeIdentifier(w, command.topicId);
    w.u32(command.partitionId).bool(command.fsync);
  });
}

/**
 * Decodes a FlushUnsavedBuffer request (`fsync` is true when non-zero).
 *
 * @param payload The payload.
 * @returns The request.
 * @throws {WireError} 3 or 4 on malformed input.
 */
export function decodeFlushUnsavedBuffer(
  payload: Uint8Array,
): FlushUnsavedBuffer {
  const reader = new ByteReader(payload);
  const streamId = readIdentifier(reader);
  const topicId = readIdentifier(reader);
  const partitionId = reader.u32();
  return { streamId, topicId, partitionId, fsync: reader.bool() };
}

// PolledMessages header (16 bytes) = partition_id u32, current_offset u64, messages_count u32

/**
 * Writes the 16-byte PolledMessages header into the first 16 bytes of `target`.
 *
 * @param header The header values.
 * @param target Where to write (at least 16 bytes); a new array when omitted.
 * @returns `target` (or the new 16-byte array).
 * @throws {RangeError} When `target` is shorter than 16 bytes.
 */
export function encodePolledHeader(
  header: PolledMessagesHeader,
  target: Uint8Array = new Uint8Array(POLLED_HEADER_SIZE),
): Uint8Array {
  if (target.length < POLLED_HEADER_SIZE) {
    throw new RangeError(
      `Polled header needs ${POLLED_HEADER_SIZE} bytes: ${target.length}`,
    );
  }
  const view = viewOf(target);
  view.setUint32(0, header.partitionId, true);
  view.setBigUint64(4, header.currentOffset, true);
  view.setUint32(12, header.count, true);
  return target;
}

/**
 * Reads the 16-byte PolledMessages header at the start of `payload`.
 *
 * @param payload The poll response payload.
 * @returns The header.
 * @throws {WireError} 3 when shorter than 16 bytes.
 */
export function decodePolledHeader(payload: Uint8Array): PolledMessagesHeader {
  const reader = new ByteReader(payload);
  reader.ensure(POLLED_HEADER_SIZE);
  const partitionId = reader.u32();
  const currentOffset = reader.u64();
  return { partitionId, currentOffset, count: reader.u32() };
}
