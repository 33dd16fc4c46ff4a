/**
 * The typed entries of the metadata log. Each carries everything its application needs (ids and
 * timestamps assigned when the change was validated, password hashes already computed), so that
 * applying the same entries in the same order gives the same metadata on every node.
 * @module
 */

import type { TopicSettings } from "../domain/topic.ts";
import type { AccessToken, UserAccount } from "../domain/user.ts";
import { parseState, stringifyState } from "./json.ts";
import { userFromJson, type UserJson, userToJson } from "./model.ts";

/** One metadata change. */
export type MetadataEntry =
  | { type: "CreateStream"; id: number; name: string; createdAt: bigint }
  | { type: "UpdateStream"; id: number; name: string }
  | { type: "DeleteStream"; id: number }
  | { type: "PurgeStream"; id: number }
  | {
    type: "CreateTopic";
    streamId: number;
    id: number;
    createdAt: bigint;
    settings: TopicSettings;
    /** Partitions 0..n-1, created at `createdAt`. */
    partitionsCount: number;
  }
  | {
    type: "UpdateTopic";
    streamId: number;
    id: number;
    settings: TopicSettings;
  }
  | { type: "DeleteTopic"; streamId: number; id: number }
  | { type: "PurgeTopic"; streamId: number; id: number }
  | {
    type: "CreatePartitions";
    streamId: number;
    topicId: number;
    count: number;
    createdAt: bigint;
  }
  | {
    type: "DeletePartitions";
    streamId: number;
    topicId: number;
    count: number;
  }
  | {
    type: "DeleteSegments";
    streamId: number;
    topicId: number;
    partitionId: number;
    count: number;
  }
  | {
    type: "CreateConsumerGroup";
    streamId: number;
    topicId: number;
    id: number;
    name: string;
  }
  | {
    type: "DeleteConsumerGroup";
    streamId: number;
    topicId: number;
    id: number;
  }
  | { type: "CreateUser"; user: UserAccount }
  /** Any change of a user (name, status, permissions, password): the whole new record. */
  | { type: "UpdateUser"; user: UserAccount }
  | { type: "DeleteUser"; id: number }
  | { type: "CreatePersonalAccessToken"; token: AccessToken }
  | { type: "DeletePersonalAccessToken"; userId: number; name: string }
  /** Removes every token whose expiry is at or before `now` (µs). */
  | { type: "DeleteExpiredPersonalAccessTokens"; now: bigint };

/** The name of an entry kind. */
export type EntryType = MetadataEntry["type"];

/** An entry with its position in the log (1, 2, 3, ...; never reused). */
export interface IndexedEntry {
  index: number;
  entry: MetadataEntry;
}

type Encoded = { index: number; entry: Record<string, unknown> };

/** The JSON payload of a log record (bigints as `{"$bigint": ...}`, permissions in base64). */
export function encodeEntry(indexed: IndexedEntry): Uint8Array {
  const { entry } = indexed;
  const json = "user" in entry
    ? { ...entry, user: userToJson(entry.user) }
    : entry;
  return new TextEncoder().encode(
    stringifyState({ index: indexed.index, entry: json }),
  );
}

/**
 * The entry {@linkcode encodeEntry} wrote.
 * @throws {SyntaxError} when the payload is not an encoded entry
 */
export function decodeEntry(payload: Uint8Array): IndexedEntry {
  const decoded = parseState<Encoded>(
    new TextDecoder("utf-8", { fatal: true }).decode(payload),
  );
  const entry = decoded?.entry;
  if (
    typeof decoded?.index !== "number" || typeof entry?.type !== "string"
  ) {
    throw new SyntaxError("not a metadata log entry");
  }
  if (entry.user !== undefined) {
    entry.user = userFromJson(entry.user as UserJson);
  }
  return { index: decoded.index, entry: entry as unknown as MetadataEntry };
}
