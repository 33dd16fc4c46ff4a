/**
 * The low-level client: one method per Iggy command, written once over {@linkcode Transport}.
 * @module
 */

import { BufferPool } from "./_buffer_pool.ts";
import {
  type ClientDetails,
  type ClientInfo,
  type ClusterMetadata,
  CommandCode,
  CompressionAlgorithm,
  type ConsumerGroup,
  type ConsumerGroupDetails,
  type ConsumerOffsetInfo,
  decodeUserHeaders,
  encodeSendMessagesFrame,
  encodeUserHeaders,
  ErrorCode,
  FRAME_HEADER_SIZE,
  type Identifier,
  type IdentityInfo,
  IggyError,
  isAlreadyExists,
  type Message,
  type OutgoingMessage,
  type Permissions,
  type PersonalAccessTokenInfo,
  type PolledMessages,
  type PreparedMessages,
  prepareMessages,
  type SnapshotCompression,
  SnapshotCompression as SnapshotCompressions,
  type SnapshotType,
  SnapshotType as SnapshotTypes,
  type Stats,
  type Stream,
  type StreamDetails,
  type Topic,
  type TopicDetails,
  type User,
  type UserDetails,
  type UserHeaders,
  UserStatus,
  utf8,
  validateUserHeaders,
} from "./protocol/mod.ts";
import { Consumer, Partitioning, PollingStrategy } from "./builders.ts";
import {
  type ConnectOptions,
  DEFAULT_PORTS,
  parseConnectionString,
  readCaFile,
  type TransportKind,
} from "./connect_options.ts";
import { TcpTransport } from "./tcp_transport.ts";
import { QuicTransport } from "./quic_transport.ts";
import { WebSocketTransport } from "./websocket_transport.ts";
import { HttpTransport } from "./http_transport.ts";
import { ReconnectingTransport } from "./reconnecting_transport.ts";
import type { Transport } from "./transport.ts";
import type { Encryptor } from "./encryption.ts";
import { type ConnectionStatus, type Logger, SILENT_LOGGER } from "./status.ts";
import { VERSION } from "./version.ts";
import { requestError, type RequestTarget } from "./_request_errors.ts";
import {
  type Code,
  type CommandCodec,
  COMMANDS,
  type RequestOf,
  type ResultOf,
  type TypedCall,
  typedCallOf,
} from "./_commands.ts";

/**
 * Prepared batches whose headroom holds the frame of a send not yet answered, across clients (a
 * batch may be shared).
 */
const sendingBatches = new WeakSet<PreparedMessages>();

/** How {@linkcode IggyClient.connect} opens each transport: one entry per {@linkcode TransportKind}. */
/**
 * The nodes a reconnecting client tries: the configured one, then (in a cluster: GetClusterMetadata
 * lists more than one node, each answers every command) the others in turn, so that a dead node
 * does not stop the client.
 */
class ClusterNodes {
  readonly #configured: ConnectOptions;
  readonly #kind: TransportKind;
  #others: ConnectOptions[] = [];
  #turn = 0;

  constructor(configured: ConnectOptions, kind: TransportKind) {
    this.#configured = configured;
    this.#kind = kind;
  }

  /** The options of the next node to try. */
  next(): ConnectOptions {
    if (this.#others.length === 0) return this.#configured;
    const all = [this.#configured, ...this.#others];
    return all[this.#turn++ % all.length]!;
  }

  /** Asks the server for the cluster's other nodes (nothing changes on a single node). */
  async learn(client: IggyClient): Promise<void> {
    let metadata: ClusterMetadata;
    try {
      metadata = await client.getClusterMetadata();
    } catch {
      return; // not answered: this client sticks to the configured node
    }
    if (metadata.nodes.length < 2) return;
    const port = (n: ClusterMetadata["nodes"][number]) =>
      this.#kind === "quic"
        ? n.quicPort
        : this.#kind === "websocket"
        ? n.websocketPort
        : n.tcpPort;
    const configuredPort = this.#configured.port ?? DEFAULT_PORTS[this.#kind];
    this.#others = metadata.nodes
      .filter((n) =>
        port(n) > 0 &&
        !(port(n) === configuredPort && n.ip === this.#configured.hostname)
      )
      .map((n) => ({ ...this.#configured, hostname: n.ip, port: port(n) }));
  }
}

const TRANSPORTS: Readonly<
  Record<TransportKind, (options: ConnectOptions) => Promise<Transport>>
> = {
  tcp: (options) =>
    TcpTransport.connect({
      hostname: options.hostname,
      port: options.port ?? DEFAULT_PORTS.tcp,
      tls: options.tls,
      timeout: options.timeout,
    }),
  quic: (options) =>
    QuicTransport.connect({
      hostname: options.hostname,
      port: options.port ?? DEFAULT_PORTS.quic,
      serverName: options.tls?.hostname,
      caCerts: options.tls?.caCerts,
      timeout: options.timeout,
      keepAliveInterval: options.quic?.keepAliveInterval,
      maxIdleTimeout: options.quic?.maxIdleTimeout,
    }),
  websocket: (options) =>
    WebSocketTransport.connect({
      hostname: options.hostname,
      port: options.port ?? DEFAULT_PORTS.websocket,
      secure: options.tls !== undefined,
      caCerts: options.tls?.caCerts,
      timeout: options.timeout,
    }),
  http: (options) =>
    HttpTransport.connect({
      hostname: options.hostname,
      port: options.port ?? DEFAULT_PORTS.http,
      secure: options.tls !== undefined,
      timeout: options.timeout,
    }),
};

/**
 * Options of {@linkcode IggyClient.createUser}.
 *
 * @example Usage
 * ```ts ignore
 * await client.createUser({ username: "billing", password: "secret", status: UserStatus.Active });
 * ```
 */
export interface CreateUserOptions {
  /** The user name (3..50 bytes). */
  username: string;
  /** The password (3..100 bytes). */
  password: string;
  /**
   * The new user's status.
   * @default {UserStatus.Active}
   */
  status?: UserStatus;
  /** The new user's permissions; none when absent. */
  permissions?: Permissions;
}

/**
 * Options of {@linkcode IggyClient.updateUser}; absent fields stay unchanged.
 *
 * @example Usage
 * ```ts ignore
 * await client.updateUser("billing", { username: "invoicing" });
 * ```
 */
export interface UpdateUserOptions {
  /** A new user name (3..50 bytes). */
  username?: string;
  /** A new status. */
  status?: UserStatus;
}

/**
 * Options of {@linkcode IggyClient.changePassword}.
 *
 * @example Usage
 * ```ts ignore
 * await client.changePassword("billing", { currentPassword: "old", newPassword: "new-secret" });
 * ```
 */
export interface ChangePasswordOptions {
  /** The user's current password. */
  currentPassword: string;
  /** The new password (3..100 bytes). */
  newPassword: string;
}

/**
 * Options of {@linkcode IggyClient.createPersonalAccessToken}.
 *
 * @example Usage
 * ```ts ignore
 * const token = await client.createPersonalAccessToken("ci", { expiry: 86_400_000_000n }); // a day
 * ```
 */
export interface CreatePersonalAccessTokenOptions {
  /**
   * Lifetime in microseconds from now; `0n` never expires.
   * @default {0n}
   */
  expiry?: bigint;
}

/**
 * Names a topic.
 *
 * @example Usage
 * ```ts ignore
 * const ref: TopicOptions = { streamId: "orders", topicId: "created" };
 * const topic = await client.getTopic(ref);
 * await client.purgeTopic(ref);
 * ```
 */
export interface TopicOptions {
  /** The stream's id or name. */
  streamId: Identifier;
  /** The topic's id or name. */
  topicId: Identifier;
}

/**
 * Options of {@linkcode IggyClient.getTopics}.
 *
 * @example Usage
 * ```ts ignore
 * const topics = await client.getTopics({ streamId: "orders" });
 * ```
 */
export interface GetTopicsOptions {
  /** The stream's id or name. */
  streamId: Identifier;
}

/**
 * Options of {@linkcode IggyClient.updateStream}.
 *
 * @example Usage
 * ```ts ignore
 * await client.updateStream("orders", { name: "orders-v2" });
 * ```
 */
export interface UpdateStreamOptions {
  /** The new name (1..255 bytes). */
  name: string;
}

/**
 * Options of {@linkcode IggyClient.createTopic} and {@linkcode IggyClient.ensureTopic}.
 *
 * @example Usage
 * ```ts ignore
 * await client.ensureTopic({
 *   streamId: "orders",
 *   name: "created",
 *   partitionsCount: 3,
 *   messageExpiry: 3_600_000_000n, // an hour, in µs
 * });
 * ```
 */
export interface CreateTopicOptions {
  /** The stream's id or name. */
  streamId: Identifier;
  /** The topic's name (1..255 bytes). */
  name: string;
  /**
   * Number of partitions (0..1000).
   * @default {1}
   */
  partitionsCount?: number;
  /**
   * Compression algorithm (metadata only in Iggy 0.8.0).
   * @default {CompressionAlgorithm.None}
   */
  compressionAlgorithm?: CompressionAlgorithm;
  /**
   * Message expiry in microseconds; `0n` uses the server default, `2n ** 64n - 1n` never expires.
   * @default {0n}
   */
  messageExpiry?: bigint;
  /**
   * Maximum topic size in bytes; `0n` uses the server default, `2n ** 64n - 1n` is unlimited.
   * @default {0n}
   */
  maxTopicSize?: bigint;
  /**
   * Replication factor (metadata only in Iggy 0.8.0).
   * @default {1}
   */
  replicationFactor?: number;
}

/**
 * Options of {@linkcode IggyClient.updateTopic}; absent fields keep the topic's current values.
 *
 * @example Usage
 * ```ts ignore
 * await client.updateTopic({ streamId: "orders", topicId: "created", name: "placed" });
 * ```
 */
export interface UpdateTopicOptions {
  /** The stream's id or name. */
  streamId: Identifier;
  /** The topic's id or name. */
  topicId: Identifier;
  /** A new name. */
  name?: string;
  /** A new compression algorithm. */
  compressionAlgorithm?: CompressionAlgorithm;
  /** A new message expiry in microseconds (stored as sent: `0n` stays `0n`). */
  messageExpiry?: bigint;
  /** A new maximum size in bytes (stored as sent). */
  maxTopicSize?: bigint;
  /** A new replication factor. */
  replicationFactor?: number;
}

/**
 * Names a topic's partitions to add or remove.
 *
 * @example Usage
 * ```ts ignore
 * await client.createPartitions({ streamId: "orders", topicId: "created", partitionsCount: 3 });
 * ```
 */
export interface PartitionsOptions {
  /** The stream's id or name. */
  streamId: Identifier;
  /** The topic's id or name. */
  topicId: Identifier;
  /** How many partitions to add or remove (1..1000). */
  partitionsCount: number;
}

/**
 * Options of {@linkcode IggyClient.deleteSegments}.
 *
 * @example Usage
 * ```ts ignore
 * await client.deleteSegments({ streamId: "orders", topicId: "created", partitionId: 0, segmentsCount: 1 });
 * ```
 */
export interface DeleteSegmentsOptions {
  /** The stream's id or name. */
  streamId: Identifier;
  /** The topic's id or name. */
  topicId: Identifier;
  /** The partition (0-based). */
  partitionId: number;
  /** How many of the oldest sealed segments to delete. */
  segmentsCount: number;
}

/**
 * Names a consumer group.
 *
 * @example Usage
 * ```ts ignore
 * const group: ConsumerGroupOptions = { streamId: "orders", topicId: "created", groupId: "billing" };
 * await client.joinConsumerGroup(group);
 * ```
 */
export interface ConsumerGroupOptions {
  /** The stream's id or name. */
  streamId: Identifier;
  /** The topic's id or name. */
  topicId: Identifier;
  /** The group's id or name. */
  groupId: Identifier;
}

/**
 * Options of {@linkcode IggyClient.createConsumerGroup} and
 * {@linkcode IggyClient.ensureConsumerGroup}.
 *
 * @example Usage
 * ```ts ignore
 * await client.ensureConsumerGroup({ streamId: "orders", topicId: "created", name: "billing" });
 * ```
 */
export interface CreateConsumerGroupOptions {
  /** The stream's id or name. */
  streamId: Identifier;
  /** The topic's id or name. */
  topicId: Identifier;
  /** The new group's name. */
  name: string;
}

/**
 * Names a consumer's offset on a partition.
 *
 * @example Usage
 * ```ts ignore
 * const info = await client.getConsumerOffset({ streamId: "orders", topicId: "created", partitionId: 1 });
 * ```
 */
export interface ConsumerOffsetOptions {
  /** The stream's id or name. */
  streamId: Identifier;
  /** The topic's id or name. */
  topicId: Identifier;
  /**
   * Whose offset.
   * @default {Consumer.single(0)}
   */
  consumer?: Consumer;
  /**
   * The partition; for a single consumer, absent means partition 0; for a group, the member's
   * current partition.
   */
  partitionId?: number;
}

/**
 * Options of {@linkcode IggyClient.storeConsumerOffset}.
 *
 * @example Usage
 * ```ts ignore
 * await client.storeConsumerOffset({ streamId: "orders", topicId: "created", partitionId: 0, offset: 99n });
 * ```
 */
export interface StoreConsumerOffsetOptions extends ConsumerOffsetOptions {
  /** The offset to store (the last message processed). */
  offset: bigint;
}

/**
 * Options of {@linkcode IggyClient.flushUnsavedBuffer}.
 *
 * @example Usage
 * ```ts ignore
 * await client.flushUnsavedBuffer({ streamId: "orders", topicId: "created", partitionId: 0 });
 * ```
 */
export interface FlushUnsavedBufferOptions {
  /** The stream's id or name. */
  streamId: Identifier;
  /** The topic's id or name. */
  topicId: Identifier;
  /** The partition (0-based). */
  partitionId: number;
  /**
   * Also fsync the files.
   * @default {false}
   */
  fsync?: boolean;
}

/**
 * Options of {@linkcode IggyClient.pollMessages}.
 *
 * @example Usage
 * ```ts ignore
 * const polled = await client.pollMessages({
 *   streamId: "orders",
 *   topicId: "created",
 *   consumer: Consumer.single(1),
 *   partitionId: 0,
 *   strategy: PollingStrategy.offset(100n),
 *   count: 50,
 * });
 * ```
 */
export interface PollMessagesOptions {
  /** The stream's id or name. */
  streamId: Identifier;
  /** The topic's id or name. */
  topicId: Identifier;
  /**
   * Who polls.
   * @default {Consumer.single(0)}
   */
  consumer?: Consumer;
  /**
   * The partition; for a single consumer, absent means partition 0; for a group, the server picks
   * one of the member's partitions.
   */
  partitionId?: number;
  /**
   * Where to start.
   * @default {PollingStrategy.next()}
   */
  strategy?: PollingStrategy;
  /**
   * At most this many messages.
   * @default {100}
   */
  count?: number;
  /**
   * Store the offset of the last returned message as the consumer's offset.
   * @default {true for PollingStrategy.next(), else false}
   */
  autoCommit?: boolean;
  /**
   * Decrypts each payload with this {@linkcode Encryptor} instead of the client's own.
   * @default {the client's `encryptor`, if any}
   */
  encryptor?: Encryptor;
}

/**
 * A message to send: a payload (bytes, or a string sent as UTF-8) and optional id and headers.
 *
 * @example Usage
 * ```ts ignore
 * const order: NewMessage = {
 *   id: 7n,
 *   payload: JSON.stringify({ total: 42 }),
 *   headers: { message_type: header.string("order_created") },
 * };
 * await client.sendMessages({ streamId: "orders", topicId: "created", messages: [order] });
 * ```
 */
export interface NewMessage {
  /** The payload; a string is sent as UTF-8. */
  payload: Uint8Array | string;
  /** A u128 message id; absent or `0n` lets the server assign a random UUID. */
  id?: bigint;
  /** User headers, built with `header.string()`, `header.uint64()` and so on. */
  headers?: UserHeaders;
  /** Producer timestamp in microseconds. Defaults to now. */
  originTimestamp?: bigint;
}

/**
 * Options of {@linkcode IggyClient.sendMessages}.
 *
 * @example Usage
 * ```ts ignore
 * await client.sendMessages({
 *   streamId: "orders",
 *   topicId: "created",
 *   partitioning: Partitioning.partitionId(0),
 *   messages: [{ payload: "hello" }],
 * });
 * ```
 */
export interface SendMessagesOptions {
  /** The stream's id or name. */
  streamId: Identifier;
  /** The topic's id or name. */
  topicId: Identifier;
  /**
   * Which partition the batch goes to.
   * @default {Partitioning.balanced()}
   */
  partitioning?: Partitioning;
  /** The messages (at least one), sent as one batch, or a batch from {@linkcode IggyClient.prepareMessages}. */
  messages: NewMessage[] | PreparedMessages;
  /**
   * Encrypts each payload with this {@linkcode Encryptor} instead of the client's own.
   * @default {the client's `encryptor`, if any}
   */
  encryptor?: Encryptor;
  /**
   * With an encryptor, also encrypt each message's user-header block (as the official SDKs do).
   * @default {the client's `encryptHeaders`}
   */
  encryptHeaders?: boolean;
}

/**
 * Options of the {@linkcode IggyClient} constructor.
 *
 * @example Usage
 * ```ts ignore
 * const client = new IggyClient(await TcpTransport.connect({ port: 8090 }), {
 *   encryptor: await Aes256GcmEncryptor.fromKey(key),
 *   logger: console,
 * });
 * ```
 */
export interface IggyClientOptions {
  /**
   * Encrypt every sent payload and decrypt every polled one with this {@linkcode Encryptor}
   * (client-side, end-to-end encryption: the server stores ciphertext). The message header stays
   * plaintext, and so do user headers unless `encryptHeaders` is set. None when absent.
   */
  encryptor?: Encryptor;
  /**
   * With an `encryptor`, also encrypt each message's user-header block as one piece, the official
   * Iggy SDKs' format (`nonce ‖ ciphertext ‖ tag` of the encoded block). Polls read both forms.
   * @default {false}
   */
  encryptHeaders?: boolean;
  /** Where the client writes diagnostics; see {@linkcode Logger}. Nothing is logged when absent. */
  logger?: Logger;
}

/**
 * The low-level Iggy client: one typed method per command of the Iggy 0.8.0 binary protocol.
 *
 * Methods that read one object resolve to `undefined` when it does not exist. Server errors
 * reject with {@linkcode IggyError} (check `code`, or use `isNotFound()`); connection failures with
 * `ConnectionError`, timeouts with `TimeoutError`.
 *
 * With an `encryptor` (see {@linkcode Aes256GcmEncryptor}), `sendMessages()` encrypts each payload
 * before it leaves and `pollMessages()` decrypts each polled payload.
 *
 * @example Usage
 * ```ts ignore
 * import { connect, Partitioning, PollingStrategy } from "@iggy/client";
 *
 * await using client = await connect("iggy://iggy:iggy@127.0.0.1:8090");
 * const stream = await client.ensureStream("orders");
 * await client.ensureTopic({ streamId: stream.id, name: "created", partitionsCount: 3 });
 * await client.sendMessages({
 *   streamId: "orders",
 *   topicId: "created",
 *   partitioning: Partitioning.messagesKey("customer-42"),
 *   messages: [{ payload: "hello" }],
 * });
 * const polled = await client.pollMessages({
 *   streamId: "orders",
 *   topicId: "created",
 *   strategy: PollingStrategy.first(),
 * });
 * ```
 */
export class IggyClient {
  #transport: Transport;
  /** The transport's typed path (HTTP), or undefined when it only carries bytes. */
  #typed: TypedCall | undefined;
  #encryptor: Encryptor | undefined;
  #encryptHeaders: boolean;
  #logger: Logger;
  readonly #sendBuffers = new BufferPool();

  /**
   * Connects and, when credentials are given, logs in. Over TCP, QUIC and WebSocket the connection
   * is reopened (and the login replayed) after it drops, unless `reconnect` is `false`; see
   * {@linkcode ConnectOptions.reconnect} and {@linkcode IggyClient.status}. Connected to a
   * cluster (GetClusterMetadata, asked once after the login, lists several nodes), the attempts
   * go to the configured node and the other nodes in turn, so a dead node does not stop the client.
   *
   * @param options A connection string (`iggy://user:password@host:port`) or options.
   * @param overrides Options that take precedence over those of the connection string, such as a
   * `logger` or an `encryptor`.
   * @returns The connected client.
   * @throws {TypeError} On a malformed connection string or an unsupported scheme.
   * @throws {ConnectionError} When the server cannot be reached.
   * @throws {IggyError} When the login fails (the connection is then closed).
   *
   * @example Usage
   * ```ts ignore
   * const client = await IggyClient.connect("iggy://iggy:iggy@127.0.0.1:8090", {
   *   logger: console,
   * });
   * ```
   */
  static async connect(
    options: string | ConnectOptions,
    overrides: ConnectOptions = {},
  ): Promise<IggyClient> {
    const resolved: ConnectOptions = {
      ...(typeof options === "string"
        ? parseConnectionString(options)
        : options),
    };
    for (const [key, value] of Object.entries(overrides)) {
      // An override left undefined keeps the connection string's value.
      if (value !== undefined) Object.assign(resolved, { [key]: value });
    }
    const kind = resolved.transport ?? "tcp";
    const open = TRANSPORTS[kind];
    if (open === undefined) {
      throw new TypeError(`Unsupported transport "${kind}"`);
    }
    if (resolved.username !== undefined && resolved.password === undefined) {
      throw new TypeError(
        `A password is needed to log in as "${resolved.username}"`,
      );
    }
    if (resolved.tlsCaFile !== undefined) {
      resolved.tls = {
        ...resolved.tls,
        caCerts: [
          ...(resolved.tls?.caCerts ?? []),
          await readCaFile(resolved.tlsCaFile),
        ],
      };
    }
    // HTTP has no connection to lose: each request stands alone.
    const reconnect = kind === "http" ? false : resolved.reconnect ?? true;
    const nodes = new ClusterNodes(resolved, kind);
    const client = new IggyClient(
      reconnect
        ? await ReconnectingTransport.open(
          () => open(nodes.next()),
          {
            logger: resolved.logger,
            ...(reconnect === true ? {} : reconnect),
          },
        )
        : await open(resolved),
      {
        encryptor: resolved.encryptor,
        encryptHeaders: resolved.encryptHeaders,
        logger: resolved.logger,
      },
    );
    try {
      if (resolved.username !== undefined) {
        await client.login(resolved.username, resolved.password!);
      } else if (resolved.token !== undefined) {
        await client.loginWithPersonalAccessToken(resolved.token);
      }
    } catch (err) {
      await client.close();
      throw err;
    }
    const loggedIn = resolved.username !== undefined ||
      resolved.token !== undefined;
    if (reconnect && loggedIn) await nodes.learn(client);
    return client;
  }

  /**
   * Wraps a connected transport; no login happens.
   *
   * @param transport The transport to send commands over.
   * @param options Client-side settings such as the `encryptor`.
   *
   * @example Usage
   * ```ts ignore
   * import { IggyClient, TcpTransport } from "@iggy/client";
   *
   * const client = new IggyClient(await TcpTransport.connect({ port: 8090 }));
   * await client.login("iggy", "iggy");
   * ```
   */
  constructor(transport: Transport, options: IggyClientOptions = {}) {
    this.#transport = transport;
    this.#typed = typedCallOf(transport);
    this.#encryptor = options.encryptor;
    this.#encryptHeaders = options.encryptHeaders ?? false;
    this.#logger = options.logger ?? SILENT_LOGGER;
  }

  /**
   * The {@linkcode Encryptor} applied to payloads, or `undefined` when they go as they are.
   *
   * @example Usage
   * ```ts ignore
   * console.log(client.encryptor !== undefined); // true when payloads are encrypted
   * ```
   */
  get encryptor(): Encryptor | undefined {
    return this.#encryptor;
  }

  /**
   * True when the encryptor also encrypts user-header blocks.
   *
   * @example Usage
   * ```ts ignore
   * console.log(client.encryptHeaders);
   * ```
   */
  get encryptHeaders(): boolean {
    return this.#encryptHeaders;
  }

  /**
   * The {@linkcode Logger} given to this client (a silent one when none was).
   *
   * @example Usage
   * ```ts ignore
   * client.logger.info("about to send");
   * ```
   */
  get logger(): Logger {
    return this.#logger;
  }

  /**
   * The connection's status changes from now on (see {@linkcode ConnectionStatus}): lost,
   * reconnecting, reconnected, closed. The iteration ends when the client closes; a transport that
   * does not reconnect reports nothing. Each call is a separate subscription.
   *
   * @returns The statuses, as an async iterator.
   *
   * @example Usage
   * ```ts ignore
   * import { connect } from "@iggy/client";
   *
   * const client = await connect("iggy://iggy:iggy@127.0.0.1:8090");
   * (async () => {
   *   for await (const status of client.status()) console.log(status.type);
   * })();
   * ```
   */
  status(): AsyncIterableIterator<ConnectionStatus> {
    const transport = this.#transport as Partial<
      Pick<ReconnectingTransport, "status">
    >;
    if (typeof transport.status === "function") return transport.status();
    return emptyStatuses();
  }

  /**
   * True once the connection is closed.
   *
   * @example Usage
   * ```ts ignore
   * await client.close();
   * console.log(client.closed); // true
   * ```
   */
  get closed(): boolean {
    return this.#transport.closed;
  }

  /**
   * Closes the connection; pending requests reject with `ConnectionError`.
   *
   * @returns When the connection is closed.
   *
   * @example Usage
   * ```ts ignore
   * await client.close();
   * ```
   */
  close(): Promise<void> {
    return this.#transport.close();
  }

  /**
   * Closes the connection, so that `await using client = await connect(...)` works.
   *
   * @returns When the connection is closed.
   *
   * @example Usage
   * ```ts ignore
   * {
   *   await using client = await connect("iggy://iggy:iggy@127.0.0.1:8090");
   *   await client.ping();
   * } // closed here
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * Sends one typed command: as it is over a transport that carries typed commands (HTTP), else
   * encoded with its binary codec, the answer decoded the same way. A failure is rethrown from here
   * (see `requestError`), so that its stack is the caller's and its message names the action and
   * the resource; success costs nothing more. `below`: the (async) SDK function awaiting this one,
   * left out of a failure's stack too.
   */
  async #call<C extends Code>(
    code: C,
    command: RequestOf<C>,
    target?: RequestTarget,
    below: (...args: never[]) => unknown = this.#call,
  ): Promise<ResultOf<C>> {
    const codec = COMMANDS[code] as CommandCodec<RequestOf<C>, ResultOf<C>>;
    let answer: Uint8Array;
    try {
      if (this.#typed !== undefined) return await this.#typed(code, command);
      answer = await this.#transport.request(
        code,
        codec.encodeRequest(command),
      );
    } catch (err) {
      throw requestError(err, code, target, below);
    }
    return codec.decodeResponse(answer);
  }

  // --- System --------------------------------------------------------------------------------

  /**
   * Checks that the server answers (no login needed).
   *
   * @returns When the server answered.
   * @throws {ConnectionError} When the connection is closed.
   *
   * @example Usage
   * ```ts ignore
   * await client.ping();
   * ```
   */
  ping(): Promise<void> {
    return this.#call(CommandCode.Ping, undefined);
  }

  /**
   * Reads the server's statistics (needs the `readServers` permission).
   *
   * @returns The statistics.
   * @throws {IggyError} 41 when not permitted.
   *
   * @example Usage
   * ```ts ignore
   * const stats = await client.getStats();
   * console.log(stats.messagesCount, stats.streamsCount);
   * ```
   */
  getStats(): Promise<Stats> {
    return this.#call(CommandCode.GetStats, undefined);
  }

  /**
   * Asks the server for a snapshot: a ZIP archive of diagnostic files (file listing, process
   * list, resource usage, logs, effective configuration).
   *
   * @param options The compression and the types of diagnostics (default: deflated, all).
   * @returns The ZIP archive's bytes.
   *
   * @example Usage
   * ```ts ignore
   * import { connect, SnapshotCompression, SnapshotType } from "@iggy/client";
   * await using client = await connect("iggy://iggy:iggy@127.0.0.1:8090");
   * const zip = await client.getSnapshot({
   *   compression: SnapshotCompression.Deflated,
   *   types: [SnapshotType.ServerConfig, SnapshotType.ResourceUsage],
   * });
   * await Deno.writeFile("snapshot.zip", zip);
   * ```
   */
  getSnapshot(
    options: { compression?: SnapshotCompression; types?: SnapshotType[] } = {},
  ): Promise<Uint8Array> {
    return this.#call(CommandCode.GetSnapshot, {
      compression: options.compression ?? SnapshotCompressions.Deflated,
      types: options.types ?? [SnapshotTypes.All],
    });
  }

  /**
   * Reads the server's cluster metadata (one node unless clustered).
   *
   * @returns The cluster name and its nodes.
   *
   * @example Usage
   * ```ts ignore
   * const cluster = await client.getClusterMetadata();
   * console.log(cluster.name, cluster.nodes.length);
   * ```
   */
  getClusterMetadata(): Promise<ClusterMetadata> {
    return this.#call(CommandCode.GetClusterMetadata, undefined);
  }

  /**
   * Describes this connection as the server sees it.
   *
   * @returns This client's details, with its consumer groups.
   *
   * @example Usage
   * ```ts ignore
   * const me = await client.getMe();
   * console.log(me.clientId, me.consumerGroups);
   * ```
   */
  getMe(): Promise<ClientDetails> {
    return this.#call(CommandCode.GetMe, undefined);
  }

  /**
   * Describes another connected client (needs `readServers`).
   *
   * @param clientId The client id.
   * @returns The client's details, or `undefined` when unknown.
   * @throws {IggyError} 41 when not permitted.
   *
   * @example Usage
   * ```ts ignore
   * const other = await client.getClient(42);
   * console.log(other?.address);
   * ```
   */
  getClient(clientId: number): Promise<ClientDetails | undefined> {
    return this.#call(CommandCode.GetClient, { clientId }, { clientId });
  }

  /**
   * Lists the connected clients (needs `readServers`).
   *
   * @returns The clients.
   * @throws {IggyError} 41 when not permitted.
   *
   * @example Usage
   * ```ts ignore
   * for (const c of await client.getClients()) console.log(c.clientId, c.address);
   * ```
   */
  getClients(): Promise<ClientInfo[]> {
    return this.#call(CommandCode.GetClients, undefined);
  }

  // --- Users ---------------------------------------------------------------------------------

  /**
   * Logs in with a user name and password; later commands run as that user.
   *
   * @param username The user name.
   * @param password The password.
   * @returns The user's id.
   * @throws {IggyError} 42 on wrong credentials, 47 when the user is inactive.
   *
   * @example Usage
   * ```ts ignore
   * const client = new IggyClient(await TcpTransport.connect({ port: 8090 }));
   * await client.login("iggy", "iggy");
   * ```
   */
  login(username: string, password: string): Promise<IdentityInfo> {
    return this.#call(CommandCode.LoginUser, {
      username,
      password,
      version: VERSION,
    }, { username });
  }

  /**
   * Logs out; the connection stays open but unauthenticated.
   *
   * @returns When logged out.
   *
   * @example Usage
   * ```ts ignore
   * await client.logout();
   * ```
   */
  logout(): Promise<void> {
    return this.#call(CommandCode.LogoutUser, undefined);
  }

  /**
   * Reads a user with its permissions.
   *
   * @param userId The user's id or name.
   * @returns The user, or `undefined` when unknown.
   * @throws {IggyError} 41 when not permitted.
   *
   * @example Usage
   * ```ts ignore
   * const user = await client.getUser("billing");
   * console.log(user?.permissions);
   * ```
   */
  getUser(userId: Identifier): Promise<UserDetails | undefined> {
    return this.#call(CommandCode.GetUser, { userId }, { userId });
  }

  /**
   * Lists the users (needs `readUsers`).
   *
   * @returns The users, without permissions.
   * @throws {IggyError} 41 when not permitted.
   *
   * @example Usage
   * ```ts ignore
   * console.log((await client.getUsers()).map((u) => u.username));
   * ```
   */
  getUsers(): Promise<User[]> {
    return this.#call(CommandCode.GetUsers, undefined);
  }

  /**
   * Creates a user (needs `manageUsers`).
   *
   * @param options The user name, password, status and permissions.
   * @returns The new user.
   * @throws {IggyError} 46 when the name is taken, 43/44 on a bad name or password.
   *
   * @example Usage
   * ```ts ignore
   * await client.createUser({
   *   username: "billing",
   *   password: "secret",
   *   permissions: { global: { ...noPermissions().global, readStreams: true } },
   * });
   * ```
   */
  createUser(options: CreateUserOptions): Promise<UserDetails>;
  /**
   * Creates a user (positional form).
   *
   * @deprecated Use `createUser({ username, password, ...options })`; this form goes before 1.0.
   * @param username The user name (3..50 bytes).
   * @param password The password (3..100 bytes).
   * @param options Status and permissions.
   * @returns The new user.
   *
   * @example Usage
   * ```ts ignore
   * await client.createUser("billing", "secret");
   * ```
   */
  createUser(
    username: string,
    password: string,
    options?: Omit<CreateUserOptions, "username" | "password">,
  ): Promise<UserDetails>;
  createUser(
    first: string | CreateUserOptions,
    password?: string,
    rest: Omit<CreateUserOptions, "username" | "password"> = {},
  ): Promise<UserDetails> {
    const options: CreateUserOptions = typeof first === "string"
      ? { ...rest, username: first, password: password! }
      : first;
    return this.#call(CommandCode.CreateUser, {
      username: options.username,
      password: options.password,
      status: options.status ?? UserStatus.Active,
      permissions: options.permissions,
    }, { username: options.username });
  }

  /**
   * Deletes a user (needs `manageUsers`; the root user cannot be deleted).
   *
   * @param userId The user's id or name.
   * @returns When deleted.
   * @throws {IggyError} 20 when unknown, 48 for the root user.
   *
   * @example Usage
   * ```ts ignore
   * await client.deleteUser("billing");
   * ```
   */
  deleteUser(userId: Identifier): Promise<void> {
    return this.#call(CommandCode.DeleteUser, { userId }, {
      userId,
    });
  }

  /**
   * Renames a user or changes its status (needs `manageUsers`).
   *
   * @param userId The user's id or name.
   * @param options The new name and/or status.
   * @returns When updated.
   * @throws {IggyError} 20 when unknown, 46 when the new name is taken.
   *
   * @example Usage
   * ```ts ignore
   * await client.updateUser("billing", { status: UserStatus.Inactive });
   * ```
   */
  updateUser(userId: Identifier, options: UpdateUserOptions): Promise<void> {
    return this.#call(CommandCode.UpdateUser, { userId, ...options }, {
      userId,
    });
  }

  /**
   * Replaces a user's permissions (needs `manageUsers`).
   *
   * @param userId The user's id or name.
   * @param permissions The new permissions; `undefined` removes them all.
   * @returns When updated.
   * @throws {IggyError} 20 when unknown, 49 for the root user.
   *
   * @example Usage
   * ```ts ignore
   * await client.updatePermissions("billing", {
   *   global: { ...noPermissions().global, pollMessages: true },
   * });
   * ```
   */
  updatePermissions(
    userId: Identifier,
    permissions: Permissions | undefined,
  ): Promise<void> {
    return this.#call(CommandCode.UpdatePermissions, { userId, permissions }, {
      userId,
    });
  }

  /**
   * Changes a user's password (one's own, or anyone's with `manageUsers`).
   *
   * @param userId The user's id or name.
   * @param options The current and the new password.
   * @returns When changed.
   * @throws {IggyError} 42 when the current password is wrong, 44 on a bad new password.
   *
   * @example Usage
   * ```ts ignore
   * await client.changePassword("billing", {
   *   currentPassword: "secret",
   *   newPassword: "s3cret!",
   * });
   * ```
   */
  changePassword(
    userId: Identifier,
    options: ChangePasswordOptions,
  ): Promise<void> {
    return this.#call(CommandCode.ChangePassword, {
      userId,
      currentPassword: options.currentPassword,
      newPassword: options.newPassword,
    }, { userId });
  }

  // --- Personal access tokens ----------------------------------------------------------------

  /**
   * Lists the logged-in user's personal access tokens.
   *
   * @returns The tokens' names and expiry times (never the secrets).
   *
   * @example Usage
   * ```ts ignore
   * for (const t of await client.getPersonalAccessTokens()) console.log(t.name, t.expiryAt);
   * ```
   */
  getPersonalAccessTokens(): Promise<PersonalAccessTokenInfo[]> {
    return this.#call(CommandCode.GetPersonalAccessTokens, undefined);
  }

  /**
   * Creates a personal access token for the logged-in user.
   *
   * @param name The token's name (3..30 bytes, unique per user).
   * @param options The token's lifetime.
   * @returns The secret token; the server does not show it again.
   * @throws {IggyError} 51 when the name is taken, 52 when the user has too many tokens.
   *
   * @example Usage
   * ```ts ignore
   * const token = await client.createPersonalAccessToken("ci", { expiry: 3_600_000_000n });
   * const ci = await connect(`iggy://${token}@127.0.0.1:8090`);
   * ```
   */
  async createPersonalAccessToken(
    name: string,
    options: CreatePersonalAccessTokenOptions = {},
  ): Promise<string> {
    const raw = await this.#call(CommandCode.CreatePersonalAccessToken, {
      name,
      expiry: options.expiry ?? 0n,
    }, { name });
    return raw.token;
  }

  /**
   * Deletes one of the logged-in user's personal access tokens.
   *
   * @param name The token's name.
   * @returns When deleted.
   * @throws {IggyError} 20 when unknown.
   *
   * @example Usage
   * ```ts ignore
   * await client.deletePersonalAccessToken("ci");
   * ```
   */
  deletePersonalAccessToken(name: string): Promise<void> {
    return this.#call(CommandCode.DeletePersonalAccessToken, { name }, {
      name,
    });
  }

  /**
   * Logs in with a personal access token.
   *
   * @param token The secret token.
   * @returns The token owner's id.
   * @throws {IggyError} 20 when unknown, 54 when expired.
   *
   * @example Usage
   * ```ts ignore
   * const client = new IggyClient(await TcpTransport.connect({ port: 8090 }));
   * await client.loginWithPersonalAccessToken(Deno.env.get("IGGY_TOKEN")!);
   * ```
   */
  loginWithPersonalAccessToken(token: string): Promise<IdentityInfo> {
    return this.#call(CommandCode.LoginWithPersonalAccessToken, { token });
  }

  // --- Messages ------------------------------------------------------------------------------

  /**
   * Sends a batch of messages to one partition of a topic.
   *
   * With an encryptor, each payload is encrypted first; user headers are sent as they are. The
   * request goes to the transport as one frame; a batch from {@linkcode IggyClient.prepareMessages}
   * is framed in place, without a copy, unless another send of the same batch is still unanswered.
   *
   * @param options Where to send and the messages.
   * @returns When the server has accepted the batch.
   * @throws {RangeError} When there are no messages or a message is too large.
   * @throws {IggyError} 1009/2010 when the stream/topic is unknown, 3007 for a bad partition id;
   * 71 `CannotEncryptData` when the encryptor fails.
   *
   * @example Usage
   * ```ts ignore
   * await client.sendMessages({
   *   streamId: "orders",
   *   topicId: "created",
   *   partitioning: Partitioning.messagesKey("customer-42"),
   *   messages: [{ payload: "hello", headers: { source: header.string("web") } }],
   * });
   * ```
   */
  async sendMessages(options: SendMessagesOptions): Promise<void> {
    const { messages } = options;
    const outgoing = Array.isArray(messages)
      ? await this.#outgoing(
        messages,
        options.encryptor ?? this.#encryptor,
        options.encryptHeaders ?? this.#encryptHeaders,
      )
      : messages;
    const partitioning = options.partitioning ?? Partitioning.balanced();
    if (this.#typed !== undefined) {
      // A typed transport (HTTP) takes the messages as they are: no binary frame.
      try {
        await this.#typed(CommandCode.SendMessages, {
          streamId: options.streamId,
          topicId: options.topicId,
          partitioning,
          messages: outgoing,
        });
      } catch (err) {
        throw requestError(
          err,
          CommandCode.SendMessages,
          options,
          IggyClient.prototype.sendMessages,
        );
      }
      return;
    }
    // The frame header and metadata of a prepared batch go into the room in front of its section,
    // which must stay unchanged until the answer: while one send of the batch (by any client) is
    // unanswered, others copy it into a pooled buffer.
    const inPlace = !Array.isArray(outgoing) && !sendingBatches.has(outgoing);
    let pooled: Uint8Array | undefined;
    const frame = encodeSendMessagesFrame(
      {
        streamId: options.streamId,
        topicId: options.topicId,
        partitioning,
        messages: outgoing,
      },
      {
        inPlace,
        allocate: (size) => (pooled = this.#sendBuffers.acquire(size)),
      },
    );
    const claimed = inPlace && pooled === undefined
      ? outgoing as PreparedMessages
      : undefined;
    if (claimed) sendingBatches.add(claimed);
    const transport = this.#transport;
    try {
      await (transport.requestFrame
        ? transport.requestFrame(frame)
        : transport.request(
          CommandCode.SendMessages,
          frame.subarray(FRAME_HEADER_SIZE),
        ));
    } catch (err) {
      // An error status means the server read the whole frame. After any other failure the bytes
      // are left alone, as a write may still be under way: the pooled buffer goes to the garbage
      // collector and the batch is copied on every later send.
      if (err instanceof IggyError) this.#sent(claimed, pooled);
      throw requestError(
        err,
        CommandCode.SendMessages,
        options,
        IggyClient.prototype.sendMessages,
      );
    }
    // Answered, so the transport has written (or sent) every byte.
    this.#sent(claimed, pooled);
  }

  /** After the answer to a send: its batch's headroom and its pooled buffer are free again. */
  #sent(
    claimed: PreparedMessages | undefined,
    pooled: Uint8Array | undefined,
  ): void {
    if (claimed) sendingBatches.delete(claimed);
    if (pooled) this.#sendBuffers.release(pooled);
  }

  /**
   * Encodes messages once (with the client's encryptor, if any) for sending many times with
   * {@linkcode IggyClient.sendMessages}: the batch is then neither encoded nor copied on a send (the
   * frame header is written in front of it), except while another send of it is unanswered. Ids
   * left 0 get a new server-assigned id on every send; `originTimestamp` is fixed at preparation.
   *
   * @param messages At least one message.
   * @param options `encryptor` overrides the client's; `allocate` returns the buffer of exactly
   * `size` bytes the batch is encoded into (a pooled one, for example; its old contents do not
   * matter), a new buffer by default.
   * @returns The prepared batch, to pass as `messages`.
   * @throws {RangeError} When there are no messages.
   * @example Usage
   * ```ts ignore
   * const batch = await client.prepareMessages([{ payload: "tick" }]);
   * for (let i = 0; i < 100; i++) {
   *   await client.sendMessages({ streamId: "s", topicId: "t", messages: batch });
   * }
   * ```
   */
  async prepareMessages(
    messages: NewMessage[],
    options: {
      encryptor?: Encryptor;
      allocate?: (size: number) => Uint8Array;
    } = {},
  ): Promise<PreparedMessages> {
    return prepareMessages(
      await this.#outgoing(
        messages,
        options.encryptor ?? this.#encryptor,
        this.#encryptHeaders,
      ),
      options.allocate,
    );
  }

  async #outgoing(
    messages: NewMessage[],
    encryptor: Encryptor | undefined,
    encryptHeaders: boolean,
  ): Promise<OutgoingMessage[]> {
    if (encryptor !== undefined) {
      return await Promise.all(messages.map(async (m) => {
        const outgoing: OutgoingMessage = {
          ...m,
          payload: await encryptPayload(encryptor, m.payload),
        };
        if (encryptHeaders && m.headers && Object.keys(m.headers).length > 0) {
          // The official SDKs' format: the encoded block, encrypted as one piece.
          outgoing.rawHeaders = await encryptPayload(
            encryptor,
            encodeUserHeaders(m.headers),
          );
        }
        return outgoing;
      }));
    }
    if (messages.some((m) => typeof m.payload === "string")) {
      return messages.map((m) =>
        typeof m.payload === "string" ? { ...m, payload: utf8(m.payload) } : m
      ) as OutgoingMessage[];
    }
    return messages as OutgoingMessage[];
  }

  /**
   * Polls messages from one partition.
   *
   * With an encryptor, each payload is decrypted before the messages are returned.
   *
   * @param options Where to poll, who polls, from where and how many.
   * @returns The partition read and its messages (possibly none).
   * @throws {IggyError} 1009/2010/3007 for an unknown stream/topic/partition, 5006 when polling for
   * a group the connection has not joined; 72 `CannotDecryptData` when a payload cannot be
   * decrypted (a wrong key, a changed byte, or a message sent without encryption).
   *
   * @example Usage
   * ```ts ignore
   * const { partitionId, messages } = await client.pollMessages({
   *   streamId: "orders",
   *   topicId: "created",
   *   partitionId: 0,
   *   strategy: PollingStrategy.first(),
   *   count: 10,
   * });
   * for (const m of messages) console.log(partitionId, m.offset, new TextDecoder().decode(m.payload));
   * ```
   */
  async pollMessages(options: PollMessagesOptions): Promise<PolledMessages> {
    const strategy = options.strategy ?? PollingStrategy.next();
    const polled = await this.#call(
      CommandCode.PollMessages,
      {
        consumer: options.consumer ?? Consumer.single(0),
        streamId: options.streamId,
        topicId: options.topicId,
        partitionId: options.partitionId,
        strategy,
        count: options.count ?? 100,
        autoCommit: options.autoCommit ?? strategy.kind === "next",
      },
      options,
      IggyClient.prototype.pollMessages,
    );
    const encryptor = options.encryptor ?? this.#encryptor;
    if (encryptor === undefined || polled.messages.length === 0) return polled;
    const messages = await Promise.all(
      polled.messages.map(async (m) => {
        const message: Message = {
          ...m,
          payload: await decryptPayload(encryptor, m, polled.partitionId),
        };
        if (m.rawHeaders !== undefined) {
          // A header block that is not plain headers: encrypted as the official SDKs do.
          message.headers = decodeDecryptedHeaders(
            await decryptPayload(
              encryptor,
              { offset: m.offset, payload: m.rawHeaders },
              polled.partitionId,
              "user headers",
            ),
            m.offset,
            polled.partitionId,
          );
          delete message.rawHeaders;
        }
        return message;
      }),
    );
    return { ...polled, messages };
  }

  /**
   * Forces a partition's buffered messages to disk.
   *
   * @param options The partition and whether to fsync.
   * @returns When written.
   * @throws {IggyError} 1009/2010/3007 for an unknown stream/topic/partition.
   *
   * @example Usage
   * ```ts ignore
   * await client.flushUnsavedBuffer({
   *   streamId: "orders",
   *   topicId: "created",
   *   partitionId: 0,
   *   fsync: true,
   * });
   * ```
   */
  flushUnsavedBuffer(options: FlushUnsavedBufferOptions): Promise<void> {
    return this.#call(CommandCode.FlushUnsavedBuffer, {
      streamId: options.streamId,
      topicId: options.topicId,
      partitionId: options.partitionId,
      fsync: options.fsync ?? false,
    }, options);
  }

  // --- Consumer offsets ----------------------------------------------------------------------

  /**
   * Reads a consumer's stored offset on a partition.
   *
   * @param options The consumer and the partition.
   * @returns The stored and current offsets, or `undefined` when nothing is stored.
   * @throws {IggyError} 41 when not permitted.
   *
   * @example Usage
   * ```ts ignore
   * const info = await client.getConsumerOffset({
   *   streamId: "orders",
   *   topicId: "created",
   *   consumer: Consumer.single(1),
   *   partitionId: 0,
   * });
   * console.log(info?.storedOffset, info?.currentOffset);
   * ```
   */
  getConsumerOffset(
    options: ConsumerOffsetOptions,
  ): Promise<ConsumerOffsetInfo | undefined> {
    return this.#call(
      CommandCode.GetConsumerOffset,
      offsetRef(options),
      options,
    );
  }

  /**
   * Stores a consumer's offset on a partition.
   *
   * @param options The consumer, the partition and the offset.
   * @returns When stored.
   * @throws {IggyError} 4100 when the offset is past the partition's end.
   *
   * @example Usage
   * ```ts ignore
   * await client.storeConsumerOffset({
   *   streamId: "orders",
   *   topicId: "created",
   *   consumer: Consumer.single(1),
   *   partitionId: 0,
   *   offset: 41n,
   * });
   * ```
   */
  storeConsumerOffset(options: StoreConsumerOffsetOptions): Promise<void> {
    return this.#call(CommandCode.StoreConsumerOffset, {
      ...offsetRef(options),
      offset: options.offset,
    }, options);
  }

  /**
   * Deletes a consumer's stored offset on a partition.
   *
   * @param options The consumer and the partition.
   * @returns When deleted.
   * @throws {IggyError} 3021 when nothing is stored.
   *
   * @example Usage
   * ```ts ignore
   * await client.deleteConsumerOffset({
   *   streamId: "orders",
   *   topicId: "created",
   *   consumer: Consumer.single(1),
   *   partitionId: 0,
   * });
   * ```
   */
  deleteConsumerOffset(options: ConsumerOffsetOptions): Promise<void> {
    return this.#call(
      CommandCode.DeleteConsumerOffset,
      offsetRef(options),
      options,
    );
  }

  // --- Streams -------------------------------------------------------------------------------

  /**
   * Reads a stream with its topics.
   *
   * @param streamId The stream's id or name.
   * @returns The stream, or `undefined` when unknown.
   *
   * @example Usage
   * ```ts ignore
   * const stream = await client.getStream("orders");
   * console.log(stream?.topics.map((t) => t.name));
   * ```
   */
  getStream(streamId: Identifier): Promise<StreamDetails | undefined> {
    return this.#call(CommandCode.GetStream, { streamId }, { streamId });
  }

  /**
   * Lists the streams.
   *
   * @returns The streams, by id.
   *
   * @example Usage
   * ```ts ignore
   * console.log((await client.getStreams()).map((s) => s.name));
   * ```
   */
  getStreams(): Promise<Stream[]> {
    return this.#call(CommandCode.GetStreams, undefined);
  }

  /**
   * Creates a stream; the server assigns its id.
   *
   * @param name The stream's name (1..255 bytes).
   * @returns The new stream.
   * @throws {IggyError} 1012 when the name is taken.
   *
   * @example Usage
   * ```ts ignore
   * const stream = await client.createStream("orders");
   * console.log(stream.id);
   * ```
   */
  createStream(name: string): Promise<Stream> {
    return this.#call(CommandCode.CreateStream, { name }, { name });
  }

  /**
   * Returns the stream named `name`, creating it first when it does not exist: the idempotent way
   * to declare a stream (run it twice, get the same stream). An existing stream is returned as it
   * is; a creation racing with another client's is resolved by reading the winner's stream.
   *
   * @param name The stream's name (1..255 bytes).
   * @returns The stream.
   * @throws {IggyError} 41 when not permitted.
   *
   * @example Usage
   * ```ts ignore
   * const stream = await client.ensureStream("orders");
   * const again = await client.ensureStream("orders");
   * console.log(stream.id === again.id); // true
   * ```
   */
  async ensureStream(name: string): Promise<Stream> {
    return await this.#ensure(
      () => this.getStream(name),
      () => this.createStream(name),
    );
  }

  /** Reads a resource, or creates it when missing (reading again when a racing create won). */
  async #ensure<T>(
    read: () => Promise<T | undefined>,
    create: () => Promise<T>,
  ): Promise<T> {
    const existing = await read();
    if (existing !== undefined) return existing;
    try {
      return await create();
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      const created = await read();
      if (created === undefined) throw err;
      return created;
    }
  }

  /**
   * Renames a stream.
   *
   * @param streamId The stream's id or name.
   * @param options The new name.
   * @returns When renamed.
   * @throws {IggyError} 1009 when unknown, 1012 when the name is taken.
   *
   * @example Usage
   * ```ts ignore
   * await client.updateStream("orders", { name: "orders-v2" });
   * ```
   */
  updateStream(
    streamId: Identifier,
    options: UpdateStreamOptions,
  ): Promise<void>;
  /**
   * Renames a stream (positional form).
   *
   * @deprecated Use `updateStream(streamId, { name })`; this form goes before 1.0.
   * @param streamId The stream's id or name.
   * @param name The new name.
   * @returns When renamed.
   *
   * @example Usage
   * ```ts ignore
   * await client.updateStream("orders", "orders-v2");
   * ```
   */
  updateStream(streamId: Identifier, name: string): Promise<void>;
  updateStream(
    streamId: Identifier,
    options: UpdateStreamOptions | string,
  ): Promise<void> {
    const name = typeof options === "string" ? options : options.name;
    return this.#call(CommandCode.UpdateStream, { streamId, name }, {
      streamId,
    });
  }

  /**
   * Deletes a stream with its topics and messages.
   *
   * @param streamId The stream's id or name.
   * @returns When deleted.
   * @throws {IggyError} 1009 when unknown.
   *
   * @example Usage
   * ```ts ignore
   * await client.deleteStream("orders");
   * ```
   */
  deleteStream(streamId: Identifier): Promise<void> {
    return this.#call(CommandCode.DeleteStream, { streamId }, { streamId });
  }

  /**
   * Deletes every message of a stream (topics stay; offsets restart at 0).
   *
   * @param streamId The stream's id or name.
   * @returns When purged.
   * @throws {IggyError} 1009 when unknown.
   *
   * @example Usage
   * ```ts ignore
   * await client.purgeStream("orders");
   * ```
   */
  purgeStream(streamId: Identifier): Promise<void> {
    return this.#call(CommandCode.PurgeStream, { streamId }, { streamId });
  }

  // --- Topics --------------------------------------------------------------------------------

  /**
   * Reads a topic with its partitions.
   *
   * @param options The topic.
   * @returns The topic, or `undefined` when the stream or topic is unknown.
   *
   * @example Usage
   * ```ts ignore
   * const topic = await client.getTopic({ streamId: "orders", topicId: "created" });
   * console.log(topic?.partitions.map((p) => p.currentOffset));
   * ```
   */
  getTopic(options: TopicOptions): Promise<TopicDetails | undefined>;
  /**
   * Reads a topic (positional form).
   *
   * @deprecated Use `getTopic({ streamId, topicId })`; this form goes before 1.0.
   * @param streamId The stream's id or name.
   * @param topicId The topic's id or name.
   * @returns The topic, or `undefined` when unknown.
   *
   * @example Usage
   * ```ts ignore
   * const topic = await client.getTopic("orders", "created");
   * ```
   */
  getTopic(
    streamId: Identifier,
    topicId: Identifier,
  ): Promise<TopicDetails | undefined>;
  getTopic(
    first: TopicOptions | Identifier,
    topicId?: Identifier,
  ): Promise<TopicDetails | undefined> {
    const ref = topicRef(first, topicId);
    return this.#call(CommandCode.GetTopic, ref, ref);
  }

  /**
   * Lists a stream's topics.
   *
   * @param options The stream.
   * @returns The topics, by id (none when the stream is unknown).
   *
   * @example Usage
   * ```ts ignore
   * const topics = await client.getTopics({ streamId: "orders" });
   * console.log(topics.map((t) => t.name));
   * ```
   */
  getTopics(options: GetTopicsOptions): Promise<Topic[]>;
  /**
   * Lists a stream's topics (positional form).
   *
   * @deprecated Use `getTopics({ streamId })`; this form goes before 1.0.
   * @param streamId The stream's id or name.
   * @returns The topics, by id.
   *
   * @example Usage
   * ```ts ignore
   * const topics = await client.getTopics("orders");
   * ```
   */
  getTopics(streamId: Identifier): Promise<Topic[]>;
  getTopics(options: GetTopicsOptions | Identifier): Promise<Topic[]> {
    const streamId = typeof options === "object" ? options.streamId : options;
    return this.#call(CommandCode.GetTopics, { streamId }, { streamId });
  }

  /**
   * Creates a topic; the server assigns its id.
   *
   * @param options The stream, the topic's name, partitions, expiry, size limit and metadata.
   * @returns The new topic with its partitions.
   * @throws {IggyError} 1009 when the stream is unknown, 2013 when the name is taken.
   *
   * @example Usage
   * ```ts ignore
   * await client.createTopic({ streamId: "orders", name: "created", partitionsCount: 3 });
   * ```
   */
  createTopic(options: CreateTopicOptions): Promise<TopicDetails>;
  /**
   * Creates a topic (positional form).
   *
   * @deprecated Use `createTopic({ streamId, name, ...options })`; this form goes before 1.0.
   * @param streamId The stream's id or name.
   * @param name The topic's name (1..255 bytes).
   * @param options Partitions, expiry, size limit and metadata.
   * @returns The new topic with its partitions.
   *
   * @example Usage
   * ```ts ignore
   * await client.createTopic("orders", "created", { partitionsCount: 3 });
   * ```
   */
  createTopic(
    streamId: Identifier,
    name: string,
    options?: Omit<CreateTopicOptions, "streamId" | "name">,
  ): Promise<TopicDetails>;
  createTopic(
    first: CreateTopicOptions | Identifier,
    name?: string,
    rest: Omit<CreateTopicOptions, "streamId" | "name"> = {},
  ): Promise<TopicDetails> {
    const options: CreateTopicOptions = typeof first === "object"
      ? first
      : { ...rest, streamId: first, name: name! };
    return this.#call(CommandCode.CreateTopic, {
      streamId: options.streamId,
      name: options.name,
      partitionsCount: options.partitionsCount ?? 1,
      compressionAlgorithm: options.compressionAlgorithm ??
        CompressionAlgorithm.None,
      messageExpiry: options.messageExpiry ?? 0n,
      maxTopicSize: options.maxTopicSize ?? 0n,
      replicationFactor: options.replicationFactor ?? 1,
    }, { streamId: options.streamId, name: options.name });
  }

  /**
   * Returns the topic named `options.name`, creating it first with `options` when it does not
   * exist: the idempotent way to declare a topic. An existing topic is returned as it is (its
   * partitions and settings are not changed; compare `partitionsCount` if it matters). The stream
   * must exist (see {@linkcode IggyClient.ensureStream}).
   *
   * @param options The stream, the topic's name and the settings used when creating it.
   * @returns The topic with its partitions.
   * @throws {IggyError} 1009 when the stream is unknown.
   *
   * @example Usage
   * ```ts ignore
   * await client.ensureStream("orders");
   * const topic = await client.ensureTopic({
   *   streamId: "orders",
   *   name: "created",
   *   partitionsCount: 3,
   * });
   * ```
   */
  async ensureTopic(options: CreateTopicOptions): Promise<TopicDetails> {
    const ref = { streamId: options.streamId, topicId: options.name };
    return await this.#ensure(
      () => this.getTopic(ref),
      () => this.createTopic(options),
    );
  }

  /**
   * Updates a topic. Fields left out keep their current values (read with one extra request).
   *
   * @param options The topic and the new values.
   * @returns When updated.
   * @throws {IggyError} 1009/2010 when the stream/topic is unknown, 2013 when the name is taken.
   *
   * @example Usage
   * ```ts ignore
   * await client.updateTopic({
   *   streamId: "orders",
   *   topicId: "created",
   *   messageExpiry: 7n * 24n * 3_600_000_000n, // a week, in µs
   * });
   * ```
   */
  async updateTopic(options: UpdateTopicOptions): Promise<void> {
    const { streamId, topicId } = options;
    let current: Topic | undefined;
    if (
      options.name === undefined ||
      options.compressionAlgorithm === undefined ||
      options.messageExpiry === undefined ||
      options.maxTopicSize === undefined ||
      options.replicationFactor === undefined
    ) {
      current = await this.getTopic({ streamId, topicId });
      if (current === undefined) {
        throw new IggyError(
          ErrorCode.TopicIdNotFound,
          `Cannot update topic "${topicId}" of stream "${streamId}"`,
        );
      }
    }
    await this.#call(CommandCode.UpdateTopic, {
      streamId,
      topicId,
      name: options.name ?? current!.name,
      compressionAlgorithm: options.compressionAlgorithm ??
        current!.compressionAlgorithm,
      messageExpiry: options.messageExpiry ?? current!.messageExpiry,
      maxTopicSize: options.maxTopicSize ?? current!.maxTopicSize,
      replicationFactor: options.replicationFactor ??
        current!.replicationFactor,
    }, { streamId, topicId });
  }

  /**
   * Deletes a topic with its messages.
   *
   * @param options The topic.
   * @returns When deleted.
   * @throws {IggyError} 1009/2010 when the stream/topic is unknown.
   *
   * @example Usage
   * ```ts ignore
   * await client.deleteTopic({ streamId: "orders", topicId: "created" });
   * ```
   */
  deleteTopic(options: TopicOptions): Promise<void>;
  /**
   * Deletes a topic (positional form).
   *
   * @deprecated Use `deleteTopic({ streamId, topicId })`; this form goes before 1.0.
   * @param streamId The stream's id or name.
   * @param topicId The topic's id or name.
   * @returns When deleted.
   *
   * @example Usage
   * ```ts ignore
   * await client.deleteTopic("orders", "created");
   * ```
   */
  deleteTopic(streamId: Identifier, topicId: Identifier): Promise<void>;
  deleteTopic(
    first: TopicOptions | Identifier,
    topicId?: Identifier,
  ): Promise<void> {
    const ref = topicRef(first, topicId);
    return this.#call(CommandCode.DeleteTopic, ref, ref);
  }

  /**
   * Deletes every message of a topic (offsets restart at 0).
   *
   * @param options The topic.
   * @returns When purged.
   * @throws {IggyError} 1009/2010 when the stream/topic is unknown.
   *
   * @example Usage
   * ```ts ignore
   * await client.purgeTopic({ streamId: "orders", topicId: "created" });
   * ```
   */
  purgeTopic(options: TopicOptions): Promise<void>;
  /**
   * Deletes every message of a topic (positional form).
   *
   * @deprecated Use `purgeTopic({ streamId, topicId })`; this form goes before 1.0.
   * @param streamId The stream's id or name.
   * @param topicId The topic's id or name.
   * @returns When purged.
   *
   * @example Usage
   * ```ts ignore
   * await client.purgeTopic("orders", "created");
   * ```
   */
  purgeTopic(streamId: Identifier, topicId: Identifier): Promise<void>;
  purgeTopic(
    first: TopicOptions | Identifier,
    topicId?: Identifier,
  ): Promise<void> {
    const ref = topicRef(first, topicId);
    return this.#call(CommandCode.PurgeTopic, ref, ref);
  }

  // --- Partitions and segments ---------------------------------------------------------------

  /**
   * Adds partitions to a topic.
   *
   * @param options The topic and how many partitions to add.
   * @returns When added.
   * @throws {IggyError} 2015 when the count is out of range.
   *
   * @example Usage
   * ```ts ignore
   * await client.createPartitions({ streamId: "orders", topicId: "created", partitionsCount: 2 });
   * ```
   */
  createPartitions(options: PartitionsOptions): Promise<void> {
    return this.#call(CommandCode.CreatePartitions, options, options);
  }

  /**
   * Removes the last (highest-id) partitions of a topic with their messages.
   *
   * @param options The topic and how many partitions to remove.
   * @returns When removed.
   * @throws {IggyError} 2015/2019 when the count is out of range.
   *
   * @example Usage
   * ```ts ignore
   * await client.deletePartitions({ streamId: "orders", topicId: "created", partitionsCount: 1 });
   * ```
   */
  deletePartitions(options: PartitionsOptions): Promise<void> {
    return this.#call(CommandCode.DeletePartitions, options, options);
  }

  /**
   * Deletes the oldest sealed segments of a partition.
   *
   * @param options The partition and how many segments.
   * @returns When deleted.
   * @throws {IggyError} 1009/2010/3007 for an unknown stream/topic/partition.
   *
   * @example Usage
   * ```ts ignore
   * await client.deleteSegments({
   *   streamId: "orders",
   *   topicId: "created",
   *   partitionId: 0,
   *   segmentsCount: 2,
   * });
   * ```
   */
  deleteSegments(options: DeleteSegmentsOptions): Promise<void> {
    return this.#call(CommandCode.DeleteSegments, options, options);
  }

  // --- Consumer groups -----------------------------------------------------------------------

  /**
   * Reads a consumer group with its members.
   *
   * @param options The group.
   * @returns The group, or `undefined` when unknown.
   *
   * @example Usage
   * ```ts ignore
   * const group = await client.getConsumerGroup({
   *   streamId: "orders",
   *   topicId: "created",
   *   groupId: "billing",
   * });
   * console.log(group?.members.map((m) => m.partitions));
   * ```
   */
  getConsumerGroup(
    options: ConsumerGroupOptions,
  ): Promise<ConsumerGroupDetails | undefined> {
    return this.#call(CommandCode.GetConsumerGroup, options, options);
  }

  /**
   * Lists a topic's consumer groups.
   *
   * @param options The topic.
   * @returns The groups (none when the stream or topic is unknown).
   *
   * @example Usage
   * ```ts ignore
   * const groups = await client.getConsumerGroups({ streamId: "orders", topicId: "created" });
   * console.log(groups.map((g) => `${g.name}: ${g.membersCount} members`));
   * ```
   */
  getConsumerGroups(options: TopicOptions): Promise<ConsumerGroup[]>;
  /**
   * Lists a topic's consumer groups (positional form).
   *
   * @deprecated Use `getConsumerGroups({ streamId, topicId })`; this form goes before 1.0.
   * @param streamId The stream's id or name.
   * @param topicId The topic's id or name.
   * @returns The groups.
   *
   * @example Usage
   * ```ts ignore
   * const groups = await client.getConsumerGroups("orders", "created");
   * ```
   */
  getConsumerGroups(
    streamId: Identifier,
    topicId: Identifier,
  ): Promise<ConsumerGroup[]>;
  getConsumerGroups(
    first: TopicOptions | Identifier,
    topicId?: Identifier,
  ): Promise<ConsumerGroup[]> {
    const ref = topicRef(first, topicId);
    return this.#call(CommandCode.GetConsumerGroups, ref, ref);
  }

  /**
   * Creates a consumer group; the server assigns its id.
   *
   * @param options The topic and the group's name.
   * @returns The new group.
   * @throws {IggyError} 5004 when the name is taken.
   *
   * @example Usage
   * ```ts ignore
   * await client.createConsumerGroup({ streamId: "orders", topicId: "created", name: "billing" });
   * ```
   */
  createConsumerGroup(
    options: CreateConsumerGroupOptions,
  ): Promise<ConsumerGroup> {
    return this.#call(CommandCode.CreateConsumerGroup, options, options);
  }

  /**
   * Returns the consumer group named `options.name`, creating it first when it does not exist:
   * the idempotent way to declare a group.
   *
   * @param options The topic and the group's name.
   * @returns The group.
   * @throws {IggyError} 1009/2010 when the stream/topic is unknown.
   *
   * @example Usage
   * ```ts ignore
   * const group = await client.ensureConsumerGroup({
   *   streamId: "orders",
   *   topicId: "created",
   *   name: "billing",
   * });
   * ```
   */
  async ensureConsumerGroup(
    options: CreateConsumerGroupOptions,
  ): Promise<ConsumerGroup> {
    const ref = {
      streamId: options.streamId,
      topicId: options.topicId,
      groupId: options.name,
    };
    return await this.#ensure(
      () => this.getConsumerGroup(ref),
      () => this.createConsumerGroup(options),
    );
  }

  /**
   * Deletes a consumer group and its stored offsets.
   *
   * @param options The group.
   * @returns When deleted.
   * @throws {IggyError} 5000 when unknown.
   *
   * @example Usage
   * ```ts ignore
   * await client.deleteConsumerGroup({ streamId: "orders", topicId: "created", groupId: "billing" });
   * ```
   */
  deleteConsumerGroup(options: ConsumerGroupOptions): Promise<void> {
    return this.#call(CommandCode.DeleteConsumerGroup, options, options);
  }

  /**
   * Joins a consumer group with this connection; the server assigns it partitions.
   *
   * @param options The group.
   * @returns When joined.
   * @throws {IggyError} 5000 when unknown.
   *
   * @example Usage
   * ```ts ignore
   * await client.joinConsumerGroup({ streamId: "orders", topicId: "created", groupId: "billing" });
   * const polled = await client.pollMessages({
   *   streamId: "orders",
   *   topicId: "created",
   *   consumer: Consumer.group("billing"),
   * });
   * ```
   */
  joinConsumerGroup(options: ConsumerGroupOptions): Promise<void> {
    return this.#call(CommandCode.JoinConsumerGroup, options, options);
  }

  /**
   * Leaves a consumer group; its partitions go to the other members.
   *
   * @param options The group.
   * @returns When left.
   * @throws {IggyError} 5006 when this connection is not a member.
   *
   * @example Usage
   * ```ts ignore
   * await client.leaveConsumerGroup({ streamId: "orders", topicId: "created", groupId: "billing" });
   * ```
   */
  leaveConsumerGroup(options: ConsumerGroupOptions): Promise<void> {
    return this.#call(CommandCode.LeaveConsumerGroup, options, options);
  }
}

/**
 * Connects to an Iggy server and, when credentials are given, logs in; the simple entry point. Over
 * TCP, QUIC and WebSocket the connection reopens by itself (with back-off) after a drop and logs in
 * again, unless `reconnect: false`.
 *
 * @param options A connection string (`iggy://user:password@host:port`) or options.
 * @param overrides Options that take precedence over the connection string's (a `logger`, an
 * `encryptor`, `reconnect`).
 * @returns The connected client.
 * @throws {TypeError} On a malformed connection string or an unsupported scheme.
 * @throws {ConnectionError} When the server cannot be reached.
 * @throws {IggyError} When the login fails.
 *
 * @example Usage
 * ```ts ignore
 * import { connect } from "@iggy/client";
 *
 * await using client = await connect("iggy://iggy:iggy@127.0.0.1:8090");
 * await client.ping();
 * ```
 */
export function connect(
  options: string | ConnectOptions,
  overrides?: ConnectOptions,
): Promise<IggyClient> {
  return IggyClient.connect(options, overrides);
}

async function* emptyStatuses(): AsyncIterableIterator<ConnectionStatus> {}

/** Encrypts one payload (a string as UTF-8); failures become 71 `CannotEncryptData`. */
async function encryptPayload(
  encryptor: Encryptor,
  payload: Uint8Array | string,
): Promise<Uint8Array> {
  const plain = typeof payload === "string" ? utf8(payload) : payload;
  try {
    return await encryptor.encrypt(plain);
  } catch (cause) {
    if (cause instanceof IggyError) throw cause;
    throw new IggyError(ErrorCode.CannotEncryptData, String(cause), { cause });
  }
}

/** Decodes a decrypted user-header block; a bad one is 72 `CannotDecryptData` naming the message. */
function decodeDecryptedHeaders(
  block: Uint8Array,
  offset: bigint,
  partitionId: number,
): UserHeaders {
  try {
    validateUserHeaders(block);
    return decodeUserHeaders(block);
  } catch (cause) {
    throw new IggyError(
      ErrorCode.CannotDecryptData,
      `user headers of the message at offset ${offset} of partition ${partitionId}: ` +
        "not a header block once decrypted",
      { cause },
    );
  }
}

/** Decrypts one polled payload; any failure becomes 72 `CannotDecryptData` naming the message. */
async function decryptPayload(
  encryptor: Encryptor,
  message: { offset: bigint; payload: Uint8Array },
  partitionId: number,
  what = "message",
): Promise<Uint8Array> {
  try {
    return await encryptor.decrypt(message.payload);
  } catch (cause) {
    const base = `${new IggyError(ErrorCode.CannotDecryptData).message}: `;
    const reason = cause instanceof Error
      ? cause.message.startsWith(base)
        ? cause.message.slice(base.length)
        : cause.message
      : String(cause);
    throw new IggyError(
      ErrorCode.CannotDecryptData,
      `${
        what === "message" ? "" : `${what} of the `
      }message at offset ${message.offset} of partition ${partitionId}: ${reason}`,
      { cause },
    );
  }
}

/** The `{ streamId, topicId }` of a method called with the options object or the positional ids. */
function topicRef(
  first: TopicOptions | Identifier,
  topicId: Identifier | undefined,
): TopicOptions {
  return typeof first === "object"
    ? { streamId: first.streamId, topicId: first.topicId }
    : { streamId: first, topicId: topicId! };
}

function offsetRef(options: ConsumerOffsetOptions): {
  consumer: Consumer;
  streamId: Identifier;
  topicId: Identifier;
  partitionId?: number;
} {
  return {
    consumer: options.consumer ?? Consumer.single(0),
    streamId: options.streamId,
    topicId: options.topicId,
    partitionId: options.partitionId,
  };
}
