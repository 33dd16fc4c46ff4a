/**
 * Typed handler results → the JSON shapes of http.md §6, and JSON permissions → typed (§6.6).
 * @module
 */

import type {
  ClientDetails,
  ClientInfo,
  ClusterMetadata,
  ConsumerGroup,
  ConsumerGroupDetails,
  ConsumerOffsetInfo,
  Partition,
  PersonalAccessTokenInfo,
  Stats,
  Stream,
  StreamDetails,
  Topic,
  TopicDetails,
  User,
  UserDetails,
} from "../../client/protocol/mod.ts";
import { NO_USER_ID } from "../../client/protocol/mod.ts";
import type { Permissions } from "../../client/protocol/permissions.ts";
import {
  compressionName,
  NODE_STATUS_NAMES,
  permissionsFromJson,
  permissionsJson,
  type PermissionsReader,
} from "../../client/protocol/http_json.ts";
import {
  bool,
  f32Json,
  formatByteSize,
  type JsonObject,
  optObject,
  unprocessable,
} from "./json.ts";

/** `Stream` (§6.2). */
export function streamJson(s: Stream): Record<string, unknown> {
  return {
    id: s.id,
    created_at: s.createdAt,
    name: s.name,
    size: formatByteSize(s.sizeBytes),
    messages_count: s.messagesCount,
    topics_count: s.topicsCount,
  };
}

/** `StreamDetails` (§6.2). */
export function streamDetailsJson(s: StreamDetails): Record<string, unknown> {
  return { ...streamJson(s), topics: s.topics.map(topicJson) };
}

/** `Topic` (§6.3). */
export function topicJson(t: Topic): Record<string, unknown> {
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

/** `Partition` (§6.3). */
export function partitionJson(p: Partition): Record<string, unknown> {
  return {
    id: p.id,
    created_at: p.createdAt,
    segments_count: p.segmentsCount,
    current_offset: p.currentOffset,
    size: formatByteSize(p.sizeBytes),
    messages_count: p.messagesCount,
  };
}

/** `TopicDetails` (§6.3). */
export function topicDetailsJson(t: TopicDetails): Record<string, unknown> {
  return { ...topicJson(t), partitions: t.partitions.map(partitionJson) };
}

/** `ConsumerGroup` (§6.4). */
export function groupJson(g: ConsumerGroup): Record<string, unknown> {
  return {
    id: g.id,
    name: g.name,
    partitions_count: g.partitionsCount,
    members_count: g.membersCount,
  };
}

/** `ConsumerGroupDetails` (§6.4). */
export function groupDetailsJson(
  g: ConsumerGroupDetails,
): Record<string, unknown> {
  return {
    ...groupJson(g),
    members: g.members.map((m) => ({
      id: m.id,
      partitions_count: m.partitionsCount,
      partitions: m.partitions,
    })),
  };
}

/** `ConsumerOffsetInfo` (§6.5). */
export function offsetJson(o: ConsumerOffsetInfo): Record<string, unknown> {
  return {
    partition_id: o.partitionId,
    current_offset: o.currentOffset,
    stored_offset: o.storedOffset,
  };
}

/** The JSON name of a user status code. */
export function statusName(code: number): string {
  return code === 1 ? "active" : "inactive";
}

/** `UserInfo` (§6.6). */
export function userJson(u: User): Record<string, unknown> {
  return {
    id: u.id,
    created_at: u.createdAt,
    status: statusName(u.status),
    username: u.username,
  };
}

/** `UserInfoDetails` (§6.6). */
export function userDetailsJson(u: UserDetails): Record<string, unknown> {
  return {
    ...userJson(u),
    permissions: u.permissions ? permissionsJson(u.permissions) : null,
  };
}

function idKey(key: string): number {
  if (!/^\d{1,10}$/.test(key) || Number(key) > 0xffff_ffff) {
    unprocessable(`permissions: "${key}" is not a u32 id`);
  }
  return Number(key);
}

/** The request-body readers for permissions: 422 on a missing or mistyped field. */
const PERMISSIONS_READER: PermissionsReader = {
  bool,
  optObject,
  missingGlobal(): never {
    return unprocessable("missing field `global`");
  },
  entry(value, map, key) {
    const name = map === "streams" ? "s" : "t";
    const o = optObject({ [name]: value }, name);
    if (!o) unprocessable(`${map}.${key}: expected an object`);
    return o;
  },
  idKey,
};

/** Reads a JSON `Permissions` object (every boolean required; 422 otherwise). */
export function readPermissions(obj: JsonObject): Permissions {
  return permissionsFromJson(obj, PERMISSIONS_READER);
}

/** `PersonalAccessTokenInfo` (§6.7). */
export function tokenJson(t: PersonalAccessTokenInfo): Record<string, unknown> {
  return { name: t.name, expiry_at: t.expiryAt ?? null };
}

const TRANSPORTS: Readonly<Record<number, string>> = {
  1: "tcp",
  2: "quic",
  3: "http",
  4: "ws",
};

/** `ClientInfo` (§6.8). */
export function clientJson(c: ClientInfo): Record<string, unknown> {
  return {
    client_id: c.clientId,
    user_id: c.userId === NO_USER_ID ? null : c.userId,
    address: c.address,
    transport: TRANSPORTS[c.transport] ?? "tcp",
    consumer_groups_count: c.consumerGroupsCount,
  };
}

/** `ClientInfoDetails` (§6.8). */
export function clientDetailsJson(c: ClientDetails): Record<string, unknown> {
  return {
    ...clientJson(c),
    consumer_groups: c.consumerGroups.map((g) => ({
      stream_id: g.streamId,
      topic_id: g.topicId,
      group_id: g.groupId,
    })),
  };
}

/** `ClusterMetadata` (§6.8). */
export function clusterJson(m: ClusterMetadata): Record<string, unknown> {
  return {
    name: m.name,
    nodes: m.nodes.map((n) => ({
      name: n.name,
      ip: n.ip,
      endpoints: {
        tcp: n.tcpPort,
        quic: n.quicPort,
        http: n.httpPort,
        websocket: n.websocketPort,
      },
      role: n.role === 1 ? "follower" : "leader",
      status: NODE_STATUS_NAMES[n.status] ?? "healthy",
    })),
  };
}

/** `Stats` (§6.10). */
export function statsJson(s: Stats): Record<string, unknown> {
  const cache: Record<string, unknown> = {};
  for (const m of s.cacheMetrics) {
    cache[`${m.streamId}-${m.topicId}-${m.partitionId}`] = {
      hits: m.hits,
      misses: m.misses,
      hit_ratio: f32Json(m.hitRatio),
    };
  }
  return {
    process_id: s.processId,
    cpu_usage: f32Json(s.cpuUsage),
    total_cpu_usage: f32Json(s.totalCpuUsage),
    memory_usage: formatByteSize(s.memoryUsage),
    total_memory: formatByteSize(s.totalMemory),
    available_memory: formatByteSize(s.availableMemory),
    run_time: s.runTime,
    start_time: s.startTime,
    read_bytes: formatByteSize(s.readBytes),
    written_bytes: formatByteSize(s.writtenBytes),
    messages_size_bytes: formatByteSize(s.messagesSizeBytes),
    streams_count: s.streamsCount,
    topics_count: s.topicsCount,
    partitions_count: s.partitionsCount,
    segments_count: s.segmentsCount,
    messages_count: s.messagesCount,
    clients_count: s.clientsCount,
    consumer_groups_count: s.consumerGroupsCount,
    hostname: s.hostname,
    os_name: s.osName,
    os_version: s.osVersion,
    kernel_version: s.kernelVersion,
    iggy_server_version: s.iggyServerVersion,
    iggy_server_semver: s.iggyServerSemver,
    cache_metrics: cache,
    threads_count: s.threadsCount,
    free_disk_space: formatByteSize(s.freeDiskSpace),
    total_disk_space: formatByteSize(s.totalDiskSpace),
  };
}
