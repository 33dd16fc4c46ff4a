/**
 * A Deno-first client for [Apache Iggy](https://iggy.apache.org) 0.8.0 servers, speaking the
 * binary protocol over TCP.
 *
 * - {@linkcode connect} opens a connection from an `iggy://user:password@host:port` string (the
 *   official SDKs' format and keys, or {@linkcode ConnectOptions}) and logs in. Over TCP, QUIC and
 *   WebSocket it reconnects by itself with back-off, logs in and joins its groups again;
 *   `client.status()` reports each step ({@linkcode ConnectionStatus}), and a `logger` receives
 *   them as text.
 * - {@linkcode IggyClient} has one typed method per Iggy command: streams, topics, partitions,
 *   users, tokens, consumer groups, offsets, `sendMessages` and `pollMessages`.
 * - {@linkcode IggyProducer} sends in background batches with back-pressure, spreads messages
 *   over partitions, and sends a batch lost with the connection again (same message ids), and
 *   {@linkcode IggyConsumer} reads a topic as an async iterable (a single consumer or a group
 *   member, with auto-commit modes); both have Web Streams adapters (`writable`, `readable`).
 * - {@linkcode Partitioning}, {@linkcode PollingStrategy} and {@linkcode Consumer} build the
 *   arguments of sends and polls; {@linkcode header} builds typed user headers.
 * - An `encryptor` ({@linkcode Aes256GcmEncryptor}) on the client, producer or consumer encrypts
 *   payloads end to end: the server stores ciphertext it cannot read.
 * - `ensureStream`, `ensureTopic` and `ensureConsumerGroup` declare resources idempotently.
 * - {@linkcode IggyConsumer} reports its partitions (`onRebalance`), can `pause()`/`resume()`
 *   partitions, `seek()` while iterating and tell its `lag()`.
 * - Server errors reject with {@linkcode IggyError} (Iggy's numeric `code`, named in the message
 *   with the resource, e.g. `Cannot create topic "t" in stream "s": Topic name already exists
 *   (2013 TopicNameAlreadyExists)`, thrown from the caller's stack); a broken connection with
 *   {@linkcode ConnectionError}; a slow answer with {@linkcode TimeoutError}.
 *
 * Requests on one connection are pipelined: they can be issued concurrently and are answered in
 * order.
 *
 * ```ts ignore
 * import { connect, header, Partitioning, PollingStrategy } from "@iggy/client";
 *
 * await using client = await connect("iggy://iggy:iggy@127.0.0.1:8090");
 * // Declared idempotently: a second run finds them.
 * await client.ensureStream("orders");
 * await client.ensureTopic({ streamId: "orders", name: "created", partitionsCount: 3 });
 *
 * await client.sendMessages({
 *   streamId: "orders",
 *   topicId: "created",
 *   partitioning: Partitioning.messagesKey("customer-42"),
 *   messages: [{ payload: "order 1", headers: { source: header.string("web") } }],
 * });
 *
 * const { messages } = await client.pollMessages({
 *   streamId: "orders",
 *   topicId: "created",
 *   partitionId: 0,
 *   strategy: PollingStrategy.first(),
 *   count: 10,
 * });
 * for (const message of messages) {
 *   console.log(message.offset, new TextDecoder().decode(message.payload));
 * }
 * ```
 *
 * @module
 */

export {
  Aes256GcmEncryptor,
  ClientTransport,
  ClusterNodeRole,
  ClusterNodeStatus,
  CommandCode,
  CompressionAlgorithm,
  connect,
  ConnectionError,
  connectionStringKeys,
  Consumer,
  ConsumerMessage,
  ERROR_ROWS,
  ErrorCode,
  header,
  HeaderKind,
  headerToValue,
  HttpTransport,
  IggyClient,
  IggyConsumer,
  IggyError,
  IggyProducer,
  isAlreadyExists,
  isNotFound,
  message,
  noPermissions,
  parseConnectionString,
  Partitioning,
  PollingStrategy,
  QuicTransport,
  ReconnectingTransport,
  rootPermissions,
  SnapshotCompression,
  SnapshotType,
  TcpTransport,
  TimeoutError,
  UserStatus,
  VERSION,
  WebSocketTransport,
} from "./client/mod.ts";

export type {
  AutoCommit,
  CacheMetric,
  ChangePasswordOptions,
  ClientDetails,
  ClientInfo,
  ClusterMetadata,
  ClusterNode,
  ConnectionStatus,
  ConnectOptions,
  ConsumerGroup,
  ConsumerGroupDetails,
  ConsumerGroupMember,
  ConsumerGroupOptions,
  ConsumerGroupRef,
  ConsumerOffsetInfo,
  ConsumerOffsetOptions,
  CreateConsumerGroupOptions,
  CreatePersonalAccessTokenOptions,
  CreateTopicOptions,
  CreateUserOptions,
  DeleteSegmentsOptions,
  Encryptor,
  ErrorCodes,
  FlushUnsavedBufferOptions,
  GetTopicsOptions,
  GlobalPermissions,
  HeaderValue,
  HttpTransportOptions,
  Identifier,
  IdentityInfo,
  IggyClientOptions,
  IggyConsumerOptions,
  IggyProducerOptions,
  Logger,
  Message,
  MessageOptions,
  NewMessage,
  Partition,
  PartitioningMode,
  PartitionLag,
  PartitionsOptions,
  Permissions,
  PersonalAccessTokenInfo,
  PolledMessages,
  PollMessagesOptions,
  PreparedMessages,
  ProducerInput,
  ProducerRetryPolicy,
  ProducerSendOptions,
  QuicTransportOptions,
  RebalanceEvent,
  ReconnectingTransportOptions,
  ReconnectOptions,
  SeekPosition,
  SendMessagesOptions,
  Stats,
  StoreConsumerOffsetOptions,
  Stream,
  StreamDetails,
  StreamPermissions,
  TcpTransportOptions,
  TlsOptions,
  Topic,
  TopicDetails,
  TopicOptions,
  TopicPermissions,
  Transport,
  TransportKind,
  UpdateStreamOptions,
  UpdateTopicOptions,
  UpdateUserOptions,
  User,
  UserDetails,
  UserHeaders,
  WebSocketTransportOptions,
} from "./client/mod.ts";
