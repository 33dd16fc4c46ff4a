/**
 * The §8.3 authorization table over the real TCP server: for every command code, a user holding exactly
 * one granting permission succeeds, and users holding none or a near miss get 41. The probe user stays
 * logged in on one connection while root rewrites its permissions, so changes apply to open sessions.
 */
import assert from "node:assert/strict";
import * as codec from "../../client/protocol/mod.ts";
import {
  CommandCode,
  CompressionAlgorithm,
  ErrorCode,
  type GlobalPermissions,
  noPermissions,
  type Permissions,
  SnapshotCompression,
  SnapshotType,
  type StreamPermissions,
  type TopicPermissions,
  UserStatus,
} from "../../client/protocol/mod.ts";
import { startServer } from "../_server.ts";
import { RawClient } from "./_raw_client.ts";

type GlobalKey = keyof GlobalPermissions;
type StreamKey = Exclude<keyof StreamPermissions, "topics">;
type TopicKey = keyof TopicPermissions;

const GLOBAL_KEYS: GlobalKey[] = [
  "manageServers",
  "readServers",
  "manageUsers",
  "readUsers",
  "manageStreams",
  "readStreams",
  "manageTopics",
  "readTopics",
  "pollMessages",
  "sendMessages",
];
const STREAM_KEYS: StreamKey[] = [
  "manageStream",
  "readStream",
  "manageTopics",
  "readTopics",
  "pollMessages",
  "sendMessages",
];
const TOPIC_KEYS: TopicKey[] = [
  "manageTopic",
  "readTopic",
  "pollMessages",
  "sendMessages",
];

/** What a command acts on: the main stream/topic, or fresh ones made by a row's setup. */
interface Target {
  stream: number;
  topic: number;
  /** A name the setup created (user, token, group). */
  name?: string;
}

/** A permission set, built for a target. */
interface Grant {
  label: string;
  build(target: Target): Permissions;
}

/** The id of a stream no grant targets on purpose (set once the world exists). */
let otherStream = -1;
const OTHER_TOPIC = 999;

function streamEntry(keys: StreamKey[]): StreamPermissions {
  const entry: StreamPermissions = {
    manageStream: false,
    readStream: false,
    manageTopics: false,
    readTopics: false,
    pollMessages: false,
    sendMessages: false,
    topics: new Map(),
  };
  for (const key of keys) entry[key] = true;
  return entry;
}

function topicEntry(keys: TopicKey[]): TopicPermissions {
  const entry: TopicPermissions = {
    manageTopic: false,
    readTopic: false,
    pollMessages: false,
    sendMessages: false,
  };
  for (const key of keys) entry[key] = true;
  return entry;
}

function global(...keys: GlobalKey[]): Grant {
  return {
    label: `global ${keys.join("+")}`,
    build() {
      const p = noPermissions();
      for (const key of keys) p.global[key] = true;
      return p;
    },
  };
}

function globalExcept(...keys: GlobalKey[]): Grant {
  return {
    ...global(...GLOBAL_KEYS.filter((k) => !keys.includes(k))),
    label: `every global flag but ${keys.join("/")}`,
  };
}

function onStream(...keys: StreamKey[]): Grant {
  return {
    label: `stream ${keys.join("+")}`,
    build(target) {
      const p = noPermissions();
      p.streams.set(target.stream, streamEntry(keys));
      return p;
    },
  };
}

function onOtherStream(): Grant {
  return {
    label: "every flag on another stream",
    build() {
      const p = noPermissions();
      const entry = streamEntry(STREAM_KEYS);
      entry.topics.set(0, topicEntry(TOPIC_KEYS));
      p.streams.set(otherStream, entry);
      return p;
    },
  };
}

function onTopic(...keys: TopicKey[]): Grant {
  return {
    label: `topic ${keys.join("+")}`,
    build(target) {
      const p = noPermissions();
      const entry = streamEntry([]);
      entry.topics.set(target.topic, topicEntry(keys));
      p.streams.set(target.stream, entry);
      return p;
    },
  };
}

function onOtherTopic(): Grant {
  return {
    label: "every flag on another topic of the stream",
    build(target) {
      const p = noPermissions();
      const entry = streamEntry([]);
      entry.topics.set(OTHER_TOPIC, topicEntry(TOPIC_KEYS));
      p.streams.set(target.stream, entry);
      return p;
    },
  };
}

const NONE: Grant = { label: "no permissions", build: noPermissions };

// ------------------------------------------------------------------------------------------------
// Permission families of §8.3

const READ_SERVERS = {
  allow: [global("readServers"), global("manageServers")],
  deny: [globalExcept("readServers", "manageServers"), onOtherStream()],
};
const READ_USERS = {
  allow: [global("readUsers"), global("manageUsers")],
  deny: [globalExcept("readUsers", "manageUsers")],
};
const MANAGE_USERS = {
  allow: [global("manageUsers")],
  deny: [global("readUsers"), globalExcept("manageUsers")],
};
const READ_STREAMS = {
  allow: [global("readStreams"), global("manageStreams")],
  deny: [
    globalExcept("readStreams", "manageStreams"),
    onStream(...STREAM_KEYS),
  ],
};
const READ_STREAM = {
  allow: [
    global("readStreams"),
    global("manageStreams"),
    onStream("readStream"),
    onStream("manageStream"),
  ],
  deny: [
    globalExcept("readStreams", "manageStreams"),
    onStream("manageTopics", "readTopics", "pollMessages", "sendMessages"),
    onTopic(...TOPIC_KEYS),
    onOtherStream(),
  ],
};
const CREATE_STREAM = {
  allow: [global("manageStreams")],
  deny: [globalExcept("manageStreams"), onStream(...STREAM_KEYS)],
};
const MANAGE_STREAM = {
  allow: [global("manageStreams"), onStream("manageStream")],
  deny: [
    globalExcept("manageStreams"),
    onStream("readStream", "manageTopics", "readTopics", "pollMessages"),
    onTopic(...TOPIC_KEYS),
    onOtherStream(),
  ],
};
const READ_TOPIC_GLOBAL_AND_STREAM = [
  global("readStreams"),
  global("manageStreams"),
  global("readTopics"),
  global("manageTopics"),
  onStream("manageStream"),
  onStream("readStream"),
  onStream("manageTopics"),
  onStream("readTopics"),
];
const READ_TOPIC_DENY = [
  globalExcept("readStreams", "manageStreams", "readTopics", "manageTopics"),
  onStream("pollMessages", "sendMessages"),
  onTopic("pollMessages", "sendMessages"),
  onOtherStream(),
  onOtherTopic(),
];
const READ_TOPIC = {
  allow: [
    ...READ_TOPIC_GLOBAL_AND_STREAM,
    onTopic("manageTopic"),
    onTopic("readTopic"),
  ],
  deny: READ_TOPIC_DENY,
};
const READ_TOPICS = {
  allow: READ_TOPIC_GLOBAL_AND_STREAM,
  deny: [...READ_TOPIC_DENY, onTopic(...TOPIC_KEYS)],
};
const CREATE_TOPIC = {
  allow: [
    global("manageStreams"),
    global("manageTopics"),
    onStream("manageStream"),
    onStream("manageTopics"),
  ],
  deny: [
    globalExcept("manageStreams", "manageTopics"),
    onStream("readStream", "readTopics", "pollMessages", "sendMessages"),
    onTopic(...TOPIC_KEYS),
    onOtherStream(),
  ],
};
const MANAGE_TOPIC = {
  allow: [
    global("manageStreams"),
    global("manageTopics"),
    onStream("manageStream"),
    onStream("manageTopics"),
    onTopic("manageTopic"),
  ],
  deny: [
    globalExcept("manageStreams", "manageTopics"),
    onStream("readStream", "readTopics", "pollMessages", "sendMessages"),
    onTopic("readTopic", "pollMessages", "sendMessages"),
    onOtherStream(),
    onOtherTopic(),
  ],
};
const POLL = {
  allow: [
    global("pollMessages"),
    global("readTopics"),
    global("manageTopics"),
    global("readStreams"),
    global("manageStreams"),
    onStream("pollMessages"),
    onStream("manageStream"),
    onStream("readStream"),
    onStream("manageTopics"),
    onStream("readTopics"),
    onTopic("pollMessages"),
    onTopic("readTopic"),
    onTopic("manageTopic"),
  ],
  deny: [
    global("manageServers", "readServers", "manageUsers", "readUsers"),
    global("sendMessages"),
    onStream("sendMessages"),
    onTopic("sendMessages"),
    onOtherStream(),
    onOtherTopic(),
  ],
};
const SEND = {
  allow: [
    global("sendMessages"),
    global("manageStreams"),
    global("manageTopics"),
    onStream("sendMessages"),
    onStream("manageStream"),
    onStream("manageTopics"),
    onTopic("sendMessages"),
    onTopic("manageTopic"),
  ],
  deny: [
    globalExcept("sendMessages", "manageStreams", "manageTopics"),
    onStream("readStream", "readTopics", "pollMessages"),
    onTopic("readTopic", "pollMessages"),
    onOtherStream(),
    onOtherTopic(),
  ],
};
/** Login only: a user without any permission succeeds. */
const LOGIN_ONLY = { allow: [], deny: [] };

// ------------------------------------------------------------------------------------------------
// The world the rows act on

interface World {
  root: RawClient;
  probe: RawClient;
  /** The main target: stream "s", topic "t" (2 partitions, messages in partition 0, group "g"). */
  main: Target;
  /** A token of the probe user, for LoginWithPersonalAccessToken. */
  probeToken: string;
  /** Increments for unique names. */
  next(): number;
}

const PROBE = { username: "probe", password: "probe-pw" };
const VICTIM = { username: "victim", password: "victim-pw" };
const CONSUMER = { kind: "consumer", id: 1 } as const;

async function ok(
  client: RawClient,
  code: number,
  payload?: Uint8Array,
): Promise<Uint8Array> {
  const answer = await client.request(code, payload);
  assert.equal(answer.status, 0, `command ${code} failed: ${answer.status}`);
  return answer.payload;
}

function login(credentials: { username: string; password: string }) {
  return codec.encodeLoginUser(credentials);
}

async function createTopic(
  world: World,
  stream: number,
  name: string,
): Promise<number> {
  const details = codec.decodeTopicDetails(
    await ok(
      world.root,
      CommandCode.CreateTopic,
      codec.encodeCreateTopic({
        streamId: stream,
        partitionsCount: 2,
        compressionAlgorithm: CompressionAlgorithm.None,
        messageExpiry: 0n,
        maxTopicSize: 0n,
        replicationFactor: 1,
        name,
      }),
    ),
  );
  return details.id;
}

async function createStream(world: World, name: string): Promise<number> {
  return codec.decodeStream(
    await ok(
      world.root,
      CommandCode.CreateStream,
      codec.encodeCreateStream({ name }),
    ),
  ).id;
}

async function freshTopic(world: World): Promise<Target> {
  return {
    stream: world.main.stream,
    topic: await createTopic(world, world.main.stream, `tmp-${world.next()}`),
  };
}

async function setProbePermissions(
  world: World,
  permissions: Permissions,
): Promise<void> {
  await ok(
    world.root,
    CommandCode.UpdatePermissions,
    codec.encodeUpdatePermissions({ userId: PROBE.username, permissions }),
  );
}

function send(target: Target): Uint8Array {
  return codec.encodeSendMessages({
    streamId: target.stream,
    topicId: target.topic,
    partitioning: { kind: "partition_id", partitionId: 0 },
    messages: [{ payload: new TextEncoder().encode("m") }],
  });
}

// ------------------------------------------------------------------------------------------------
// The table: one row per command (two where "self" and "others" differ)

interface Row {
  code: number;
  label: string;
  family: { allow: Grant[]; deny: Grant[] };
  /** Works without login (Ping, LoginUser, LoginWithPersonalAccessToken). */
  noAuth?: boolean;
  /** Creates what the command consumes; the main target otherwise. */
  setup?(world: World): Promise<Target>;
  payload(target: Target, world: World): Uint8Array;
  /** The status of an allowed call. @default {0} */
  expect?: number;
  /** Restores the probe's state after an allowed call. */
  after?(world: World): Promise<void>;
}

const ROWS: Row[] = [
  {
    code: CommandCode.Ping,
    label: "Ping",
    family: LOGIN_ONLY,
    noAuth: true,
    payload: () => new Uint8Array(),
  },
  {
    code: CommandCode.GetStats,
    label: "GetStats",
    family: READ_SERVERS,
    payload: () => new Uint8Array(),
  },
  {
    code: CommandCode.GetSnapshot,
    label: "GetSnapshot",
    family: LOGIN_ONLY,
    payload: () =>
      codec.encodeGetSnapshot({
        compression: SnapshotCompression.Stored,
        types: [SnapshotType.Test],
      }),
  },
  {
    code: CommandCode.GetClusterMetadata,
    label: "GetClusterMetadata",
    family: LOGIN_ONLY,
    payload: () => new Uint8Array(),
  },
  {
    code: CommandCode.GetMe,
    label: "GetMe",
    family: LOGIN_ONLY,
    payload: () => new Uint8Array(),
  },
  {
    code: CommandCode.GetClient,
    label: "GetClient",
    family: READ_SERVERS,
    payload: () => codec.encodeGetClient({ clientId: 1 }),
  },
  {
    code: CommandCode.GetClients,
    label: "GetClients",
    family: READ_SERVERS,
    payload: () => new Uint8Array(),
  },
  {
    code: CommandCode.GetUser,
    label: "GetUser (self)",
    family: LOGIN_ONLY,
    payload: () => codec.encodeGetUser({ userId: PROBE.username }),
  },
  {
    code: CommandCode.GetUser,
    label: "GetUser (root)",
    family: READ_USERS,
    payload: () => codec.encodeGetUser({ userId: 0 }),
  },
  {
    code: CommandCode.GetUsers,
    label: "GetUsers",
    family: READ_USERS,
    payload: () => new Uint8Array(),
  },
  {
    code: CommandCode.CreateUser,
    label: "CreateUser",
    family: MANAGE_USERS,
    payload: (_, world) =>
      codec.encodeCreateUser({
        username: `user-${world.next()}`,
        password: "secret",
        status: UserStatus.Active,
      }),
  },
  {
    code: CommandCode.DeleteUser,
    label: "DeleteUser",
    family: MANAGE_USERS,
    async setup(world) {
      const name = `doomed-${world.next()}`;
      await ok(
        world.root,
        CommandCode.CreateUser,
        codec.encodeCreateUser({
          username: name,
          password: "secret",
          status: UserStatus.Active,
        }),
      );
      return { ...world.main, name };
    },
    payload: (target) => codec.encodeDeleteUser({ userId: target.name! }),
  },
  {
    code: CommandCode.UpdateUser,
    label: "UpdateUser",
    family: MANAGE_USERS,
    payload: () =>
      codec.encodeUpdateUser({
        userId: VICTIM.username,
        status: UserStatus.Active,
      }),
  },
  {
    code: CommandCode.UpdatePermissions,
    label: "UpdatePermissions",
    family: MANAGE_USERS,
    payload: () =>
      codec.encodeUpdatePermissions({
        userId: VICTIM.username,
        permissions: noPermissions(),
      }),
  },
  {
    code: CommandCode.ChangePassword,
    label: "ChangePassword (self)",
    family: LOGIN_ONLY,
    payload: () =>
      codec.encodeChangePassword({
        userId: PROBE.username,
        currentPassword: PROBE.password,
        newPassword: PROBE.password,
      }),
  },
  {
    code: CommandCode.ChangePassword,
    label: "ChangePassword (another user)",
    family: MANAGE_USERS,
    payload: () =>
      codec.encodeChangePassword({
        userId: VICTIM.username,
        currentPassword: VICTIM.password,
        newPassword: VICTIM.password,
      }),
  },
  {
    code: CommandCode.LoginUser,
    label: "LoginUser",
    family: LOGIN_ONLY,
    noAuth: true,
    payload: () => login(PROBE),
  },
  {
    code: CommandCode.LogoutUser,
    label: "LogoutUser",
    family: LOGIN_ONLY,
    payload: () => new Uint8Array(),
    async after(world) {
      assert.equal(
        (await world.probe.request(CommandCode.GetMe)).status,
        ErrorCode.Unauthenticated,
        "logged out, connection still open",
      );
      await ok(world.probe, CommandCode.LoginUser, login(PROBE));
    },
  },
  {
    code: CommandCode.GetPersonalAccessTokens,
    label: "GetPersonalAccessTokens",
    family: LOGIN_ONLY,
    payload: () => new Uint8Array(),
  },
  {
    code: CommandCode.CreatePersonalAccessToken,
    label: "CreatePersonalAccessToken",
    family: LOGIN_ONLY,
    payload: (_, world) =>
      codec.encodeCreatePersonalAccessToken({
        name: `pat-${world.next()}`,
        expiry: 0n,
      }),
  },
  {
    code: CommandCode.DeletePersonalAccessToken,
    label: "DeletePersonalAccessToken",
    family: LOGIN_ONLY,
    async setup(world) {
      const name = `del-${world.next()}`;
      await ok(
        world.probe,
        CommandCode.CreatePersonalAccessToken,
        codec.encodeCreatePersonalAccessToken({ name, expiry: 0n }),
      );
      return { ...world.main, name };
    },
    payload: (target) =>
      codec.encodeDeletePersonalAccessToken({ name: target.name! }),
  },
  {
    code: CommandCode.LoginWithPersonalAccessToken,
    label: "LoginWithPersonalAccessToken",
    family: LOGIN_ONLY,
    noAuth: true,
    // A password change deletes the user's tokens (ChangePassword runs before), so mint a fresh one.
    async setup(world) {
      world.probeToken = codec.decodeRawPersonalAccessToken(
        await ok(
          world.probe,
          CommandCode.CreatePersonalAccessToken,
          codec.encodeCreatePersonalAccessToken({
            name: `login-${world.next()}`,
            expiry: 0n,
          }),
        ),
      ).token;
      return world.main;
    },
    payload: (_, world) =>
      codec.encodeLoginWithPersonalAccessToken({ token: world.probeToken }),
  },
  {
    code: CommandCode.PollMessages,
    label: "PollMessages",
    family: POLL,
    payload: (target) =>
      codec.encodePollMessages({
        consumer: CONSUMER,
        streamId: target.stream,
        topicId: target.topic,
        partitionId: 0,
        strategy: { kind: "offset", value: 0n },
        count: 1,
        autoCommit: false,
      }),
  },
  {
    code: CommandCode.SendMessages,
    label: "SendMessages",
    family: SEND,
    payload: send,
  },
  {
    code: CommandCode.FlushUnsavedBuffer,
    label: "FlushUnsavedBuffer",
    family: SEND,
    payload: (target) =>
      codec.encodeFlushUnsavedBuffer({
        streamId: target.stream,
        topicId: target.topic,
        partitionId: 0,
        fsync: false,
      }),
  },
  {
    code: CommandCode.GetConsumerOffset,
    label: "GetConsumerOffset",
    family: POLL,
    payload: (target) =>
      codec.encodeGetConsumerOffset({
        consumer: CONSUMER,
        streamId: target.stream,
        topicId: target.topic,
        partitionId: 0,
      }),
  },
  {
    code: CommandCode.StoreConsumerOffset,
    label: "StoreConsumerOffset",
    family: POLL,
    payload: (target) =>
      codec.encodeStoreConsumerOffset({
        consumer: CONSUMER,
        streamId: target.stream,
        topicId: target.topic,
        partitionId: 0,
        offset: 0n,
      }),
  },
  {
    code: CommandCode.DeleteConsumerOffset,
    label: "DeleteConsumerOffset",
    family: POLL,
    async setup(world) {
      await ok(
        world.root,
        CommandCode.StoreConsumerOffset,
        codec.encodeStoreConsumerOffset({
          consumer: CONSUMER,
          streamId: world.main.stream,
          topicId: world.main.topic,
          partitionId: 0,
          offset: 0n,
        }),
      );
      return world.main;
    },
    payload: (target) =>
      codec.encodeDeleteConsumerOffset({
        consumer: CONSUMER,
        streamId: target.stream,
        topicId: target.topic,
        partitionId: 0,
      }),
  },
  {
    code: CommandCode.GetStream,
    label: "GetStream",
    family: READ_STREAM,
    payload: (target) => codec.encodeGetStream({ streamId: target.stream }),
  },
  {
    code: CommandCode.GetStreams,
    label: "GetStreams",
    family: READ_STREAMS,
    payload: () => new Uint8Array(),
  },
  {
    code: CommandCode.CreateStream,
    label: "CreateStream",
    family: CREATE_STREAM,
    payload: (_, world) =>
      codec.encodeCreateStream({ name: `stream-${world.next()}` }),
  },
  {
    code: CommandCode.DeleteStream,
    label: "DeleteStream",
    family: MANAGE_STREAM,
    setup: async (world) => ({
      stream: await createStream(world, `doomed-${world.next()}`),
      topic: 0,
    }),
    payload: (target) => codec.encodeDeleteStream({ streamId: target.stream }),
  },
  {
    code: CommandCode.UpdateStream,
    label: "UpdateStream",
    family: MANAGE_STREAM,
    payload: (target) =>
      codec.encodeUpdateStream({ streamId: target.stream, name: "s" }),
  },
  {
    code: CommandCode.PurgeStream,
    label: "PurgeStream",
    family: MANAGE_STREAM,
    setup: async (world) => ({
      stream: await createStream(world, `purged-${world.next()}`),
      topic: 0,
    }),
    payload: (target) => codec.encodePurgeStream({ streamId: target.stream }),
  },
  {
    code: CommandCode.GetTopic,
    label: "GetTopic",
    family: READ_TOPIC,
    payload: (target) =>
      codec.encodeGetTopic({ streamId: target.stream, topicId: target.topic }),
  },
  {
    code: CommandCode.GetTopics,
    label: "GetTopics",
    family: READ_TOPICS,
    payload: (target) => codec.encodeGetTopics({ streamId: target.stream }),
  },
  {
    code: CommandCode.CreateTopic,
    label: "CreateTopic",
    family: CREATE_TOPIC,
    payload: (target, world) =>
      codec.encodeCreateTopic({
        streamId: target.stream,
        partitionsCount: 1,
        compressionAlgorithm: CompressionAlgorithm.None,
        messageExpiry: 0n,
        maxTopicSize: 0n,
        replicationFactor: 1,
        name: `topic-${world.next()}`,
      }),
  },
  {
    code: CommandCode.DeleteTopic,
    label: "DeleteTopic",
    family: MANAGE_TOPIC,
    setup: freshTopic,
    payload: (target) =>
      codec.encodeDeleteTopic({
        streamId: target.stream,
        topicId: target.topic,
      }),
  },
  {
    code: CommandCode.UpdateTopic,
    label: "UpdateTopic",
    family: MANAGE_TOPIC,
    setup: freshTopic,
    payload: (target, world) =>
      codec.encodeUpdateTopic({
        streamId: target.stream,
        topicId: target.topic,
        compressionAlgorithm: CompressionAlgorithm.None,
        messageExpiry: 0n,
        maxTopicSize: 0n,
        replicationFactor: 1,
        name: `renamed-${world.next()}`,
      }),
  },
  {
    code: CommandCode.PurgeTopic,
    label: "PurgeTopic",
    family: MANAGE_TOPIC,
    setup: freshTopic,
    payload: (target) =>
      codec.encodePurgeTopic({
        streamId: target.stream,
        topicId: target.topic,
      }),
  },
  {
    code: CommandCode.CreatePartitions,
    label: "CreatePartitions",
    family: MANAGE_TOPIC,
    setup: freshTopic,
    payload: (target) =>
      codec.encodeCreatePartitions({
        streamId: target.stream,
        topicId: target.topic,
        partitionsCount: 1,
      }),
  },
  {
    code: CommandCode.DeletePartitions,
    label: "DeletePartitions",
    family: MANAGE_TOPIC,
    setup: freshTopic,
    payload: (target) =>
      codec.encodeDeletePartitions({
        streamId: target.stream,
        topicId: target.topic,
        partitionsCount: 1,
      }),
  },
  {
    code: CommandCode.DeleteSegments,
    label: "DeleteSegments",
    family: MANAGE_TOPIC,
    setup: freshTopic,
    payload: (target) =>
      codec.encodeDeleteSegments({
        streamId: target.stream,
        topicId: target.topic,
        partitionId: 0,
        segmentsCount: 1,
      }),
  },
  {
    code: CommandCode.GetConsumerGroup,
    label: "GetConsumerGroup",
    family: READ_TOPIC,
    payload: (target) =>
      codec.encodeGetConsumerGroup({
        streamId: target.stream,
        topicId: target.topic,
        groupId: "g",
      }),
  },
  {
    code: CommandCode.GetConsumerGroups,
    label: "GetConsumerGroups",
    family: READ_TOPIC,
    payload: (target) =>
      codec.encodeGetConsumerGroups({
        streamId: target.stream,
        topicId: target.topic,
      }),
  },
  {
    code: CommandCode.CreateConsumerGroup,
    label: "CreateConsumerGroup",
    family: READ_TOPIC,
    payload: (target, world) =>
      codec.encodeCreateConsumerGroup({
        streamId: target.stream,
        topicId: target.topic,
        name: `group-${world.next()}`,
      }),
  },
  {
    code: CommandCode.DeleteConsumerGroup,
    label: "DeleteConsumerGroup",
    family: READ_TOPIC,
    async setup(world) {
      const name = `doomed-${world.next()}`;
      await ok(
        world.root,
        CommandCode.CreateConsumerGroup,
        codec.encodeCreateConsumerGroup({
          streamId: world.main.stream,
          topicId: world.main.topic,
          name,
        }),
      );
      return { ...world.main, name };
    },
    payload: (target) =>
      codec.encodeDeleteConsumerGroup({
        streamId: target.stream,
        topicId: target.topic,
        groupId: target.name!,
      }),
  },
  {
    code: CommandCode.JoinConsumerGroup,
    label: "JoinConsumerGroup",
    family: READ_TOPIC,
    payload: (target) =>
      codec.encodeJoinConsumerGroup({
        streamId: target.stream,
        topicId: target.topic,
        groupId: "g",
      }),
  },
  {
    code: CommandCode.LeaveConsumerGroup,
    label: "LeaveConsumerGroup",
    family: READ_TOPIC,
    async setup(world) {
      // The member is the probe's connection, so the probe joins (with a permission that allows it).
      await setProbePermissions(world, global("readTopics").build(world.main));
      await ok(
        world.probe,
        CommandCode.JoinConsumerGroup,
        codec.encodeJoinConsumerGroup({
          streamId: world.main.stream,
          topicId: world.main.topic,
          groupId: "g",
        }),
      );
      return world.main;
    },
    payload: (target) =>
      codec.encodeLeaveConsumerGroup({
        streamId: target.stream,
        topicId: target.topic,
        groupId: "g",
      }),
  },
];

async function buildWorld(port: number): Promise<World> {
  let counter = 0;
  const root = await RawClient.connect(port);
  const probe = await RawClient.connect(port);
  const world: World = {
    root,
    probe,
    main: { stream: -1, topic: -1 },
    probeToken: "",
    next: () => ++counter,
  };
  await ok(
    root,
    CommandCode.LoginUser,
    login({ username: "iggy", password: "iggy" }),
  );
  const stream = await createStream(world, "s");
  otherStream = await createStream(world, "o");
  await createTopic(world, otherStream, "t");
  world.main = { stream, topic: await createTopic(world, stream, "t") };
  await ok(
    root,
    CommandCode.CreateConsumerGroup,
    codec.encodeCreateConsumerGroup({
      streamId: stream,
      topicId: world.main.topic,
      name: "g",
    }),
  );
  for (let i = 0; i < 3; i++) {
    await ok(root, CommandCode.SendMessages, send(world.main));
  }
  for (const user of [PROBE, VICTIM]) {
    await ok(
      root,
      CommandCode.CreateUser,
      codec.encodeCreateUser({ ...user, status: UserStatus.Active }),
    );
  }
  await ok(probe, CommandCode.LoginUser, login(PROBE));
  world.probeToken = codec.decodeRawPersonalAccessToken(
    await ok(
      probe,
      CommandCode.CreatePersonalAccessToken,
      codec.encodeCreatePersonalAccessToken({ name: "login", expiry: 0n }),
    ),
  ).token;
  return world;
}

Deno.test("every command is guarded exactly as binary.md §8.3 says", async (t) => {
  await using server = await startServer();
  const world = await buildWorld(server.tcp.port);
  const anonymous = await RawClient.connect(server.tcp.port);
  try {
    await t.step("the table covers all 47 command codes", () => {
      const codes = new Set(ROWS.map((row) => row.code));
      assert.deepEqual(
        [...codes].sort((a, b) => a - b),
        Object.values(CommandCode).sort((a, b) => a - b),
      );
      assert.equal(codes.size, 47);
    });

    await t.step(
      "without login only 1, 38 and 44 are served (else 40)",
      async () => {
        for (const row of ROWS) {
          const target = row.setup ? await row.setup(world) : world.main;
          const { status } = await anonymous.request(
            row.code,
            row.payload(target, world),
          );
          if (row.noAuth) assert.equal(status, 0, row.label);
          else assert.equal(status, ErrorCode.Unauthenticated, row.label);
          if (row.code !== CommandCode.Ping) {
            // LoginUser/LoginWithPersonalAccessToken logged the anonymous connection in.
            await anonymous.request(CommandCode.LogoutUser);
          }
        }
      },
    );

    for (const row of ROWS) {
      await t.step(`${row.code} ${row.label}`, async () => {
        const run = async (grant: Grant, expected: number) => {
          const target = row.setup ? await row.setup(world) : world.main;
          await setProbePermissions(world, grant.build(target));
          const { status } = await world.probe.request(
            row.code,
            row.payload(target, world),
          );
          assert.equal(
            status,
            expected,
            `${row.label} with ${grant.label}: expected ${expected}, got ${status}`,
          );
          if (expected !== ErrorCode.Unauthorized) await row.after?.(world);
        };
        const success = row.expect ?? 0;
        if (row.family.allow.length === 0) {
          await run(NONE, success);
          return;
        }
        for (const grant of row.family.allow) await run(grant, success);
        for (const grant of [NONE, ...row.family.deny]) {
          await run(grant, ErrorCode.Unauthorized);
        }
      });
    }
  } finally {
    anonymous.close();
    world.root.close();
    world.probe.close();
  }
});
