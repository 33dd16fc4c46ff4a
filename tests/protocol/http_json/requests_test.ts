/**
 * The request bodies of the HTTP codec: what the SDK writes with `xToJson`, the server reads back
 * with `xFromJson` (through real JSON text), and a bad variant is rejected through the reader's own
 * error.
 */
import assert from "node:assert/strict";
import {
  changePasswordFromJson,
  changePasswordToJson,
  createConsumerGroupFromJson,
  createConsumerGroupToJson,
  createPartitionsFromJson,
  createPartitionsToJson,
  createPersonalAccessTokenFromJson,
  createPersonalAccessTokenToJson,
  createTopicFromJson,
  createTopicToJson,
  createUserFromJson,
  createUserToJson,
  getSnapshotFromJson,
  getSnapshotToJson,
  JsonFields,
  type JsonObject,
  loginUserFromJson,
  loginUserToJson,
  loginWithPersonalAccessTokenFromJson,
  loginWithPersonalAccessTokenToJson,
  parseJsonExact,
  storeConsumerOffsetFromJson,
  storeConsumerOffsetToJson,
  streamNameFromJson,
  streamNameToJson,
  updatePermissionsFromJson,
  updatePermissionsToJson,
  updateTopicFromJson,
  updateTopicToJson,
  updateUserFromJson,
  updateUserToJson,
} from "../../../client/protocol/http_json/mod.ts";
import {
  type Permissions,
  SnapshotCompression,
  SnapshotType,
} from "../../../client/protocol/mod.ts";
import { stringifyJson } from "../../../server/http/json.ts";

const read = new JsonFields((message) => {
  throw new TypeError(message);
});

/** `value` → JSON text (as the SDK sends it) → parsed (as the server reads it). */
function viaText(value: unknown): JsonObject {
  return parseJsonExact(stringifyJson(value)) as JsonObject;
}

const U64_MAX = 2n ** 64n - 1n;

const permissions: Permissions = {
  global: {
    manageServers: false,
    readServers: true,
    manageUsers: false,
    readUsers: true,
    manageStreams: true,
    readStreams: true,
    manageTopics: false,
    readTopics: true,
    pollMessages: true,
    sendMessages: false,
  },
  streams: new Map([[2, {
    manageStream: false,
    readStream: true,
    manageTopics: false,
    readTopics: true,
    pollMessages: true,
    sendMessages: true,
    topics: new Map([[5, {
      manageTopic: false,
      readTopic: true,
      pollMessages: true,
      sendMessages: false,
    }]]),
  }]]),
};

Deno.test("createTopicFromJson() and updateTopicFromJson() read back their bodies (path ids aside)", () => {
  const settings = {
    compressionAlgorithm: 2 as const,
    messageExpiry: U64_MAX,
    maxTopicSize: 1_000_000n,
    replicationFactor: 3,
    name: "orders",
  };
  assert.deepEqual(
    createTopicFromJson(
      viaText(
        createTopicToJson({ streamId: 1, partitionsCount: 4, ...settings }),
      ),
      read,
    ),
    { partitionsCount: 4, ...settings },
  );
  assert.deepEqual(
    updateTopicFromJson(
      viaText(updateTopicToJson({ streamId: "s", topicId: 9, ...settings })),
      read,
    ),
    settings,
  );
  const noFactor = viaText(createTopicToJson({
    streamId: 1,
    partitionsCount: 1,
    ...settings,
  }));
  delete noFactor.replication_factor;
  assert.equal(
    createTopicFromJson(noFactor, read).replicationFactor,
    undefined,
  );
  assert.throws(
    () =>
      updateTopicFromJson({ ...noFactor, compression_algorithm: "LZ4" }, read),
    new TypeError("compression_algorithm: unknown variant `lz4`"),
  );
});

Deno.test("the user bodies read back: create, update, permissions, password, login", () => {
  const create = {
    username: "ann",
    password: "secret",
    status: 2 as const,
    permissions,
  };
  assert.deepEqual(
    createUserFromJson(viaText(createUserToJson(create)), read),
    create,
  );
  const { permissions: _, ...bare } = create;
  assert.deepEqual(
    createUserFromJson(viaText(createUserToJson(bare)), read),
    { ...bare, permissions: undefined },
  );
  assert.throws(
    () => createUserFromJson({ username: "a", password: "b" }, read),
    new TypeError("missing field `status`"),
  );
  assert.deepEqual(
    updateUserFromJson(
      viaText(updateUserToJson({ userId: 1, username: "bob", status: 1 })),
      read,
    ),
    { username: "bob", status: 1 },
  );
  assert.deepEqual(
    updateUserFromJson(viaText(updateUserToJson({ userId: 1 })), read),
    { username: undefined, status: undefined },
  );
  assert.throws(
    () => updateUserFromJson({ status: "asleep" }, read),
    new TypeError("status: unknown variant `asleep`"),
  );
  assert.deepEqual(
    updatePermissionsFromJson(
      viaText(updatePermissionsToJson({ userId: 1, permissions })),
      read,
    ),
    { permissions },
  );
  assert.deepEqual(
    updatePermissionsFromJson(
      viaText(updatePermissionsToJson({ userId: 1 })),
      read,
    ),
    { permissions: undefined },
  );
  assert.deepEqual(
    changePasswordFromJson(
      viaText(
        changePasswordToJson({
          userId: 1,
          currentPassword: "old",
          newPassword: "new",
        }),
      ),
      read,
    ),
    { currentPassword: "old", newPassword: "new" },
  );
  assert.deepEqual(
    loginUserFromJson(
      viaText(
        loginUserToJson({
          username: "iggy",
          password: "pw",
          version: "0.1.0",
          context: "",
        }),
      ),
      read,
    ),
    { username: "iggy", password: "pw" },
  );
});

Deno.test("token, consumer-offset and snapshot bodies read back", () => {
  const token = { name: "ci", expiry: U64_MAX };
  assert.deepEqual(
    createPersonalAccessTokenFromJson(
      viaText(createPersonalAccessTokenToJson(token)),
      read,
    ),
    token,
  );
  for (
    const offset of [
      { consumerId: 7, partitionId: 2, offset: U64_MAX },
      { consumerId: "worker", partitionId: undefined, offset: 0n },
      { consumerId: undefined, partitionId: undefined, offset: 5n },
    ]
  ) {
    assert.deepEqual(
      storeConsumerOffsetFromJson(
        viaText(storeConsumerOffsetToJson(offset)),
        read,
      ),
      offset,
    );
  }
  assert.throws(
    () => storeConsumerOffsetFromJson({ consumer_id: true, offset: 1n }, read),
    new TypeError("consumer_id: expected a number or a string"),
  );
  const snapshot = {
    compression: SnapshotCompression.Zstd,
    types: [SnapshotType.ProcessList, SnapshotType.ServerConfig],
  };
  const body = viaText(getSnapshotToJson(snapshot));
  assert.deepEqual(body, {
    compression: "Zstd",
    snapshot_types: ["ProcessList", "ServerConfig"],
  });
  assert.deepEqual(getSnapshotFromJson(body, read), snapshot);
  assert.throws(
    () => getSnapshotFromJson({ ...body, compression: "toString" }, read),
    new TypeError("compression: unknown variant `toString`"),
  );
  assert.throws(
    () => getSnapshotFromJson({ ...body, snapshot_types: ["All", 1n] }, read),
    new TypeError("snapshot_types: unknown variant `1`"),
  );
});

Deno.test("the one-field bodies read back: stream name, group name, partitions count, token", () => {
  assert.deepEqual(
    streamNameFromJson(viaText(streamNameToJson({ name: "s" })), read),
    { name: "s" },
  );
  assert.deepEqual(
    createConsumerGroupFromJson(
      viaText(
        createConsumerGroupToJson({ streamId: 1, topicId: 2, name: "g" }),
      ),
      read,
    ),
    { name: "g" },
  );
  assert.deepEqual(
    createPartitionsFromJson(
      viaText(
        createPartitionsToJson({ streamId: 1, topicId: 2, partitionsCount: 9 }),
      ),
      read,
    ),
    { partitionsCount: 9 },
  );
  assert.deepEqual(
    loginWithPersonalAccessTokenFromJson(
      viaText(loginWithPersonalAccessTokenToJson({ token: "t" })),
      read,
    ),
    { token: "t" },
  );
  assert.throws(
    () => createPartitionsFromJson({ partitions_count: -1n }, read),
    new TypeError("partitions_count: expected an integer in 0..=4294967295"),
  );
});
