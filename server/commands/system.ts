/**
 * System handlers: ping, stats, clients, me, cluster metadata, snapshot (binary.md §5.1).
 * @module
 */

import os from "node:os";
import process from "node:process";
import { statfs } from "node:fs/promises";
import { ErrorCode, IggyError } from "../../client/protocol/errors.ts";
import {
  ClusterNodeRole,
  ClusterNodeStatus,
} from "../../client/protocol/primitives.ts";
import type {
  ClientDetails,
  ClientInfo,
  ClusterMetadata,
  ClusterNode,
  ConsumerGroupRef,
  GetClient,
  GetSnapshot,
  Stats,
} from "../../client/protocol/commands/system.ts";
import { buildSnapshot } from "../snapshot.ts";
import { type LiveCluster, nowMicros, type System } from "../domain/system.ts";
import type { ClientHandle } from "../domain/client.ts";
import { type CommandContext, currentUser, require } from "./context.ts";

/** The server version reported in stats. */
export const SERVER_VERSION = "0.8.0";
const SERVER_SEMVER = 8000;
let lastCpu = process.cpuUsage();
let lastCpuAt = performance.now();

/** Ping: refreshes the heartbeat. */
export function ping(ctx: CommandContext): void {
  ctx.session.lastHeartbeat = Date.now();
}

function groupsOf(system: System, clientId: number): ConsumerGroupRef[] {
  const refs: ConsumerGroupRef[] = [];
  for (const stream of system.streams.values()) {
    for (const topic of stream.topics.values()) {
      for (const group of topic.groups.values()) {
        if (group.member(clientId)) {
          refs.push({
            streamId: stream.id,
            topicId: topic.id,
            groupId: group.id,
          });
        }
      }
    }
  }
  return refs;
}

function clientInfo(system: System, session: ClientHandle): ClientInfo {
  return {
    clientId: session.clientId,
    userId: session.userId ?? 0xffff_ffff,
    transport: session.transport as ClientInfo["transport"],
    address: session.address,
    consumerGroupsCount: groupsOf(system, session.clientId).length,
  };
}

function clientDetails(system: System, session: ClientHandle): ClientDetails {
  return {
    ...clientInfo(system, session),
    consumerGroups: groupsOf(system, session.clientId),
  };
}

/** GetMe: the caller's own client record. */
export function getMe(ctx: CommandContext): ClientDetails {
  currentUser(ctx);
  return clientDetails(ctx.system, ctx.session);
}

/** GetClient: one client, or undefined (empty OK). */
export function getClient(
  ctx: CommandContext,
  cmd: GetClient,
): ClientDetails | undefined {
  require(ctx, "read_servers");
  if (cmd.clientId === 0) throw new IggyError(ErrorCode.InvalidClientId);
  const session = ctx.system.clients.get(cmd.clientId);
  return session ? clientDetails(ctx.system, session) : undefined;
}

/** GetClients: every connected client. */
export function getClients(ctx: CommandContext): ClientInfo[] {
  require(ctx, "read_servers");
  return [...ctx.system.clients.values()].map((s) => clientInfo(ctx.system, s));
}

/**
 * GetClusterMetadata: this node (bound ports, else configured ones) and, with `[cluster]` enabled, its
 * configured peers; all healthy (binary.md §4.14).
 */
export function getClusterMetadata(ctx: CommandContext): ClusterMetadata {
  currentUser(ctx);
  const l = ctx.system.listeners;
  const options = ctx.system.options.cluster;
  if (options?.live) return liveClusterMetadata(options.name, options.live);
  const cluster = options?.enabled ? options : undefined;
  const configured = options?.ports ??
    { tcp: 0, quic: 0, http: 0, websocket: 0 };
  const follower = cluster?.follower ?? false;
  const nodes: ClusterNode[] = [{
    name: cluster?.current.name ?? "iggy-node",
    ip: cluster?.current.ip ?? options?.tcpHost ?? l.tcp?.hostname ??
      "127.0.0.1",
    tcpPort: l.tcp?.port ?? configured.tcp,
    quicPort: l.quic?.port ?? configured.quic,
    httpPort: l.http?.port ?? configured.http,
    websocketPort: l.websocket?.port ?? configured.websocket,
    role: follower ? ClusterNodeRole.Follower : ClusterNodeRole.Leader,
    status: ClusterNodeStatus.Healthy,
  }];
  for (const peer of cluster?.others ?? []) {
    nodes.push({
      name: peer.name,
      ip: peer.ip,
      tcpPort: peer.ports.tcp ?? configured.tcp,
      quicPort: peer.ports.quic ?? configured.quic,
      httpPort: peer.ports.http ?? configured.http,
      websocketPort: peer.ports.websocket ?? configured.websocket,
      role: follower ? ClusterNodeRole.Leader : ClusterNodeRole.Follower,
      status: ClusterNodeStatus.Healthy,
    });
  }
  return { name: cluster?.name ?? "single-node", nodes };
}

/** An etcd cluster's live nodes; the controller is the `Leader`. */
function liveClusterMetadata(
  name: string,
  live: LiveCluster,
): ClusterMetadata {
  return {
    name,
    nodes: live.nodes.map((node) => ({
      name: node.name,
      ip: node.ip,
      tcpPort: node.ports.tcp,
      quicPort: node.ports.quic,
      httpPort: node.ports.http,
      websocketPort: node.ports.websocket,
      role: node.name === live.controller
        ? ClusterNodeRole.Leader
        : ClusterNodeRole.Follower,
      status: ClusterNodeStatus.Healthy,
    })),
  };
}

/** GetSnapshot: a ZIP of diagnostic files (see `server/snapshot.ts`). */
export async function getSnapshot(
  ctx: CommandContext,
  cmd: GetSnapshot,
): Promise<Uint8Array> {
  currentUser(ctx);
  const { options } = ctx.system;
  return await buildSnapshot(cmd, {
    dataDir: options.dataDir,
    logDir: options.snapshot?.logDir ?? `${options.dataDir}/logs`,
    config: options.snapshot?.config ?? "",
  });
}

function cpuPercent(): number {
  const now = performance.now();
  const usage = process.cpuUsage(lastCpu);
  const elapsedMicros = (now - lastCpuAt) * 1000;
  lastCpu = process.cpuUsage();
  lastCpuAt = now;
  return elapsedMicros > 0
    ? ((usage.user + usage.system) / elapsedMicros) * 100
    : 0;
}

/** OS threads of this process (Linux `/proc`); 1 where that is not readable. */
function threadsCount(): number {
  try {
    const status = Deno.readTextFileSync("/proc/self/status");
    const match = /^Threads:\s+(\d+)$/m.exec(status);
    return match ? Number(match[1]) : 1;
  } catch {
    return 1;
  }
}

/** GetStats: process, storage and entity counters. */
export async function getStats(ctx: CommandContext): Promise<Stats> {
  require(ctx, "read_servers");
  const { system } = ctx;
  let topics = 0, partitions = 0, segments = 0, groups = 0;
  let messages = 0n, bytes = 0n;
  for (const stream of system.streams.values()) {
    topics += stream.topics.size;
    for (const topic of stream.topics.values()) {
      groups += topic.groups.size;
      partitions += topic.partitions.length;
      for (const p of topic.partitions) {
        segments += p.segmentsCount;
        messages += p.messagesCount;
        bytes += p.sizeBytes;
      }
    }
  }
  let freeDisk = 0n, totalDisk = 0n;
  try {
    const fs = await statfs(system.options.dataDir);
    freeDisk = BigInt(fs.bavail) * BigInt(fs.bsize);
    totalDisk = BigInt(fs.blocks) * BigInt(fs.bsize);
  } catch {
    // statfs is not available everywhere; report 0.
  }
  const cpu = cpuPercent();
  const load = os.loadavg()[0] ?? 0;
  return {
    processId: Deno.pid,
    cpuUsage: cpu,
    totalCpuUsage: Math.min(100, (load / Math.max(1, os.cpus().length)) * 100),
    memoryUsage: BigInt(Deno.memoryUsage().rss),
    totalMemory: BigInt(os.totalmem()),
    availableMemory: BigInt(os.freemem()),
    runTime: nowMicros() - system.startedAt,
    startTime: system.startedAt,
    readBytes: system.counters.readBytes,
    writtenBytes: system.counters.writtenBytes,
    messagesSizeBytes: bytes,
    streamsCount: system.streams.size,
    topicsCount: topics,
    partitionsCount: partitions,
    segmentsCount: segments,
    messagesCount: messages,
    clientsCount: system.clients.size,
    consumerGroupsCount: groups,
    hostname: os.hostname(),
    osName: Deno.build.os,
    osVersion: os.release(),
    kernelVersion: Deno.osRelease(),
    iggyServerVersion: SERVER_VERSION,
    iggyServerSemver: SERVER_SEMVER,
    cacheMetrics: [],
    threadsCount: threadsCount(),
    freeDiskSpace: freeDisk,
    totalDiskSpace: totalDisk,
  };
}
