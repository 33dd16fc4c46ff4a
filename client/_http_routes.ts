/**
 * The HTTP transport's command table: each binary request is decoded with the codec, turned into a
 * REST call (http.md §5), and the JSON answer is encoded back into the binary response payload, so
 * {@linkcode IggyClient} runs over HTTP unchanged.
 * @module
 */

import {
  type ClientDetails,
  type ClientInfo,
  type ClusterMetadata,
  CommandCode,
  type ConsumerGroup,
  type ConsumerGroupDetails,
  decodeChangePassword,
  decodeCreateConsumerGroup,
  decodeCreatePartitions,
  decodeCreatePersonalAccessToken,
  decodeCreateStream,
  decodeCreateTopic,
  decodeCreateUser,
  decodeDeleteConsumerGroup,
  decodeDeleteConsumerOffset,
  decodeDeletePartitions,
  decodeDeletePersonalAccessToken,
  decodeDeleteSegments,
  decodeDeleteStream,
  decodeDeleteTopic,
  decodeDeleteUser,
  decodeFlushUnsavedBuffer,
  decodeGetClient,
  decodeGetConsumerGroup,
  decodeGetConsumerGroups,
  decodeGetConsumerOffset,
  decodeGetSnapshot,
  decodeGetStream,
  decodeGetTopic,
  decodeGetTopics,
  decodeGetUser,
  decodeLoginUser,
  decodeLoginWithPersonalAccessToken,
  decodePollMessages,
  decodePurgeStream,
  decodePurgeTopic,
  decodeSendMessages,
  decodeStoreConsumerOffset,
  decodeUpdatePermissions,
  decodeUpdateStream,
  decodeUpdateTopic,
  decodeUpdateUser,
  encodeClientDetails,
  encodeClients,
  encodeClusterMetadata,
  encodeConsumerGroup,
  encodeConsumerGroupDetails,
  encodeConsumerGroups,
  encodeConsumerOffsetInfo,
  encodeIdentityInfo,
  encodePersonalAccessTokens,
  encodePolledHeader,
  encodeRawPersonalAccessToken,
  encodeStats,
  encodeStream,
  encodeStreamDetails,
  encodeStreams,
  encodeTopicDetails,
  encodeTopics,
  encodeUserDetails,
  encodeUsers,
  ErrorCode,
  type Identifier,
  IggyError,
  MESSAGE_HEADER_SIZE,
  MessageField,
  NO_USER_ID,
  type Partition,
  type Permissions,
  POLLED_HEADER_SIZE,
  type Stats,
  type Stream,
  type StreamDetails,
  type Topic,
  type TopicDetails,
  type User,
  type UserDetails,
  UserStatus,
  viewOf,
} from "./protocol/mod.ts";
import {
  compressionName,
  encodeHeaderFields,
  headerKindCode,
  headersJson,
  NODE_STATUS_NAMES,
  permissionsFromJson,
  permissionsJson,
  type PermissionsReader,
} from "./protocol/http_json.ts";
import {
  arr,
  asArray,
  asObject,
  big,
  bool,
  fromBase64,
  int,
  type JsonObject,
  type JsonValue,
  num,
  obj,
  optBig,
  optInt,
  size,
  str,
  toBase64,
} from "./_http_json.ts";

const EMPTY = new Uint8Array(0);

/** What the transport hands to {@linkcode HttpCall.answer}. */
export interface HttpAnswer {
  /** The raw response body. */
  bytes: Uint8Array;
  /** The body parsed as lossless JSON. */
  json(): JsonValue;
  /** A follow-up authenticated GET (outside the request queue); resolves to its JSON or undefined on 404. */
  get(path: string): Promise<JsonValue | undefined>;
}

/** One REST call standing for one binary command. */
export interface HttpCall {
  /** The HTTP method. */
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** The path with its query string. */
  path: string;
  /** The JSON body, if any. */
  body?: unknown;
  /** `login` stores the returned JWT; `logout` drops it; `public` sends no token. */
  session?: "login" | "logout" | "public";
  /**
   * What a 404 means: a payload to answer with (empty for a Get-one, an empty list for lists) or an
   * Iggy code to throw when the body is the generic not-found one. Absent: the error body decides.
   */
  notFound?: Uint8Array | number;
  /** Turns a 2xx answer into the binary response payload. */
  answer(answer: HttpAnswer): Uint8Array | Promise<Uint8Array>;
}

function empty(): Uint8Array {
  return EMPTY;
}

function seg(id: Identifier | number): string {
  return encodeURIComponent(String(id));
}

function streamPath(streamId: Identifier): string {
  return `/streams/${seg(streamId)}`;
}

function topicPath(streamId: Identifier, topicId: Identifier): string {
  return `${streamPath(streamId)}/topics/${seg(topicId)}`;
}

function groupPath(
  command: { streamId: Identifier; topicId: Identifier; groupId: Identifier },
): string {
  return `${topicPath(command.streamId, command.topicId)}/consumer-groups/${
    seg(command.groupId)
  }`;
}

function query(
  params: Record<string, string | number | bigint | boolean | undefined>,
): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined) search.set(key, String(value));
  }
  const text = search.toString();
  return text === "" ? "" : `?${text}`;
}

function unavailable(what: string): never {
  throw new IggyError(ErrorCode.FeatureUnavailable, `${what} over HTTP`);
}

/** HTTP knows regular consumers only (http.md §7.2, §7.4). */
function consumerId(consumer: { kind: string; id: Identifier }): Identifier {
  if (consumer.kind !== "consumer") unavailable("Consumer groups as consumers");
  return consumer.id;
}

// --- JSON → typed objects ---------------------------------------------------------------------

const COMPRESSION: Readonly<Record<string, 1 | 2>> = { none: 1, gzip: 2 };

function streamFrom(o: JsonObject): Stream {
  return {
    id: int(o, "id"),
    createdAt: big(o, "created_at"),
    name: str(o, "name"),
    topicsCount: int(o, "topics_count"),
    sizeBytes: size(o, "size"),
    messagesCount: big(o, "messages_count"),
  };
}

function streamDetailsFrom(o: JsonObject): StreamDetails {
  return {
    ...streamFrom(o),
    topics: arr(o, "topics").map((t) => topicFrom(asObject(t, "topic"))),
  };
}

function topicFrom(o: JsonObject): Topic {
  return {
    id: int(o, "id"),
    createdAt: big(o, "created_at"),
    name: str(o, "name"),
    partitionsCount: int(o, "partitions_count"),
    messageExpiry: big(o, "message_expiry"),
    compressionAlgorithm: COMPRESSION[str(o, "compression_algorithm")] ?? 1,
    maxTopicSize: big(o, "max_topic_size"),
    replicationFactor: int(o, "replication_factor"),
    sizeBytes: size(o, "size"),
    messagesCount: big(o, "messages_count"),
  };
}

function partitionFrom(o: JsonObject): Partition {
  return {
    id: int(o, "id"),
    createdAt: big(o, "created_at"),
    segmentsCount: int(o, "segments_count"),
    currentOffset: big(o, "current_offset"),
    sizeBytes: size(o, "size"),
    messagesCount: big(o, "messages_count"),
  };
}

function topicDetailsFrom(o: JsonObject): TopicDetails {
  return {
    ...topicFrom(o),
    partitions: arr(o, "partitions").map((p) =>
      partitionFrom(asObject(p, "partition"))
    ),
  };
}

function groupFrom(o: JsonObject): ConsumerGroup {
  return {
    id: int(o, "id"),
    name: str(o, "name"),
    partitionsCount: int(o, "partitions_count"),
    membersCount: int(o, "members_count"),
  };
}

function groupDetailsFrom(o: JsonObject): ConsumerGroupDetails {
  return {
    ...groupFrom(o),
    members: arr(o, "members").map((m) => {
      const member = asObject(m, "member");
      return {
        id: int(member, "id"),
        partitionsCount: int(member, "partitions_count"),
        partitions: arr(member, "partitions").map((p) => int({ p }, "p")),
      };
    }),
  };
}

function statusFrom(text: string): UserStatus {
  return text === "inactive" ? UserStatus.Inactive : UserStatus.Active;
}

function statusName(status: UserStatus | undefined): string | undefined {
  if (status === undefined) return undefined;
  return status === UserStatus.Inactive ? "inactive" : "active";
}

function userFrom(o: JsonObject): User {
  return {
    id: int(o, "id"),
    createdAt: big(o, "created_at"),
    status: statusFrom(str(o, "status")),
    username: str(o, "username"),
  };
}

function userDetailsFrom(o: JsonObject): UserDetails {
  const user: UserDetails = userFrom(o);
  const permissions = o.permissions;
  if (permissions !== null && permissions !== undefined) {
    user.permissions = permissionsFrom(asObject(permissions, "permissions"));
  }
  return user;
}

function idKey(key: string): number {
  if (!/^\d{1,10}$/.test(key)) {
    throw new IggyError(ErrorCode.InvalidJsonResponse, `Bad id key "${key}"`);
  }
  return Number(key);
}

/** The answer readers for permissions: 302 `InvalidJsonResponse` on a bad field. */
const PERMISSIONS_READER: PermissionsReader = {
  bool,
  optObject(o, key) {
    const v = o[key];
    return v === null || v === undefined ? undefined : asObject(v, key);
  },
  missingGlobal(): never {
    throw new IggyError(
      ErrorCode.InvalidJsonResponse,
      "global: expected an object",
    );
  },
  entry(value, map) {
    return asObject(
      value,
      map === "streams" ? "stream permissions" : "topic permissions",
    );
  },
  idKey,
};

/** JSON `Permissions` (http.md §6.6) → typed. */
export function permissionsFrom(o: JsonObject): Permissions {
  return permissionsFromJson(o, PERMISSIONS_READER);
}

const TRANSPORT_CODES: Readonly<Record<string, 1 | 2 | 3 | 4>> = {
  tcp: 1,
  quic: 2,
  http: 3,
  ws: 4,
};

function clientFrom(o: JsonObject): ClientInfo {
  return {
    clientId: int(o, "client_id"),
    userId: optInt(o, "user_id") ?? NO_USER_ID,
    transport: TRANSPORT_CODES[str(o, "transport")] ?? 1,
    address: str(o, "address"),
    consumerGroupsCount: int(o, "consumer_groups_count"),
  };
}

function clientDetailsFrom(o: JsonObject): ClientDetails {
  return {
    ...clientFrom(o),
    consumerGroups: arr(o, "consumer_groups").map((g) => {
      const ref = asObject(g, "consumer group");
      return {
        streamId: int(ref, "stream_id"),
        topicId: int(ref, "topic_id"),
        groupId: int(ref, "group_id"),
      };
    }),
  };
}

function clusterFrom(o: JsonObject): ClusterMetadata {
  return {
    name: str(o, "name"),
    nodes: arr(o, "nodes").map((n) => {
      const node = asObject(n, "node");
      const endpoints = obj(node, "endpoints");
      const status = NODE_STATUS_NAMES.indexOf(str(node, "status"));
      return {
        name: str(node, "name"),
        ip: str(node, "ip"),
        tcpPort: int(endpoints, "tcp"),
        quicPort: int(endpoints, "quic"),
        httpPort: int(endpoints, "http"),
        websocketPort: int(endpoints, "websocket"),
        role: str(node, "role") === "follower" ? 1 : 0,
        status: (status < 0 ? 5 : status) as ClusterMetadata["nodes"][number][
          "status"
        ],
      };
    }),
  };
}

function statsFrom(o: JsonObject): Stats {
  const cacheMetrics = Object.entries(obj(o, "cache_metrics")).map(
    ([key, value]) => {
      const [streamId, topicId, partitionId] = key.split("-").map(Number);
      const metric = asObject(value, "cache metric");
      return {
        streamId: streamId ?? 0,
        topicId: topicId ?? 0,
        partitionId: partitionId ?? 0,
        hits: big(metric, "hits"),
        misses: big(metric, "misses"),
        hitRatio: num(metric, "hit_ratio"),
      };
    },
  );
  return {
    processId: int(o, "process_id"),
    cpuUsage: num(o, "cpu_usage"),
    totalCpuUsage: num(o, "total_cpu_usage"),
    memoryUsage: size(o, "memory_usage"),
    totalMemory: size(o, "total_memory"),
    availableMemory: size(o, "available_memory"),
    runTime: big(o, "run_time"),
    startTime: big(o, "start_time"),
    readBytes: size(o, "read_bytes"),
    writtenBytes: size(o, "written_bytes"),
    messagesSizeBytes: size(o, "messages_size_bytes"),
    streamsCount: int(o, "streams_count"),
    topicsCount: int(o, "topics_count"),
    partitionsCount: int(o, "partitions_count"),
    segmentsCount: int(o, "segments_count"),
    messagesCount: big(o, "messages_count"),
    clientsCount: int(o, "clients_count"),
    consumerGroupsCount: int(o, "consumer_groups_count"),
    hostname: str(o, "hostname"),
    osName: str(o, "os_name"),
    osVersion: str(o, "os_version"),
    kernelVersion: str(o, "kernel_version"),
    iggyServerVersion: str(o, "iggy_server_version"),
    iggyServerSemver: optInt(o, "iggy_server_semver") ?? 0,
    cacheMetrics,
    threadsCount: int(o, "threads_count"),
    freeDiskSpace: size(o, "free_disk_space"),
    totalDiskSpace: size(o, "total_disk_space"),
  };
}

function list<T>(
  answer: HttpAnswer,
  read: (o: JsonObject) => T,
): T[] {
  return asArray(answer.json(), "list").map((item) =>
    read(asObject(item, "item"))
  );
}

function one(answer: HttpAnswer): JsonObject {
  return asObject(answer.json(), "answer");
}

// --- messages -------------------------------------------------------------------------------------

/** Typed JSON entries (or a base64 raw block) → the raw header block. */
function headersBlock(value: JsonValue | undefined): Uint8Array {
  if (value === undefined || value === null) return EMPTY;
  if (typeof value === "string") return fromBase64(value, "user_headers");
  const fields: [number, Uint8Array][] = [];
  for (const item of asArray(value, "user_headers")) {
    const entry = asObject(item, "user header");
    for (const part of [obj(entry, "key"), obj(entry, "value")]) {
      const kind = headerKindCode(str(part, "kind"));
      if (kind === undefined) {
        throw new IggyError(
          ErrorCode.InvalidJsonResponse,
          `Unknown header kind "${part.kind}"`,
        );
      }
      fields.push([kind, fromBase64(str(part, "value"), "header value")]);
    }
  }
  return encodeHeaderFields(fields);
}

const U64_MASK = 0xffff_ffff_ffff_ffffn;

/** The SendMessages binary batch → the JSON body of http.md §7.1. */
export function sendMessagesJson(
  batch: ReturnType<typeof decodeSendMessages>,
): Record<string, unknown> {
  const { partitioning } = batch;
  let value = "";
  if (partitioning.kind === "partition_id") {
    const bytes = new Uint8Array(4);
    viewOf(bytes).setUint32(0, partitioning.partitionId, true);
    value = toBase64(bytes);
  } else if (partitioning.kind === "messages_key") {
    value = toBase64(partitioning.key);
  }
  const frames = batch.messages;
  const view = viewOf(frames);
  const messages: Record<string, unknown>[] = [];
  let at = 0;
  for (let i = 0; i < batch.count; i++) {
    if (at + MESSAGE_HEADER_SIZE > frames.length) {
      throw new IggyError(ErrorCode.InvalidMessagesSize, `Message ${i}`);
    }
    const headersLength = view.getUint32(
      at + MessageField.UserHeadersLength,
      true,
    );
    const payloadLength = view.getUint32(at + MessageField.PayloadLength, true);
    const bodyStart = at + MESSAGE_HEADER_SIZE;
    const end = bodyStart + payloadLength + headersLength;
    if (end > frames.length) {
      throw new IggyError(ErrorCode.InvalidMessagesSize, `Message ${i}`);
    }
    const id = (view.getBigUint64(at + MessageField.Id + 8, true) << 64n) |
      view.getBigUint64(at + MessageField.Id, true);
    const message: Record<string, unknown> = {
      payload: toBase64(frames.subarray(bodyStart, bodyStart + payloadLength)),
    };
    // A decimal string carries all 128 bits (a JSON number must fit u64).
    if (id !== 0n) message.id = id.toString();
    if (headersLength > 0) {
      const block = frames.subarray(bodyStart + payloadLength, end);
      message.user_headers = headersJson(block) ?? toBase64(block);
    }
    messages.push(message);
    at = end;
  }
  return { partitioning: { kind: partitioning.kind, value }, messages };
}

/** The JSON `PolledMessages` (http.md §7.2) → the binary poll answer (16-byte header + frames). */
export function polledMessagesPayload(
  o: JsonObject,
  partitionId: number,
  currentOffset: bigint,
): Uint8Array {
  const frames: Uint8Array[] = [];
  let total = POLLED_HEADER_SIZE;
  for (const item of arr(o, "messages")) {
    const message = asObject(item, "message");
    const header = obj(message, "header");
    const payload = fromBase64(str(message, "payload"), "payload");
    const block = headersBlock(message.user_headers);
    const frame = new Uint8Array(
      MESSAGE_HEADER_SIZE + payload.length + block.length,
    );
    const view = viewOf(frame);
    const id = big(header, "id");
    view.setBigUint64(MessageField.Checksum, big(header, "checksum"), true);
    view.setBigUint64(MessageField.Id, id & U64_MASK, true);
    view.setBigUint64(MessageField.Id + 8, (id >> 64n) & U64_MASK, true);
    view.setBigUint64(MessageField.Offset, big(header, "offset"), true);
    view.setBigUint64(MessageField.Timestamp, big(header, "timestamp"), true);
    view.setBigUint64(
      MessageField.OriginTimestamp,
      big(header, "origin_timestamp"),
      true,
    );
    view.setUint32(MessageField.UserHeadersLength, block.length, true);
    view.setUint32(MessageField.PayloadLength, payload.length, true);
    view.setBigUint64(
      MessageField.Reserved,
      optBig(header, "reserved") ?? 0n,
      true,
    );
    frame.set(payload, MESSAGE_HEADER_SIZE);
    frame.set(block, MESSAGE_HEADER_SIZE + payload.length);
    frames.push(frame);
    total += frame.length;
  }
  const out = new Uint8Array(total);
  encodePolledHeader(
    { partitionId, currentOffset, count: frames.length },
    out,
  );
  let at = POLLED_HEADER_SIZE;
  for (const frame of frames) {
    out.set(frame, at);
    at += frame.length;
  }
  return out;
}

// --- the table ------------------------------------------------------------------------------------

const SNAPSHOT_COMPRESSIONS = [
  "Stored",
  "Deflated",
  "Bzip2",
  "Zstd",
  "Lzma",
  "Xz",
];
const SNAPSHOT_TYPES: Readonly<Record<number, string>> = {
  1: "FilesystemOverview",
  2: "ProcessList",
  3: "ResourceUsage",
  4: "Test",
  5: "ServerLogs",
  6: "ServerConfig",
  100: "All",
};

function identityPayload(answer: HttpAnswer): Uint8Array {
  return encodeIdentityInfo({ userId: int(one(answer), "user_id") });
}

/**
 * The REST call for one binary command.
 *
 * @param code The command code.
 * @param payload The binary request payload.
 * @returns The call to make.
 * @throws {IggyError} 5 `FeatureUnavailable` for commands HTTP cannot express (GetMe, join and
 * leave consumer group, polling or offsets as a consumer group); the codec's errors on a bad payload.
 */
export function httpCall(code: number, payload: Uint8Array): HttpCall {
  switch (code) {
    // --- system ---
    case CommandCode.Ping:
      return { method: "GET", path: "/ping", session: "public", answer: empty };
    case CommandCode.GetStats:
      return {
        method: "GET",
        path: "/stats",
        answer: (a) => encodeStats(statsFrom(one(a))),
      };
    case CommandCode.GetSnapshot: {
      const command = decodeGetSnapshot(payload);
      return {
        method: "POST",
        path: "/snapshot",
        body: {
          compression: SNAPSHOT_COMPRESSIONS[command.compression - 1],
          snapshot_types: command.types.map((t) => SNAPSHOT_TYPES[t]),
        },
        answer: (a) => a.bytes,
      };
    }
    case CommandCode.GetClusterMetadata:
      return {
        method: "GET",
        path: "/cluster/metadata",
        answer: (a) => encodeClusterMetadata(clusterFrom(one(a))),
      };
    case CommandCode.GetMe:
      return unavailable("GetMe");
    case CommandCode.GetClient: {
      const { clientId } = decodeGetClient(payload);
      return {
        method: "GET",
        path: `/clients/${clientId}`,
        notFound: EMPTY,
        answer: (a) => encodeClientDetails(clientDetailsFrom(one(a))),
      };
    }
    case CommandCode.GetClients:
      return {
        method: "GET",
        path: "/clients",
        answer: (a) => encodeClients(list(a, clientFrom)),
      };

    // --- users ---
    case CommandCode.GetUser: {
      const { userId } = decodeGetUser(payload);
      return {
        method: "GET",
        path: `/users/${seg(userId)}`,
        notFound: EMPTY,
        answer: (a) => encodeUserDetails(userDetailsFrom(one(a))),
      };
    }
    case CommandCode.GetUsers:
      return {
        method: "GET",
        path: "/users",
        answer: (a) => encodeUsers(list(a, userFrom)),
      };
    case CommandCode.CreateUser: {
      const command = decodeCreateUser(payload);
      return {
        method: "POST",
        path: "/users",
        body: {
          username: command.username,
          password: command.password,
          status: statusName(command.status),
          permissions: command.permissions
            ? permissionsJson(command.permissions)
            : null,
        },
        answer: (a) => encodeUserDetails(userDetailsFrom(one(a))),
      };
    }
    case CommandCode.DeleteUser:
      return {
        method: "DELETE",
        path: `/users/${seg(decodeDeleteUser(payload).userId)}`,
        answer: empty,
      };
    case CommandCode.UpdateUser: {
      const command = decodeUpdateUser(payload);
      return {
        method: "PUT",
        path: `/users/${seg(command.userId)}`,
        body: {
          username: command.username,
          status: statusName(command.status),
        },
        answer: empty,
      };
    }
    case CommandCode.UpdatePermissions: {
      const command = decodeUpdatePermissions(payload);
      return {
        method: "PUT",
        path: `/users/${seg(command.userId)}/permissions`,
        body: {
          permissions: command.permissions
            ? permissionsJson(command.permissions)
            : null,
        },
        answer: empty,
      };
    }
    case CommandCode.ChangePassword: {
      const command = decodeChangePassword(payload);
      return {
        method: "PUT",
        path: `/users/${seg(command.userId)}/password`,
        body: {
          current_password: command.currentPassword,
          new_password: command.newPassword,
        },
        answer: empty,
      };
    }
    case CommandCode.LoginUser: {
      const command = decodeLoginUser(payload);
      return {
        method: "POST",
        path: "/users/login",
        body: {
          username: command.username,
          password: command.password,
          version: command.version,
          context: command.context,
        },
        session: "login",
        answer: identityPayload,
      };
    }
    case CommandCode.LogoutUser:
      return {
        method: "DELETE",
        path: "/users/logout",
        session: "logout",
        answer: empty,
      };

    // --- personal access tokens ---
    case CommandCode.GetPersonalAccessTokens:
      return {
        method: "GET",
        path: "/personal-access-tokens",
        answer: (a) =>
          encodePersonalAccessTokens(list(a, (o) => {
            const expiryAt = optBig(o, "expiry_at");
            return expiryAt === undefined
              ? { name: str(o, "name") }
              : { name: str(o, "name"), expiryAt };
          })),
      };
    case CommandCode.CreatePersonalAccessToken: {
      const command = decodeCreatePersonalAccessToken(payload);
      return {
        method: "POST",
        path: "/personal-access-tokens",
        body: { name: command.name, expiry: command.expiry },
        answer: (a) =>
          encodeRawPersonalAccessToken({ token: str(one(a), "token") }),
      };
    }
    case CommandCode.DeletePersonalAccessToken:
      return {
        method: "DELETE",
        path: `/personal-access-tokens/${
          seg(decodeDeletePersonalAccessToken(payload).name)
        }`,
        answer: empty,
      };
    case CommandCode.LoginWithPersonalAccessToken:
      return {
        method: "POST",
        path: "/personal-access-tokens/login",
        body: { token: decodeLoginWithPersonalAccessToken(payload).token },
        session: "login",
        answer: identityPayload,
      };

    // --- messages ---
    case CommandCode.PollMessages: {
      const command = decodePollMessages(payload);
      const partitionId = command.partitionId ?? 0;
      const base = topicPath(command.streamId, command.topicId);
      return {
        method: "GET",
        path: `${base}/messages${
          query({
            consumer_id: consumerId(command.consumer),
            partition_id: partitionId,
            kind: command.strategy.kind,
            value: command.strategy.value,
            count: command.count,
            auto_commit: command.autoCommit,
          })
        }`,
        answer: async (a) => {
          const polled = one(a);
          if (arr(polled, "messages").length > 0) {
            return polledMessagesPayload(
              polled,
              int(polled, "partition_id"),
              big(polled, "current_offset"),
            );
          }
          // An empty HTTP poll zeroes partition_id and current_offset (http.md §7.2); the binary
          // answer carries the real ones, so read the partition's offset from the topic.
          const topic = await a.get(base);
          const partition = topic === undefined
            ? undefined
            : arr(asObject(topic, "topic"), "partitions")
              .map((p) => asObject(p, "partition"))
              .find((p) => int(p, "id") === partitionId);
          return polledMessagesPayload(
            polled,
            partitionId,
            partition ? big(partition, "current_offset") : 0n,
          );
        },
      };
    }
    case CommandCode.SendMessages: {
      const batch = decodeSendMessages(payload);
      return {
        method: "POST",
        path: `${topicPath(batch.streamId, batch.topicId)}/messages`,
        body: sendMessagesJson(batch),
        answer: empty,
      };
    }
    case CommandCode.FlushUnsavedBuffer: {
      const command = decodeFlushUnsavedBuffer(payload);
      return {
        method: "GET",
        path: `${
          topicPath(command.streamId, command.topicId)
        }/messages/flush/${command.partitionId}/${command.fsync}`,
        answer: empty,
      };
    }

    // --- consumer offsets ---
    case CommandCode.GetConsumerOffset: {
      const command = decodeGetConsumerOffset(payload);
      return {
        method: "GET",
        path: `${
          topicPath(command.streamId, command.topicId)
        }/consumer-offsets${
          query({
            consumer_id: consumerId(command.consumer),
            partition_id: command.partitionId,
          })
        }`,
        notFound: EMPTY,
        answer: (a) => {
          const o = one(a);
          return encodeConsumerOffsetInfo({
            partitionId: int(o, "partition_id"),
            currentOffset: big(o, "current_offset"),
            storedOffset: big(o, "stored_offset"),
          });
        },
      };
    }
    case CommandCode.StoreConsumerOffset: {
      const command = decodeStoreConsumerOffset(payload);
      return {
        method: "PUT",
        path: `${
          topicPath(command.streamId, command.topicId)
        }/consumer-offsets`,
        body: {
          consumer_id: consumerId(command.consumer),
          partition_id: command.partitionId ?? null,
          offset: command.offset,
        },
        answer: empty,
      };
    }
    case CommandCode.DeleteConsumerOffset: {
      const command = decodeDeleteConsumerOffset(payload);
      return {
        method: "DELETE",
        path: `${
          topicPath(command.streamId, command.topicId)
        }/consumer-offsets/${seg(consumerId(command.consumer))}${
          query({ partition_id: command.partitionId })
        }`,
        answer: empty,
      };
    }

    // --- streams ---
    case CommandCode.GetStream:
      return {
        method: "GET",
        path: streamPath(decodeGetStream(payload).streamId),
        notFound: EMPTY,
        answer: (a) => encodeStreamDetails(streamDetailsFrom(one(a))),
      };
    case CommandCode.GetStreams:
      return {
        method: "GET",
        path: "/streams",
        answer: (a) => encodeStreams(list(a, streamFrom)),
      };
    case CommandCode.CreateStream:
      return {
        method: "POST",
        path: "/streams",
        body: { name: decodeCreateStream(payload).name },
        answer: (a) => encodeStream(streamFrom(one(a))),
      };
    case CommandCode.DeleteStream:
      return {
        method: "DELETE",
        path: streamPath(decodeDeleteStream(payload).streamId),
        answer: empty,
      };
    case CommandCode.UpdateStream: {
      const command = decodeUpdateStream(payload);
      return {
        method: "PUT",
        path: streamPath(command.streamId),
        body: { name: command.name },
        answer: empty,
      };
    }
    case CommandCode.PurgeStream:
      return {
        method: "DELETE",
        path: `${streamPath(decodePurgeStream(payload).streamId)}/purge`,
        answer: empty,
      };

    // --- topics ---
    case CommandCode.GetTopic: {
      const command = decodeGetTopic(payload);
      return {
        method: "GET",
        path: topicPath(command.streamId, command.topicId),
        notFound: EMPTY,
        answer: (a) => encodeTopicDetails(topicDetailsFrom(one(a))),
      };
    }
    case CommandCode.GetTopics:
      return {
        method: "GET",
        path: `${streamPath(decodeGetTopics(payload).streamId)}/topics`,
        notFound: encodeTopics([]),
        answer: (a) => encodeTopics(list(a, topicFrom)),
      };
    case CommandCode.CreateTopic: {
      const command = decodeCreateTopic(payload);
      return {
        method: "POST",
        path: `${streamPath(command.streamId)}/topics`,
        body: {
          name: command.name,
          partitions_count: command.partitionsCount,
          compression_algorithm: compressionName(command.compressionAlgorithm),
          message_expiry: command.messageExpiry,
          max_topic_size: command.maxTopicSize,
          replication_factor: command.replicationFactor,
        },
        // The route answers a missing stream with the generic 404 (http.md §5 route 30).
        notFound: ErrorCode.StreamIdNotFound,
        answer: (a) => encodeTopicDetails(topicDetailsFrom(one(a))),
      };
    }
    case CommandCode.DeleteTopic: {
      const command = decodeDeleteTopic(payload);
      return {
        method: "DELETE",
        path: topicPath(command.streamId, command.topicId),
        answer: empty,
      };
    }
    case CommandCode.UpdateTopic: {
      const command = decodeUpdateTopic(payload);
      return {
        method: "PUT",
        path: topicPath(command.streamId, command.topicId),
        body: {
          name: command.name,
          compression_algorithm: compressionName(command.compressionAlgorithm),
          message_expiry: command.messageExpiry,
          max_topic_size: command.maxTopicSize,
          replication_factor: command.replicationFactor,
        },
        answer: empty,
      };
    }
    case CommandCode.PurgeTopic: {
      const command = decodePurgeTopic(payload);
      return {
        method: "DELETE",
        path: `${topicPath(command.streamId, command.topicId)}/purge`,
        answer: empty,
      };
    }

    // --- partitions and segments ---
    case CommandCode.CreatePartitions: {
      const command = decodeCreatePartitions(payload);
      return {
        method: "POST",
        path: `${topicPath(command.streamId, command.topicId)}/partitions`,
        body: { partitions_count: command.partitionsCount },
        answer: empty,
      };
    }
    case CommandCode.DeletePartitions: {
      const command = decodeDeletePartitions(payload);
      return {
        method: "DELETE",
        path: `${topicPath(command.streamId, command.topicId)}/partitions${
          query({ partitions_count: command.partitionsCount })
        }`,
        answer: empty,
      };
    }
    case CommandCode.DeleteSegments: {
      const command = decodeDeleteSegments(payload);
      return {
        method: "DELETE",
        path: `${
          topicPath(command.streamId, command.topicId)
        }/partitions/${command.partitionId}${
          query({ segments_count: command.segmentsCount })
        }`,
        answer: empty,
      };
    }

    // --- consumer groups ---
    case CommandCode.GetConsumerGroup:
      return {
        method: "GET",
        path: groupPath(decodeGetConsumerGroup(payload)),
        notFound: EMPTY,
        answer: (a) => encodeConsumerGroupDetails(groupDetailsFrom(one(a))),
      };
    case CommandCode.GetConsumerGroups: {
      const command = decodeGetConsumerGroups(payload);
      return {
        method: "GET",
        path: `${topicPath(command.streamId, command.topicId)}/consumer-groups`,
        notFound: encodeConsumerGroups([]),
        answer: (a) => encodeConsumerGroups(list(a, groupFrom)),
      };
    }
    case CommandCode.CreateConsumerGroup: {
      const command = decodeCreateConsumerGroup(payload);
      return {
        method: "POST",
        path: `${topicPath(command.streamId, command.topicId)}/consumer-groups`,
        body: { name: command.name },
        answer: (a) => encodeConsumerGroup(groupFrom(one(a))),
      };
    }
    case CommandCode.DeleteConsumerGroup:
      return {
        method: "DELETE",
        path: groupPath(decodeDeleteConsumerGroup(payload)),
        answer: empty,
      };
    case CommandCode.JoinConsumerGroup:
      return unavailable("JoinConsumerGroup");
    case CommandCode.LeaveConsumerGroup:
      return unavailable("LeaveConsumerGroup");
    default:
      throw new IggyError(ErrorCode.InvalidCommand, `Unknown command ${code}`);
  }
}
