/**
 * `Stream` and `StreamDetails` as JSON (http.md §6.2), both ways, and the stream bodies (`{name}`).
 * @module
 */

import type { Stream, StreamDetails } from "../commands/streams.ts";
import type { JsonFields } from "./fields.ts";
import { topicFromJson, topicToJson } from "./topics.ts";
import { formatByteSize, type JsonObject } from "./values.ts";

/**
 * `Stream` → JSON.
 *
 * @param s The stream.
 * @returns `{id, created_at, name, size, messages_count, topics_count}`.
 */
export function streamToJson(s: Stream): Record<string, unknown> {
  return {
    id: s.id,
    created_at: s.createdAt,
    name: s.name,
    size: formatByteSize(s.sizeBytes),
    messages_count: s.messagesCount,
    topics_count: s.topicsCount,
  };
}

/**
 * JSON → `Stream`.
 *
 * @param o The JSON object.
 * @param read The field readers.
 * @returns The stream.
 */
export function streamFromJson(o: JsonObject, read: JsonFields): Stream {
  return {
    id: read.u32(o, "id"),
    createdAt: read.u64(o, "created_at"),
    name: read.str(o, "name"),
    topicsCount: read.u32(o, "topics_count"),
    sizeBytes: read.byteSize(o, "size"),
    messagesCount: read.u64(o, "messages_count"),
  };
}

/**
 * `StreamDetails` → JSON: the stream's fields, then `topics`.
 *
 * @param s The stream with its topics.
 * @returns The JSON object.
 */
export function streamDetailsToJson(s: StreamDetails): Record<string, unknown> {
  return { ...streamToJson(s), topics: s.topics.map(topicToJson) };
}

/**
 * JSON → `StreamDetails`.
 *
 * @param o The JSON object.
 * @param read The field readers.
 * @returns The stream with its topics.
 */
export function streamDetailsFromJson(
  o: JsonObject,
  read: JsonFields,
): StreamDetails {
  return {
    ...streamFromJson(o, read),
    topics: read.array(o, "topics").map((t) =>
      topicFromJson(read.asObject(t, "topic"), read)
    ),
  };
}

/**
 * CreateStream or UpdateStream → its request body (an updated stream is in the path).
 *
 * @param c The command.
 * @returns `{name}`.
 */
export function streamNameToJson(c: { name: string }): Record<string, unknown> {
  return { name: c.name };
}

/**
 * A CreateStream or UpdateStream request body → the name.
 *
 * @param o The JSON object.
 * @param read The field readers.
 * @returns `{name}`.
 */
export function streamNameFromJson(
  o: JsonObject,
  read: JsonFields,
): { name: string } {
  return { name: read.str(o, "name") };
}
