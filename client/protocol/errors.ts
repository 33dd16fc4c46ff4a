/**
 * Iggy 0.8.0 error codes and the errors the codec raises.
 *
 * An error travels on the wire as the response status (a u32 code) with no text; both ends rebuild
 * {@linkcode IggyError} from the code.
 * @module
 */

// deno-fmt-ignore
/**
 * One row per Iggy error code: `[code, name, reason?, message?]`.
 *
 * - `name` is the PascalCase name; the snake_case name is derived from it.
 * - `message` (the text of {@linkcode IggyError}) defaults to the name in sentence case.
 * - `reason` is Iggy's display text as the HTTP API renders it (http.md Appendix A), with `{0}`,
 *   `{1}`… for the error's arguments; it defaults to the message.
 *
 * @example Usage
 * ```ts
 * import { ERROR_ROWS } from "@iggy/client";
 * import assert from "node:assert/strict";
 *
 * const row = ERROR_ROWS.find(([code]) => code === 1009);
 * assert.equal(row?.[1], "StreamIdNotFound");
 * ```
 */
export const ERROR_ROWS = [
  [1, "Error"],
  [2, "InvalidConfiguration"],
  [3, "InvalidCommand"],
  [4, "InvalidFormat"],
  [5, "FeatureUnavailable", "Feature is unavailable"],
  [6, "InvalidIdentifier"],
  [7, "InvalidVersion", "Invalid version: {0}"],
  [8, "Disconnected"],
  [9, "CannotEstablishConnection"],
  [10, "CannotCreateBaseDirectory", "Cannot create base directory, Path: {0}"],
  [11, "CannotCreateRuntimeDirectory", "Cannot create runtime directory, Path: {0}"],
  [12, "CannotRemoveRuntimeDirectory", "Cannot remove runtime directory, Path: {0}"],
  [13, "CannotCreateStateDirectory", "Cannot create state directory, Path: {0}"],
  [14, "StateFileNotFound"],
  [15, "StateFileCorrupted"],
  [16, "InvalidStateEntryChecksum", "Invalid state entry checksum: {0}, expected: {1}, for index: {2}"],
  [19, "CannotOpenDatabase", "Cannot open database, Path: {0}"],
  [20, "ResourceNotFound", "Resource with key: {0} was not found."],
  [21, "CannotCloseWebSocketConnection", "Cannot close WebSocket connection"],
  [30, "StaleClient"],
  [31, "TcpError", "TCP error"],
  [32, "QuicError", "QUIC error"],
  [33, "InvalidServerAddress"],
  [34, "InvalidClientAddress"],
  [35, "InvalidIpAddress", "Invalid IP address: {0}:{1}"],
  [36, "HttpError", "Http error {0}"],
  [40, "Unauthenticated"],
  [41, "Unauthorized"],
  [42, "InvalidCredentials"],
  [43, "InvalidUsername"],
  [44, "InvalidPassword"],
  [45, "InvalidUserStatus"],
  [46, "UserAlreadyExists"],
  [47, "UserInactive"],
  [48, "CannotDeleteUser", "Cannot delete user with ID: {0}"],
  [49, "CannotChangePermissions", "Cannot change permissions for user with ID: {0}"],
  [50, "InvalidPersonalAccessTokenName"],
  [51, "PersonalAccessTokenAlreadyExists", "Personal access token: {0} for user with ID: {1} already exists"],
  [52, "PersonalAccessTokensLimitReached", "User with ID: {0} has reached the maximum number of personal access tokens: {1}"],
  [53, "InvalidPersonalAccessToken"],
  [54, "PersonalAccessTokenExpired", "Personal access token: {0} for user with ID: {1} has expired."],
  [55, "UsersLimitReached", "Users limit reached."],
  [61, "NotConnected"],
  [63, "ClientShutdown"],
  [64, "InvalidTlsDomain", "Invalid TLS domain"],
  [65, "InvalidTlsCertificatePath", "Invalid TLS certificate path"],
  [66, "InvalidTlsCertificate", "Invalid TLS certificate"],
  [67, "FailedToAddCertificate"],
  [70, "InvalidEncryptionKey"],
  [71, "CannotEncryptData"],
  [72, "CannotDecryptData"],
  [73, "InvalidJwtAlgorithm", "Invalid JWT algorithm: {0}"],
  [74, "InvalidJwtSecret", "Invalid JWT secret"],
  [75, "JwtMissing", "JWT is missing"],
  [76, "CannotGenerateJwt", "Cannot generate JWT"],
  [77, "AccessTokenMissing", "Access token is missing"],
  [78, "InvalidAccessToken"],
  [79, "CannotFetchJwks", "Cannot fetch JWKS from URL: {0}"],
  [80, "InvalidSizeBytes"],
  [81, "InvalidUtf8", "Invalid UTF-8"],
  [82, "InvalidNumberEncoding"],
  [83, "InvalidBooleanValue"],
  [84, "InvalidNumberValue"],
  [100, "ClientNotFound", "Client with ID: {0} was not found."],
  [101, "InvalidClientId", "Invalid client ID"],
  [206, "ConnectionClosed"],
  [209, "CannotParseHeaderKind", "Cannot parse header kind from {0}"],
  [300, "HttpResponseError", "HTTP response error, status: {0}, body: {1}"],
  [301, "InvalidHttpRequest", "Invalid HTTP request"],
  [302, "InvalidJsonResponse", "Invalid JSON response"],
  [303, "InvalidBytesResponse"],
  [304, "EmptyResponse"],
  [305, "CannotCreateEndpoint"],
  [306, "CannotParseUrl", "Cannot parse URL"],
  [400, "WebSocketError", "WebSocket error"],
  [401, "WebSocketConnectionError", "WebSocket connection error"],
  [402, "WebSocketCloseError", "WebSocket close error"],
  [403, "WebSocketReceiveError", "WebSocket receive error"],
  [404, "WebSocketSendError", "WebSocket send error"],
  [1000, "CannotCreateStreamsDirectory", "Cannot create streams directory, Path: {0}"],
  [1001, "CannotCreateStreamDirectory", "Cannot create stream with ID: {0} directory, Path: {1}"],
  [1002, "CannotCreateStreamInfo", "Failed to create stream info file for stream with ID: {0}"],
  [1003, "CannotUpdateStreamInfo", "Failed to update stream info for stream with ID: {0}"],
  [1004, "CannotOpenStreamInfo", "Failed to open stream info file for stream with ID: {0}"],
  [1005, "CannotReadStreamInfo", "Failed to read stream info file for stream with ID: {0}"],
  [1006, "CannotCreateStream", "Failed to create stream with ID: {0}"],
  [1007, "CannotDeleteStream", "Failed to delete stream with ID: {0}"],
  [1008, "CannotDeleteStreamDirectory", "Failed to delete stream directory with ID: {0}"],
  [1009, "StreamIdNotFound", "Stream with ID: {0} was not found."],
  [1010, "StreamNameNotFound", "Stream with name: {0} was not found."],
  [1011, "StreamDirectoryNotFound", "Stream with directory {0} was not found."],
  [1012, "StreamNameAlreadyExists", "Stream with name: {0} already exists."],
  [1013, "InvalidStreamName"],
  [1014, "InvalidStreamId", "Invalid stream ID"],
  [1015, "CannotReadStreams"],
  [1019, "InvalidTopicSize", "Max topic size cannot be lower than segment size. Max topic size: {0} < segment size: {1}."],
  [2000, "CannotCreateTopicsDirectory", "Cannot create topics directory for stream with ID: {0}, Path: {1}"],
  [2001, "CannotCreateTopicDirectory", "Failed to create directory for topic with ID: {0} for stream with ID: {1}, Path: {2}"],
  [2002, "CannotCreateTopicInfo", "Failed to create topic info file for topic with ID: {0} for stream with ID: {1}."],
  [2003, "CannotUpdateTopicInfo", "Failed to update topic info for topic with ID: {0} for stream with ID: {1}."],
  [2004, "CannotOpenTopicInfo", "Failed to open topic info file for topic with ID: {0} for stream with ID: {1}."],
  [2005, "CannotReadTopicInfo", "Failed to read topic info file for topic with ID: {0} for stream with ID: {1}."],
  [2006, "CannotCreateTopic", "Failed to create topic with ID: {0} for stream with ID: {1}."],
  [2007, "CannotDeleteTopic", "Failed to delete topic with ID: {0} for stream with ID: {1}."],
  [2008, "CannotDeleteTopicDirectory", "Failed to delete topic directory with ID: {0} for stream with ID: {1}, Path: {2}"],
  [2009, "CannotPollTopic"],
  [2010, "TopicIdNotFound", "Topic with ID: {0} for stream with ID: {1} was not found."],
  [2011, "TopicNameNotFound", "Topic with name: {0} for stream with ID: {1} was not found."],
  [2013, "TopicNameAlreadyExists", "Topic with name: {0} for stream with ID: {1} already exists."],
  [2014, "InvalidTopicName"],
  [2015, "TooManyPartitions"],
  [2016, "InvalidTopicId", "Invalid topic ID"],
  [2017, "CannotReadTopics", "Cannot read topics for stream with ID: {0}"],
  [2018, "InvalidReplicationFactor"],
  [2019, "InvalidPartitionsCount"],
  [2020, "TopicDirectoryNotFound", "Topic directory: {0} not found"],
  [3000, "CannotCreatePartition", "Cannot create partition with ID: {0} for stream with ID: {1} and topic with ID: {2}"],
  [3001, "CannotCreatePartitionsDirectory", "Failed to create directory for partitions for stream with ID: {0} and topic with ID: {1}"],
  [3002, "CannotCreatePartitionDirectory", "Failed to create directory for partition with ID: {0} for stream with ID: {1} and topic with ID: {2}"],
  [3003, "CannotOpenPartitionLogFile"],
  [3004, "CannotReadPartitions", "Cannot read partitions directories."],
  [3005, "CannotDeletePartition", "Failed to delete partition with ID: {0} for stream with ID: {1} and topic with ID: {2}"],
  [3006, "CannotDeletePartitionDirectory", "Failed to delete partition directory with ID: {0} for stream with ID: {1} and topic with ID: {2}"],
  [3007, "PartitionNotFound", "Partition with ID: {0} for topic with ID: {1} for stream with ID: {2} was not found."],
  [3008, "NoPartitions", "Topic with ID: {0} for stream with ID: {1} has no partitions."],
  [3009, "TopicFull", "Cannot read partitions for topic with ID: {0} for stream with ID: {1}"],
  [3010, "CannotDeleteConsumerOffsetsDirectory", "Failed to delete consumer offsets directory for path: {0}"],
  [3011, "CannotDeleteConsumerOffsetFile", "Failed to delete consumer offset file for path: {0}"],
  [3012, "CannotCreateConsumerOffsetsDirectory", "Failed to create consumer offsets directory for path: {0}"],
  [3020, "CannotReadConsumerOffsets", "Failed to read consumers offsets from path: {0}"],
  [3021, "ConsumerOffsetNotFound", "Consumer offset for consumer with ID: {0} was not found."],
  [3022, "NotResolvedConsumer", "Failed to resolve consumer with ID: {0}"],
  [3023, "CannotOpenConsumerOffsetsFile", "Cannot open consumer offsets file for path: {0}"],
  [4000, "SegmentNotFound"],
  [4001, "SegmentClosed", "Segment with start offset: {0} and partition with ID: {1} is closed"],
  [4002, "InvalidSegmentSize", "Segment size is invalid"],
  [4003, "CannotCreateSegmentLogFile", "Failed to create segment log file for Path: {0}."],
  [4004, "CannotCreateSegmentIndexFile", "Failed to create segment index file for Path: {0}."],
  [4005, "CannotCreateSegmentTimeIndexFile", "Failed to create segment time index file for Path: {0}."],
  [4006, "CannotSaveMessagesToSegment", "Cannot save messages to segment."],
  [4007, "CannotSaveIndexToSegment", "Cannot save index to segment."],
  [4008, "CannotSaveTimeIndexToSegment", "Cannot save time index to segment."],
  [4009, "InvalidMessagesCount"],
  [4010, "CannotAppendMessage"],
  [4011, "CannotReadMessage"],
  [4012, "CannotReadMessageId", "Cannot read message ID"],
  [4013, "CannotReadMessageState"],
  [4014, "CannotReadMessageTimestamp"],
  [4015, "CannotReadHeadersLength"],
  [4016, "CannotReadHeadersPayload"],
  [4017, "TooBigUserHeaders", "Too big headers payload"],
  [4018, "InvalidHeaderKey"],
  [4019, "InvalidHeaderValue"],
  [4020, "CannotReadMessageLength"],
  [4021, "CannotReadMessagePayload", "Cannot save messages to segment"],
  [4022, "TooBigMessagePayload"],
  [4023, "TooManyMessages"],
  [4024, "EmptyMessagePayload"],
  [4025, "InvalidMessagePayloadLength"],
  [4026, "CannotReadMessageChecksum"],
  [4027, "InvalidMessageChecksum", "Invalid message checksum: {0}, expected: {1}, for offset: {2}"],
  [4028, "InvalidKeyValueLength"],
  [4029, "CommandLengthError", "Command length error: {0}"],
  [4030, "InvalidSegmentsCount", "Incorrect Segments Count size: {0}"],
  [4031, "NonZeroOffset", "Non-zero offset: {0} at index: {1}"],
  [4032, "NonZeroTimestamp", "Non-zero timestamp: {0} at index: {1}"],
  [4033, "MissingIndex", "Missing index: {0}"],
  [4034, "InvalidIndexesByteSize", "Invalid indexes byte size: {0}B, should be divisible by 16"],
  [4035, "InvalidIndexesCount", "Invalid indexes count: {0}, expected: {1}"],
  [4036, "InvalidMessagesSize", "Invalid messages byte size: {0}B, expected: {1}B"],
  [4037, "TooSmallMessage", "Too small message: {0}B, expected: {1}B"],
  [4038, "InvalidMessageTimestampDelta", "Invalid message timestamp delta: {0} microseconds exceeds the per-batch limit"],
  [4039, "InvalidBatchChecksum", "Invalid batch checksum: {0}, expected: {1}, for base offset: {2}"],
  [4040, "InvalidHeaderKind", "Invalid header kind code: {0}"],
  [4050, "CannotSendMessagesDueToClientDisconnection", "Cannot sed messages due to client disconnection"],
  [4051, "BackgroundSendError"],
  [4052, "BackgroundSendTimeout"],
  [4053, "BackgroundSendBufferFull", "Background send buffer is full"],
  [4054, "BackgroundWorkerDisconnected"],
  [4055, "BackgroundSendBufferOverflow"],
  [4056, "ProducerSendFailed"],
  [4057, "ProducerClosed"],
  [4100, "InvalidOffset", "Invalid offset: {0}"],
  [4101, "InvalidReservedField", "Invalid reserved field value: {0}, expected: 0"],
  [5000, "ConsumerGroupIdNotFound", "Consumer group with ID: {0} for topic with ID: {1} was not found."],
  [5002, "InvalidConsumerGroupId", "Invalid consumer group ID"],
  [5003, "ConsumerGroupNameNotFound", "Consumer group with name: {0} for topic with ID: {1} was not found."],
  [5004, "ConsumerGroupNameAlreadyExists", "Consumer group with name: {0} for topic with ID: {1} already exists."],
  [5005, "InvalidConsumerGroupName"],
  [5006, "ConsumerGroupMemberNotFound", "Consumer group member with client ID: {0} for group with ID: {1} for topic with ID: {2} was not found."],
  [5007, "CannotCreateConsumerGroupInfo", "Failed to create consumer group info file for ID: {0} for topic with ID: {1} for stream with ID: {2}."],
  [5008, "CannotDeleteConsumerGroupInfo", "Failed to delete consumer group info file for ID: {0} for topic with ID: {1} for stream with ID: {2}."],
  [6000, "MissingBaseOffsetRetainedMessageBatch", "Base offset is missing"],
  [6001, "MissingLastOffsetDeltaRetainedMessageBatch", "Last offset delta is missing"],
  [6002, "MissingMaxTimestampRetainedMessageBatch", "Max timestamp is missing"],
  [6003, "MissingLengthRetainedMessageBatch", "Length is missing"],
  [6004, "MissingPayloadRetainedMessageBatch", "Payload is missing"],
  [7000, "CannotReadBatchBaseOffset"],
  [7001, "CannotReadBatchLength"],
  [7002, "CannotReadLastOffsetDelta", "Cannot read batch last offset delta"],
  [7003, "CannotReadMaxTimestamp", "Cannot read batch maximum timestamp"],
  [7004, "CannotReadBatchPayload"],
  [8000, "InvalidConnectionString"],
  [9000, "SnapshotFileCompletionFailed"],
  [10000, "CannotSerializeResource"],
  [10001, "CannotDeserializeResource"],
  [10002, "CannotReadFile"],
  [10003, "CannotReadFileMetadata"],
  [10004, "CannotSeekFile"],
  [10005, "CannotAppendToFile"],
  [10006, "CannotWriteToFile"],
  [10007, "CannotOverwriteFile"],
  [10008, "CannotDeleteFile"],
  [10009, "CannotSyncFile"],
  [10010, "CannotReadIndexOffset"],
  [10011, "CannotReadIndexPosition"],
  [10012, "CannotReadIndexTimestamp"],
  [10013, "TimestampOutOfRange", "Timestamp out of range: {0}"],
  [11000, "ShardNotFound", "Shard not found for stream ID: {0}, topic ID: {1}, partition ID: {2}"],
  [11001, "ShardCommunicationError"],
  [12000, "CannotBindToSocket", "Cannot bind to socket with addr: {0}"],
  [12001, "TaskTimeout", "Task execution timeout"],
  // Not Iggy 0.8.0 codes: logins refused for load (by address, or all password checks busy).
  [12002, "TooManyLoginAttempts", undefined, "Too many login attempts from this address, retry later"],
  [12003, "LoginQueueFull", undefined, "Too many logins in progress, retry later"],
  [13000, "IoError", "IO error: {0}"],
] as const satisfies readonly ErrorRow[];

/** The shape of one row of {@linkcode ERROR_ROWS}. */
export type ErrorRow = readonly [
  code: number,
  name: string,
  reason?: string | undefined,
  message?: string,
];

/**
 * The code of every Iggy error, by PascalCase name (derived from {@linkcode ERROR_ROWS}).
 *
 * @example Usage
 * ```ts
 * import type { ErrorCodes } from "@iggy/client";
 *
 * const code: ErrorCodes["StreamIdNotFound"] = 1009;
 * console.log(code);
 * ```
 */
export type ErrorCodes = {
  readonly [R in (typeof ERROR_ROWS)[number] as R[1]]: R[0];
};

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
export const ErrorCode: ErrorCodes = Object.freeze(
  Object.fromEntries(ERROR_ROWS.map(([code, name]) => [name, code])),
) as ErrorCodes;

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

/** What the table knows of one code. */
export interface ErrorEntry {
  /** PascalCase name, e.g. `"StreamIdNotFound"`. */
  name: string;
  /** snake_case name, as Iggy's SDKs print it, e.g. `"stream_id_not_found"`. */
  snake: string;
  /** Sentence-case message, e.g. `"Stream id not found"`. */
  message: string;
  /** The HTTP `reason` template, e.g. `"Stream with ID: {0} was not found."`. */
  reason: string;
}

/** Every code's names, message and HTTP reason template, by code. */
export const ERROR_TABLE: Readonly<Record<number, ErrorEntry>> = Object.freeze(
  Object.fromEntries(ERROR_ROWS.map((row) => [row[0], errorEntry(row)])),
);

function errorEntry([, name, reason, message]: ErrorRow): ErrorEntry {
  const snake = name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
  const text = message ??
    snake.charAt(0).toUpperCase() + snake.slice(1).replaceAll("_", " ");
  return { name, snake, message: text, reason: reason ?? text };
}

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
