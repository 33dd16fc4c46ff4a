/**
 * The whole server state: streams, users, tokens and connected clients, with persistence of the metadata.
 * @module
 */

import { ErrorCode, IggyError } from "../../client/protocol/errors.ts";
import type { Identifier } from "../../client/protocol/identifier.ts";
import { CompressionAlgorithm } from "../../client/protocol/primitives.ts";
import type { Permissions } from "../../client/protocol/permissions.ts";
import { decodeBase64, toBase64 } from "../../client/protocol/http_json.ts";
import {
  decodePermissions,
  encodePermissions,
  rootPermissions,
} from "../../client/protocol/permissions.ts";
import type { Logger } from "../logger.ts";
import { partitionDir } from "../storage/paths.ts";
import { StateStore } from "../storage/state_store.ts";
import { initHashing } from "../storage/stamp.ts";
import { CacheBudget } from "../storage/cache_budget.ts";
import { MessageCipher } from "../storage/encryption.ts";
import type { Session } from "../commands/session.ts";
import { ConsumerGroup } from "./consumer_group.ts";
import { IdAllocator, type IdAllocatorState } from "./ids.ts";
import { Partition } from "./partition.ts";
import { Stream } from "./stream.ts";
import { Topic, type TopicSettings } from "./topic.ts";
import type { AccessToken, UserAccount } from "./user.ts";
import { hashPassword } from "./passwords.ts";

/** What the system needs from the configuration. */
export interface SystemOptions {
  /** Data directory (`system.path`). */
  dataDir: string;
  /** Soft segment size in bytes. */
  segmentSize: number;
  /** fsync every partition write. */
  enforceFsync: boolean;
  /** Verify checksums when loading segments. */
  validateChecksum: boolean;
  /** fsync the metadata file on every change. */
  stateFsync: boolean;
  /** Resolved defaults for topics created with 0 ("server default"). */
  topicDefaults: { messageExpiry: bigint; maxTopicSize: bigint };
  /** `personal_access_token.max_tokens_per_user`. */
  maxTokensPerUser: number;
  /** Root credentials used only when no user exists yet. */
  root: { username: string; password: string };
  /** Where events are logged. */
  logger: Logger;
  /** Bytes all partition read caches may hold together (`system.cache.size`). @default {67108864} */
  cacheSize?: number;
  /** fsync a partition after this many unsaved messages / bytes (0 = not on that measure). */
  save?: { messages: number; bytes: number };
  /** Drop duplicate message ids per partition (`[system.message_deduplication]` when enabled). */
  deduplication?: { maxEntries: number; ttl: number };
  /** Base64 AES-256 key: encrypt message bodies at rest (`[system.encryption]` when enabled). */
  encryptionKey?: string;
  /**
   * `[system.compression]`: with `allowOverride`, each topic's `compression_algorithm` decides;
   * without it, `defaultAlgorithm` applies to every topic.
   */
  compression?: { allowOverride: boolean; defaultAlgorithm: "none" | "gzip" };
  /** What GetClusterMetadata reports; absent = one `single-node` leader with the bound ports. */
  cluster?: ClusterOptions;
  /** What GetSnapshot packs besides the data directory's listing: the log directory and config. */
  snapshot?: { logDir: string; config: string };
}

/** Ports of the four transports. */
export interface TransportPorts {
  tcp: number;
  quic: number;
  http: number;
  websocket: number;
}

/** `[cluster]` as GetClusterMetadata reports it (binary.md §4.14, config.md §4.8). */
export interface ClusterOptions {
  /** `cluster.enabled`: report the configured names and peers instead of `single-node`/`iggy-node`. */
  enabled: boolean;
  /** `cluster.name`. */
  name: string;
  /** `cluster.node.current`. */
  current: { name: string; ip: string };
  /** `cluster.node.others`; a missing port is the current node's configured port. */
  others: {
    name: string;
    ip: string;
    ports: Partial<TransportPorts>;
  }[];
  /** Host part of `tcp.address`: the node's ip when the cluster is disabled. */
  tcpHost: string;
  /** Ports of the configured addresses: for listeners that are not bound and peers' missing ports. */
  ports: TransportPorts;
  /** `--follower`: with the cluster enabled, this node is a follower and its peers leaders. */
  follower: boolean;
}

/** Default of {@linkcode SystemOptions.cacheSize}: 64 MiB. */
export const DEFAULT_CACHE_SIZE = 64 * 1024 * 1024;

interface PersistedTopic {
  id: number;
  createdAt: bigint;
  settings: TopicSettings;
  partitions: { id: number; createdAt: bigint }[];
  groupIds: IdAllocatorState;
  groups: { id: number; name: string }[];
}

interface PersistedState {
  version: 1;
  streamIds: IdAllocatorState;
  userIds: IdAllocatorState;
  streams: {
    id: number;
    name: string;
    createdAt: bigint;
    topicIds: IdAllocatorState;
    topics: PersistedTopic[];
  }[];
  users: (Omit<UserAccount, "permissions"> & { permissions?: string })[];
  tokens: AccessToken[];
}

/** Microseconds since the Unix epoch. */
export function nowMicros(): bigint {
  return BigInt(Date.now()) * 1000n;
}

/** The server's state and the operations on it that every handler shares. */
export class System {
  readonly options: SystemOptions;
  readonly logger: Logger;
  readonly streams: Map<number, Stream> = new Map();
  readonly streamIds: IdAllocator;
  readonly users: Map<number, UserAccount> = new Map();
  readonly userIds: IdAllocator;
  readonly tokens: AccessToken[];
  readonly clients: Map<number, Session> = new Map();
  readonly startedAt: bigint = nowMicros();
  /** Bound listener addresses, filled in by the transports as they start. */
  readonly listeners: Partial<
    Record<
      "tcp" | "quic" | "http" | "websocket",
      { hostname: string; port: number }
    >
  > = {};
  /** Bytes read from and written to message logs since start. */
  readonly counters: { readBytes: bigint; writtenBytes: bigint } = {
    readBytes: 0n,
    writtenBytes: 0n,
  };
  /** Memory budget shared by every partition's read cache. */
  readonly cacheBudget: CacheBudget;
  #store: StateStore;
  #cipher: MessageCipher | undefined;

  private constructor(
    options: SystemOptions,
    store: StateStore,
    state: PersistedState | undefined,
    cipher: MessageCipher | undefined,
  ) {
    this.options = options;
    this.logger = options.logger;
    this.#store = store;
    this.#cipher = cipher;
    this.cacheBudget = new CacheBudget(options.cacheSize ?? DEFAULT_CACHE_SIZE);
    this.streamIds = new IdAllocator(state?.streamIds);
    this.userIds = new IdAllocator(state?.userIds);
    this.tokens = state?.tokens ?? [];
    for (const user of state?.users ?? []) {
      this.users.set(user.id, {
        ...user,
        permissions: user.permissions
          ? decodePermissions(decodeBase64(user.permissions))
          : undefined,
      });
    }
  }

  /** Opens the data directory: loads metadata, recovers every partition, creates the root user. */
  static async open(options: SystemOptions): Promise<System> {
    await initHashing();
    // A bad key fails here, before anything is opened (IggyError 70).
    const cipher = options.encryptionKey === undefined
      ? undefined
      : await MessageCipher.fromBase64(options.encryptionKey);
    await Deno.mkdir(options.dataDir, { recursive: true });
    const store = await StateStore.open(
      `${options.dataDir}/state/metadata.json`,
    );
    const state = store.load<PersistedState>();
    const system = new System(options, store, state, cipher);
    for (const s of state?.streams ?? []) {
      const stream = new Stream(
        s.id,
        s.createdAt,
        s.name,
        new IdAllocator(s.topicIds),
      );
      for (const t of s.topics) {
        const topic = new Topic(
          t.id,
          t.createdAt,
          t.settings,
          new IdAllocator(t.groupIds),
        );
        for (const p of t.partitions) {
          topic.partitions.push(
            await system.openPartition(stream.id, topic.id, p.id, p.createdAt),
          );
        }
        for (const g of t.groups) {
          topic.groups.set(g.id, new ConsumerGroup(g.id, g.name));
        }
        stream.topics.set(topic.id, topic);
      }
      system.streams.set(stream.id, stream);
    }
    if (system.users.size === 0) {
      const id = system.userIds.allocate();
      system.users.set(id, {
        id,
        username: options.root.username,
        passwordHash: await hashPassword(options.root.password),
        status: 1,
        createdAt: nowMicros(),
        permissions: rootPermissions(),
      });
      await system.persist();
      options.logger.info("Created root user", {
        username: options.root.username,
      });
    }
    return system;
  }

  /** Opens or creates a partition's files. */
  openPartition(
    streamId: number,
    topicId: number,
    partitionId: number,
    createdAt: bigint,
  ): Promise<Partition> {
    const dir = partitionDir(
      this.options.dataDir,
      streamId,
      topicId,
      partitionId,
    );
    return Partition.open(dir, partitionId, createdAt, {
      segmentSize: this.options.segmentSize,
      enforceFsync: this.options.enforceFsync,
      validateChecksum: this.options.validateChecksum,
      cacheBudget: this.cacheBudget,
      saveMessages: this.options.save?.messages,
      saveBytes: this.options.save?.bytes,
      deduplication: this.options.deduplication,
      cipher: this.#cipher,
      logger: (message) =>
        this.logger.module("storage").warn(message, {
          streamId,
          topicId,
          partitionId,
        }),
    });
  }

  /** Whether messages of `topic` are stored gzipped (see {@linkcode SystemOptions.compression}). */
  storesGzipped(topic: Topic): boolean {
    const compression = this.options.compression;
    if (!compression) return false;
    return compression.allowOverride
      ? topic.settings.compressionAlgorithm === CompressionAlgorithm.Gzip
      : compression.defaultAlgorithm === "gzip";
  }

  /** Directory of a stream. */
  streamDir(streamId: number): string {
    return `${this.options.dataDir}/streams/${streamId}`;
  }

  /** Directory of a topic. */
  topicDir(streamId: number, topicId: number): string {
    return `${this.streamDir(streamId)}/topics/${topicId}`;
  }

  /** Writes the metadata (streams, topics, partitions, groups, users, tokens) atomically. */
  persist(): Promise<void> {
    const state: PersistedState = {
      version: 1,
      streamIds: this.streamIds.toJSON(),
      userIds: this.userIds.toJSON(),
      streams: [...this.streams.values()].map((s) => ({
        id: s.id,
        name: s.name,
        createdAt: s.createdAt,
        topicIds: s.topicIds.toJSON(),
        topics: [...s.topics.values()].map((t) => ({
          id: t.id,
          createdAt: t.createdAt,
          settings: t.settings,
          partitions: t.partitions.map((p) => ({
            id: p.id,
            createdAt: p.createdAt,
          })),
          groupIds: t.groupIds.toJSON(),
          groups: [...t.groups.values()].map((g) => ({
            id: g.id,
            name: g.name,
          })),
        })),
      })),
      users: [...this.users.values()].map((u) => ({
        ...u,
        permissions: u.permissions
          ? toBase64(encodePermissions(u.permissions))
          : undefined,
      })),
      tokens: this.tokens,
    };
    return this.#store.save(state, { fsync: this.options.stateFsync });
  }

  /** Finds a stream by id or name; throws 1009 when missing. */
  stream(id: Identifier): Stream {
    const stream = this.findStream(id);
    if (!stream) {
      throw new IggyError(
        ErrorCode.StreamIdNotFound,
        `stream ${JSON.stringify(id)}`,
      );
    }
    return stream;
  }

  /** Finds a stream by id or name. */
  findStream(id: Identifier): Stream | undefined {
    if (typeof id === "number") return this.streams.get(id);
    for (const stream of this.streams.values()) {
      if (stream.name === id) return stream;
    }
    return undefined;
  }

  /** Finds a topic; throws 1009/2010 when missing. */
  topic(
    streamId: Identifier,
    topicId: Identifier,
  ): { stream: Stream; topic: Topic } {
    const stream = this.stream(streamId);
    const topic = stream.findTopic(topicId);
    if (!topic) {
      throw new IggyError(
        ErrorCode.TopicIdNotFound,
        `topic ${JSON.stringify(topicId)}`,
      );
    }
    return { stream, topic };
  }

  /** Finds a user by id or name. */
  findUser(id: Identifier): UserAccount | undefined {
    if (typeof id === "number") return this.users.get(id);
    for (const user of this.users.values()) {
      if (user.username === id) return user;
    }
    return undefined;
  }

  /** The permissions of the session's user (live, so changes apply at once). */
  permissionsOf(session: Session): Permissions | undefined {
    return session.userId === undefined
      ? undefined
      : this.users.get(session.userId)?.permissions;
  }

  /** Registers a new connection. */
  addClient(session: Session): void {
    this.clients.set(session.clientId, session);
  }

  /** Removes a connection and its group memberships. */
  removeClient(session: Session): void {
    if (this.clients.get(session.clientId) === session) {
      this.clients.delete(session.clientId);
    }
    for (const stream of this.streams.values()) {
      for (const topic of stream.topics.values()) {
        for (const group of topic.groups.values()) {
          group.leave(session.clientId, topic.partitions.length);
        }
      }
    }
  }

  /** Flushes and closes every partition. */
  async close(): Promise<void> {
    for (const stream of this.streams.values()) {
      for (const topic of stream.topics.values()) {
        for (const partition of topic.partitions) {
          await partition.log.flush(true);
          await partition.log.close();
        }
      }
    }
  }
}
