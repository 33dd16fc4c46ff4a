/**
 * Topic commands (binary.md §5.7) and the TopicHeader / TopicDetails objects (§4.3, §4.5).
 * @module
 */

import { ByteReader, type ByteWriter } from "../bytes.ts";
import type { Identifier } from "../identifier.ts";
import { readIdentifier, writeIdentifier } from "../identifier.ts";
import type { CompressionAlgorithm } from "../primitives.ts";
import {
  readCompressionAlgorithm,
  readName,
  writeName,
} from "../primitives.ts";
import { encodeList, encodeWith, readList } from "./_codec.ts";
import type { Partition } from "./partitions.ts";
import { readPartition, writePartition } from "./partitions.ts";

/** GetTopic (300): one topic with its partitions. */
export interface GetTopic {
  /** The stream id or name. */
  streamId: Identifier;
  /** The topic id or name. */
  topicId: Identifier;
}

/** GetTopics (301): the topic headers of a stream. */
export interface GetTopics {
  /** The stream id or name. */
  streamId: Identifier;
}

/** CreateTopic (302): the server assigns the id. */
export interface CreateTopic {
  /** The stream id or name. */
  streamId: Identifier;
  /** Partitions to create (the handler accepts 0..1000). */
  partitionsCount: number;
  /** Compression algorithm code (metadata only). */
  compressionAlgorithm: CompressionAlgorithm;
  /** Message expiry in µs; 0 = server default, u64::MAX = never. */
  messageExpiry: bigint;
  /** Maximum topic size in bytes; 0 = server default, u64::MAX = unlimited. */
  maxTopicSize: bigint;
  /** Replication factor (0 is stored as 1). */
  replicationFactor: number;
  /** The new topic's name (1..255 bytes). */
  name: string;
}

/** DeleteTopic (303). */
export interface DeleteTopic {
  /** The stream id or name. */
  streamId: Identifier;
  /** The topic id or name. */
  topicId: Identifier;
}

/** UpdateTopic (304): values are stored as sent. */
export interface UpdateTopic {
  /** The stream id or name. */
  streamId: Identifier;
  /** The topic id or name. */
  topicId: Identifier;
  /** Compression algorithm code. */
  compressionAlgorithm: CompressionAlgorithm;
  /** Message expiry in µs. */
  messageExpiry: bigint;
  /** Maximum topic size in bytes. */
  maxTopicSize: bigint;
  /** Replication factor. */
  replicationFactor: number;
  /** The new name (1..255 bytes). */
  name: string;
}

/** PurgeTopic (305): deletes every message of the topic. */
export interface PurgeTopic {
  /** The stream id or name. */
  streamId: Identifier;
  /** The topic id or name. */
  topicId: Identifier;
}

/**
 * A topic header (TopicHeader, §4.3).
 *
 * @example Usage
 * ```ts ignore
 * for (const topic of await client.getTopics({ streamId: "orders" })) {
 *   console.log(topic.name, topic.partitionsCount, topic.messagesCount);
 * }
 * ```
 */
export interface Topic {
  /** Topic id (0-based, per stream). */
  id: number;
  /** Creation time, µs since the epoch. */
  createdAt: bigint;
  /** The topic name. */
  name: string;
  /** Number of partitions. */
  partitionsCount: number;
  /** Message expiry in µs; u64::MAX = never. */
  messageExpiry: bigint;
  /** Compression algorithm code. */
  compressionAlgorithm: CompressionAlgorithm;
  /** Maximum size in bytes; u64::MAX = unlimited. */
  maxTopicSize: bigint;
  /** Replication factor. */
  replicationFactor: number;
  /** Stored message bytes. */
  sizeBytes: bigint;
  /** Stored messages. */
  messagesCount: bigint;
}

/**
 * A topic with its partitions (TopicDetails, §4.5).
 *
 * @example Usage
 * ```ts ignore
 * const topic = await client.getTopic({ streamId: "orders", topicId: "created" });
 * console.log(topic?.partitions.length);
 * ```
 */
export interface TopicDetails extends Topic {
  /** The partitions, by id. */
  partitions: Partition[];
}

// GetTopic / DeleteTopic / PurgeTopic request = stream Identifier, topic Identifier

function writeTopicRef(
  writer: ByteWriter,
  command: { streamId: Identifier; topicId: Identifier },
): void {
  writeIdentifier(writer, command.streamId);
  writeIdentifier(writer, command.topicId);
}

function readTopicRef(
  payload: Uint8Array,
): { streamId: Identifier; topicId: Identifier } {
  const reader = new ByteReader(payload);
  const streamId = readIdentifier(reader);
  return { streamId, topicId: readIdentifier(reader) };
}

/**
 * Encodes a GetTopic request.
 *
 * @param command The request.
 * @returns The payload.
 */
export function encodeGetTopic(command: GetTopic): Uint8Array {
  return encodeWith((w) => writeTopicRef(w, command));
}

/**
 * Decodes a GetTopic request.
 *
 * @param payload The payload.
 * @returns The request.
 * @throws {WireError} 3 or 4 on malformed input.
 */
export function decodeGetTopic(payload: Uint8Array): GetTopic {
  return readTopicRef(payload);
}

/**
 * Encodes a DeleteTopic request.
 *
 * @param command The request.
 * @returns The payload.
 */
export function encodeDeleteTopic(command: DeleteTopic): Uint8Array {
  return encodeWith((w) => writeTopicRef(w, command));
}

/**
 * Decodes a DeleteTopic request (the Node SDK's trailing partitions count is ignored).
 *
 * @param payload The payload.
 * @returns The request.
 * @throws {WireError} 3 or 4 on malformed input.
 */
export function decodeDeleteTopic(payload: Uint8Array): DeleteTopic {
  return readTopicRef(payload);
}

/**
 * Encodes a PurgeTopic request.
 *
 * @param command The request.
 * @returns The payload.
 */
export function encodePurgeTopic(command: PurgeTopic): Uint8Array {
  return encodeWith((w) => writeTopicRef(w, command));
}

/**
 * Decodes a PurgeTopic request.
 *
 * @param payload The payload.
 * @returns The request.
 * @throws {WireError} 3 or 4 on malformed input.
 */
export function decodePurgeTopic(payload: Uint8Array): PurgeTopic {
  return readTopicRef(payload);
}

// GetTopics request = stream Identifier

/**
 * Encodes a GetTopics request.
 *
 * @param command The request.
 * @returns The payload.
 */
export function encodeGetTopics(command: GetTopics): Uint8Array {
  return encodeWith((w) => writeIdentifier(w, command.streamId));
}

/**
 * Decodes a GetTopics request.
 *
 * @param payload The payload.
 * @returns The request.
 * @throws {WireError} 3 or 4 on malformed input.
 */
export function decodeGetTopics(payload: Uint8Array): GetTopics {
  return { streamId: readIdentifier(new ByteReader(payload)) };
}

// CreateTopic request = stream Identifier, partitions_count u32, compression u8,
//                       message_expiry u64, max_topic_size u64, replication_factor u8, name Name

/**
 * Encodes a CreateTopic request.
 *
 * @param command The request.
 * @returns The payload.
 */
export function encodeCreateTopic(command: CreateTopic): Uint8Array {
  return encodeWith((w) => {
    writeIdentifier(w, command.streamId);
    w.u32(command.partitionsCount).u8(command.compressionAlgorithm)
      .u64(command.messageExpiry).u64(command.maxTopicSize)
      .u8(command.replicationFactor);
    writeName(w, command.name);
  });
}

/**
 * Decodes a CreateTopic request.
 *
 * @param payload The payload.
 * @returns The request.
 * @throws {WireError} 3 on an unknown compression or truncation, 4 on an empty name.
 */
export function decodeCreateTopic(payload: Uint8Array): CreateTopic {
  const reader = new ByteReader(payload);
  const streamId = readIdentifier(reader);
  const partitionsCount = reader.u32();
  const compressionAlgorithm = readCompressionAlgorithm(reader);
  const messageExpiry = reader.u64();
  const maxTopicSize = reader.u64();
  const replicationFactor = reader.u8();
  const name = readName(reader);
  return {
    streamId,
    partitionsCount,
    compressionAlgorithm,
    messageExpiry,
    maxTopicSize,
    replicationFactor,
    name,
  };
}

// UpdateTopic request = stream Identifier, topic Identifier, compression u8,
//                       message_expiry u64, max_topic_size u64, replication_factor u8, name Name

/**
 * Encodes an UpdateTopic request.
 *
 * @param command The request.
 * @returns The payload.
 */
export function encodeUpdateTopic(command: UpdateTopic): Uint8Array {
  return encodeWith((w) => {
    writeTopicRef(w, command);
    w.u8(command.compressionAlgorithm).u64(command.messageExpiry)
      .u64(command.maxTopicSize).u8(command.replicationFactor);
    writeName(w, command.name);
  });
}

/**
 * Decodes an UpdateTopic request.
 *
 * @param payload The payload.
 * @returns The request.
 * @throws {WireError} 3 on an unknown compression or truncation, 4 on an empty name.
 */
export function decodeUpdateTopic(payload: Uint8Array): UpdateTopic {
  const reader = new ByteReader(payload);
  const streamId = readIdentifier(reader);
  const topicId = readIdentifier(reader);
  const compressionAlgorithm = readCompressionAlgorithm(reader);
  const messageExpiry = reader.u64();
  const maxTopicSize = reader.u64();
  const replicationFactor = reader.u8();
  const name = readName(reader);
  return {
    streamId,
    topicId,
    compressionAlgorithm,
    messageExpiry,
    maxTopicSize,
    replicationFactor,
    name,
  };
}

// TopicHeader = id u32, created_at u64, partitions_count u32, message_expiry u64,
//               compression u8, max_topic_size u64, replication_factor u8, size_bytes u64,
//               messages_count u64, name Name

/**
 * Writes a TopicHeader.
 *
 * @param writer The target writer.
 * @param topic The topic.
 */
export function writeTopic(writer: ByteWriter, topic: Topic): void {
  writer.u32(topic.id).u64(topic.createdAt).u32(topic.partitionsCount)
    .u64(topic.messageExpiry).u8(topic.compressionAlgorithm)
    .u64(topic.maxTopicSize).u8(topic.replicationFactor).u64(topic.sizeBytes)
    .u64(topic.messagesCount);
  writeName(writer, topic.name);
}

/**
 * Reads a TopicHeader.
 *
 * @param reader The source reader.
 * @returns The topic.
 * @throws {WireError} 3 or 4 on malformed input.
 */
export function readTopic(reader: ByteReader): Topic {
  const id = reader.u32();
  const createdAt = reader.u64();
  const partitionsCount = reader.u32();
  const messageExpiry = reader.u64();
  const compressionAlgorithm = readCompressionAlgorithm(reader);
  const maxTopicSize = reader.u64();
  const replicationFactor = reader.u8();
  const sizeBytes = reader.u64();
  const messagesCount = reader.u64();
  const name = readName(reader);
  return {
    id,
    createdAt,
    name,
    partitionsCount,
    messageExpiry,
    compressionAlgorithm,
    maxTopicSize,
    replicationFactor,
    sizeBytes,
    messagesCount,
  };
}

/**
 * Encodes one TopicHeader.
 *
 * @param topic The topic.
 * @returns The payload.
 */
export function encodeTopic(topic: Topic): Uint8Array {
  return encodeWith((w) => writeTopic(w, topic));
}

/**
 * Decodes one TopicHeader.
 *
 * @param payload The payload.
 * @returns The topic.
 * @throws {WireError} 3 or 4 on malformed input.
 */
export function decodeTopic(payload: Uint8Array): Topic {
  return readTopic(new ByteReader(payload));
}

// GetTopics response = TopicHeader*

/**
 * Encodes a GetTopics response.
 *
 * @param topics The topics, in id order.
 * @returns The payload.
 */
export function encodeTopics(topics: readonly Topic[]): Uint8Array {
  return encodeList(topics, writeTopic);
}

/**
 * Decodes a GetTopics response.
 *
 * @param payload The payload.
 * @returns The topics.
 * @throws {WireError} 3 or 4 on malformed input.
 */
export function decodeTopics(payload: Uint8Array): Topic[] {
  return readList(payload, readTopic);
}

// TopicDetails = TopicHeader (partitions_count = partitions.length),
//                partitions_count x PartitionInfo

/**
 * Encodes a GetTopic / CreateTopic response; `partitionsCount` is written as
 * `partitions.length`.
 *
 * @param topic The topic with its partitions.
 * @returns The payload.
 */
export function encodeTopicDetails(topic: TopicDetails): Uint8Array {
  return encodeWith((w) => {
    writeTopic(w, { ...topic, partitionsCount: topic.partitions.length });
    for (const partition of topic.partitions) writePartition(w, partition);
  }, 64 + 40 * topic.partitions.length);
}

/**
 * Decodes a GetTopic / CreateTopic response (reads `partitions_count` partitions).
 *
 * @param payload The payload (non-empty; empty means "not found").
 * @returns The topic with its partitions.
 * @throws {WireError} 3 or 4 on malformed input.
 */
export function decodeTopicDetails(payload: Uint8Array): TopicDetails {
  const reader = new ByteReader(payload);
  const topic = readTopic(reader);
  const partitions: Partition[] = [];
  for (let i = 0; i < topic.partitionsCount; i++) {
    partitions.push(readPartition(reader));
  }
  return { ...topic, partitions };
}
