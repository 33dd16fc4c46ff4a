/**
 * Stream commands (binary.md §5.6) and the StreamHeader / StreamDetails objects (§4.1, §4.2).
 * @module
 */

import { ByteReader, type ByteWriter } from "../bytes.ts";
import type { Identifier } from "../identifier.ts";
import { readIdentifier, writeIdentifier } from "../identifier.ts";
import { readName, writeName } from "../primitives.ts";
import { encodeList, encodeWith, readList } from "./_codec.ts";
import type { Topic } from "./topics.ts";
import { readTopic, writeTopic } from "./topics.ts";

/** GetStream (200): one stream with its topics. */
export interface GetStream {
  /** The stream id or name. */
  streamId: Identifier;
}

/** CreateStream (202): the server assigns the id. */
export interface CreateStream {
  /** The new stream's name (1..255 bytes). */
  name: string;
}

/** DeleteStream (203). */
export interface DeleteStream {
  /** The stream id or name. */
  streamId: Identifier;
}

/** UpdateStream (204): renames a stream. */
export interface UpdateStream {
  /** The stream id or name. */
  streamId: Identifier;
  /** The new name (1..255 bytes). */
  name: string;
}

/** PurgeStream (205): deletes every message of the stream. */
export interface PurgeStream {
  /** The stream id or name. */
  streamId: Identifier;
}

/**
 * A stream header (StreamHeader, §4.1).
 *
 * @example Usage
 * ```ts ignore
 * for (const stream of await client.getStreams()) console.log(stream.id, stream.name, stream.topicsCount);
 * ```
 */
export interface Stream {
  /** Stream id (0-based). */
  id: number;
  /** Creation time, µs since the epoch. */
  createdAt: bigint;
  /** The stream name. */
  name: string;
  /** Number of topics. */
  topicsCount: number;
  /** Stored message bytes in all partitions. */
  sizeBytes: bigint;
  /** Stored messages in all partitions. */
  messagesCount: bigint;
}

/**
 * A stream with its topic headers (StreamDetails, §4.2).
 *
 * @example Usage
 * ```ts ignore
 * const stream = await client.getStream("orders");
 * console.log(stream?.topics.map((t) => t.name));
 * ```
 */
export interface StreamDetails extends Stream {
  /** The stream's topics, by id. */
  topics: Topic[];
}

// GetStream / DeleteStream / PurgeStream request = stream Identifier

/**
 * Encodes a GetStream request.
 *
 * @param command The request.
 * @returns The payload.
 */
export function encodeGetStream(command: GetStream): Uint8Array {
  return encodeWith((w) => writeIdentifier(w, command.streamId));
}

/**
 * Decodes a GetStream request.
 *
 * @param payload The payload.
 * @returns The request.
 * @throws {WireError} 3 or 4 on malformed input.
 */
export function decodeGetStream(payload: Uint8Array): GetStream {
  return { streamId: readIdentifier(new ByteReader(payload)) };
}

/**
 * Encodes a DeleteStream request.
 *
 * @param command The request.
 * @returns The payload.
 */
export function encodeDeleteStream(command: DeleteStream): Uint8Array {
  return encodeWith((w) => writeIdentifier(w, command.streamId));
}

/**
 * Decodes a DeleteStream request.
 *
 * @param payload The payload.
 * @returns The request.
 * @throws {WireError} 3 or 4 on malformed input.
 */
export function decodeDeleteStream(payload: Uint8Array): DeleteStream {
  return { streamId: readIdentifier(new ByteReader(payload)) };
}

/**
 * Encodes a PurgeStream request.
 *
 * @param command The request.
 * @returns The payload.
 */
export function encodePurgeStream(command: PurgeStream): Uint8Array {
  return encodeWith((w) => writeIdentifier(w, command.streamId));
}

/**
 * Decodes a PurgeStream request.
 *
 * @param payload The payload.
 * @returns The request.
 * @throws {WireError} 3 or 4 on malformed input.
 */
export function decodePurgeStream(payload: Uint8Array): PurgeStream {
  return { streamId: readIdentifier(new ByteReader(payload)) };
}

// CreateStream request = name Name

/**
 * Encodes a CreateStream request.
 *
 * @param command The request.
 * @returns The payload.
 * @throws {RangeError} When the name is empty or longer than 255 bytes.
 */
export function encodeCreateStream(command: CreateStream): Uint8Array {
  return encodeWith((w) => writeName(w, command.name));
}

/**
 * Decodes a CreateStream request.
 *
 * @param payload The payload.
 * @returns The request.
 * @throws {WireError} 4 for an empty name, 3 when truncated.
 */
export function decodeCreateStream(payload: Uint8Array): CreateStream {
  return { name: readName(new ByteReader(payload)) };
}

// UpdateStream request = stream Identifier, name Name

/**
 * Encodes an UpdateStream request.
 *
 * @param command The request.
 * @returns The payload.
 */
export function encodeUpdateStream(command: UpdateStream): Uint8Array {
  return encodeWith((w) => {
    writeIdentifier(w, command.streamId);
    writeName(w, command.name);
  });
}

/**
 * Decodes an UpdateStream request.
 *
 * @param payload The payload.
 * @returns The request.
 * @throws {WireError} 3 or 4 on malformed input.
 */
export function decodeUpdateStream(payload: Uint8Array): UpdateStream {
  const reader = new ByteReader(payload);
  return { streamId: readIdentifier(reader), name: readName(reader) };
}

// StreamHeader = id u32, created_at u64, topics_count u32, size_bytes u64, messages_count u64,
//                name Name

/**
 * Writes a StreamHeader.
 *
 * @param writer The target writer.
 * @param stream The stream.
 */
export function writeStream(writer: ByteWriter, stream: Stream): void {
  writer.u32(stream.id).u64(stream.createdAt).u32(stream.topicsCount)
    .u64(stream.sizeBytes).u64(stream.messagesCount);
  writeName(writer, stream.name);
}

/**
 * Reads a StreamHeader.
 *
 * @param reader The source reader.
 * @returns The stream.
 * @throws {WireError} 3 or 4 on malformed input.
 */
export function readStream(reader: ByteReader): Stream {
  const id = reader.u32();
  const createdAt = reader.u64();
  const topicsCount = reader.u32();
  const sizeBytes = reader.u64();
  const messagesCount = reader.u64();
  const name = readName(reader);
  return { id, createdAt, name, topicsCount, sizeBytes, messagesCount };
}

/**
 * Encodes a StreamHeader (the CreateStream response).
 *
 * @param stream The stream.
 * @returns The payload.
 */
export function encodeStream(stream: Stream): Uint8Array {
  return encodeWith((w) => writeStream(w, stream));
}

/**
 * Decodes a StreamHeader (the CreateStream response).
 *
 * @param payload The payload.
 * @returns The stream.
 * @throws {WireError} 3 or 4 on malformed input.
 */
export function decodeStream(payload: Uint8Array): Stream {
  return readStream(new ByteReader(payload));
}

// GetStreams response = StreamHeader*

/**
 * Encodes a GetStreams response.
 *
 * @param streams The streams, in id order.
 * @returns The payload (empty for no streams).
 */
export function encodeStreams(streams: readonly Stream[]): Uint8Array {
  return encodeList(streams, writeStream);
}

/**
 * Decodes a GetStreams response.
 *
 * @param payload The payload.
 * @returns The streams.
 * @throws {WireError} 3 or 4 on malformed input.
 */
export function decodeStreams(payload: Uint8Array): Stream[] {
  return readList(payload, readStream);
}

// StreamDetails = StreamHeader (topics_count = topics.length), topics_count x TopicHeader

/**
 * Encodes a GetStream response; `topicsCount` is written as `topics.length`.
 *
 * @param stream The stream with its topics.
 * @returns The payload.
 */
export function encodeStreamDetails(stream: StreamDetails): Uint8Array {
  return encodeWith((w) => {
    writeStream(w, { ...stream, topicsCount: stream.topics.length });
    for (const topic of stream.topics) writeTopic(w, topic);
  }, 64 + 64 * stream.topics.length);
}

/**
 * Decodes a GetStream response (reads `topics_count` topic headers).
 *
 * @param payload The payload (non-empty; empty means "not found").
 * @returns The stream with its topics.
 * @throws {WireError} 3 or 4 on malformed input.
 */
export function decodeStreamDetails(payload: Uint8Array): StreamDetails {
  const reader = new ByteReader(payload);
  const stream = readStream(reader);
  const topics: Topic[] = [];
  for (let i = 0; i < stream.topicsCount; i++) topics.push(readTopic(reader));
  return { ...stream, topics };
}
