/**
 * Clients, cluster metadata and server statistics as JSON (http.md §6.8, §6.10), both ways, and the
 * GetSnapshot request body.
 * @module
 */

import {
  type ClientDetails,
  type ClientInfo,
  type ClusterMetadata,
  type GetSnapshot,
  NO_USER_ID,
  type Stats,
} from "../commands/system.ts";
import { SnapshotCompression, SnapshotType } from "../primitives.ts";
import type { JsonFields } from "./fields.ts";
import {
  f32Json,
  formatByteSize,
  type JsonObject,
  type JsonValue,
} from "./values.ts";

/** Transport names by code (1 = tcp … 4 = ws). */
const TRANSPORT_NAMES: readonly string[] = ["tcp", "quic", "http", "ws"];

/** Cluster node status names in code order (0 = healthy … 4 = maintenance). */
export const NODE_STATUS_NAMES: readonly string[] = [
  "healthy",
  "starting",
  "stopping",
  "unreachable",
  "maintenance",
];

/**
 * `ClientInfo` → JSON.
 *
 * @param c The client.
 * @returns The JSON object (`user_id` is `null` before login).
 */
export function clientToJson(c: ClientInfo): Record<string, unknown> {
  return {
    client_id: c.clientId,
    user_id: c.userId === NO_USER_ID ? null : c.userId,
    address: c.address,
    transport: TRANSPORT_NAMES[c.transport - 1] ?? "tcp",
    consumer_groups_count: c.consumerGroupsCount,
  };
}

/**
 * JSON → `ClientInfo` (an unknown transport reads as tcp).
 *
 * @param o The JSON object.
 * @param read The field readers.
 * @returns The client.
 */
export function clientFromJson(o: JsonObject, read: JsonFields): ClientInfo {
  const transport = TRANSPORT_NAMES.indexOf(read.str(o, "transport")) + 1;
  return {
    clientId: read.u32(o, "client_id"),
    userId: read.optU32(o, "user_id") ?? NO_USER_ID,
    transport: (transport === 0 ? 1 : transport) as ClientInfo["transport"],
    address: read.str(o, "address"),
    consumerGroupsCount: read.u32(o, "consumer_groups_count"),
  };
}

/**
 * `ClientInfoDetails` → JSON: the client's fields, then `consumer_groups`.
 *
 * @param c The client with its groups.
 * @returns The JSON object.
 */
export function clientDetailsToJson(c: ClientDetails): Record<string, unknown> {
  return {
    ...clientToJson(c),
    consumer_groups: c.consumerGroups.map((g) => ({
      stream_id: g.streamId,
      topic_id: g.topicId,
      group_id: g.groupId,
    })),
  };
}

/**
 * JSON → `ClientDetails`.
 *
 * @param o The JSON object.
 * @param read The field readers.
 * @returns The client with its groups.
 */
export function clientDetailsFromJson(
  o: JsonObject,
  read: JsonFields,
): ClientDetails {
  return {
    ...clientFromJson(o, read),
    consumerGroups: read.array(o, "consumer_groups").map((g) => {
      const ref = read.asObject(g, "consumer group");
      return {
        streamId: read.u32(ref, "stream_id"),
        topicId: read.u32(ref, "topic_id"),
        groupId: read.u32(ref, "group_id"),
      };
    }),
  };
}

/**
 * `ClusterMetadata` → JSON.
 *
 * @param m The cluster.
 * @returns `{name, nodes: [{name, ip, endpoints, role, status}]}`.
 */
export function clusterMetadataToJson(
  m: ClusterMetadata,
): Record<string, unknown> {
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

/**
 * JSON → `ClusterMetadata` (an unknown status reads as 5).
 *
 * @param o The JSON object.
 * @param read The field readers.
 * @returns The cluster.
 */
export function clusterMetadataFromJson(
  o: JsonObject,
  read: JsonFields,
): ClusterMetadata {
  return {
    name: read.str(o, "name"),
    nodes: read.array(o, "nodes").map((n) => {
      const node = read.asObject(n, "node");
      const endpoints = read.object(node, "endpoints");
      const status = NODE_STATUS_NAMES.indexOf(read.str(node, "status"));
      return {
        name: read.str(node, "name"),
        ip: read.str(node, "ip"),
        tcpPort: read.u32(endpoints, "tcp"),
        quicPort: read.u32(endpoints, "quic"),
        httpPort: read.u32(endpoints, "http"),
        websocketPort: read.u32(endpoints, "websocket"),
        role: read.str(node, "role") === "follower" ? 1 : 0,
        status: (status < 0 ? 5 : status) as ClusterMetadata["nodes"][number][
          "status"
        ],
      };
    }),
  };
}

/**
 * `Stats` → JSON: sizes as byte-size strings, f32 fields as their shortest decimals, cache
 * metrics keyed `"<stream>-<topic>-<partition>"`.
 *
 * @param s The statistics.
 * @returns The JSON object.
 */
export function statsToJson(s: Stats): Record<string, unknown> {
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

/**
 * JSON → `Stats`.
 *
 * @param o The JSON object.
 * @param read The field readers.
 * @returns The statistics.
 */
export function statsFromJson(o: JsonObject, read: JsonFields): Stats {
  const cacheMetrics = Object.entries(read.object(o, "cache_metrics")).map(
    ([key, value]) => {
      const [streamId, topicId, partitionId] = key.split("-").map(Number);
      const metric = read.asObject(value, "cache metric");
      return {
        streamId: streamId ?? 0,
        topicId: topicId ?? 0,
        partitionId: partitionId ?? 0,
        hits: read.u64(metric, "hits"),
        misses: read.u64(metric, "misses"),
        hitRatio: read.num(metric, "hit_ratio"),
      };
    },
  );
  return {
    processId: read.u32(o, "process_id"),
    cpuUsage: read.num(o, "cpu_usage"),
    totalCpuUsage: read.num(o, "total_cpu_usage"),
    memoryUsage: read.byteSize(o, "memory_usage"),
    totalMemory: read.byteSize(o, "total_memory"),
    availableMemory: read.byteSize(o, "available_memory"),
    runTime: read.u64(o, "run_time"),
    startTime: read.u64(o, "start_time"),
    readBytes: read.byteSize(o, "read_bytes"),
    writtenBytes: read.byteSize(o, "written_bytes"),
    messagesSizeBytes: read.byteSize(o, "messages_size_bytes"),
    streamsCount: read.u32(o, "streams_count"),
    topicsCount: read.u32(o, "topics_count"),
    partitionsCount: read.u32(o, "partitions_count"),
    segmentsCount: read.u32(o, "segments_count"),
    messagesCount: read.u64(o, "messages_count"),
    clientsCount: read.u32(o, "clients_count"),
    consumerGroupsCount: read.u32(o, "consumer_groups_count"),
    hostname: read.str(o, "hostname"),
    osName: read.str(o, "os_name"),
    osVersion: read.str(o, "os_version"),
    kernelVersion: read.str(o, "kernel_version"),
    iggyServerVersion: read.str(o, "iggy_server_version"),
    iggyServerSemver: read.optU32(o, "iggy_server_semver") ?? 0,
    cacheMetrics,
    threadsCount: read.u32(o, "threads_count"),
    freeDiskSpace: read.byteSize(o, "free_disk_space"),
    totalDiskSpace: read.byteSize(o, "total_disk_space"),
  };
}

function nameOf(table: Readonly<Record<string, number>>, code: number): string {
  const entry = Object.entries(table).find(([, c]) => c === code);
  return entry ? entry[0] : String(code);
}

function codeOf<T extends Readonly<Record<string, number>>>(
  table: T,
  name: JsonValue,
  what: string,
  read: JsonFields,
): T[keyof T] {
  if (typeof name !== "string" || !Object.hasOwn(table, name)) {
    read.fail(`${what}: unknown variant \`${String(name)}\``);
  }
  return table[name as keyof T];
}

/**
 * GetSnapshot → its request body (compression and types by their variant names).
 *
 * @param c The command.
 * @returns `{compression, snapshot_types}`.
 */
export function getSnapshotToJson(c: GetSnapshot): Record<string, unknown> {
  return {
    compression: nameOf(SnapshotCompression, c.compression),
    snapshot_types: c.types.map((t) => nameOf(SnapshotType, t)),
  };
}

/**
 * A GetSnapshot request body → the command (an unknown variant is rejected; whether `All` stands
 * alone is the handler's check).
 *
 * @param o The JSON object.
 * @param read The field readers.
 * @returns The command.
 */
export function getSnapshotFromJson(
  o: JsonObject,
  read: JsonFields,
): GetSnapshot {
  const compression = codeOf(
    SnapshotCompression,
    read.str(o, "compression"),
    "compression",
    read,
  );
  const types = o.snapshot_types;
  if (!Array.isArray(types)) read.fail("missing field `snapshot_types`");
  return {
    compression,
    types: types.map((t) => codeOf(SnapshotType, t, "snapshot_types", read)),
  };
}
