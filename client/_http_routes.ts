/**
 * The HTTP transport's command table: each typed command becomes its REST call (http.md §5) and
 * the JSON answer becomes its typed result, through the shared JSON codec — no binary on the way.
 * @module
 */

import type { Code, RequestOf, ResultOf } from "./_commands.ts";
import {
  CommandCode,
  ErrorCode,
  type Identifier,
  IggyError,
  type PolledMessages,
} from "./protocol/mod.ts";
import {
  changePasswordToJson,
  clientDetailsFromJson,
  clientFromJson,
  clusterMetadataFromJson,
  consumerGroupDetailsFromJson,
  consumerGroupFromJson,
  consumerOffsetFromJson,
  createConsumerGroupToJson,
  createPartitionsToJson,
  createPersonalAccessTokenToJson,
  createTopicToJson,
  createUserToJson,
  EMPTY_POLL_HEADERS,
  getSnapshotToJson,
  identityFromJson,
  type JsonObject,
  type JsonValue,
  loginUserToJson,
  loginWithPersonalAccessTokenToJson,
  partitionFromJson,
  polledMessagesFromJson,
  rawTokenFromJson,
  sendMessagesToJson,
  statsFromJson,
  storeConsumerOffsetToJson,
  streamDetailsFromJson,
  streamFromJson,
  streamNameToJson,
  tokenInfoFromJson,
  topicDetailsFromJson,
  topicFromJson,
  updatePermissionsToJson,
  updateTopicToJson,
  updateUserToJson,
  userDetailsFromJson,
  userFromJson,
} from "./protocol/http_json/mod.ts";
import { answerFields as read } from "./_http_json.ts";

/** What the transport hands to {@linkcode HttpCall.answer}. */
export interface HttpAnswer {
  /** The raw response body. */
  bytes: Uint8Array;
  /** The response headers. */
  headers: Headers;
  /** The body parsed as lossless JSON. */
  json(): JsonValue;
  /** A follow-up authenticated GET (outside the request queue); resolves to its JSON or undefined on 404. */
  get(path: string): Promise<JsonValue | undefined>;
}

/** One REST call standing for one typed command, with `R` its typed result. */
export interface HttpCall<R> {
  /** The HTTP method. */
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** The path with its query string. */
  path: string;
  /** The JSON body, if any. */
  body?: unknown;
  /** `login` stores the returned JWT; `logout` drops it; `public` sends no token. */
  session?: "login" | "logout" | "public";
  /**
   * What a 404 means: a result to answer with (none for a Get-one, an empty list for lists) or an
   * Iggy code to throw when the body is the generic not-found one. Absent: the error body decides.
   */
  notFound?: { result: R } | number;
  /** Turns a 2xx answer into the typed result. */
  answer(answer: HttpAnswer): R | Promise<R>;
}

function none(): undefined {
  return undefined;
}

function seg(id: Identifier | number): string {
  return encodeURIComponent(String(id));
}

function streamPath(streamId: Identifier): string {
  return `/streams/${seg(streamId)}`;
}

function topicPath(
  command: { streamId: Identifier; topicId: Identifier },
): string {
  return `${streamPath(command.streamId)}/topics/${seg(command.topicId)}`;
}

function groupPath(
  command: { streamId: Identifier; topicId: Identifier; groupId: Identifier },
): string {
  return `${topicPath(command)}/consumer-groups/${seg(command.groupId)}`;
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

function one(answer: HttpAnswer): JsonObject {
  return read.asObject(answer.json(), "answer");
}

/** The answer as a list of `T`. */
function list<T>(read1: (o: JsonObject, r: typeof read) => T) {
  return (answer: HttpAnswer): T[] =>
    read.asArray(answer.json(), "list").map((item) =>
      read1(read.asObject(item, "item"), read)
    );
}

/** The answer as one `T`. */
function single<T>(read1: (o: JsonObject, r: typeof read) => T) {
  return (answer: HttpAnswer): T => read1(one(answer), read);
}

function identity(answer: HttpAnswer): { userId: number } {
  return { userId: identityFromJson(one(answer), read).userId };
}

/**
 * An empty HTTP poll zeroes partition_id and current_offset (http.md §7.2). Our server sends the
 * real ones in headers; from another server, read the partition's offset from its topic.
 */
async function emptyPollPosition(
  answer: HttpAnswer,
  topic: string,
  partitionId: number,
): Promise<{ partitionId: number; currentOffset: bigint }> {
  const partitionHeader = answer.headers.get(EMPTY_POLL_HEADERS.partitionId);
  const offsetHeader = answer.headers.get(EMPTY_POLL_HEADERS.currentOffset);
  if (
    partitionHeader !== null && offsetHeader !== null &&
    /^\d{1,10}$/.test(partitionHeader) && /^\d{1,20}$/.test(offsetHeader)
  ) {
    return {
      partitionId: Number(partitionHeader),
      currentOffset: BigInt(offsetHeader),
    };
  }
  const details = await answer.get(topic);
  const partition = details === undefined
    ? undefined
    : read.array(read.asObject(details, "topic"), "partitions")
      .map((p) => partitionFromJson(read.asObject(p, "partition"), read))
      .find((p) => p.id === partitionId);
  return { partitionId, currentOffset: partition?.currentOffset ?? 0n };
}

type Routes = {
  [C in Code]: (command: RequestOf<C>) => HttpCall<ResultOf<C>>;
};

/** Each command's REST call. */
const ROUTES: Routes = {
  // --- system ---
  [CommandCode.Ping]: () => ({
    method: "GET",
    path: "/ping",
    session: "public",
    answer: none,
  }),
  [CommandCode.GetStats]: () => ({
    method: "GET",
    path: "/stats",
    answer: single(statsFromJson),
  }),
  [CommandCode.GetSnapshot]: (command) => ({
    method: "POST",
    path: "/snapshot",
    body: getSnapshotToJson(command),
    answer: (a) => a.bytes,
  }),
  [CommandCode.GetClusterMetadata]: () => ({
    method: "GET",
    path: "/cluster/metadata",
    answer: single(clusterMetadataFromJson),
  }),
  [CommandCode.GetMe]: () => unavailable("GetMe"),
  [CommandCode.GetClient]: ({ clientId }) => ({
    method: "GET",
    path: `/clients/${clientId}`,
    notFound: { result: undefined },
    answer: single(clientDetailsFromJson),
  }),
  [CommandCode.GetClients]: () => ({
    method: "GET",
    path: "/clients",
    answer: list(clientFromJson),
  }),

  // --- users ---
  [CommandCode.GetUser]: ({ userId }) => ({
    method: "GET",
    path: `/users/${seg(userId)}`,
    notFound: { result: undefined },
    answer: single(userDetailsFromJson),
  }),
  [CommandCode.GetUsers]: () => ({
    method: "GET",
    path: "/users",
    answer: list(userFromJson),
  }),
  [CommandCode.CreateUser]: (command) => ({
    method: "POST",
    path: "/users",
    body: createUserToJson(command),
    answer: single(userDetailsFromJson),
  }),
  [CommandCode.DeleteUser]: ({ userId }) => ({
    method: "DELETE",
    path: `/users/${seg(userId)}`,
    answer: none,
  }),
  [CommandCode.UpdateUser]: (command) => ({
    method: "PUT",
    path: `/users/${seg(command.userId)}`,
    body: updateUserToJson(command),
    answer: none,
  }),
  [CommandCode.UpdatePermissions]: (command) => ({
    method: "PUT",
    path: `/users/${seg(command.userId)}/permissions`,
    body: updatePermissionsToJson(command),
    answer: none,
  }),
  [CommandCode.ChangePassword]: (command) => ({
    method: "PUT",
    path: `/users/${seg(command.userId)}/password`,
    body: changePasswordToJson(command),
    answer: none,
  }),
  [CommandCode.LoginUser]: (command) => ({
    method: "POST",
    path: "/users/login",
    body: loginUserToJson(command),
    session: "login",
    answer: identity,
  }),
  [CommandCode.LogoutUser]: () => ({
    method: "DELETE",
    path: "/users/logout",
    session: "logout",
    answer: none,
  }),

  // --- personal access tokens ---
  [CommandCode.GetPersonalAccessTokens]: () => ({
    method: "GET",
    path: "/personal-access-tokens",
    answer: list(tokenInfoFromJson),
  }),
  [CommandCode.CreatePersonalAccessToken]: (command) => ({
    method: "POST",
    path: "/personal-access-tokens",
    body: createPersonalAccessTokenToJson(command),
    answer: single(rawTokenFromJson),
  }),
  [CommandCode.DeletePersonalAccessToken]: ({ name }) => ({
    method: "DELETE",
    path: `/personal-access-tokens/${seg(name)}`,
    answer: none,
  }),
  [CommandCode.LoginWithPersonalAccessToken]: (command) => ({
    method: "POST",
    path: "/personal-access-tokens/login",
    body: loginWithPersonalAccessTokenToJson(command),
    session: "login",
    answer: identity,
  }),

  // --- messages ---
  [CommandCode.PollMessages]: (command) => {
    const partitionId = command.partitionId ?? 0;
    const topic = topicPath(command);
    return {
      method: "GET",
      path: `${topic}/messages${
        query({
          consumer_id: consumerId(command.consumer),
          partition_id: partitionId,
          kind: command.strategy.kind,
          value: command.strategy.value,
          count: command.count,
          auto_commit: command.autoCommit,
        })
      }`,
      answer: async (a): Promise<PolledMessages> => {
        const polled = one(a);
        const empty = read.array(polled, "messages").length === 0
          ? await emptyPollPosition(a, topic, partitionId)
          : { partitionId, currentOffset: 0n };
        return polledMessagesFromJson(polled, read, empty);
      },
    };
  },
  [CommandCode.SendMessages]: (command) => ({
    method: "POST",
    path: `${topicPath(command)}/messages`,
    body: sendMessagesToJson(command.partitioning, command.messages),
    answer: none,
  }),
  [CommandCode.FlushUnsavedBuffer]: (command) => ({
    method: "GET",
    path: `${
      topicPath(command)
    }/messages/flush/${command.partitionId}/${command.fsync}`,
    answer: none,
  }),

  // --- consumer offsets ---
  [CommandCode.GetConsumerOffset]: (command) => ({
    method: "GET",
    path: `${topicPath(command)}/consumer-offsets${
      query({
        consumer_id: consumerId(command.consumer),
        partition_id: command.partitionId,
      })
    }`,
    notFound: { result: undefined },
    answer: single(consumerOffsetFromJson),
  }),
  [CommandCode.StoreConsumerOffset]: (command) => ({
    method: "PUT",
    path: `${topicPath(command)}/consumer-offsets`,
    body: storeConsumerOffsetToJson({
      consumerId: consumerId(command.consumer),
      partitionId: command.partitionId,
      offset: command.offset,
    }),
    answer: none,
  }),
  [CommandCode.DeleteConsumerOffset]: (command) => ({
    method: "DELETE",
    path: `${topicPath(command)}/consumer-offsets/${
      seg(consumerId(command.consumer))
    }${query({ partition_id: command.partitionId })}`,
    answer: none,
  }),

  // --- streams ---
  [CommandCode.GetStream]: ({ streamId }) => ({
    method: "GET",
    path: streamPath(streamId),
    notFound: { result: undefined },
    answer: single(streamDetailsFromJson),
  }),
  [CommandCode.GetStreams]: () => ({
    method: "GET",
    path: "/streams",
    answer: list(streamFromJson),
  }),
  [CommandCode.CreateStream]: (command) => ({
    method: "POST",
    path: "/streams",
    body: streamNameToJson(command),
    answer: single(streamFromJson),
  }),
  [CommandCode.DeleteStream]: ({ streamId }) => ({
    method: "DELETE",
    path: streamPath(streamId),
    answer: none,
  }),
  [CommandCode.UpdateStream]: (command) => ({
    method: "PUT",
    path: streamPath(command.streamId),
    body: streamNameToJson(command),
    answer: none,
  }),
  [CommandCode.PurgeStream]: ({ streamId }) => ({
    method: "DELETE",
    path: `${streamPath(streamId)}/purge`,
    answer: none,
  }),

  // --- topics ---
  [CommandCode.GetTopic]: (command) => ({
    method: "GET",
    path: topicPath(command),
    notFound: { result: undefined },
    answer: single(topicDetailsFromJson),
  }),
  [CommandCode.GetTopics]: ({ streamId }) => ({
    method: "GET",
    path: `${streamPath(streamId)}/topics`,
    notFound: { result: [] },
    answer: list(topicFromJson),
  }),
  [CommandCode.CreateTopic]: (command) => ({
    method: "POST",
    path: `${streamPath(command.streamId)}/topics`,
    body: createTopicToJson(command),
    // The route answers a missing stream with the generic 404 (http.md §5 route 30).
    notFound: ErrorCode.StreamIdNotFound,
    answer: single(topicDetailsFromJson),
  }),
  [CommandCode.DeleteTopic]: (command) => ({
    method: "DELETE",
    path: topicPath(command),
    answer: none,
  }),
  [CommandCode.UpdateTopic]: (command) => ({
    method: "PUT",
    path: topicPath(command),
    body: updateTopicToJson(command),
    answer: none,
  }),
  [CommandCode.PurgeTopic]: (command) => ({
    method: "DELETE",
    path: `${topicPath(command)}/purge`,
    answer: none,
  }),

  // --- partitions and segments ---
  [CommandCode.CreatePartitions]: (command) => ({
    method: "POST",
    path: `${topicPath(command)}/partitions`,
    body: createPartitionsToJson(command),
    answer: none,
  }),
  [CommandCode.DeletePartitions]: (command) => ({
    method: "DELETE",
    path: `${topicPath(command)}/partitions${
      query({ partitions_count: command.partitionsCount })
    }`,
    answer: none,
  }),
  [CommandCode.DeleteSegments]: (command) => ({
    method: "DELETE",
    path: `${topicPath(command)}/partitions/${command.partitionId}${
      query({ segments_count: command.segmentsCount })
    }`,
    answer: none,
  }),

  // --- consumer groups ---
  [CommandCode.GetConsumerGroup]: (command) => ({
    method: "GET",
    path: groupPath(command),
    notFound: { result: undefined },
    answer: single(consumerGroupDetailsFromJson),
  }),
  [CommandCode.GetConsumerGroups]: (command) => ({
    method: "GET",
    path: `${topicPath(command)}/consumer-groups`,
    notFound: { result: [] },
    answer: list(consumerGroupFromJson),
  }),
  [CommandCode.CreateConsumerGroup]: (command) => ({
    method: "POST",
    path: `${topicPath(command)}/consumer-groups`,
    body: createConsumerGroupToJson(command),
    answer: single(consumerGroupFromJson),
  }),
  [CommandCode.DeleteConsumerGroup]: (command) => ({
    method: "DELETE",
    path: groupPath(command),
    answer: none,
  }),
  [CommandCode.JoinConsumerGroup]: () => unavailable("JoinConsumerGroup"),
  [CommandCode.LeaveConsumerGroup]: () => unavailable("LeaveConsumerGroup"),
};

/**
 * The REST call for one typed command.
 *
 * @param code The command code.
 * @param command The typed request.
 * @returns The call to make.
 * @throws {IggyError} 5 `FeatureUnavailable` for commands HTTP cannot express (GetMe, join and
 * leave consumer group, polling or offsets as a consumer group).
 */
export function httpCall<C extends Code>(
  code: C,
  command: RequestOf<C>,
): HttpCall<ResultOf<C>> {
  return (ROUTES[code] as (command: RequestOf<C>) => HttpCall<ResultOf<C>>)(
    command,
  );
}
