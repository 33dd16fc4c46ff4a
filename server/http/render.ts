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
import type {
  GlobalPermissions,
  Permissions,
  StreamPermissions,
  TopicPermissions,
} from "../../client/protocol/permissions.ts";
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

/** The JSON name of a compression code. */
export function compressionName(code: number): string {
  return code === 2 ? "gzip" : "none";
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

/** `Permissions` (§6.6); empty maps render as `null`. */
export function permissionsJson(p: Permissions): Record<string, unknown> {
  const g = p.global;
  let streams: Record<string, unknown> | null = null;
  if (p.streams.size > 0) {
    streams = {};
    for (const [id, s] of [...p.streams].sort((a, b) => a[0] - b[0])) {
      let topics: Record<string, unknown> | null = null;
      if (s.topics.size > 0) {
        topics = {};
        for (const [tid, t] of [...s.topics].sort((a, b) => a[0] - b[0])) {
          topics[String(tid)] = {
            manage_topic: t.manageTopic,
            read_topic: t.readTopic,
            poll_messages: t.pollMessages,
            send_messages: t.sendMessages,
          };
        }
      }
      streams[String(id)] = {
        manage_stream: s.manageStream,
        read_stream: s.readStream,
        manage_topics: s.manageTopics,
        read_topics: s.readTopics,
        poll_messages: s.pollMessages,
        send_messages: s.sendMessages,
        topics,
      };
    }
  }
  return {
    global: {
      manage_servers: g.manageServers,
      read_servers: g.readServers,
      manage_users: g.manageUsers,
      read_users: g.readUsers,
      manage_streams: g.manageStreams,
      read_streams: g.readStreams,
      manage_topics: g.manageTopics,
      read_topics: g.readTopics,
      poll_messages: g.pollMessages,
      send_messages: g.sendMessages,
    },
    streams,
  };
}

function idKey(key: string): number {
  if (!/^\d{1,10}$/.test(key) || Number(key) > 0xffff_ffff) {
    unprocessable(`permissions: "${key}" is not a u32 id`);
  }
  return Number(key);
}

/** Reads a JSON `Permissions` object (every boolean required; 422 otherwise). */
export function readPermissions(obj: JsonObject): Permissions {
  const g = optObject(obj, "global");
  if (!g) unprocessable("missing field `global`");
  const global: GlobalPermissions = {
    manageServers: bool(g, "manage_servers"),
    readServers: bool(g, "read_servers"),
    manageUsers: bool(g, "manage_users"),
    readUsers: bool(g, "read_users"),
    manageStreams: bool(g, "manage_streams"),
    readStreams: bool(g, "read_streams"),
    manageTopics: bool(g, "manage_topics"),
    readTopics: bool(g, "read_topics"),
    pollMessages: bool(g, "poll_messages"),
    sendMessages: bool(g, "send_messages"),
  };
  const streams = new Map<number, StreamPermissions>();
  for (const [key, value] of Object.entries(optObject(obj, "streams") ?? {})) {
    const s = optObject({ s: value }, "s");
    if (!s) unprocessable(`streams.${key}: expected an object`);
    const topics = new Map<number, TopicPermissions>();
    for (const [tkey, tvalue] of Object.entries(optObject(s, "topics") ?? {})) {
      const t = optObject({ t: tvalue }, "t");
      if (!t) unprocessable(`topics.${tkey}: expected an object`);
      topics.set(idKey(tkey), {
        manageTopic: bool(t, "manage_topic"),
        readTopic: bool(t, "read_topic"),
        pollMessages: bool(t, "poll_messages"),
        sendMessages: bool(t, "send_messages"),
      });
    }
    streams.set(idKey(key), {
      manageStream: bool(s, "manage_stream"),
      readStream: bool(s, "read_stream"),
      manageTopics: bool(s, "manage_topics"),
      readTopics: bool(s, "read_topics"),
      pollMessages: bool(s, "poll_messages"),
      sendMessages: bool(s, "send_messages"),
      topics,
    });
  }
  return { global, streams };
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

const STATUSES = [
  "healthy",
  "starting",
  "stopping",
  "unreachable",
  "maintenance",
];

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
      status: STATUSES[n.status] ?? "healthy",
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
