import assert from "node:assert/strict";
import { applyEntry } from "../../../server/state/apply.ts";
import type { MetadataEntry } from "../../../server/state/entries.ts";
import { decodeEntry, encodeEntry } from "../../../server/state/entries.ts";
import { emptyModel, snapshotOf } from "../../../server/state/model.ts";
import { rootPermissions } from "../../../client/protocol/permissions.ts";

const SETTINGS = {
  name: "t",
  compressionAlgorithm: 1,
  messageExpiry: 0n,
  maxTopicSize: 0n,
  replicationFactor: 1,
};

const ENTRIES: MetadataEntry[] = [
  { type: "CreateStream", id: 0, name: "a", createdAt: 10n },
  { type: "CreateStream", id: 1, name: "b", createdAt: 11n },
  {
    type: "CreateTopic",
    streamId: 1,
    id: 0,
    createdAt: 12n,
    settings: SETTINGS,
    partitionsCount: 2,
  },
  {
    type: "CreatePartitions",
    streamId: 1,
    topicId: 0,
    count: 2,
    createdAt: 13n,
  },
  { type: "DeletePartitions", streamId: 1, topicId: 0, count: 1 },
  {
    type: "CreateConsumerGroup",
    streamId: 1,
    topicId: 0,
    id: 0,
    name: "g",
  },
  { type: "DeleteStream", id: 0 },
  { type: "CreateStream", id: 0, name: "c", createdAt: 14n },
  {
    type: "CreateUser",
    user: {
      id: 0,
      incarnation: "i0",
      passwordVersion: 0,
      username: "iggy",
      passwordHash: "h0",
      status: 1,
      createdAt: 1n,
      permissions: rootPermissions(),
    },
  },
  {
    type: "CreateUser",
    user: {
      id: 1,
      incarnation: "i1",
      passwordVersion: 0,
      username: "u",
      passwordHash: "h1",
      status: 1,
      createdAt: 2n,
    },
  },
  {
    type: "CreatePersonalAccessToken",
    token: { userId: 1, name: "p", tokenHash: "x", expiryAt: 5n },
  },
  {
    type: "CreatePersonalAccessToken",
    token: { userId: 0, name: "q", tokenHash: "y" },
  },
  {
    type: "UpdateUser",
    user: {
      id: 1,
      incarnation: "i1",
      passwordVersion: 0,
      username: "u2",
      passwordHash: "h2",
      status: 2,
      createdAt: 2n,
      // A field a later version adds is kept as it is.
      ...{ addedLater: 3 },
    },
  },
  { type: "DeleteExpiredPersonalAccessTokens", now: 5n },
  { type: "DeleteUser", id: 1 },
];

Deno.test("applyEntry() builds the same model from the entries and from their encoded form", () => {
  const direct = emptyModel();
  const decoded = emptyModel();
  ENTRIES.forEach((entry, i) => {
    applyEntry(direct, structuredClone(entry));
    applyEntry(
      decoded,
      decodeEntry(encodeEntry({ index: i + 1, entry })).entry,
    );
  });
  assert.deepEqual(snapshotOf(decoded, 0), snapshotOf(direct, 0));

  assert.deepEqual([...direct.streams.values()].map((s) => s.name), [
    "b",
    "c",
  ]);
  assert.deepEqual(direct.streamIds, { next: 2, free: [] }, "id 0 reused");
  const topic = direct.streams.get(1)!.topics.get(0)!;
  assert.deepEqual(topic.partitions, [
    { id: 0, createdAt: 12n },
    { id: 1, createdAt: 12n },
    { id: 2, createdAt: 13n },
  ]);
  assert.deepEqual([...topic.groups.values()], [{ id: 0, name: "g" }]);
  assert.deepEqual([...direct.users.keys()], [0]);
  assert.deepEqual(direct.userIds, { next: 2, free: [1] });
  assert.deepEqual(direct.tokens.map((t) => t.name), ["q"]);
});

Deno.test("applyEntry() keeps every field of an updated user record", () => {
  const model = emptyModel();
  for (const entry of ENTRIES.slice(8, 13)) applyEntry(model, entry);
  const user = model.users.get(1) as unknown as Record<string, unknown>;
  assert.equal(user.addedLater, 3);
  assert.equal(user.username, "u2");
  const round = decodeEntry(
    encodeEntry({ index: 1, entry: ENTRIES[12]! }),
  ).entry as unknown as { user: Record<string, unknown> };
  assert.equal(round.user.addedLater, 3);
});

Deno.test("applyEntry() ignores an entry whose target is gone", () => {
  const model = emptyModel();
  applyEntry(model, { type: "DeleteTopic", streamId: 4, id: 0 });
  applyEntry(model, { type: "UpdateStream", id: 4, name: "x" });
  assert.deepEqual(snapshotOf(model, 0), snapshotOf(emptyModel(), 0));
});

Deno.test("applyEntry() drops the permissions of a deleted stream or topic (their ids are reused)", () => {
  const model = emptyModel();
  const permissions = rootPermissions();
  const topicRights = {
    manageTopic: true,
    readTopic: true,
    pollMessages: true,
    sendMessages: true,
  };
  const streamRights = {
    manageStream: true,
    readStream: true,
    manageTopics: false,
    readTopics: true,
    pollMessages: true,
    sendMessages: true,
  };
  permissions.streams.set(0, {
    ...streamRights,
    topics: new Map([[0, topicRights], [1, topicRights]]),
  });
  permissions.streams.set(1, { ...streamRights, topics: new Map() });
  for (const entry of ENTRIES.slice(0, 3)) applyEntry(model, entry);
  applyEntry(model, {
    type: "CreateUser",
    user: {
      id: 0,
      incarnation: "i0",
      passwordVersion: 0,
      username: "u",
      passwordHash: "h",
      status: 1,
      createdAt: 1n,
      permissions,
    },
  });
  applyEntry(model, {
    type: "CreateTopic",
    streamId: 0,
    id: 0,
    createdAt: 20n,
    settings: SETTINGS,
    partitionsCount: 1,
  });
  applyEntry(model, { type: "DeleteTopic", streamId: 0, id: 0 });
  const kept = model.users.get(0)!.permissions!.streams;
  assert.deepEqual([...kept.get(0)!.topics.keys()], [1]);
  applyEntry(model, { type: "DeleteStream", id: 1 });
  assert.deepEqual([...kept.keys()], [0]);
});
