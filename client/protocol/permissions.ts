/**
 * User permissions (binary.md §2.6) and the `[has u8][len u32][Permissions]` wrapper used by
 * CreateUser, UpdatePermissions and UserDetails.
 * @module
 */

import { ByteReader, ByteWriter } from "./bytes.ts";
import { ErrorCode, invalid } from "./errors.ts";

/**
 * Server-wide permissions: the 10 global flags.
 *
 * @example Usage
 * ```ts
 * import { noPermissions } from "@iggy/client";
 *
 * const permissions = noPermissions();
 * permissions.global.readStreams = true;
 * permissions.global.pollMessages = true;
 * ```
 */
export interface GlobalPermissions {
  /** Manage the server (stats, clients). */
  manageServers: boolean;
  /** Read server info (stats, clients). */
  readServers: boolean;
  /** Create, update and delete users. */
  manageUsers: boolean;
  /** Read users. */
  readUsers: boolean;
  /** Create, update, delete and purge any stream. */
  manageStreams: boolean;
  /** Read any stream. */
  readStreams: boolean;
  /** Create, update, delete and purge any topic. */
  manageTopics: boolean;
  /** Read any topic. */
  readTopics: boolean;
  /** Poll messages from any topic. */
  pollMessages: boolean;
  /** Send messages to any topic. */
  sendMessages: boolean;
}

/**
 * Permissions on one topic of a stream.
 *
 * @example Usage
 * ```ts ignore
 * const topic = (await client.getUser("billing"))?.permissions?.streams?.get(1)?.topics?.get(1);
 * console.log(topic?.sendMessages);
 * ```
 */
export interface TopicPermissions {
  /** Update, delete and purge the topic. */
  manageTopic: boolean;
  /** Read the topic. */
  readTopic: boolean;
  /** Poll messages from the topic. */
  pollMessages: boolean;
  /** Send messages to the topic. */
  sendMessages: boolean;
}

/**
 * Permissions on one stream, with optional per-topic entries.
 *
 * @example Usage
 * ```ts ignore
 * const stream = (await client.getUser("billing"))?.permissions?.streams?.get(1);
 * console.log(stream?.pollMessages);
 * ```
 */
export interface StreamPermissions {
  /** Update, delete and purge the stream. */
  manageStream: boolean;
  /** Read the stream. */
  readStream: boolean;
  /** Manage every topic of the stream. */
  manageTopics: boolean;
  /** Read every topic of the stream. */
  readTopics: boolean;
  /** Poll messages from every topic of the stream. */
  pollMessages: boolean;
  /** Send messages to every topic of the stream. */
  sendMessages: boolean;
  /** Per-topic permissions, by topic id. */
  topics: Map<number, TopicPermissions>;
}

/**
 * A user's permissions: global flags plus per-stream entries by stream id.
 *
 * @example Usage
 * ```ts ignore
 * await client.updatePermissions("billing", {
 *   global: { ...noPermissions().global, readStreams: true },
 *   streams: new Map([[1, { ...streamPermissions, pollMessages: true }]]),
 * });
 * ```
 */
export interface Permissions {
  /** The global flags. */
  global: GlobalPermissions;
  /** Per-stream permissions, by stream id. */
  streams: Map<number, StreamPermissions>;
}

const GLOBAL_KEYS = [
  "manageServers",
  "readServers",
  "manageUsers",
  "readUsers",
  "manageStreams",
  "readStreams",
  "manageTopics",
  "readTopics",
  "pollMessages",
  "sendMessages",
] as const;

const STREAM_KEYS = [
  "manageStream",
  "readStream",
  "manageTopics",
  "readTopics",
  "pollMessages",
  "sendMessages",
] as const;

const TOPIC_KEYS = [
  "manageTopic",
  "readTopic",
  "pollMessages",
  "sendMessages",
] as const;

function globalWith(value: boolean): GlobalPermissions {
  const out = {} as GlobalPermissions;
  for (const key of GLOBAL_KEYS) out[key] = value;
  return out;
}

/**
 * The root user's permissions: every global flag set, no stream entries.
 *
 * @returns A fresh permissions object.
 *
 * @example Usage
 * ```ts
 * import { rootPermissions } from "@iggy/client";
 * import assert from "node:assert/strict";
 *
 * assert.equal(rootPermissions().global.manageServers, true);
 * ```
 */
export function rootPermissions(): Permissions {
  return { global: globalWith(true), streams: new Map() };
}

/**
 * Permissions with every flag cleared and no stream entries.
 *
 * @returns A fresh permissions object.
 *
 * @example Usage
 * ```ts
 * import { noPermissions } from "@iggy/client";
 * import assert from "node:assert/strict";
 *
 * const readOnly = noPermissions();
 * readOnly.global.readStreams = true;
 * assert.equal(readOnly.global.manageStreams, false);
 * ```
 */
export function noPermissions(): Permissions {
  return { global: globalWith(false), streams: new Map() };
}

// Permissions =
//   global: 10 x bool (manage_servers, read_servers, manage_users, read_users, manage_streams,
//           read_streams, manage_topics, read_topics, poll_messages, send_messages)
//   has_streams u8
//   per stream: stream_id u32, 6 x bool (manage_stream, read_stream, manage_topics, read_topics,
//               poll_messages, send_messages), has_topics u8,
//               per topic: topic_id u32, 4 x bool (manage_topic, read_topic, poll_messages,
//                          send_messages), has_next_topic u8
//               has_next_stream u8
// Streams and topics are written in ascending id order.

/**
 * Writes {@linkcode Permissions} (streams and topics sorted by id).
 *
 * @param writer The target writer.
 * @param permissions The permissions.
 */
export function writePermissions(
  writer: ByteWriter,
  permissions: Permissions,
): void {
  for (const key of GLOBAL_KEYS) writer.bool(permissions.global[key]);
  const streams = [...permissions.streams].sort((a, b) => a[0] - b[0]);
  writer.bool(streams.length > 0);
  streams.forEach(([streamId, stream], i) => {
    writer.u32(streamId);
    for (const key of STREAM_KEYS) writer.bool(stream[key]);
    const topics = [...stream.topics].sort((a, b) => a[0] - b[0]);
    writer.bool(topics.length > 0);
    topics.forEach(([topicId, topic], j) => {
      writer.u32(topicId);
      for (const key of TOPIC_KEYS) writer.bool(topic[key]);
      writer.bool(j < topics.length - 1);
    });
    writer.bool(i < streams.length - 1);
  });
}

/**
 * Reads {@linkcode Permissions}. Flags are true when non-zero; the `has_*` markers continue only
 * when equal to 1.
 *
 * @param reader The source reader.
 * @returns The permissions.
 * @throws {WireError} 3 when truncated.
 */
export function readPermissions(reader: ByteReader): Permissions {
  const global = {} as GlobalPermissions;
  for (const key of GLOBAL_KEYS) global[key] = reader.bool();
  const streams = new Map<number, StreamPermissions>();
  let more = reader.u8() === 1;
  while (more) {
    const streamId = reader.u32();
    const stream = { topics: new Map() } as StreamPermissions;
    for (const key of STREAM_KEYS) stream[key] = reader.bool();
    let moreTopics = reader.u8() === 1;
    while (moreTopics) {
      const topicId = reader.u32();
      const topic = {} as TopicPermissions;
      for (const key of TOPIC_KEYS) topic[key] = reader.bool();
      stream.topics.set(topicId, topic);
      moreTopics = reader.u8() === 1;
    }
    streams.set(streamId, stream);
    more = reader.u8() === 1;
  }
  return { global, streams };
}

/**
 * Encodes {@linkcode Permissions} on their own.
 *
 * @param permissions The permissions.
 * @returns The encoded bytes.
 */
export function encodePermissions(permissions: Permissions): Uint8Array {
  const writer = new ByteWriter(64);
  writePermissions(writer, permissions);
  return writer.finish();
}

/**
 * Decodes {@linkcode Permissions}; trailing bytes are ignored.
 *
 * @param bytes The encoded permissions.
 * @returns The permissions.
 * @throws {WireError} 3 when truncated.
 */
export function decodePermissions(bytes: Uint8Array): Permissions {
  return readPermissions(new ByteReader(bytes));
}

// PermissionsBlock = [perm_len u32][Permissions (perm_len bytes)]

/**
 * Writes `[perm_len u32][Permissions]`.
 *
 * @param writer The target writer.
 * @param permissions The permissions.
 */
export function writePermissionsBlock(
  writer: ByteWriter,
  permissions: Permissions,
): void {
  const bytes = encodePermissions(permissions);
  writer.u32(bytes.length).bytes(bytes);
}

/**
 * Reads `[perm_len u32][Permissions]`; `perm_len` must equal the bytes actually decoded.
 *
 * @param reader The source reader.
 * @returns The permissions.
 * @throws {WireError} 4 `InvalidFormat` on a length mismatch, 3 when truncated.
 */
export function readPermissionsBlock(reader: ByteReader): Permissions {
  const at = reader.offset;
  const length = reader.u32();
  const start = reader.offset;
  const permissions = readPermissions(reader);
  const used = reader.offset - start;
  if (used !== length) {
    invalid(
      ErrorCode.InvalidFormat,
      `Permissions length ${length} does not match ${used} decoded bytes`,
      at,
    );
  }
  return permissions;
}

// OptionalPermissions (requests) = [has_permissions u8] then, if == 1, PermissionsBlock

/**
 * Writes `[has u8]` and, when present, `[perm_len u32][Permissions]` (request form).
 *
 * @param writer The target writer.
 * @param permissions The permissions, or `undefined` for none (a single `00`).
 */
export function writeOptionalPermissions(
  writer: ByteWriter,
  permissions: Permissions | undefined,
): void {
  if (permissions === undefined) {
    writer.u8(0);
    return;
  }
  writer.u8(1);
  writePermissionsBlock(writer, permissions);
}

/**
 * Reads `[has u8]` and, when it equals 1, `[perm_len u32][Permissions]` (request form).
 *
 * @param reader The source reader.
 * @returns The permissions or `undefined`.
 * @throws {WireError} 4 on a length mismatch, 3 when truncated.
 */
export function readOptionalPermissions(
  reader: ByteReader,
): Permissions | undefined {
  return reader.u8() === 1 ? readPermissionsBlock(reader) : undefined;
}
