/**
 * Authorization rules of binary.md §8.3, in one place. Every handler asks through {@linkcode authorize}.
 * @module
 */

import { ErrorCode, IggyError } from "../../client/protocol/errors.ts";
import type {
  Permissions,
  StreamPermissions,
  TopicPermissions,
} from "../../client/protocol/permissions.ts";

/** The permission families a command needs. */
export type Action =
  | "read_servers"
  | "read_users"
  | "manage_users"
  | "read_streams"
  | "read_stream"
  | "manage_streams"
  | "manage_stream"
  | "read_topic"
  | "create_topic"
  | "manage_topic"
  | "poll"
  | "send";

function streamEntry(
  p: Permissions,
  streamId?: number,
): StreamPermissions | undefined {
  return streamId === undefined ? undefined : p.streams.get(streamId);
}

function topicEntry(
  s: StreamPermissions | undefined,
  topicId?: number,
): TopicPermissions | undefined {
  return s && topicId !== undefined ? s.topics.get(topicId) : undefined;
}

/** True when `permissions` allow `action` on the given stream and topic. */
export function isAllowed(
  permissions: Permissions | undefined,
  action: Action,
  target: { streamId?: number; topicId?: number } = {},
): boolean {
  if (!permissions) return false;
  const g = permissions.global;
  const s = streamEntry(permissions, target.streamId);
  const t = topicEntry(s, target.topicId);
  switch (action) {
    case "read_servers":
      return g.manageServers || g.readServers;
    case "read_users":
      return g.manageUsers || g.readUsers;
    case "manage_users":
      return g.manageUsers;
    case "read_streams":
      return g.manageStreams || g.readStreams;
    case "read_stream":
      return g.manageStreams || g.readStreams || !!s?.manageStream ||
        !!s?.readStream;
    case "manage_streams":
      return g.manageStreams;
    case "manage_stream":
      return g.manageStreams || !!s?.manageStream;
    case "read_topic":
      return g.readStreams || g.manageStreams || g.readTopics ||
        g.manageTopics ||
        !!s?.manageStream || !!s?.readStream || !!s?.manageTopics ||
        !!s?.readTopics ||
        !!t?.manageTopic || !!t?.readTopic;
    case "create_topic":
      return g.manageStreams || g.manageTopics || !!s?.manageStream ||
        !!s?.manageTopics;
    case "manage_topic":
      return g.manageStreams || g.manageTopics || !!s?.manageStream ||
        !!s?.manageTopics ||
        !!t?.manageTopic;
    case "poll":
      return g.pollMessages || g.readTopics || g.manageTopics ||
        g.readStreams || g.manageStreams ||
        !!s?.pollMessages || !!s?.manageStream || !!s?.readStream ||
        !!s?.manageTopics ||
        !!s?.readTopics || !!t?.pollMessages || !!t?.readTopic ||
        !!t?.manageTopic;
    case "send":
      return g.sendMessages || g.manageStreams || g.manageTopics ||
        !!s?.sendMessages ||
        !!s?.manageStream || !!s?.manageTopics || !!t?.sendMessages ||
        !!t?.manageTopic;
  }
}

/** Throws 41 `Unauthorized` unless {@linkcode isAllowed}. */
export function authorize(
  permissions: Permissions | undefined,
  action: Action,
  target: { streamId?: number; topicId?: number } = {},
): void {
  if (!isAllowed(permissions, action, target)) {
    throw new IggyError(ErrorCode.Unauthorized, action);
  }
}
