/**
 * The public names of the SDK, listed one by one: the client, its transports and errors, the
 * builders for polls and sends, and the protocol values and types a user meets.
 * @module
 */

export { connect, IggyClient } from "./client.ts";
export {
  connectionStringKeys,
  parseConnectionString,
} from "./connect_options.ts";
export { TcpTransport } from "./tcp_transport.ts";
export { QuicTransport } from "./quic_transport.ts";
export { WebSocketTransport } from "./websocket_transport.ts";
export { HttpTransport } from "./http_transport.ts";
export { ReconnectingTransport } from "./reconnecting_transport.ts";
export { ConnectionError, TimeoutError } from "./errors.ts";
export { Consumer, header, Partitioning, PollingStrategy } from "./builders.ts";
export { VERSION } from "./version.ts";
export { IggyProducer, message } from "./producer.ts";
export { ConsumerMessage, IggyConsumer } from "./consumer.ts";
export { Aes256GcmEncryptor } from "./encryption.ts";
export {
  ClientTransport,
  ClusterNodeRole,
  ClusterNodeStatus,
  CommandCode,
  CompressionAlgorithm,
  ERROR_ROWS,
  ErrorCode,
  HeaderKind,
  headerToValue,
  IggyError,
  isAlreadyExists,
  isNotFound,
  noPermissions,
  rootPermissions,
  SnapshotCompression,
  SnapshotType,
  UserStatus,
} from "./protocol/mod.ts";

export type {
  ChangePasswordOptions,
  ConsumerGroupOptions,
  ConsumerOffsetOptions,
  CreateConsumerGroupOptions,
  CreatePersonalAccessTokenOptions,
  CreateTopicOptions,
  CreateUserOptions,
  DeleteSegmentsOptions,
  FlushUnsavedBufferOptions,
  GetTopicsOptions,
  IggyClientOptions,
  NewMessage,
  PartitionsOptions,
  PollMessagesOptions,
  SendMessagesOptions,
  StoreConsumerOffsetOptions,
  TopicOptions,
  UpdateStreamOptions,
  UpdateTopicOptions,
  UpdateUserOptions,
} from "./client.ts";
export type { ConnectOptions, TransportKind } from "./connect_options.ts";
export type {
  TcpConnection,
  TcpTransportOptions,
  TlsOptions,
} from "./tcp_transport.ts";
export type { QuicTransportOptions } from "./quic_transport.ts";
export type { WebSocketTransportOptions } from "./websocket_transport.ts";
export type { HttpTransportOptions } from "./http_transport.ts";
export type { ReconnectingTransportOptions } from "./reconnecting_transport.ts";
export type { Transport } from "./transport.ts";
export type { Encryptor } from "./encryption.ts";
export type {
  IggyProducerOptions,
  MessageOptions,
  PartitioningMode,
  ProducerInput,
  ProducerRetryPolicy,
  ProducerSendOptions,
} from "./producer.ts";
export type { ConnectionStatus, Logger } from "./status.ts";
export type {
  AutoCommit,
  IggyConsumerOptions,
  PartitionLag,
  RebalanceEvent,
  ReconnectOptions,
  SeekPosition,
} from "./consumer.ts";
export type {
  CacheMetric,
  ClientDetails,
  ClientInfo,
  ClusterMetadata,
  ClusterNode,
  ConsumerGroup,
  ConsumerGroupDetails,
  ConsumerGroupMember,
  ConsumerGroupRef,
  ConsumerOffsetInfo,
  ErrorCodes,
  GlobalPermissions,
  HeaderValue,
  Identifier,
  IdentityInfo,
  Message,
  Partition,
  Permissions,
  PersonalAccessTokenInfo,
  PolledMessages,
  PreparedMessages,
  Stats,
  Stream,
  StreamDetails,
  StreamPermissions,
  Topic,
  TopicDetails,
  TopicPermissions,
  User,
  UserDetails,
  UserHeaders,
} from "./protocol/mod.ts";
