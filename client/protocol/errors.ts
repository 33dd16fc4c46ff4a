/**
 * Iggy 0.8.0 error codes and the errors the codec raises.
 *
 * An error travels on the wire as the response status (a u32 code) with no text; both ends rebuild
 * {@linkcode IggyError} from the code.
 * @module
 */

/**
 * Iggy 0.8.0 error codes (the u32 status of an error response), by name.
 *
 * @example Usage
 * ```ts
 * import { ErrorCode } from "@iggy/client";
 * import assert from "node:assert/strict";
 *
 * assert.equal(ErrorCode.StreamIdNotFound, 1009);
 * ```
 */
export const ErrorCode = {
  Error: 1,
  InvalidConfiguration: 2,
  InvalidCommand: 3,
  InvalidFormat: 4,
  FeatureUnavailable: 5,
  InvalidIdentifier: 6,
  InvalidVersion: 7,
  Disconnected: 8,
  CannotEstablishConnection: 9,
  CannotCreateBaseDirectory: 10,
  CannotCreateRuntimeDirectory: 11,
  CannotRemoveRuntimeDirectory: 12,
  CannotCreateStateDirectory: 13,
  StateFileNotFound: 14,
  StateFileCorrupted: 15,
  InvalidStateEntryChecksum: 16,
  CannotOpenDatabase: 19,
  ResourceNotFound: 20,
  CannotCloseWebSocketConnection: 21,
  StaleClient: 30,
  TcpError: 31,
  QuicError: 32,
  InvalidServerAddress: 33,
  InvalidClientAddress: 34,
  InvalidIpAddress: 35,
  HttpError: 36,
  Unauthenticated: 40,
  Unauthorized: 41,
  InvalidCredentials: 42,
  InvalidUsername: 43,
  InvalidPassword: 44,
  InvalidUserStatus: 45,
  UserAlreadyExists: 46,
  UserInactive: 47,
  CannotDeleteUser: 48,
  CannotChangePermissions: 49,
  InvalidPersonalAccessTokenName: 50,
  PersonalAccessTokenAlreadyExists: 51,
  PersonalAccessTokensLimitReached: 52,
  InvalidPersonalAccessToken: 53,
  PersonalAccessTokenExpired: 54,
  UsersLimitReached: 55,
  NotConnected: 61,
  ClientShutdown: 63,
  InvalidTlsDomain: 64,
  InvalidTlsCertificatePath: 65,
  InvalidTlsCertificate: 66,
  FailedToAddCertificate: 67,
  InvalidEncryptionKey: 70,
  CannotEncryptData: 71,
  CannotDecryptData: 72,
  InvalidJwtAlgorithm: 73,
  InvalidJwtSecret: 74,
  JwtMissing: 75,
  CannotGenerateJwt: 76,
  AccessTokenMissing: 77,
  InvalidAccessToken: 78,
  CannotFetchJwks: 79,
  InvalidSizeBytes: 80,
  InvalidUtf8: 81,
  InvalidNumberEncoding: 82,
  InvalidBooleanValue: 83,
  InvalidNumberValue: 84,
  ClientNotFound: 100,
  InvalidClientId: 101,
  ConnectionClosed: 206,
  CannotParseHeaderKind: 209,
  HttpResponseError: 300,
  InvalidHttpRequest: 301,
  InvalidJsonResponse: 302,
  InvalidBytesResponse: 303,
  EmptyResponse: 304,
  CannotCreateEndpoint: 305,
  CannotParseUrl: 306,
  WebSocketError: 400,
  WebSocketConnectionError: 401,
  WebSocketCloseError: 402,
  WebSocketReceiveError: 403,
  WebSocketSendError: 404,
  CannotCreateStreamsDirectory: 1000,
  CannotCreateStreamDirectory: 1001,
  CannotCreateStreamInfo: 1002,
  CannotUpdateStreamInfo: 1003,
  CannotOpenStreamInfo: 1004,
  CannotReadStreamInfo: 1005,
  CannotCreateStream: 1006,
  CannotDeleteStream: 1007,
  CannotDeleteStreamDirectory: 1008,
  StreamIdNotFound: 1009,
  StreamNameNotFound: 1010,
  StreamDirectoryNotFound: 1011,
  StreamNameAlreadyExists: 1012,
  InvalidStreamName: 1013,
  InvalidStreamId: 1014,
  CannotReadStreams: 1015,
  InvalidTopicSize: 1019,
  CannotCreateTopicsDirectory: 2000,
  CannotCreateTopicDirectory: 2001,
  CannotCreateTopicInfo: 2002,
  CannotUpdateTopicInfo: 2003,
  CannotOpenTopicInfo: 2004,
  CannotReadTopicInfo: 2005,
  CannotCreateTopic: 2006,
  CannotDeleteTopic: 2007,
  CannotDeleteTopicDirectory: 2008,
  CannotPollTopic: 2009,
  TopicIdNotFound: 2010,
  TopicNameNotFound: 2011,
  TopicNameAlreadyExists: 2013,
  InvalidTopicName: 2014,
  TooManyPartitions: 2015,
  InvalidTopicId: 2016,
  CannotReadTopics: 2017,
  InvalidReplicationFactor: 2018,
  InvalidPartitionsCount: 2019,
  TopicDirectoryNotFound: 2020,
  CannotCreatePartition: 3000,
  CannotCreatePartitionsDirectory: 3001,
  CannotCreatePartitionDirectory: 3002,
  CannotOpenPartitionLogFile: 3003,
  CannotReadPartitions: 3004,
  CannotDeletePartition: 3005,
  CannotDeletePartitionDirectory: 3006,
  PartitionNotFound: 3007,
  NoPartitions: 3008,
  TopicFull: 3009,
  CannotDeleteConsumerOffsetsDirectory: 3010,
  CannotDeleteConsumerOffsetFile: 3011,
  CannotCreateConsumerOffsetsDirectory: 3012,
  CannotReadConsumerOffsets: 3020,
  ConsumerOffsetNotFound: 3021,
  NotResolvedConsumer: 3022,
  CannotOpenConsumerOffsetsFile: 3023,
  SegmentNotFound: 4000,
  SegmentClosed: 4001,
  InvalidSegmentSize: 4002,
  CannotCreateSegmentLogFile: 4003,
  CannotCreateSegmentIndexFile: 4004,
  CannotCreateSegmentTimeIndexFile: 4005,
  CannotSaveMessagesToSegment: 4006,
  CannotSaveIndexToSegment: 4007,
  CannotSaveTimeIndexToSegment: 4008,
  InvalidMessagesCount: 4009,
  CannotAppendMessage: 4010,
  CannotReadMessage: 4011,
  CannotReadMessageId: 4012,
  CannotReadMessageState: 4013,
  CannotReadMessageTimestamp: 4014,
  CannotReadHeadersLength: 4015,
  CannotReadHeadersPayload: 4016,
  TooBigUserHeaders: 4017,
  InvalidHeaderKey: 4018,
  InvalidHeaderValue: 4019,
  CannotReadMessageLength: 4020,
  CannotReadMessagePayload: 4021,
  TooBigMessagePayload: 4022,
  TooManyMessages: 4023,
  EmptyMessagePayload: 4024,
  InvalidMessagePayloadLength: 4025,
  CannotReadMessageChecksum: 4026,
  InvalidMessageChecksum: 4027,
  InvalidKeyValueLength: 4028,
  CommandLengthError: 4029,
  InvalidSegmentsCount: 4030,
  NonZeroOffset: 4031,
  NonZeroTimestamp: 4032,
  MissingIndex: 4033,
  InvalidIndexesByteSize: 4034,
  InvalidIndexesCount: 4035,
  InvalidMessagesSize: 4036,
  TooSmallMessage: 4037,
  InvalidMessageTimestampDelta: 4038,
  InvalidBatchChecksum: 4039,
  InvalidHeaderKind: 4040,
  CannotSendMessagesDueToClientDisconnection: 4050,
  BackgroundSendError: 4051,
  BackgroundSendTimeout: 4052,
  BackgroundSendBufferFull: 4053,
  BackgroundWorkerDisconnected: 4054,
  BackgroundSendBufferOverflow: 4055,
  ProducerSendFailed: 4056,
  ProducerClosed: 4057,
  InvalidOffset: 4100,
  InvalidReservedField: 4101,
  ConsumerGroupIdNotFound: 5000,
  InvalidConsumerGroupId: 5002,
  ConsumerGroupNameNotFound: 5003,
  ConsumerGroupNameAlreadyExists: 5004,
  InvalidConsumerGroupName: 5005,
  ConsumerGroupMemberNotFound: 5006,
  CannotCreateConsumerGroupInfo: 5007,
  CannotDeleteConsumerGroupInfo: 5008,
  MissingBaseOffsetRetainedMessageBatch: 6000,
  MissingLastOffsetDeltaRetainedMessageBatch: 6001,
  MissingMaxTimestampRetainedMessageBatch: 6002,
  MissingLengthRetainedMessageBatch: 6003,
  MissingPayloadRetainedMessageBatch: 6004,
  CannotReadBatchBaseOffset: 7000,
  CannotReadBatchLength: 7001,
  CannotReadLastOffsetDelta: 7002,
  CannotReadMaxTimestamp: 7003,
  CannotReadBatchPayload: 7004,
  InvalidConnectionString: 8000,
  SnapshotFileCompletionFailed: 9000,
  CannotSerializeResource: 10000,
  CannotDeserializeResource: 10001,
  CannotReadFile: 10002,
  CannotReadFileMetadata: 10003,
  CannotSeekFile: 10004,
  CannotAppendToFile: 10005,
  CannotWriteToFile: 10006,
  CannotOverwriteFile: 10007,
  CannotDeleteFile: 10008,
  CannotSyncFile: 10009,
  CannotReadIndexOffset: 10010,
  CannotReadIndexPosition: 10011,
  CannotReadIndexTimestamp: 10012,
  TimestampOutOfRange: 10013,
  ShardNotFound: 11000,
  ShardCommunicationError: 11001,
  CannotBindToSocket: 12000,
  TaskTimeout: 12001,
  /** Not an Iggy 0.8.0 code: too many login attempts from this address; retry later. */
  TooManyLoginAttempts: 12002,
  /** Not an Iggy 0.8.0 code: the server's password checks are all busy; retry later. */
  LoginQueueFull: 12003,
  IoError: 13000,
} as const;

/**
 * One of the Iggy error code names.
 *
 * @example Usage
 * ```ts
 * import { ErrorCode } from "@iggy/client";
 *
 * const value: ErrorCode = ErrorCode.StreamIdNotFound;
 * console.log(value);
 * ```
 */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The snake_case name and a sentence-case message for every code. */
export const ERROR_TABLE: Readonly<
  Record<number, { name: string; snake: string; message: string }>
> = {
  1: { name: "Error", snake: "error", message: "Error" },
  2: {
    name: "InvalidConfiguration",
    snake: "invalid_configuration",
    message: "Invalid configuration",
  },
  3: {
    name: "InvalidCommand",
    snake: "invalid_command",
    message: "Invalid command",
  },
  4: {
    name: "InvalidFormat",
    snake: "invalid_format",
    message: "Invalid format",
  },
  5: {
    name: "FeatureUnavailable",
    snake: "feature_unavailable",
    message: "Feature unavailable",
  },
  6: {
    name: "InvalidIdentifier",
    snake: "invalid_identifier",
    message: "Invalid identifier",
  },
  7: {
    name: "InvalidVersion",
    snake: "invalid_version",
    message: "Invalid version",
  },
  8: { name: "Disconnected", snake: "disconnected", message: "Disconnected" },
  9: {
    name: "CannotEstablishConnection",
    snake: "cannot_establish_connection",
    message: "Cannot establish connection",
  },
  10: {
    name: "CannotCreateBaseDirectory",
    snake: "cannot_create_base_directory",
    message: "Cannot create base directory",
  },
  11: {
    name: "CannotCreateRuntimeDirectory",
    snake: "cannot_create_runtime_directory",
    message: "Cannot create runtime directory",
  },
  12: {
    name: "CannotRemoveRuntimeDirectory",
    snake: "cannot_remove_runtime_directory",
    message: "Cannot remove runtime directory",
  },
  13: {
    name: "CannotCreateStateDirectory",
    snake: "cannot_create_state_directory",
    message: "Cannot create state directory",
  },
  14: {
    name: "StateFileNotFound",
    snake: "state_file_not_found",
    message: "State file not found",
  },
  15: {
    name: "StateFileCorrupted",
    snake: "state_file_corrupted",
    message: "State file corrupted",
  },
  16: {
    name: "InvalidStateEntryChecksum",
    snake: "invalid_state_entry_checksum",
    message: "Invalid state entry checksum",
  },
  19: {
    name: "CannotOpenDatabase",
    snake: "cannot_open_database",
    message: "Cannot open database",
  },
  20: {
    name: "ResourceNotFound",
    snake: "resource_not_found",
    message: "Resource not found",
  },
  21: {
    name: "CannotCloseWebSocketConnection",
    snake: "cannot_close_web_socket_connection",
    message: "Cannot close web socket connection",
  },
  30: { name: "StaleClient", snake: "stale_client", message: "Stale client" },
  31: { name: "TcpError", snake: "tcp_error", message: "Tcp error" },
  32: { name: "QuicError", snake: "quic_error", message: "Quic error" },
  33: {
    name: "InvalidServerAddress",
    snake: "invalid_server_address",
    message: "Invalid server address",
  },
  34: {
    name: "InvalidClientAddress",
    snake: "invalid_client_address",
    message: "Invalid client address",
  },
  35: {
    name: "InvalidIpAddress",
    snake: "invalid_ip_address",
    message: "Invalid ip address",
  },
  36: { name: "HttpError", snake: "http_error", message: "Http error" },
  40: {
    name: "Unauthenticated",
    snake: "unauthenticated",
    message: "Unauthenticated",
  },
  41: { name: "Unauthorized", snake: "unauthorized", message: "Unauthorized" },
  42: {
    name: "InvalidCredentials",
    snake: "invalid_credentials",
    message: "Invalid credentials",
  },
  43: {
    name: "InvalidUsername",
    snake: "invalid_username",
    message: "Invalid username",
  },
  44: {
    name: "InvalidPassword",
    snake: "invalid_password",
    message: "Invalid password",
  },
  45: {
    name: "InvalidUserStatus",
    snake: "invalid_user_status",
    message: "Invalid user status",
  },
  46: {
    name: "UserAlreadyExists",
    snake: "user_already_exists",
    message: "User already exists",
  },
  47: {
    name: "UserInactive",
    snake: "user_inactive",
    message: "User inactive",
  },
  48: {
    name: "CannotDeleteUser",
    snake: "cannot_delete_user",
    message: "Cannot delete user",
  },
  49: {
    name: "CannotChangePermissions",
    snake: "cannot_change_permissions",
    message: "Cannot change permissions",
  },
  50: {
    name: "InvalidPersonalAccessTokenName",
    snake: "invalid_personal_access_token_name",
    message: "Invalid personal access token name",
  },
  51: {
    name: "PersonalAccessTokenAlreadyExists",
    snake: "personal_access_token_already_exists",
    message: "Personal access token already exists",
  },
  52: {
    name: "PersonalAccessTokensLimitReached",
    snake: "personal_access_tokens_limit_reached",
    message: "Personal access tokens limit reached",
  },
  53: {
    name: "InvalidPersonalAccessToken",
    snake: "invalid_personal_access_token",
    message: "Invalid personal access token",
  },
  54: {
    name: "PersonalAccessTokenExpired",
    snake: "personal_access_token_expired",
    message: "Personal access token expired",
  },
  55: {
    name: "UsersLimitReached",
    snake: "users_limit_reached",
    message: "Users limit reached",
  },
  61: {
    name: "NotConnected",
    snake: "not_connected",
    message: "Not connected",
  },
  63: {
    name: "ClientShutdown",
    snake: "client_shutdown",
    message: "Client shutdown",
  },
  64: {
    name: "InvalidTlsDomain",
    snake: "invalid_tls_domain",
    message: "Invalid tls domain",
  },
  65: {
    name: "InvalidTlsCertificatePath",
    snake: "invalid_tls_certificate_path",
    message: "Invalid tls certificate path",
  },
  66: {
    name: "InvalidTlsCertificate",
    snake: "invalid_tls_certificate",
    message: "Invalid tls certificate",
  },
  67: {
    name: "FailedToAddCertificate",
    snake: "failed_to_add_certificate",
    message: "Failed to add certificate",
  },
  70: {
    name: "InvalidEncryptionKey",
    snake: "invalid_encryption_key",
    message: "Invalid encryption key",
  },
  71: {
    name: "CannotEncryptData",
    snake: "cannot_encrypt_data",
    message: "Cannot encrypt data",
  },
  72: {
    name: "CannotDecryptData",
    snake: "cannot_decrypt_data",
    message: "Cannot decrypt data",
  },
  73: {
    name: "InvalidJwtAlgorithm",
    snake: "invalid_jwt_algorithm",
    message: "Invalid jwt algorithm",
  },
  74: {
    name: "InvalidJwtSecret",
    snake: "invalid_jwt_secret",
    message: "Invalid jwt secret",
  },
  75: { name: "JwtMissing", snake: "jwt_missing", message: "Jwt missing" },
  76: {
    name: "CannotGenerateJwt",
    snake: "cannot_generate_jwt",
    message: "Cannot generate jwt",
  },
  77: {
    name: "AccessTokenMissing",
    snake: "access_token_missing",
    message: "Access token missing",
  },
  78: {
    name: "InvalidAccessToken",
    snake: "invalid_access_token",
    message: "Invalid access token",
  },
  79: {
    name: "CannotFetchJwks",
    snake: "cannot_fetch_jwks",
    message: "Cannot fetch jwks",
  },
  80: {
    name: "InvalidSizeBytes",
    snake: "invalid_size_bytes",
    message: "Invalid size bytes",
  },
  81: { name: "InvalidUtf8", snake: "invalid_utf8", message: "Invalid utf8" },
  82: {
    name: "InvalidNumberEncoding",
    snake: "invalid_number_encoding",
    message: "Invalid number encoding",
  },
  83: {
    name: "InvalidBooleanValue",
    snake: "invalid_boolean_value",
    message: "Invalid boolean value",
  },
  84: {
    name: "InvalidNumberValue",
    snake: "invalid_number_value",
    message: "Invalid number value",
  },
  100: {
    name: "ClientNotFound",
    snake: "client_not_found",
    message: "Client not found",
  },
  101: {
    name: "InvalidClientId",
    snake: "invalid_client_id",
    message: "Invalid client id",
  },
  206: {
    name: "ConnectionClosed",
    snake: "connection_closed",
    message: "Connection closed",
  },
  209: {
    name: "CannotParseHeaderKind",
    snake: "cannot_parse_header_kind",
    message: "Cannot parse header kind",
  },
  300: {
    name: "HttpResponseError",
    snake: "http_response_error",
    message: "Http response error",
  },
  301: {
    name: "InvalidHttpRequest",
    snake: "invalid_http_request",
    message: "Invalid http request",
  },
  302: {
    name: "InvalidJsonResponse",
    snake: "invalid_json_response",
    message: "Invalid json response",
  },
  303: {
    name: "InvalidBytesResponse",
    snake: "invalid_bytes_response",
    message: "Invalid bytes response",
  },
  304: {
    name: "EmptyResponse",
    snake: "empty_response",
    message: "Empty response",
  },
  305: {
    name: "CannotCreateEndpoint",
    snake: "cannot_create_endpoint",
    message: "Cannot create endpoint",
  },
  306: {
    name: "CannotParseUrl",
    snake: "cannot_parse_url",
    message: "Cannot parse url",
  },
  400: {
    name: "WebSocketError",
    snake: "web_socket_error",
    message: "Web socket error",
  },
  401: {
    name: "WebSocketConnectionError",
    snake: "web_socket_connection_error",
    message: "Web socket connection error",
  },
  402: {
    name: "WebSocketCloseError",
    snake: "web_socket_close_error",
    message: "Web socket close error",
  },
  403: {
    name: "WebSocketReceiveError",
    snake: "web_socket_receive_error",
    message: "Web socket receive error",
  },
  404: {
    name: "WebSocketSendError",
    snake: "web_socket_send_error",
    message: "Web socket send error",
  },
  1000: {
    name: "CannotCreateStreamsDirectory",
    snake: "cannot_create_streams_directory",
    message: "Cannot create streams directory",
  },
  1001: {
    name: "CannotCreateStreamDirectory",
    snake: "cannot_create_stream_directory",
    message: "Cannot create stream directory",
  },
  1002: {
    name: "CannotCreateStreamInfo",
    snake: "cannot_create_stream_info",
    message: "Cannot create stream info",
  },
  1003: {
    name: "CannotUpdateStreamInfo",
    snake: "cannot_update_stream_info",
    message: "Cannot update stream info",
  },
  1004: {
    name: "CannotOpenStreamInfo",
    snake: "cannot_open_stream_info",
    message: "Cannot open stream info",
  },
  1005: {
    name: "CannotReadStreamInfo",
    snake: "cannot_read_stream_info",
    message: "Cannot read stream info",
  },
  1006: {
    name: "CannotCreateStream",
    snake: "cannot_create_stream",
    message: "Cannot create stream",
  },
  1007: {
    name: "CannotDeleteStream",
    snake: "cannot_delete_stream",
    message: "Cannot delete stream",
  },
  1008: {
    name: "CannotDeleteStreamDirectory",
    snake: "cannot_delete_stream_directory",
    message: "Cannot delete stream directory",
  },
  1009: {
    name: "StreamIdNotFound",
    snake: "stream_id_not_found",
    message: "Stream id not found",
  },
  1010: {
    name: "StreamNameNotFound",
    snake: "stream_name_not_found",
    message: "Stream name not found",
  },
  1011: {
    name: "StreamDirectoryNotFound",
    snake: "stream_directory_not_found",
    message: "Stream directory not found",
  },
  1012: {
    name: "StreamNameAlreadyExists",
    snake: "stream_name_already_exists",
    message: "Stream name already exists",
  },
  1013: {
    name: "InvalidStreamName",
    snake: "invalid_stream_name",
    message: "Invalid stream name",
  },
  1014: {
    name: "InvalidStreamId",
    snake: "invalid_stream_id",
    message: "Invalid stream id",
  },
  1015: {
    name: "CannotReadStreams",
    snake: "cannot_read_streams",
    message: "Cannot read streams",
  },
  1019: {
    name: "InvalidTopicSize",
    snake: "invalid_topic_size",
    message: "Invalid topic size",
  },
  2000: {
    name: "CannotCreateTopicsDirectory",
    snake: "cannot_create_topics_directory",
    message: "Cannot create topics directory",
  },
  2001: {
    name: "CannotCreateTopicDirectory",
    snake: "cannot_create_topic_directory",
    message: "Cannot create topic directory",
  },
  2002: {
    name: "CannotCreateTopicInfo",
    snake: "cannot_create_topic_info",
    message: "Cannot create topic info",
  },
  2003: {
    name: "CannotUpdateTopicInfo",
    snake: "cannot_update_topic_info",
    message: "Cannot update topic info",
  },
  2004: {
    name: "CannotOpenTopicInfo",
    snake: "cannot_open_topic_info",
    message: "Cannot open topic info",
  },
  2005: {
    name: "CannotReadTopicInfo",
    snake: "cannot_read_topic_info",
    message: "Cannot read topic info",
  },
  2006: {
    name: "CannotCreateTopic",
    snake: "cannot_create_topic",
    message: "Cannot create topic",
  },
  2007: {
    name: "CannotDeleteTopic",
    snake: "cannot_delete_topic",
    message: "Cannot delete topic",
  },
  2008: {
    name: "CannotDeleteTopicDirectory",
    snake: "cannot_delete_topic_directory",
    message: "Cannot delete topic directory",
  },
  2009: {
    name: "CannotPollTopic",
    snake: "cannot_poll_topic",
    message: "Cannot poll topic",
  },
  2010: {
    name: "TopicIdNotFound",
    snake: "topic_id_not_found",
    message: "Topic id not found",
  },
  2011: {
    name: "TopicNameNotFound",
    snake: "topic_name_not_found",
    message: "Topic name not found",
  },
  2013: {
    name: "TopicNameAlreadyExists",
    snake: "topic_name_already_exists",
    message: "Topic name already exists",
  },
  2014: {
    name: "InvalidTopicName",
    snake: "invalid_topic_name",
    message: "Invalid topic name",
  },
  2015: {
    name: "TooManyPartitions",
    snake: "too_many_partitions",
    message: "Too many partitions",
  },
  2016: {
    name: "InvalidTopicId",
    snake: "invalid_topic_id",
    message: "Invalid topic id",
  },
  2017: {
    name: "CannotReadTopics",
    snake: "cannot_read_topics",
    message: "Cannot read topics",
  },
  2018: {
    name: "InvalidReplicationFactor",
    snake: "invalid_replication_factor",
    message: "Invalid replication factor",
  },
  2019: {
    name: "InvalidPartitionsCount",
    snake: "invalid_partitions_count",
    message: "Invalid partitions count",
  },
  2020: {
    name: "TopicDirectoryNotFound",
    snake: "topic_directory_not_found",
    message: "Topic directory not found",
  },
  3000: {
    name: "CannotCreatePartition",
    snake: "cannot_create_partition",
    message: "Cannot create partition",
  },
  3001: {
    name: "CannotCreatePartitionsDirectory",
    snake: "cannot_create_partitions_directory",
    message: "Cannot create partitions directory",
  },
  3002: {
    name: "CannotCreatePartitionDirectory",
    snake: "cannot_create_partition_directory",
    message: "Cannot create partition directory",
  },
  3003: {
    name: "CannotOpenPartitionLogFile",
    snake: "cannot_open_partition_log_file",
    message: "Cannot open partition log file",
  },
  3004: {
    name: "CannotReadPartitions",
    snake: "cannot_read_partitions",
    message: "Cannot read partitions",
  },
  3005: {
    name: "CannotDeletePartition",
    snake: "cannot_delete_partition",
    message: "Cannot delete partition",
  },
  3006: {
    name: "CannotDeletePartitionDirectory",
    snake: "cannot_delete_partition_directory",
    message: "Cannot delete partition directory",
  },
  3007: {
    name: "PartitionNotFound",
    snake: "partition_not_found",
    message: "Partition not found",
  },
  3008: {
    name: "NoPartitions",
    snake: "no_partitions",
    message: "No partitions",
  },
  3009: { name: "TopicFull", snake: "topic_full", message: "Topic full" },
  3010: {
    name: "CannotDeleteConsumerOffsetsDirectory",
    snake: "cannot_delete_consumer_offsets_directory",
    message: "Cannot delete consumer offsets directory",
  },
  3011: {
    name: "CannotDeleteConsumerOffsetFile",
    snake: "cannot_delete_consumer_offset_file",
    message: "Cannot delete consumer offset file",
  },
  3012: {
    name: "CannotCreateConsumerOffsetsDirectory",
    snake: "cannot_create_consumer_offsets_directory",
    message: "Cannot create consumer offsets directory",
  },
  3020: {
    name: "CannotReadConsumerOffsets",
    snake: "cannot_read_consumer_offsets",
    message: "Cannot read consumer offsets",
  },
  3021: {
    name: "ConsumerOffsetNotFound",
    snake: "consumer_offset_not_found",
    message: "Consumer offset not found",
  },
  3022: {
    name: "NotResolvedConsumer",
    snake: "not_resolved_consumer",
    message: "Not resolved consumer",
  },
  3023: {
    name: "CannotOpenConsumerOffsetsFile",
    snake: "cannot_open_consumer_offsets_file",
    message: "Cannot open consumer offsets file",
  },
  4000: {
    name: "SegmentNotFound",
    snake: "segment_not_found",
    message: "Segment not found",
  },
  4001: {
    name: "SegmentClosed",
    snake: "segment_closed",
    message: "Segment closed",
  },
  4002: {
    name: "InvalidSegmentSize",
    snake: "invalid_segment_size",
    message: "Invalid segment size",
  },
  4003: {
    name: "CannotCreateSegmentLogFile",
    snake: "cannot_create_segment_log_file",
    message: "Cannot create segment log file",
  },
  4004: {
    name: "CannotCreateSegmentIndexFile",
    snake: "cannot_create_segment_index_file",
    message: "Cannot create segment index file",
  },
  4005: {
    name: "CannotCreateSegmentTimeIndexFile",
    snake: "cannot_create_segment_time_index_file",
    message: "Cannot create segment time index file",
  },
  4006: {
    name: "CannotSaveMessagesToSegment",
    snake: "cannot_save_messages_to_segment",
    message: "Cannot save messages to segment",
  },
  4007: {
    name: "CannotSaveIndexToSegment",
    snake: "cannot_save_index_to_segment",
    message: "Cannot save index to segment",
  },
  4008: {
    name: "CannotSaveTimeIndexToSegment",
    snake: "cannot_save_time_index_to_segment",
    message: "Cannot save time index to segment",
  },
  4009: {
    name: "InvalidMessagesCount",
    snake: "invalid_messages_count",
    message: "Invalid messages count",
  },
  4010: {
    name: "CannotAppendMessage",
    snake: "cannot_append_message",
    message: "Cannot append message",
  },
  4011: {
    name: "CannotReadMessage",
    snake: "cannot_read_message",
    message: "Cannot read message",
  },
  4012: {
    name: "CannotReadMessageId",
    snake: "cannot_read_message_id",
    message: "Cannot read message id",
  },
  4013: {
    name: "CannotReadMessageState",
    snake: "cannot_read_message_state",
    message: "Cannot read message state",
  },
  4014: {
    name: "CannotReadMessageTimestamp",
    snake: "cannot_read_message_timestamp",
    message: "Cannot read message timestamp",
  },
  4015: {
    name: "CannotReadHeadersLength",
    snake: "cannot_read_headers_length",
    message: "Cannot read headers length",
  },
  4016: {
    name: "CannotReadHeadersPayload",
    snake: "cannot_read_headers_payload",
    message: "Cannot read headers payload",
  },
  4017: {
    name: "TooBigUserHeaders",
    snake: "too_big_user_headers",
    message: "Too big user headers",
  },
  4018: {
    name: "InvalidHeaderKey",
    snake: "invalid_header_key",
    message: "Invalid header key",
  },
  4019: {
    name: "InvalidHeaderValue",
    snake: "invalid_header_value",
    message: "Invalid header value",
  },
  4020: {
    name: "CannotReadMessageLength",
    snake: "cannot_read_message_length",
    message: "Cannot read message length",
  },
  4021: {
    name: "CannotReadMessagePayload",
    snake: "cannot_read_message_payload",
    message: "Cannot read message payload",
  },
  4022: {
    name: "TooBigMessagePayload",
    snake: "too_big_message_payload",
    message: "Too big message payload",
  },
  4023: {
    name: "TooManyMessages",
    snake: "too_many_messages",
    message: "Too many messages",
  },
  4024: {
    name: "EmptyMessagePayload",
    snake: "empty_message_payload",
    message: "Empty message payload",
  },
  4025: {
    name: "InvalidMessagePayloadLength",
    snake: "invalid_message_payload_length",
    message: "Invalid message payload length",
  },
  4026: {
    name: "CannotReadMessageChecksum",
    snake: "cannot_read_message_checksum",
    message: "Cannot read message checksum",
  },
  4027: {
    name: "InvalidMessageChecksum",
    snake: "invalid_message_checksum",
    message: "Invalid message checksum",
  },
  4028: {
    name: "InvalidKeyValueLength",
    snake: "invalid_key_value_length",
    message: "Invalid key value length",
  },
  4029: {
    name: "CommandLengthError",
    snake: "command_length_error",
    message: "Command length error",
  },
  4030: {
    name: "InvalidSegmentsCount",
    snake: "invalid_segments_count",
    message: "Invalid segments count",
  },
  4031: {
    name: "NonZeroOffset",
    snake: "non_zero_offset",
    message: "Non zero offset",
  },
  4032: {
    name: "NonZeroTimestamp",
    snake: "non_zero_timestamp",
    message: "Non zero timestamp",
  },
  4033: {
    name: "MissingIndex",
    snake: "missing_index",
    message: "Missing index",
  },
  4034: {
    name: "InvalidIndexesByteSize",
    snake: "invalid_indexes_byte_size",
    message: "Invalid indexes byte size",
  },
  4035: {
    name: "InvalidIndexesCount",
    snake: "invalid_indexes_count",
    message: "Invalid indexes count",
  },
  4036: {
    name: "InvalidMessagesSize",
    snake: "invalid_messages_size",
    message: "Invalid messages size",
  },
  4037: {
    name: "TooSmallMessage",
    snake: "too_small_message",
    message: "Too small message",
  },
  4038: {
    name: "InvalidMessageTimestampDelta",
    snake: "invalid_message_timestamp_delta",
    message: "Invalid message timestamp delta",
  },
  4039: {
    name: "InvalidBatchChecksum",
    snake: "invalid_batch_checksum",
    message: "Invalid batch checksum",
  },
  4040: {
    name: "InvalidHeaderKind",
    snake: "invalid_header_kind",
    message: "Invalid header kind",
  },
  4050: {
    name: "CannotSendMessagesDueToClientDisconnection",
    snake: "cannot_send_messages_due_to_client_disconnection",
    message: "Cannot send messages due to client disconnection",
  },
  4051: {
    name: "BackgroundSendError",
    snake: "background_send_error",
    message: "Background send error",
  },
  4052: {
    name: "BackgroundSendTimeout",
    snake: "background_send_timeout",
    message: "Background send timeout",
  },
  4053: {
    name: "BackgroundSendBufferFull",
    snake: "background_send_buffer_full",
    message: "Background send buffer full",
  },
  4054: {
    name: "BackgroundWorkerDisconnected",
    snake: "background_worker_disconnected",
    message: "Background worker disconnected",
  },
  4055: {
    name: "BackgroundSendBufferOverflow",
    snake: "background_send_buffer_overflow",
    message: "Background send buffer overflow",
  },
  4056: {
    name: "ProducerSendFailed",
    snake: "producer_send_failed",
    message: "Producer send failed",
  },
  4057: {
    name: "ProducerClosed",
    snake: "producer_closed",
    message: "Producer closed",
  },
  4100: {
    name: "InvalidOffset",
    snake: "invalid_offset",
    message: "Invalid offset",
  },
  4101: {
    name: "InvalidReservedField",
    snake: "invalid_reserved_field",
    message: "Invalid reserved field",
  },
  5000: {
    name: "ConsumerGroupIdNotFound",
    snake: "consumer_group_id_not_found",
    message: "Consumer group id not found",
  },
  5002: {
    name: "InvalidConsumerGroupId",
    snake: "invalid_consumer_group_id",
    message: "Invalid consumer group id",
  },
  5003: {
    name: "ConsumerGroupNameNotFound",
    snake: "consumer_group_name_not_found",
    message: "Consumer group name not found",
  },
  5004: {
    name: "ConsumerGroupNameAlreadyExists",
    snake: "consumer_group_name_already_exists",
    message: "Consumer group name already exists",
  },
  5005: {
    name: "InvalidConsumerGroupName",
    snake: "invalid_consumer_group_name",
    message: "Invalid consumer group name",
  },
  5006: {
    name: "ConsumerGroupMemberNotFound",
    snake: "consumer_group_member_not_found",
    message: "Consumer group member not found",
  },
  5007: {
    name: "CannotCreateConsumerGroupInfo",
    snake: "cannot_create_consumer_group_info",
    message: "Cannot create consumer group info",
  },
  5008: {
    name: "CannotDeleteConsumerGroupInfo",
    snake: "cannot_delete_consumer_group_info",
    message: "Cannot delete consumer group info",
  },
  6000: {
    name: "MissingBaseOffsetRetainedMessageBatch",
    snake: "missing_base_offset_retained_message_batch",
    message: "Missing base offset retained message batch",
  },
  6001: {
    name: "MissingLastOffsetDeltaRetainedMessageBatch",
    snake: "missing_last_offset_delta_retained_message_batch",
    message: "Missing last offset delta retained message batch",
  },
  6002: {
    name: "MissingMaxTimestampRetainedMessageBatch",
    snake: "missing_max_timestamp_retained_message_batch",
    message: "Missing max timestamp retained message batch",
  },
  6003: {
    name: "MissingLengthRetainedMessageBatch",
    snake: "missing_length_retained_message_batch",
    message: "Missing length retained message batch",
  },
  6004: {
    name: "MissingPayloadRetainedMessageBatch",
    snake: "missing_payload_retained_message_batch",
    message: "Missing payload retained message batch",
  },
  7000: {
    name: "CannotReadBatchBaseOffset",
    snake: "cannot_read_batch_base_offset",
    message: "Cannot read batch base offset",
  },
  7001: {
    name: "CannotReadBatchLength",
    snake: "cannot_read_batch_length",
    message: "Cannot read batch length",
  },
  7002: {
    name: "CannotReadLastOffsetDelta",
    snake: "cannot_read_last_offset_delta",
    message: "Cannot read last offset delta",
  },
  7003: {
    name: "CannotReadMaxTimestamp",
    snake: "cannot_read_max_timestamp",
    message: "Cannot read max timestamp",
  },
  7004: {
    name: "CannotReadBatchPayload",
    snake: "cannot_read_batch_payload",
    message: "Cannot read batch payload",
  },
  8000: {
    name: "InvalidConnectionString",
    snake: "invalid_connection_string",
    message: "Invalid connection string",
  },
  9000: {
    name: "SnapshotFileCompletionFailed",
    snake: "snapshot_file_completion_failed",
    message: "Snapshot file completion failed",
  },
  10000: {
    name: "CannotSerializeResource",
    snake: "cannot_serialize_resource",
    message: "Cannot serialize resource",
  },
  10001: {
    name: "CannotDeserializeResource",
    snake: "cannot_deserialize_resource",
    message: "Cannot deserialize resource",
  },
  10002: {
    name: "CannotReadFile",
    snake: "cannot_read_file",
    message: "Cannot read file",
  },
  10003: {
    name: "CannotReadFileMetadata",
    snake: "cannot_read_file_metadata",
    message: "Cannot read file metadata",
  },
  10004: {
    name: "CannotSeekFile",
    snake: "cannot_seek_file",
    message: "Cannot seek file",
  },
  10005: {
    name: "CannotAppendToFile",
    snake: "cannot_append_to_file",
    message: "Cannot append to file",
  },
  10006: {
    name: "CannotWriteToFile",
    snake: "cannot_write_to_file",
    message: "Cannot write to file",
  },
  10007: {
    name: "CannotOverwriteFile",
    snake: "cannot_overwrite_file",
    message: "Cannot overwrite file",
  },
  10008: {
    name: "CannotDeleteFile",
    snake: "cannot_delete_file",
    message: "Cannot delete file",
  },
  10009: {
    name: "CannotSyncFile",
    snake: "cannot_sync_file",
    message: "Cannot sync file",
  },
  10010: {
    name: "CannotReadIndexOffset",
    snake: "cannot_read_index_offset",
    message: "Cannot read index offset",
  },
  10011: {
    name: "CannotReadIndexPosition",
    snake: "cannot_read_index_position",
    message: "Cannot read index position",
  },
  10012: {
    name: "CannotReadIndexTimestamp",
    snake: "cannot_read_index_timestamp",
    message: "Cannot read index timestamp",
  },
  10013: {
    name: "TimestampOutOfRange",
    snake: "timestamp_out_of_range",
    message: "Timestamp out of range",
  },
  11000: {
    name: "ShardNotFound",
    snake: "shard_not_found",
    message: "Shard not found",
  },
  11001: {
    name: "ShardCommunicationError",
    snake: "shard_communication_error",
    message: "Shard communication error",
  },
  12000: {
    name: "CannotBindToSocket",
    snake: "cannot_bind_to_socket",
    message: "Cannot bind to socket",
  },
  12001: {
    name: "TaskTimeout",
    snake: "task_timeout",
    message: "Task timeout",
  },
  12002: {
    name: "TooManyLoginAttempts",
    snake: "too_many_login_attempts",
    message: "Too many login attempts from this address, retry later",
  },
  12003: {
    name: "LoginQueueFull",
    snake: "login_queue_full",
    message: "Too many logins in progress, retry later",
  },
  13000: { name: "IoError", snake: "io_error", message: "Io error" },
};

/**
 * An error identified by an Iggy error code, raised by the server and rebuilt by the client.
 *
 * @example Usage
 * ```ts
 * import { ErrorCode, IggyError } from "@iggy/client";
 * import assert from "node:assert/strict";
 *
 * const err = new IggyError(ErrorCode.TopicNameAlreadyExists);
 * assert.equal(err.code, 2013);
 * assert.equal(err.codeName, "TopicNameAlreadyExists");
 * assert.equal(err.message, "Topic name already exists");
 * ```
 */
export class IggyError extends Error {
  /**
   * The Iggy error code, e.g. `1009` for `StreamIdNotFound`.
   *
   * @example Usage
   * ```ts
   * import { IggyError } from "@iggy/client";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new IggyError(1009).code, 1009);
   * ```
   */
  readonly code: number;

  /**
   * Creates the error for `code`, with the standard message of that code.
   *
   * @param code The Iggy error code.
   * @param detail Optional text appended to the standard message.
   * @param options Standard error options, e.g. `cause`.
   *
   * @example Usage
   * ```ts
   * import { ErrorCode, IggyError } from "@iggy/client";
   * import assert from "node:assert/strict";
   *
   * const err = new IggyError(ErrorCode.TopicIdNotFound, "topic 7");
   * assert.equal(err.message, "Topic id not found: topic 7");
   * assert.equal(err.codeName, "TopicIdNotFound");
   * ```
   */
  constructor(code: number, detail?: string, options?: ErrorOptions) {
    const entry = ERROR_TABLE[code];
    const base = entry ? entry.message : `Unknown error code ${code}`;
    super(detail ? `${base}: ${detail}` : base, options);
    this.name = "IggyError";
    this.code = code;
  }

  /**
   * The PascalCase name of the code, e.g. `"StreamIdNotFound"`; `"Error"` when unknown.
   *
   * @example Usage
   * ```ts
   * import { IggyError } from "@iggy/client";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new IggyError(1009).codeName, "StreamIdNotFound");
   * ```
   */
  get codeName(): string {
    return ERROR_TABLE[this.code]?.name ?? "Error";
  }

  /**
   * The snake_case name of the code, as Iggy's SDKs print it.
   *
   * @example Usage
   * ```ts
   * import { IggyError } from "@iggy/client";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new IggyError(1009).snakeName, "stream_id_not_found");
   * ```
   */
  get snakeName(): string {
    return ERROR_TABLE[this.code]?.snake ?? "error";
  }
}

/** Where a decoder ran out of bytes or met an invalid value. */
export interface WireErrorDetails {
  /** Byte offset in the payload where decoding stopped. */
  offset: number;
  /** Bytes the decoder needed. */
  need: number;
  /** Bytes that were left. */
  have: number;
  /** The Iggy code the server answers with (defaults to `InvalidCommand`). */
  code?: number;
  /** The underlying error, if any. */
  cause?: unknown;
}

/** A malformed payload: truncated, bad UTF-8, an unknown enum value or a failed validation. */
export class WireError extends IggyError {
  /** Byte offset in the payload where decoding stopped. */
  readonly offset: number;
  /** Bytes the decoder needed. */
  readonly need: number;
  /** Bytes that were left. */
  readonly have: number;

  constructor(message: string, details: WireErrorDetails) {
    super(details.code ?? ErrorCode.InvalidCommand, message, {
      cause: details.cause,
    });
    this.name = "WireError";
    this.offset = details.offset;
    this.need = details.need;
    this.have = details.have;
  }
}

/** Throws a {@linkcode WireError} carrying `code` for an invalid value at `offset`. */
export function invalid(code: number, message: string, offset = 0): never {
  throw new WireError(message, { offset, need: 0, have: 0, code });
}

/**
 * True when `err` is an {@linkcode IggyError} with one of the "not found" codes.
 *
 * @example Usage
 * ```ts
 * import { ErrorCode, IggyError, isNotFound } from "@iggy/client";
 * import assert from "node:assert/strict";
 *
 * assert.ok(isNotFound(new IggyError(ErrorCode.StreamIdNotFound)));
 * assert.ok(!isNotFound(new Error("other")));
 * ```
 */
export function isNotFound(err: unknown): boolean {
  return err instanceof IggyError &&
    [20, 1009, 1010, 2010, 2011, 3007, 4000, 5000, 5003, 100].includes(
      err.code,
    );
}

/**
 * True when `err` is an {@linkcode IggyError} saying the resource already exists.
 *
 * @example Usage
 * ```ts
 * import { ErrorCode, IggyError, isAlreadyExists } from "@iggy/client";
 * import assert from "node:assert/strict";
 *
 * assert.ok(isAlreadyExists(new IggyError(ErrorCode.StreamNameAlreadyExists)));
 * ```
 */
export function isAlreadyExists(err: unknown): boolean {
  return err instanceof IggyError &&
    [46, 51, 1012, 2013, 5004].includes(err.code);
}
