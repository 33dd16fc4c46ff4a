/**
 * `Topic`, `TopicDetails` and `Partition` as JSON (http.md §6.3), both ways, the CreateTopic and
 * UpdateTopic request bodies, the CreatePartitions body, and the compression
 * names of topic bodies.
 * @module
 */

import type { CreatePartitions, Partition } from "../commands/partitions.ts";
import type {
  CreateTopic,
  Topic,
  TopicDetails,
  UpdateTopic,
} from "../commands/topics.ts";
import type { CompressionAlgorithm } from "../primitives.ts";
import type { JsonFields } from "./fields.ts";
import { formatByteSize, type JsonObject } from "./values.ts";

/**
 * The JSON name of a compression code (2 is `gzip`, anything else `none`).
 *
 * @param code The compression algorithm code.
 * @returns The name.
 */
export function compressionName(code: number): string {
  return code === 2 ? "gzip" : "none";
}

/**
 * The compression code of a JSON name, case-insensitive.
 *
 * @param name `none` or `gzip`.
 * @returns 1 or 2, or undefined for another name.
 */
export function compressionCode(
  name: string,
): CompressionAlgorithm | undefined {
  const lower = name.toLowerCase();
  return lower === "none" ? 1 : lower === "gzip" ? 2 : undefined;
}

/**
 * `Topic` → JSON.
 *
 * @param t The topic.
 * @returns The JSON object.
 */
export function topicToJson(t: Topic): Record<string, unknown> {
  return {
    id: t.id,
    created_at: t.createdAt,
    name: t.name,
    size: formatByteSize(t.sizeBytes),
    message_expiry: t.messageExpiry,
    compression_algorithm: compressionName(t.compressionAlgorithm),
    max_topic_size: t.maxTopicSize,
    replication_factor: t.replicationFactor,
    messages_count: t.messagesCount,
    partitions_count: t.partitionsCount,
  };
}

/**
 * JSON → `Topic` (an unknown compression name reads as none).
 *
 * @param o The JSON object.
 * @param read The field readers.
 * @returns The topic.
 */
export function topicFromJson(o: JsonObject, read: JsonFields): Topic {
  return {
    id: read.u32(o, "id"),
    createdAt: read.u64(o, "created_at"),
    name: read.str(o, "name"),
    partitionsCount: read.u32(o, "partitions_count"),
    messageExpiry: read.u64(o, "message_expiry"),
    compressionAlgorithm:
      compressionCode(read.str(o, "compression_algorithm")) ?? 1,
    maxTopicSize: read.u64(o, "max_topic_size"),
    replicationFactor: read.u32(o, "replication_factor"),
    sizeBytes: read.byteSize(o, "size"),
    messagesCount: read.u64(o, "messages_count"),
  };
}

/**
 * `Partition` → JSON.
 *
 * @param p The partition.
 * @returns The JSON object.
 */
export function partitionToJson(p: Partition): Record<string, unknown> {
  return {
    id: p.id,
    created_at: p.createdAt,
    segments_count: p.segmentsCount,
    current_offset: p.currentOffset,
    size: formatByteSize(p.sizeBytes),
    messages_count: p.messagesCount,
  };
}

/**
 * JSON → `Partition`.
 *
 * @param o The JSON object.
 * @param read The field readers.
 * @returns The partition.
 */
export function partitionFromJson(o: JsonObject, read: JsonFields): Partition {
  return {
    id: read.u32(o, "id"),
    createdAt: read.u64(o, "created_at"),
    segmentsCount: read.u32(o, "segments_count"),
    currentOffset: read.u64(o, "current_offset"),
    sizeBytes: read.byteSize(o, "size"),
    messagesCount: read.u64(o, "messages_count"),
  };
}

/**
 * `TopicDetails` → JSON: the topic's fields, then `partitions`.
 *
 * @param t The topic with its partitions.
 * @returns The JSON object.
 */
export function topicDetailsToJson(t: TopicDetails): Record<string, unknown> {
  return { ...topicToJson(t), partitions: t.partitions.map(partitionToJson) };
}

/**
 * JSON → `TopicDetails`.
 *
 * @param o The JSON object.
 * @param read The field readers.
 * @returns The topic with its partitions.
 */
export function topicDetailsFromJson(
  o: JsonObject,
  read: JsonFields,
): TopicDetails {
  return {
    ...topicFromJson(o, read),
    partitions: read.array(o, "partitions").map((p) =>
      partitionFromJson(read.asObject(p, "partition"), read)
    ),
  };
}

/** The settings both topic bodies carry (http.md §6.3 CreateTopic / UpdateTopic). */
type TopicSettings = Pick<
  UpdateTopic,
  | "name"
  | "compressionAlgorithm"
  | "messageExpiry"
  | "maxTopicSize"
  | "replicationFactor"
>;

function topicSettingsToJson(c: TopicSettings): Record<string, unknown> {
  return {
    name: c.name,
    compression_algorithm: compressionName(c.compressionAlgorithm),
    message_expiry: c.messageExpiry,
    max_topic_size: c.maxTopicSize,
    replication_factor: c.replicationFactor,
  };
}

/** The settings as read; `replicationFactor` is undefined when absent or null. */
function topicSettingsFromJson(
  o: JsonObject,
  read: JsonFields,
): Omit<TopicSettings, "replicationFactor"> & {
  replicationFactor: number | undefined;
} {
  const name = read.str(o, "name");
  const compression = read.str(o, "compression_algorithm");
  const compressionAlgorithm = compressionCode(compression) ??
    read.fail(
      `compression_algorithm: unknown variant \`${compression.toLowerCase()}\``,
    );
  return {
    name,
    compressionAlgorithm,
    messageExpiry: read.u64(o, "message_expiry"),
    maxTopicSize: read.u64(o, "max_topic_size"),
    replicationFactor: read.optU8(o, "replication_factor"),
  };
}

/**
 * CreateTopic → its request body (the stream is in the path).
 *
 * @param c The command.
 * @returns The JSON object.
 */
export function createTopicToJson(c: CreateTopic): Record<string, unknown> {
  return { partitions_count: c.partitionsCount, ...topicSettingsToJson(c) };
}

/**
 * A CreateTopic request body → the command's body fields; `replicationFactor` is undefined when
 * absent (the handler's default applies).
 *
 * @param o The JSON object.
 * @param read The field readers.
 * @returns The fields.
 */
export function createTopicFromJson(
  o: JsonObject,
  read: JsonFields,
): ReturnType<typeof topicSettingsFromJson> & { partitionsCount: number } {
  const partitionsCount = read.u32(o, "partitions_count");
  return { partitionsCount, ...topicSettingsFromJson(o, read) };
}

/**
 * UpdateTopic → its request body (stream and topic are in the path).
 *
 * @param c The command.
 * @returns The JSON object.
 */
export function updateTopicToJson(c: UpdateTopic): Record<string, unknown> {
  return topicSettingsToJson(c);
}

/**
 * An UpdateTopic request body → the command's body fields (as {@linkcode createTopicFromJson}).
 *
 * @param o The JSON object.
 * @param read The field readers.
 * @returns The fields.
 */
export function updateTopicFromJson(
  o: JsonObject,
  read: JsonFields,
): ReturnType<typeof topicSettingsFromJson> {
  return topicSettingsFromJson(o, read);
}

/**
 * CreatePartitions → its request body (stream and topic are in the path).
 *
 * @param c The command.
 * @returns `{partitions_count}`.
 */
export function createPartitionsToJson(
  c: CreatePartitions,
): Record<string, unknown> {
  return { partitions_count: c.partitionsCount };
}

/**
 * A CreatePartitions request body → the count.
 *
 * @param o The JSON object.
 * @param read The field readers.
 * @returns `{partitionsCount}`.
 */
export function createPartitionsFromJson(
  o: JsonObject,
  read: JsonFields,
): Pick<CreatePartitions, "partitionsCount"> {
  return { partitionsCount: read.u32(o, "partitions_count") };
}
