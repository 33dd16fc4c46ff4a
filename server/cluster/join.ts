/**
 * Joins the etcd cluster configured in `[cluster]` once the listeners are bound (the advertised
 * ports are the bound ones): starts the node channel, registers the node, catches up the
 * metadata log, creates the root user if the cluster has none, and plugs the cluster into the
 * system (metadata changes through etcd, partition commands forwarded to their leaders).
 * @module
 */

import { ErrorCode, IggyError } from "../../client/protocol/errors.ts";
import { etcdEndpoints, type ServerConfig } from "../config.ts";
import { Session } from "../binary/session.ts";
import { dispatch } from "../binary/table.ts";
import type { ClusterHooks, System } from "../domain/system.ts";
import type { Logger } from "../logger.ts";
import { keyHint, StartupError } from "../startup_error.ts";
import { FRESH_MEMORY } from "../storage/message_memory.ts";
import { NodeChannel, NodeChannelServer } from "./channel.ts";
import { ClusterNode } from "./cluster_node.ts";
import type { GroupRef } from "./keys.ts";
import { clusterUnavailable } from "./replicated_log.ts";
import { delay, EtcdClient } from "./etcd.ts";
import {
  forwardCommand,
  type ForwardingView,
  PARTITION_COMMANDS,
} from "./forwarding.ts";
import { ensureRootUser, entryOf, proposeEntry } from "./metadata.ts";
import { remoteSessionEffect } from "./session_effects.ts";
import { type AcksMode, Replicator } from "./replication.ts";
import {
  encodeLedFigures,
  PARTITION_FIGURES,
  readsFigures,
  refreshFigures,
} from "./partition_figures.ts";

/** True when the config asks for an etcd cluster (enabled, with endpoints). */
export function etcdClusterWanted(config: ServerConfig): boolean {
  return config.cluster.enabled &&
    etcdEndpoints(config.cluster.etcd.endpoints).length > 0;
}

/**
 * The hooks of a node whose listeners are up but which has not joined yet (it cannot know the
 * latest metadata or who leads what): metadata changes and partition commands answer 11001.
 */
export function joiningHooks(): ClusterHooks {
  const joining = () =>
    new IggyError(
      ErrorCode.ShardCommunicationError,
      "this node is still joining the cluster; try again in a moment",
    );
  return {
    propose: () => Promise.reject(joining()),
    forward: (_ctx, code) =>
      PARTITION_COMMANDS.has(code) ? Promise.reject(joining()) : undefined,
    leaderElsewhere: () => undefined,
    groupMember: () => Promise.reject(joining()),
    refresh: () => Promise.resolve(false),
  };
}

/** Gives a local consumer group the cluster's member list (this node's members by client id). */
function syncGroup(system: System, node: ClusterNode, ref: GroupRef): void {
  const topic = system.streams.get(ref.streamId)?.topics.get(ref.topicId);
  const group = topic?.groups.get(ref.groupId);
  if (!topic || !group) return;
  const self = node.self.name;
  group.setMembers(
    node.groupMembers.of(ref).map(({ node: owner, clientId }) => ({
      clientId,
      node: owner === self ? undefined : owner,
    })),
    topic.partitions.length,
  );
}

/** A node's part in the cluster, to stop on shutdown. */
export interface JoinedCluster {
  node: ClusterNode;
  stop(): Promise<void>;
}

/** Connections to the other nodes' channels, opened on first use and again after a failure. */
class ChannelPool {
  readonly #channels = new Map<string, Promise<NodeChannel>>();
  readonly #options: { secret: string; clusterName: string; timeoutMs: number };
  readonly #node: () => ClusterNode;

  constructor(
    node: () => ClusterNode,
    options: { secret: string; clusterName: string; timeoutMs: number },
  ) {
    this.#node = node;
    this.#options = options;
  }

  get(name: string): Promise<NodeChannel> {
    const existing = this.#channels.get(name);
    if (existing) {
      return existing.then((channel) => {
        if (!channel.closed) return channel;
        this.#channels.delete(name);
        return this.get(name);
      });
    }
    const info = this.#node().nodes.find((n) => n.name === name);
    const connecting = NodeChannel.connect(
      { hostname: info?.ip ?? "", port: info?.channelPort ?? 0 },
      this.#options,
    );
    this.#channels.set(name, connecting);
    connecting.catch(() => this.#channels.delete(name));
    return connecting;
  }

  /**
   * Closes the channels to nodes that left the cluster (their lease expired): requests waiting
   * there fail (11001) at once rather than on a peer that may never answer (cut off by a network
   * partition), and the clients retry on the partitions' new leaders.
   */
  closeGone(): void {
    const live = new Set(this.#node().nodes.map((n) => n.name));
    for (const [name, channel] of this.#channels) {
      if (live.has(name)) continue;
      this.#channels.delete(name);
      channel.then((c) => c.close(), () => {});
    }
  }

  async close(): Promise<void> {
    for (const channel of this.#channels.values()) {
      (await channel.catch(() => undefined))?.close();
    }
    this.#channels.clear();
  }
}

/**
 * Registers this node in the cluster, catches up its metadata and starts following it.
 * @throws {StartupError} when etcd cannot be reached, or this node's metadata is not the cluster's
 */
export async function joinCluster(
  system: System,
  config: ServerConfig,
  options: { logger: Logger; root: { username: string; password: string } },
): Promise<JoinedCluster> {
  const { cluster } = config;
  const { logger } = options;
  const etcd = new EtcdClient(etcdEndpoints(cluster.etcd.endpoints), {
    timeoutMs: cluster.etcd.timeout,
  });
  const channelServer = NodeChannelServer.listen({
    hostname: cluster.node.current.ip,
    port: 0,
    secret: cluster.secret,
    clusterName: cluster.name,
    logger,
    handle: async (caller, code, payload, metadataIndex) => {
      if (code === PARTITION_FIGURES) return [encodeLedFigures(system, node)];
      // Read your writes: apply what the sending node had applied (bounded: a node cut off from
      // etcd answers with what it has); a follower's fetch after a purge it applied included.
      if (node.log.lastApplied < metadataIndex) {
        await Promise.race([
          node.log.waitApplied(metadataIndex),
          delay(cluster.etcd.timeout),
        ]);
      }
      const replicaAnswer = replicator?.handle(code, payload, metadataIndex);
      if (replicaAnswer) return replicaAnswer;
      const session = new Session(0, 1, "cluster node");
      session.userId = caller.userId;
      session.userIncarnation = caller.incarnation;
      session.forwarded = true;
      return dispatch(
        { system, session, memory: FRESH_MEMORY },
        code,
        payload,
      );
    },
  });
  const l = system.listeners;
  let node: ClusterNode;
  // Set once the node has joined (replica commands before that answer "not the leader").
  let replicator: Replicator | undefined;
  try {
    node = await ClusterNode.start({
      etcd,
      clusterName: cluster.name,
      node: {
        name: cluster.node.current.name,
        ip: cluster.node.current.ip,
        ports: {
          tcp: l.tcp?.port ?? 0,
          quic: l.quic?.port ?? 0,
          http: l.http?.port ?? 0,
          websocket: l.websocket?.port ?? 0,
        },
        channelPort: channelServer.addr.port,
        leadsPartitions: cluster.node.current.leadPartitions,
      },
      leaseTtlSeconds: Math.max(1, Math.round(cluster.leaseTtl / 1000)),
      logger,
      lastApplied: system.metadataIndex,
      apply: async (index, payload, own) => {
        const entry = entryOf(payload);
        // The proposing node's handler does this for its own connections.
        const effect = own ? undefined : remoteSessionEffect(system, entry);
        await system.applyCommitted(index, entry);
        effect?.();
        // New partitions may be replicas here: take their roles.
        replicator?.sync();
        // Members may have joined through other nodes before this node knew the group.
        if (entry.type === "CreateConsumerGroup") {
          syncGroup(system, node, {
            streamId: entry.streamId,
            topicId: entry.topicId,
            groupId: entry.id,
          });
        }
      },
    });
  } catch (err) {
    await channelServer.close();
    throw new StartupError(
      `Cannot join cluster "${cluster.name}": ${
        err instanceof Error ? err.message : String(err)
      }; check ${keyHint("cluster.etcd.endpoints")}`,
      { key: "cluster.etcd.endpoints", cause: err },
    );
  }
  const pool = new ChannelPool(() => node, {
    secret: cluster.secret,
    clusterName: cluster.name,
    timeoutMs: cluster.etcd.timeout,
  });
  node.onChange(() => pool.closeGone());
  // A leader answers a forwarded command within etcd.timeout (catching up the metadata) plus
  // ack_timeout (a replicated partition's acks); a node silent for longer is cut off or hung.
  const peerTimeoutMs = cluster.etcd.timeout + cluster.replication.ackTimeout +
    1000;
  const stop = async () => {
    replicator?.stop();
    await node.stop();
    await pool.close();
    await channelServer.close();
  };
  try {
    if (system.metadataIndex > node.log.lastReceived) {
      throw new StartupError(
        `Cannot join cluster "${cluster.name}": the data directory holds ${system.metadataIndex} metadata entries, the cluster ${node.log.lastReceived}; start this node on an empty data directory (system.path)`,
        { key: "system.path" },
      );
    }
    await node.log.waitApplied(node.log.lastReceived);
    const view: ForwardingView = {
      selfName: node.self.name,
      leaderOf: (streamId, topicId, partitionId) =>
        node.assignmentsOf(streamId, topicId)?.[partitionId]?.leader,
      isLive: (name) => node.nodes.some((n) => n.name === name),
      readsWithoutLeader: (streamId, topicId, partitionId) =>
        active.readsWithoutLeader({ streamId, topicId, partitionId }),
      channelTo: (name) => pool.get(name),
      appliedIndex: () => node.log.lastApplied,
      requestTimeoutMs: peerTimeoutMs,
    };
    const replication = cluster.replication;
    const active = new Replicator(system, node, {
      channelTo: (name) => pool.get(name),
      settings: {
        acks: replication.acks as AcksMode,
        ackTimeoutMs: replication.ackTimeout,
        maxLagMs: replication.maxLag,
        fsync: replication.fsync,
      },
      logger,
    });
    replicator = active;
    const hooks: ClusterHooks = {
      propose: (validate) =>
        proposeEntry(node, validate, { replication: replication.enabled }),
      beforeAppend: (partition) => active.beforeAppend(partition),
      acknowledge: (partition, end) => active.acknowledge(partition, end),
      acknowledgeOffsets: (partition) => active.acknowledgeOffsets(partition),
      readLimit: (partition) => active.readLimit(partition),
      readsWithoutLeader: (partition) => active.readsWithoutLeader(partition),
      // With etcd known to be down, answer at once rather than after its timeout.
      refresh: () =>
        node.etcdReachable
          ? node.log.refresh().catch(() => false)
          : Promise.resolve(false),
      forward: (ctx, code, command) => {
        if (readsFigures(code) && !ctx.session.forwarded) {
          return refreshFigures(system, {
            node,
            channelTo: (name) => pool.get(name),
            requestTimeoutMs: peerTimeoutMs,
          }).then(
            () => undefined,
          );
        }
        return forwardCommand(view, { ctx, code, command });
      },
      leaderElsewhere: (streamId, topicId, partitionId) => {
        const leader = view.leaderOf(streamId, topicId, partitionId);
        return leader === node.self.name ? undefined : leader;
      },
      groupMember: async (group, clientId, member) => {
        try {
          await node.groupMembers.set(group, clientId, member);
        } catch (err) {
          throw clusterUnavailable(err, "join the consumer group");
        }
        // The connection closed while joining: take the member out again.
        if (member && !system.clients.has(clientId)) {
          await node.groupMembers.set(group, clientId, false);
        }
      },
    };
    node.groupMembers.onChange((group) => syncGroup(system, node, group));
    for (const group of node.groupMembers.groups()) {
      syncGroup(system, node, group);
    }
    system.cluster = hooks;
    active.start();
    if (system.options.cluster) system.options.cluster.live = node;
    if (await ensureRootUser(system, options.root)) {
      logger.info("Created the cluster's root user", {
        username: options.root.username,
      });
    }
  } catch (err) {
    await stop();
    throw err;
  }
  logger.info("Joined the cluster", {
    cluster: cluster.name,
    node: cluster.node.current.name,
    controller: node.controller ?? "none",
    nodes: node.nodes.length,
    metadataIndex: system.metadataIndex,
  });
  return { node, stop };
}
