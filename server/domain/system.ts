/**
 * The whole server state: streams, users, tokens and connected clients. Metadata changes go
 * through {@linkcode System.commit} (validate, append to the metadata log, apply, answer).
 * @module
 */

import { ErrorCode, IggyError } from "../../client/protocol/errors.ts";
import type { Identifier } from "../../client/protocol/identifier.ts";
import { CompressionAlgorithm } from "../../client/protocol/primitives.ts";
import type { Permissions } from "../../client/protocol/permissions.ts";
import { rootPermissions } from "../../client/protocol/permissions.ts";
import type { Logger } from "../logger.ts";
import { partitionDir } from "../storage/paths.ts";
import type { Trash } from "../storage/trash.ts";
import { initHashing } from "../storage/stamp.ts";
import { CacheBudget } from "../storage/cache_budget.ts";
import { MessageCipher } from "../storage/encryption.ts";
import { storageError } from "../storage/io_errors.ts";
import type { MetadataEntry } from "../state/entries.ts";
import type { MetadataModel, TopicRecord } from "../state/model.ts";
import { MetadataStore } from "../state/metadata_store.ts";
import { dropOrphanGroupOffsets, reconcileAtOpen } from "../state/open_disk.ts";
import {
  finishEffects,
  partitionKey,
  type PreparedEffects,
  prepareEffects,
  type RemovedPartitions,
} from "../state/disk_effects.ts";
import type { ClientHandle } from "./client.ts";
import { ConsumerGroup } from "./consumer_group.ts";
import { peekId } from "./ids.ts";
import { Partition } from "./partition.ts";
import { Stream } from "./stream.ts";
import { Topic } from "./topic.ts";
import type { AccessToken, UserAccount } from "./user.ts";
import { newIncarnation } from "./user.ts";
import {
  PasswordService,
  type PasswordServiceOptions,
} from "./password_service.ts";
import { LoginThrottle, type LoginThrottleOptions } from "./login_throttle.ts";

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
  /** fsync the metadata log after every appended entry. */
  stateFsync: boolean;
  /** Fold the metadata log into a new snapshot after this many entries. @default {1000} */
  snapshotEvery?: number;
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
  /** Metadata comes from an etcd cluster: no root user is created at open. */
  clusterMode?: boolean;
  /** What GetSnapshot packs besides the data directory's listing: the log directory and config. */
  snapshot?: { logDir: string; config: string };
  /** `[login]`: the password workers and the login throttle (defaults when absent). */
  login?: {
    passwords?: PasswordServiceOptions;
    throttle?: LoginThrottleOptions;
  };
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
  /** Set once the node has joined an etcd cluster: the live nodes replace the static report. */
  live?: LiveCluster;
}

/** What GetClusterMetadata needs of a node that has joined an etcd cluster. */
export interface LiveCluster {
  /** Every live node (this one included). */
  readonly nodes: readonly {
    name: string;
    ip: string;
    ports: TransportPorts;
  }[];
  /** The controller's name, when one is elected. */
  readonly controller: string | undefined;
}

/** A command's caller as the cluster hooks see it (a command context is one). */
export interface ClusterCaller {
  system: System;
  session: ClientHandle;
}

/** What a node joined to an etcd cluster plugs into the system (`server/cluster/`). */
export interface ClusterHooks {
  /**
   * Commits the entry `validate` builds (against this node's metadata, caught up with the
   * cluster) through the cluster; resolves once it is applied here.
   */
  propose<E extends MetadataEntry>(validate: () => E): Promise<E>;
  /**
   * Sends a partition command (decoded `command` of `code`) to the node leading the partition
   * and resolves to its answer; or resolves to (or returns) `undefined` when this node handles
   * the command (after refreshing, for reads that report partition figures, the figures of
   * partitions other nodes lead).
   */
  forward(
    ctx: ClusterCaller,
    code: number,
    command: unknown,
  ): Promise<Uint8Array[] | undefined> | undefined;
  /** The node leading a partition when it is another one (its data is there, not here). */
  leaderElsewhere(
    streamId: number,
    topicId: number,
    partitionId: number,
  ): string | undefined;
  /**
   * Makes connection `clientId` of this node a member of a consumer group for the whole cluster
   * (or no longer one); resolves once this node's group has the cluster's new member list.
   */
  groupMember(
    group: { streamId: number; topicId: number; groupId: number },
    clientId: number,
    member: boolean,
  ): Promise<void>;
  /**
   * Applies the metadata changes committed through other nodes that this node has not applied
   * yet (its watch lags a little); resolves to true when there were any.
   */
  refresh(): Promise<boolean>;
  /**
   * Before a send appends to a replicated partition: resolves when this node leads it and may
   * write (its lease holds), rejects otherwise (a follower's copy only takes the leader's
   * frames); `undefined` for a partition that is not replicated.
   */
  beforeAppend?(
    partition: { streamId: number; topicId: number; partitionId: number },
  ): Promise<void> | undefined;
  /**
   * After a send appended to a replicated partition this node leads, everything below `end`:
   * resolves once it is replicated as `cluster.replication.acks` asks (rejects when it cannot
   * be); `undefined` for a partition that is not replicated.
   */
  acknowledge?(
    partition: { streamId: number; topicId: number; partitionId: number },
    end: bigint,
  ): Promise<void> | undefined;
  /**
   * After StoreConsumerOffset or DeleteConsumerOffset changed the offsets of a replicated
   * partition this node leads: resolves once its replicas hold them as
   * `cluster.replication.acks` asks (rejects when they cannot); `undefined` for a partition
   * that is not replicated.
   */
  acknowledgeOffsets?(
    partition: { streamId: number; topicId: number; partitionId: number },
  ): Promise<void> | undefined;
  /**
   * The high watermark of a replicated partition this node leads (polls stay below it);
   * `undefined` for a partition that is not replicated.
   */
  readLimit?(
    partition: { streamId: number; topicId: number; partitionId: number },
  ): bigint | undefined;
  /**
   * True when this node holds a replica of a replicated partition whose leader is down (no
   * new one elected): it answers polls itself, up to the high watermark it knows.
   */
  readsWithoutLeader?(
    partition: { streamId: number; topicId: number; partitionId: number },
  ): boolean;
}

/** Default of {@linkcode SystemOptions.cacheSize}: 64 MiB. */
export const DEFAULT_CACHE_SIZE = 64 * 1024 * 1024;

/** Microseconds since the Unix epoch. */
export function nowMicros(): bigint {
  return BigInt(Date.now()) * 1000n;
}

/** The server's state and the operations on it that every handler shares. */
export class System {
  readonly options: SystemOptions;
  readonly logger: Logger;
  /** The streams with their topics and opened partitions; mirrors the metadata. */
  readonly streams: Map<number, Stream> = new Map();
  readonly clients: Map<number, ClientHandle> = new Map();
  /** Set once the node has joined an etcd cluster. */
  cluster: ClusterHooks | undefined;
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
  /** Where deletes and purges move directories (one atomic rename), reclaimed in the background. */
  readonly trash: Trash;
  /** Password hashing and verification, off the event loop. */
  readonly passwords: PasswordService;
  /** Back-off of login attempts, shared by every transport. */
  readonly loginThrottle: LoginThrottle;
  #store: MetadataStore;
  #cipher: MessageCipher | undefined;

  private constructor(
    options: SystemOptions,
    store: MetadataStore,
    cipher: MessageCipher | undefined,
    trash: Trash,
  ) {
    this.options = options;
    this.logger = options.logger;
    this.#store = store;
    this.#cipher = cipher;
    this.trash = trash;
    this.cacheBudget = new CacheBudget(options.cacheSize ?? DEFAULT_CACHE_SIZE);
    this.passwords = new PasswordService(options.login?.passwords);
    this.loginThrottle = new LoginThrottle(options.login?.throttle);
  }

  /** The metadata (read it; change it only through {@linkcode System.commit}). */
  get metadata(): MetadataModel {
    return this.#store.model;
  }

  /** Users by id (part of {@linkcode System.metadata}). */
  get users(): Map<number, UserAccount> {
    return this.#store.model.users;
  }

  /** Personal access tokens (part of {@linkcode System.metadata}). */
  get tokens(): AccessToken[] {
    return this.#store.model.tokens;
  }

  /**
   * Opens the data directory: the metadata (snapshot + log), the disk brought in line with it
   * (see `state/open_disk.ts`), every partition, and the root user when there is no user yet.
   */
  static async open(options: SystemOptions): Promise<System> {
    await initHashing();
    // A bad key fails here, before anything is opened (IggyError 70).
    const cipher = options.encryptionKey === undefined
      ? undefined
      : await MessageCipher.fromBase64(options.encryptionKey);
    await Deno.mkdir(options.dataDir, { recursive: true });
    const stateDir = `${options.dataDir}/state`;
    const store = await MetadataStore.open(stateDir, {
      fsync: options.stateFsync,
      snapshotEvery: options.snapshotEvery,
      logger: options.logger,
    });
    let trash: Trash;
    try {
      trash = await reconcileAtOpen(options.dataDir, store, {
        stateDir,
        fsync: options.stateFsync,
        logger: options.logger,
      });
    } catch (err) {
      await store.close();
      throw err;
    }
    const system = new System(options, store, cipher, trash);
    const opened = new Map<string, Partition>();
    for (const stream of store.model.streams.values()) {
      for (const topic of stream.topics.values()) {
        for (const p of topic.partitions) {
          opened.set(
            partitionKey({ streamId: stream.id, topicId: topic.id }, p.id),
            await system.openPartition(stream.id, topic.id, p.id, p.createdAt),
          );
        }
      }
    }
    system.#mirror(opened);
    await dropOrphanGroupOffsets(system.streams.values(), options.logger);
    // A cluster node gets its root user from the cluster's log (created once per cluster).
    if (system.users.size === 0 && !options.clusterMode) {
      await system.#createRoot(options.root);
    }
    system.passwords.prestart();
    return system;
  }

  /** Creates the root user; a failure stops the password worker it started. */
  async #createRoot(root: SystemOptions["root"]): Promise<void> {
    try {
      const passwordHash = await this.passwords.hash(root.password);
      await this.commit(
        ErrorCode.CannotAppendToFile,
        () => this.rootUserEntry(root.username, passwordHash),
      );
    } catch (err) {
      this.passwords.close();
      throw err;
    }
    this.logger.info("Created root user", { username: root.username });
  }

  /** The entry that creates the root user (all permissions) at the next free user id. */
  rootUserEntry(
    username: string,
    passwordHash: string,
  ): Extract<MetadataEntry, { type: "CreateUser" }> {
    return {
      type: "CreateUser",
      user: {
        id: peekId(this.metadata.userIds),
        incarnation: newIncarnation(),
        passwordVersion: 0,
        username,
        passwordHash,
        status: 1,
        createdAt: nowMicros(),
        permissions: rootPermissions(),
      },
    };
  }

  /**
   * Makes one metadata change, the only way metadata changes: `validate` (run when every earlier
   * change has finished) checks it against memory and returns the entry, or throws an
   * {@linkcode IggyError} and nothing happens; the disk is prepared for it (new directories and
   * partitions); the entry is appended to the metadata log (durable); it is applied to memory;
   * what it leaves on disk is done (removals, purges).
   * A failure before the application leaves memory and disk as they were and throws
   * `IggyError(failureCode)`, logged as one WARN line.
   * @param failureCode the Iggy code to answer when a storage step fails
   * @param validate builds the entry from the current memory
   * @returns the applied entry
   */
  commit<E extends MetadataEntry>(
    failureCode: number,
    validate: () => E,
  ): Promise<E> {
    // In a cluster the entry is committed through etcd and comes back through applyCommitted().
    if (this.cluster) return this.cluster.propose(validate);
    return this.#store.exclusive(() =>
      this.#commitLocal(failureCode, validate())
    );
  }

  /**
   * Applies an entry the cluster committed (`index` in the cluster's log, which this node's log
   * mirrors one for one): the same disk preparation, local append, application and disk effects
   * as a local change.
   * @throws {IggyError} when `index` does not follow this node's last entry, or a storage step fails
   */
  applyCommitted(index: number, entry: MetadataEntry): Promise<void> {
    return this.#store.exclusive(async () => {
      if (index !== this.#store.lastIndex + 1) {
        throw new IggyError(
          ErrorCode.StateFileCorrupted,
          `cluster entry ${index} does not follow local entry ${this.#store.lastIndex}`,
        );
      }
      await this.#commitLocal(ErrorCode.Error, entry);
    });
  }

  /** Index of the last metadata entry applied (and in the local log). */
  get metadataIndex(): number {
    return this.#store.lastIndex;
  }

  /** prepare -> append to the local log -> apply -> disk effects (see {@linkcode System.commit}). */
  async #commitLocal<E extends MetadataEntry>(
    failureCode: number,
    entry: E,
  ): Promise<E> {
    const fail = (err: unknown) =>
      storageError(err, {
        code: failureCode,
        logger: this.logger,
        fields: { change: entry.type },
      });
    let prepared: PreparedEffects;
    try {
      prepared = await prepareEffects(this, entry);
    } catch (err) {
      throw fail(err);
    }
    try {
      await this.#store.commit(entry);
    } catch (err) {
      await prepared.undo().catch((undoErr) =>
        this.logger.warn("Cannot undo the disk changes of a failed change", {
          change: entry.type,
          error: String(undoErr),
        })
      );
      throw fail(err);
    }
    const removed = this.#mirror(prepared.partitions);
    try {
      await finishEffects(this, entry, { removed });
    } catch (err) {
      throw fail(err);
    } finally {
      await this.#store.snapshotIfDue();
    }
    return entry;
  }

  /**
   * Brings the domain objects (streams, topics, partitions, groups) in line with the metadata:
   * creates what is new (taking new partitions from `opened`), updates names and settings, and
   * drops what is gone.
   * @returns the partitions dropped (still open)
   */
  #mirror(opened: Map<string, Partition>): RemovedPartitions {
    const removed: RemovedPartitions = [];
    const model = this.#store.model;
    for (const [id, stream] of this.streams) {
      const record = model.streams.get(id);
      if (record && record.createdAt === stream.createdAt) continue;
      this.streams.delete(id);
      for (const topic of stream.topics.values()) {
        removed.push(...topic.partitions);
      }
    }
    for (const record of model.streams.values()) {
      let stream = this.streams.get(record.id);
      if (!stream) {
        stream = new Stream(record.id, record.createdAt, record.name);
        this.streams.set(record.id, stream);
      }
      stream.name = record.name;
      for (const [id, topic] of stream.topics) {
        const topicRecord = record.topics.get(id);
        if (topicRecord && topicRecord.createdAt === topic.createdAt) continue;
        stream.topics.delete(id);
        removed.push(...topic.partitions);
      }
      for (const topicRecord of record.topics.values()) {
        let topic = stream.topics.get(topicRecord.id);
        if (!topic) {
          topic = new Topic(
            topicRecord.id,
            topicRecord.createdAt,
            topicRecord.settings,
          );
          stream.topics.set(topic.id, topic);
        }
        mirrorTopic(stream.id, topic, topicRecord, opened, removed);
      }
    }
    return removed;
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

  /**
   * The session's user: the one at its user id, if it is still the incarnation that logged in (a
   * user created since at a reused id is someone else).
   */
  userOf(session: ClientHandle): UserAccount | undefined {
    if (session.userId === undefined) return undefined;
    const user = this.users.get(session.userId);
    return user && user.incarnation === session.userIncarnation
      ? user
      : undefined;
  }

  /** The permissions of the session's user (live, so changes apply at once). */
  permissionsOf(session: ClientHandle): Permissions | undefined {
    return this.userOf(session)?.permissions;
  }

  /** Registers a new connection. */
  addClient(session: ClientHandle): void {
    this.clients.set(session.clientId, session);
  }

  /** Removes a connection and its group memberships. */
  removeClient(session: ClientHandle): void {
    if (this.clients.get(session.clientId) === session) {
      this.clients.delete(session.clientId);
    }
    for (const stream of this.streams.values()) {
      for (const topic of stream.topics.values()) {
        for (const group of topic.groups.values()) {
          if (!group.leave(session.clientId, topic.partitions.length)) continue;
          this.cluster?.groupMember(
            { streamId: stream.id, topicId: topic.id, groupId: group.id },
            session.clientId,
            false,
          ).catch(() => {}); // never fails: etcd is told when it is reachable
        }
      }
    }
  }

  /**
   * Stops the trash's background reclaim and the password workers, writes the final snapshot,
   * closes every partition.
   */
  async close(): Promise<void> {
    await this.trash.close();
    this.passwords.close();
    await this.#store.close();
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

/** Updates one topic's settings, partitions and groups from its record. */
function mirrorTopic(
  streamId: number,
  topic: Topic,
  record: TopicRecord,
  opened: Map<string, Partition>,
  removed: RemovedPartitions,
): void {
  topic.settings = record.settings;
  const partitions = topic.partitions;
  const before = partitions.length;
  while (partitions.length > record.partitions.length) {
    removed.push(partitions.pop()!);
  }
  for (let i = partitions.length; i < record.partitions.length; i++) {
    const partition = opened.get(
      partitionKey({ streamId, topicId: topic.id }, i),
    );
    if (!partition) {
      throw new Error(`Partition ${streamId}/${topic.id}/${i} was not opened`);
    }
    partitions.push(partition);
  }
  for (const id of topic.groups.keys()) {
    if (!record.groups.has(id)) topic.groups.delete(id);
  }
  for (const group of record.groups.values()) {
    const existing = topic.groups.get(group.id);
    if (existing) existing.name = group.name;
    else topic.groups.set(group.id, new ConsumerGroup(group.id, group.name));
  }
  if (partitions.length !== before) topic.rebalanceGroups();
}
