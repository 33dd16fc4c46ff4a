/**
 * Every resource's JSON pair of the HTTP codec: what `xToJson` writes, `xFromJson` reads back
 * unchanged (through real JSON text), and each side's rejection of a bad field.
 */
import assert from "node:assert/strict";
import {
  clientDetailsFromJson,
  clientDetailsToJson,
  clientFromJson,
  clientToJson,
  clusterMetadataFromJson,
  clusterMetadataToJson,
  consumerGroupDetailsFromJson,
  consumerGroupDetailsToJson,
  consumerOffsetFromJson,
  consumerOffsetToJson,
  identityFromJson,
  identityToJson,
  JsonFields,
  type JsonObject,
  parseJsonExact,
  rawTokenFromJson,
  rawTokenToJson,
  statsFromJson,
  statsToJson,
  streamDetailsFromJson,
  streamDetailsToJson,
  tokenInfoFromJson,
  tokenInfoToJson,
  userDetailsFromJson,
  userDetailsToJson,
} from "../../../client/protocol/http_json/mod.ts";
import {
  type ClientDetails,
  type ClusterMetadata,
  type ConsumerGroupDetails,
  ErrorCode,
  IggyError,
  NO_USER_ID,
  type Stats,
  type StreamDetails,
  type UserDetails,
} from "../../../client/protocol/mod.ts";
import { stringifyJson } from "../../../server/http/json.ts";
import { answerFields } from "../../../client/_http_json.ts";

const read = new JsonFields((message) => {
  throw new TypeError(message);
});

/** `value` → JSON text (as the server writes it) → parsed (as either side reads it). */
function viaText(value: unknown): JsonObject {
  return parseJsonExact(stringifyJson(value)) as JsonObject;
}

function roundTrip<T>(
  value: T,
  toJson: (value: T) => unknown,
  fromJson: (o: JsonObject, read: JsonFields) => T,
): void {
  assert.deepEqual(fromJson(viaText(toJson(value)), read), value);
}

const U64_MAX = 2n ** 64n - 1n;

Deno.test("streamDetailsFromJson() reads back streamDetailsToJson() with topics", () => {
  const stream: StreamDetails = {
    id: 7,
    createdAt: 1_700_000_000_000_000n,
    name: "orders",
    topicsCount: 1,
    sizeBytes: 1536n,
    messagesCount: U64_MAX,
    topics: [{
      id: 1,
      createdAt: 5n,
      name: "created",
      partitionsCount: 3,
      messageExpiry: U64_MAX,
      compressionAlgorithm: 2,
      maxTopicSize: 0n,
      replicationFactor: 1,
      sizeBytes: 1_234_567n,
      messagesCount: 10n,
    }],
  };
  roundTrip(stream, streamDetailsToJson, streamDetailsFromJson);
  const json = viaText(streamDetailsToJson(stream));
  assert.equal(json.size, "1.5 KiB");
  assert.deepEqual(Object.keys(json), [
    "id",
    "created_at",
    "name",
    "size",
    "messages_count",
    "topics_count",
    "topics",
  ]);
});

Deno.test("consumerGroupDetailsFromJson() and consumerOffsetFromJson() read back their pairs", () => {
  const group: ConsumerGroupDetails = {
    id: 2,
    name: "g",
    partitionsCount: 3,
    membersCount: 1,
    members: [{ id: 9, partitionsCount: 3, partitions: [0, 1, 2] }],
  };
  roundTrip(group, consumerGroupDetailsToJson, consumerGroupDetailsFromJson);
  roundTrip(
    { partitionId: 1, currentOffset: U64_MAX, storedOffset: 4n },
    consumerOffsetToJson,
    consumerOffsetFromJson,
  );
});

Deno.test("userDetailsFromJson() reads back users with and without permissions, tokens and identities", () => {
  const user: UserDetails = {
    id: 3,
    createdAt: 1n,
    status: 2,
    username: "ann",
    permissions: {
      global: {
        manageServers: false,
        readServers: true,
        manageUsers: false,
        readUsers: true,
        manageStreams: false,
        readStreams: true,
        manageTopics: false,
        readTopics: true,
        pollMessages: false,
        sendMessages: true,
      },
      streams: new Map(),
    },
  };
  roundTrip(user, userDetailsToJson, userDetailsFromJson);
  const { permissions: _, ...plain } = user;
  roundTrip(plain, userDetailsToJson, userDetailsFromJson);
  roundTrip({ name: "ci" }, tokenInfoToJson, tokenInfoFromJson);
  roundTrip(
    { name: "ci", expiryAt: 99n },
    tokenInfoToJson,
    tokenInfoFromJson,
  );
  roundTrip({ token: "secret" }, rawTokenToJson, rawTokenFromJson);
  roundTrip(
    { userId: 0, token: "jwt", expiry: 1_900_000_000 },
    identityToJson,
    identityFromJson,
  );
});

Deno.test("clientDetailsFromJson(), clusterMetadataFromJson() and statsFromJson() read back their pairs", () => {
  const client: ClientDetails = {
    clientId: 4,
    userId: NO_USER_ID,
    transport: 4,
    address: "127.0.0.1:5000",
    consumerGroupsCount: 1,
    consumerGroups: [{ streamId: 1, topicId: 2, groupId: 3 }],
  };
  roundTrip(client, clientDetailsToJson, clientDetailsFromJson);
  assert.equal(viaText(clientToJson(client)).user_id, null);
  const { consumerGroups: _, ...info } = client;
  roundTrip({ ...info, userId: 5 }, clientToJson, clientFromJson);
  const cluster: ClusterMetadata = {
    name: "iggy",
    nodes: [{
      name: "n1",
      ip: "10.0.0.1",
      tcpPort: 8090,
      quicPort: 8080,
      httpPort: 3000,
      websocketPort: 8092,
      role: 1,
      status: 4,
    }],
  };
  roundTrip(cluster, clusterMetadataToJson, clusterMetadataFromJson);
  const stats: Stats = {
    processId: 1,
    cpuUsage: 1.5,
    totalCpuUsage: 100,
    memoryUsage: 1024n,
    totalMemory: 2048n,
    availableMemory: 1000n,
    runTime: 5n,
    startTime: 6n,
    readBytes: 0n,
    writtenBytes: 7n,
    messagesSizeBytes: 8n,
    streamsCount: 1,
    topicsCount: 2,
    partitionsCount: 3,
    segmentsCount: 4,
    messagesCount: 9n,
    clientsCount: 1,
    consumerGroupsCount: 0,
    hostname: "h",
    osName: "Linux",
    osVersion: "6",
    kernelVersion: "6.1",
    iggyServerVersion: "0.8.0",
    iggyServerSemver: 8000,
    cacheMetrics: [{
      streamId: 1,
      topicId: 2,
      partitionId: 3,
      hits: 4n,
      misses: 5n,
      hitRatio: 0.25,
    }],
    threadsCount: 8,
    freeDiskSpace: 10n,
    totalDiskSpace: 20n,
  };
  roundTrip(stats, statsToJson, statsFromJson);
});

Deno.test("JsonFields rejects through the side's own error: 302 in the SDK", () => {
  assert.throws(
    () => streamDetailsFromJson({ id: "7" }, answerFields),
    (err: unknown) => {
      assert.ok(err instanceof IggyError);
      assert.equal(err.code, ErrorCode.InvalidJsonResponse);
      assert.match(err.message, /id: expected an integer/);
      return true;
    },
  );
  assert.throws(() => read.u32({}, "id"), /missing field `id`/);
  assert.throws(() => read.byteSize({ size: "big" }, "size"), /big/);
  assert.throws(() => read.idKey("x", "permissions"), /not a u32 id/);
});
