/**
 * System and client commands (binary.md §5.1) and the Stats, ClientHeader / ClientDetails and
 * ClusterMetadata objects (§4.10, §4.11, §4.14).
 *
 * Ping, GetStats, GetClusterMetadata, GetMe and GetClients have empty request payloads.
 * @module
 */

import { ByteReader, type ByteWriter } from "../bytes.ts";
import { ErrorCode, invalid } from "../errors.ts";
import type {
  ClientTransport,
  ClusterNodeRole,
  ClusterNodeStatus,
  SnapshotCompression,
  SnapshotType,
} from "../primitives.ts";
import {
  readClientTransport,
  readClusterNodeRole,
  readClusterNodeStatus,
  readSnapshotCompression,
  readSnapshotType,
  SnapshotType as SnapshotTypes,
} from "../primitives.ts";
import { encodeList, encodeWith, readList } from "./_codec.ts";

/** `userId` of a client that has not logged in (u32::MAX). */
export const NO_USER_ID = 0xffff_ffff;

/** GetSnapshot (11): a ZIP archive of diagnostic files. */
export interface GetSnapshot {
  /** Archive compression code. */
  compression: SnapshotCompression;
  /** What to include; `All` (100) must be alone. */
  types: SnapshotType[];
}

/** GetClient (21). */
export interface GetClient {
  /** The client id (the handler rejects 0). */
  clientId: number;
}

/**
 * Cache statistics of one partition.
 *
 * @example Usage
 * ```ts ignore
 * const stats = await client.getStats();
 * for (const metric of stats.cacheMetrics) console.log(metric.hits, metric.misses);
 * ```
 */
export interface CacheMetric {
  /** The stream id. */
  streamId: number;
  /** The topic id. */
  topicId: number;
  /** The partition id. */
  partitionId: number;
  /** Cache hits. */
  hits: bigint;
  /** Cache misses. */
  misses: bigint;
  /** Hit ratio (f32). */
  hitRatio: number;
}

/**
 * Server statistics (Stats, §4.11).
 *
 * @example Usage
 * ```ts ignore
 * const stats: Stats = await client.getStats();
 * console.log(stats.messagesCount, stats.memoryUsage);
 * ```
 */
export interface Stats {
  /** Server process id. */
  processId: number;
  /** Process CPU usage (f32). */
  cpuUsage: number;
  /** Total CPU usage (f32). */
  totalCpuUsage: number;
  /** Process memory, bytes. */
  memoryUsage: bigint;
  /** Total memory, bytes. */
  totalMemory: bigint;
  /** Available memory, bytes. */
  availableMemory: bigint;
  /** Uptime, µs. */
  runTime: bigint;
  /** Start time, µs since the epoch. */
  startTime: bigint;
  /** Bytes read from disk. */
  readBytes: bigint;
  /** Bytes written to disk. */
  writtenBytes: bigint;
  /** Stored message bytes. */
  messagesSizeBytes: bigint;
  /** Number of streams. */
  streamsCount: number;
  /** Number of topics. */
  topicsCount: number;
  /** Number of partitions. */
  partitionsCount: number;
  /** Number of segments. */
  segmentsCount: number;
  /** Stored messages. */
  messagesCount: bigint;
  /** Connected clients. */
  clientsCount: number;
  /** Consumer groups. */
  consumerGroupsCount: number;
  /** Host name. */
  hostname: string;
  /** OS name. */
  osName: string;
  /** OS version. */
  osVersion: string;
  /** Kernel version. */
  kernelVersion: string;
  /** Server version, e.g. `"0.8.0"`. */
  iggyServerVersion: string;
  /** Server version as major·10⁶ + minor·10³ + patch (0 = unknown). */
  iggyServerSemver: number;
  /** Per-partition cache statistics. */
  cacheMetrics: CacheMetric[];
  /** Number of threads. */
  threadsCount: number;
  /** Free disk space, bytes. */
  freeDiskSpace: bigint;
  /** Total disk space, bytes. */
  totalDiskSpace: bigint;
}

/**
 * A connected client (ClientHeader, §4.10).
 *
 * @example Usage
 * ```ts ignore
 * for (const info of await client.getClients()) console.log(info.clientId, info.address, info.transport);
 * ```
 */
export interface ClientInfo {
  /** The client id. */
  clientId: number;
  /** The logged-in user id, or {@linkcode NO_USER_ID}. */
  userId: number;
  /** Transport code. */
  transport: ClientTransport;
  /** Remote address, `ip:port`. */
  address: string;
  /** Number of consumer groups the client is a member of. */
  consumerGroupsCount: number;
}

/**
 * A consumer group a client belongs to.
 *
 * @example Usage
 * ```ts ignore
 * for (const ref of (await client.getMe()).consumerGroups) console.log(ref.streamId, ref.topicId, ref.groupId);
 * ```
 */
export interface ConsumerGroupRef {
  /** The stream id. */
  streamId: number;
  /** The topic id. */
  topicId: number;
  /** The group id. */
  groupId: number;
}

/**
 * A client with its consumer groups (ClientDetails, §4.10).
 *
 * @example Usage
 * ```ts ignore
 * const me: ClientDetails = await client.getMe();
 * console.log(me.clientId, me.consumerGroups.length);
 * ```
 */
export interface ClientDetails extends ClientInfo {
  /** The groups the client is a member of. */
  consumerGroups: ConsumerGroupRef[];
}

/**
 * One node of the cluster (§4.14).
 *
 * @example Usage
 * ```ts ignore
 * for (const node of (await client.getClusterMetadata()).nodes) console.log(node.name, node.tcpPort);
 * ```
 */
export interface ClusterNode {
  /** Node name. */
  name: string;
  /** Node IP address. */
  ip: string;
  /** TCP port. */
  tcpPort: number;
  /** QUIC port. */
  quicPort: number;
  /** HTTP port. */
  httpPort: number;
  /** WebSocket port. */
  websocketPort: number;
  /** Role code. */
  role: ClusterNodeRole;
  /** Status code. */
  status: ClusterNodeStatus;
}

/**
 * Cluster metadata (ClusterMetadata, §4.14).
 *
 * @example Usage
 * ```ts ignore
 * const metadata: ClusterMetadata = await client.getClusterMetadata();
 * console.log(metadata.name);
 * ```
 */
export interface ClusterMetadata {
  /** Cluster name (`"single-node"` without clustering). */
  name: string;
  /** The nodes. */
  nodes: ClusterNode[];
}

// GetSnapshot request = compression u8, types_count u8, types_count x type u8

/**
 * Encodes a GetSnapshot request.
 *
 * @param command The request.
 * @returns The payload.
 */
export function encodeGetSnapshot(command: GetSnapshot): Uint8Array {
  return encodeWith((w) => {
    w.u8(command.compression).u8(command.types.length);
    for (const type of command.types) w.u8(type);
  });
}

/**
 * Decodes a GetSnapshot request.
 *
 * @param payload The payload.
 * @returns The request.
 * @throws {WireError} 3 on unknown codes, `All` combined with other types, or truncation.
 */
export function decodeGetSnapshot(payload: Uint8Array): GetSnapshot {
  const reader = new ByteReader(payload);
  const compression = readSnapshotCompression(reader);
  const at = reader.offset;
  const count = reader.u8();
  const types: SnapshotType[] = [];
  for (let i = 0; i < count; i++) types.push(readSnapshotType(reader));
  if (types.length > 1 && types.includes(SnapshotTypes.All)) {
    invalid(
      ErrorCode.InvalidCommand,
      "Snapshot type all must be the only type",
      at,
    );
  }
  return { compression, types };
}

// GetClient request = client_id u32

/**
 * Encodes a GetClient request.
 *
 * @param command The request.
 * @returns The payload.
 */
export function encodeGetClient(command: GetClient): Uint8Array {
  return encodeWith((w) => w.u32(command.clientId), 4);
}

/**
 * Decodes a GetClient request.
 *
 * @param payload The payload.
 * @returns The request.
 * @throws {WireError} 3 when truncated.
 */
export function decodeGetClient(payload: Uint8Array): GetClient {
  return { clientId: new ByteReader(payload).u32() };
}

// Stats = process_id u32, cpu_usage f32, total_cpu_usage f32, memory_usage u64,
//   total_memory u64, available_memory u64, run_time u64, start_time u64, read_bytes u64,
//   written_bytes u64, messages_size_bytes u64, streams_count u32, topics_count u32,
//   partitions_count u32, segments_count u32, messages_count u64, clients_count u32,
//   consumer_groups_count u32, hostname Str32, os_name Str32, os_version Str32,
//   kernel_version Str32, iggy_server_version Str32, iggy_server_semver u32,
//   cache_metrics_count u32, cache_metrics_count x { stream_id u32, topic_id u32,
//   partition_id u32, hits u64, misses u64, hit_ratio f32 }, threads_count u32,
//   free_disk_space u64, total_disk_space u64

/**
 * Encodes a GetStats response.
 *
 * @param stats The statistics.
 * @returns The payload.
 */
export function encodeStats(stats: Stats): Uint8Array {
  return encodeWith((w) => {
    w.u32(stats.processId).f32(stats.cpuUsage).f32(stats.totalCpuUsage)
      .u64(stats.memoryUsage).u64(stats.totalMemory)
      .u64(stats.availableMemory).u64(stats.runTime).u64(stats.startTime)
      .u64(stats.readBytes).u64(stats.writtenBytes)
      .u64(stats.messagesSizeBytes).u32(stats.streamsCount)
      .u32(stats.topicsCount).u32(stats.partitionsCount)
      .u32(stats.segmentsCount).u64(stats.messagesCount)
      .u32(stats.clientsCount).u32(stats.consumerGroupsCount)
      .str32(stats.hostname).str32(stats.osName).str32(stats.osVersion)
      .str32(stats.kernelVersion).str32(stats.iggyServerVersion)
      .u32(stats.iggyServerSemver).u32(stats.cacheMetrics.length);
    for (const metric of stats.cacheMetrics) {
      w.u32(metric.streamId).u32(metric.topicId).u32(metric.partitionId)
        .u64(metric.hits).u64(metric.misses).f32(metric.hitRatio);
    }
    w.u32(stats.threadsCount).u64(stats.freeDiskSpace)
      .u64(stats.totalDiskSpace);
  }, 256 + 32 * stats.cacheMetrics.length);
}

/**
 * Decodes a GetStats response (every field must be present).
 *
 * @param payload The payload.
 * @returns The statistics.
 * @throws {WireError} 3 when truncated or not UTF-8.
 */
export function decodeStats(payload: Uint8Array): Stats {
  const r = new ByteReader(payload);
  const processId = r.u32();
  const cpuUsage = r.f32();
  const totalCpuUsage = r.f32();
  const memoryUsage = r.u64();
  const totalMemory = r.u64();
  const availableMemory = r.u64();
  const runTime = r.u64();
  const startTime = r.u64();
  const readBytes = r.u64();
  const writtenBytes = r.u64();
  const messagesSizeBytes = r.u64();
  const streamsCount = r.u32();
  const topicsCount = r.u32();
  const partitionsCount = r.u32();
  const segmentsCount = r.u32();
  const messagesCount = r.u64();
  const clientsCount = r.u32();
  const consumerGroupsCount = r.u32();
  const hostname = r.str32();
  const osName = r.str32();
  const osVersion = r.str32();
  const kernelVersion = r.str32();
  const iggyServerVersion = r.str32();
  const iggyServerSemver = r.u32();
  const metricsCount = r.u32();
  r.ensure(32 * metricsCount);
  const cacheMetrics: CacheMetric[] = [];
  for (let i = 0; i < metricsCount; i++) {
    cacheMetrics.push({
      streamId: r.u32(),
      topicId: r.u32(),
      partitionId: r.u32(),
      hits: r.u64(),
      misses: r.u64(),
      hitRatio: r.f32(),
    });
  }
  const threadsCount = r.u32();
  const freeDiskSpace = r.u64();
  const totalDiskSpace = r.u64();
  return {
    processId,
    cpuUsage,
    totalCpuUsage,
    memoryUsage,
    totalMemory,
    availableMemory,
    runTime,
    startTime,
    readBytes,
    writtenBytes,
    messagesSizeBytes,
    streamsCount,
    topicsCount,
    partitionsCount,
    segmentsCount,
    messagesCount,
    clientsCount,
    consumerGroupsCount,
    hostname,
    osName,
    osVersion,
    kernelVersion,
    iggyServerVersion,
    iggyServerSemver,
    cacheMetrics,
    threadsCount,
    freeDiskSpace,
    totalDiskSpace,
  };
}

// ClientHeader = client_id u32, user_id u32 (u32::MAX = none), transport u8, address Str32,
//                consumer_groups_count u32

/**
 * Writes a ClientHeader.
 *
 * @param writer The target writer.
 * @param client The client.
 */
export function writeClientInfo(writer: ByteWriter, client: ClientInfo): void {
  writer.u32(client.clientId).u32(client.userId).u8(client.transport)
    .str32(client.address).u32(client.consumerGroupsCount);
}

/**
 * Reads a ClientHeader.
 *
 * @param reader The source reader.
 * @returns The client.
 * @throws {WireError} 3 on an unknown transport, bad UTF-8 or truncation.
 */
export function readClientInfo(reader: ByteReader): ClientInfo {
  const clientId = reader.u32();
  const userId = reader.u32();
  const transport = readClientTransport(reader);
  const address = reader.str32();
  const consumerGroupsCount = reader.u32();
  return { clientId, userId, transport, address, consumerGroupsCount };
}

/**
 * Encodes one ClientHeader.
 *
 * @param client The client.
 * @returns The payload.
 */
export function encodeClientInfo(client: ClientInfo): Uint8Array {
  return encodeWith((w) => writeClientInfo(w, client));
}

/**
 * Decodes one ClientHeader.
 *
 * @param payload The payload.
 * @returns The client.
 * @throws {WireError} 3 on malformed input.
 */
export function decodeClientInfo(payload: Uint8Array): ClientInfo {
  return readClientInfo(new ByteReader(payload));
}

// GetClients response = ClientHeader* (consumer-group refs omitted)

/**
 * Encodes a GetClients response.
 *
 * @param clients The clients.
 * @returns The payload.
 */
export function encodeClients(clients: readonly ClientInfo[]): Uint8Array {
  return encodeList(clients, writeClientInfo);
}

/**
 * Decodes a GetClients response.
 *
 * @param payload The payload.
 * @returns The clients.
 * @throws {WireError} 3 on malformed input.
 */
export function decodeClients(payload: Uint8Array): ClientInfo[] {
  return readList(payload, readClientInfo);
}

// ClientDetails = ClientHeader (consumer_groups_count = groups.length),
//   consumer_groups_count x { stream_id u32, topic_id u32, group_id u32 }

/**
 * Encodes a GetMe / GetClient response; `consumerGroupsCount` is written as
 * `consumerGroups.length`.
 *
 * @param client The client with its groups.
 * @returns The payload.
 */
export function encodeClientDetails(client: ClientDetails): Uint8Array {
  return encodeWith((w) => {
    writeClientInfo(w, {
      ...client,
      consumerGroupsCount: client.consumerGroups.length,
    });
    for (const group of client.consumerGroups) {
      w.u32(group.streamId).u32(group.topicId).u32(group.groupId);
    }
  });
}

/**
 * Decodes a GetMe / GetClient response.
 *
 * @param payload The payload (non-empty; empty means "not found").
 * @returns The client with its groups.
 * @throws {WireError} 3 on malformed input.
 */
export function decodeClientDetails(payload: Uint8Array): ClientDetails {
  const reader = new ByteReader(payload);
  const client = readClientInfo(reader);
  reader.ensure(12 * client.consumerGroupsCount);
  const consumerGroups: ConsumerGroupRef[] = [];
  for (let i = 0; i < client.consumerGroupsCount; i++) {
    consumerGroups.push({
      streamId: reader.u32(),
      topicId: reader.u32(),
      groupId: reader.u32(),
    });
  }
  return { ...client, consumerGroups };
}

// ClusterMetadata = name Str32, nodes_count u32, nodes_count x { name Str32, ip Str32,
//   tcp_port u16, quic_port u16, http_port u16, websocket_port u16, role u8, status u8 }

/**
 * Encodes a GetClusterMetadata response.
 *
 * @param metadata The cluster metadata.
 * @returns The payload.
 */
export function encodeClusterMetadata(metadata: ClusterMetadata): Uint8Array {
  return encodeWith((w) => {
    w.str32(metadata.name).u32(metadata.nodes.length);
    for (const node of metadata.nodes) {
      w.str32(node.name).str32(node.ip).u16(node.tcpPort).u16(node.quicPort)
        .u16(node.httpPort).u16(node.websocketPort).u8(node.role)
        .u8(node.status);
    }
  });
}

/**
 * Decodes a GetClusterMetadata response.
 *
 * @param payload The payload.
 * @returns The cluster metadata.
 * @throws {WireError} 3 on unknown role/status codes or truncation.
 */
export function decodeClusterMetadata(payload: Uint8Array): ClusterMetadata {
  const reader = new ByteReader(payload);
  const name = reader.str32();
  const count = reader.u32();
  const nodes: ClusterNode[] = [];
  for (let i = 0; i < count; i++) {
    nodes.push({
      name: reader.str32(),
      ip: reader.str32(),
      tcpPort: reader.u16(),
      quicPort: reader.u16(),
      httpPort: reader.u16(),
      websocketPort: reader.u16(),
      role: readClusterNodeRole(reader),
      status: readClusterNodeStatus(reader),
    });
  }
  return { name, nodes };
}
