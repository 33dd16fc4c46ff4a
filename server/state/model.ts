/**
 * The metadata as plain data: what the log's entries change and what a snapshot holds. The
 * running server's domain objects (streams, topics, partitions with open files) mirror it.
 * @module
 */

import { decodeBase64, toBase64 } from "../../client/protocol/http_json/mod.ts";
import {
  decodePermissions,
  encodePermissions,
} from "../../client/protocol/permissions.ts";
import type { TopicSettings } from "../domain/topic.ts";
import {
  type AccessToken,
  legacyIncarnation,
  type UserAccount,
} from "../domain/user.ts";
import { type IdAllocatorState, newIds } from "../domain/ids.ts";

/** One partition: its id (its index in the topic) and creation time. */
export interface PartitionRecord {
  id: number;
  createdAt: bigint;
}

/** One consumer group (its members are connections, not metadata). */
export interface GroupRecord {
  id: number;
  name: string;
}

/** One topic. */
export interface TopicRecord {
  id: number;
  createdAt: bigint;
  settings: TopicSettings;
  partitions: PartitionRecord[];
  groupIds: IdAllocatorState;
  groups: Map<number, GroupRecord>;
}

/** One stream. */
export interface StreamRecord {
  id: number;
  name: string;
  createdAt: bigint;
  topicIds: IdAllocatorState;
  topics: Map<number, TopicRecord>;
}

/** Every piece of metadata of the server. */
export interface MetadataModel {
  streamIds: IdAllocatorState;
  userIds: IdAllocatorState;
  streams: Map<number, StreamRecord>;
  /** User records, kept whole (fields added later are persisted too). */
  users: Map<number, UserAccount>;
  tokens: AccessToken[];
}

/** An empty model: no streams, no users. */
export function emptyModel(): MetadataModel {
  return {
    streamIds: newIds(),
    userIds: newIds(),
    streams: new Map(),
    users: new Map(),
    tokens: [],
  };
}

/** A user record as JSON stores it: permissions in their binary form, base64. */
export type UserJson =
  & Omit<UserAccount, "permissions" | "incarnation" | "passwordVersion">
  & {
    permissions?: string;
    /** Absent in records written before incarnations. */
    incarnation?: string;
    passwordVersion?: number;
  };

/** A user record ready for JSON (every field kept, permissions encoded). */
export function userToJson(user: UserAccount): UserJson {
  return {
    ...user,
    permissions: user.permissions
      ? toBase64(encodePermissions(user.permissions))
      : undefined,
  };
}

/**
 * The user record {@linkcode userToJson} wrote. A record from before incarnations gets one derived
 * from its creation time (the same at every start) and password version 0.
 */
export function userFromJson(json: UserJson): UserAccount {
  return {
    ...json,
    incarnation: json.incarnation ?? legacyIncarnation(json.createdAt),
    passwordVersion: json.passwordVersion ?? 0,
    permissions: json.permissions
      ? decodePermissions(decodeBase64(json.permissions))
      : undefined,
  };
}

/**
 * The snapshot document (`state/metadata.json`). Version 1 is the file of servers that rewrote
 * it on every change; it has no `lastIndex` and opens as the snapshot before entry 1.
 */
export interface SnapshotJson {
  version: 1 | 2;
  /** Index of the last log entry the snapshot contains. */
  lastIndex?: number;
  streamIds: IdAllocatorState;
  userIds: IdAllocatorState;
  streams: {
    id: number;
    name: string;
    createdAt: bigint;
    topicIds: IdAllocatorState;
    topics: {
      id: number;
      createdAt: bigint;
      settings: TopicSettings;
      partitions: PartitionRecord[];
      groupIds: IdAllocatorState;
      groups: GroupRecord[];
    }[];
  }[];
  users: UserJson[];
  tokens: AccessToken[];
}

/** The snapshot document of `model`, containing entries up to `lastIndex`. */
export function snapshotOf(
  model: MetadataModel,
  lastIndex: number,
): SnapshotJson {
  return {
    version: 2,
    lastIndex,
    streamIds: model.streamIds,
    userIds: model.userIds,
    streams: [...model.streams.values()].map((s) => ({
      id: s.id,
      name: s.name,
      createdAt: s.createdAt,
      topicIds: s.topicIds,
      topics: [...s.topics.values()].map((t) => ({
        id: t.id,
        createdAt: t.createdAt,
        settings: t.settings,
        partitions: t.partitions,
        groupIds: t.groupIds,
        groups: [...t.groups.values()],
      })),
    })),
    users: [...model.users.values()].map(userToJson),
    tokens: model.tokens,
  };
}

/**
 * The model a snapshot document describes.
 * @throws {TypeError} when the document does not have the snapshot's shape
 */
export function modelFromSnapshot(json: SnapshotJson): MetadataModel {
  if (
    typeof json !== "object" || json === null ||
    (json.version !== 1 && json.version !== 2) ||
    !Array.isArray(json.streams) || !Array.isArray(json.users) ||
    !Array.isArray(json.tokens) || typeof json.streamIds?.next !== "number" ||
    typeof json.userIds?.next !== "number"
  ) {
    throw new TypeError("not a metadata snapshot (version 1 or 2)");
  }
  return {
    streamIds: json.streamIds,
    userIds: json.userIds,
    streams: new Map(json.streams.map((s) => [s.id, {
      id: s.id,
      name: s.name,
      createdAt: s.createdAt,
      topicIds: s.topicIds,
      topics: new Map(s.topics.map((t) => [t.id, {
        id: t.id,
        createdAt: t.createdAt,
        settings: t.settings,
        partitions: t.partitions,
        groupIds: t.groupIds,
        groups: new Map(t.groups.map((g) => [g.id, g])),
      }])),
    }])),
    users: new Map(json.users.map((u) => [u.id, userFromJson(u)])),
    tokens: json.tokens,
  };
}
