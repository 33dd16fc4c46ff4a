/**
 * Checks the shared vectors (binary.md §9, tests/testdata/vectors.json) byte for byte, except
 * SendMessages requests and poll responses carrying message frames (tested with batch.ts).
 */
import assert from "node:assert/strict";
import { CommandCode } from "../../client/protocol/codes.ts";
import {
  encodeRequest,
  FRAME_HEADER_SIZE,
} from "../../client/protocol/frame.ts";
import * as groups from "../../client/protocol/commands/consumer_groups.ts";
import * as messages from "../../client/protocol/commands/messages.ts";
import * as offsets from "../../client/protocol/commands/offsets.ts";
import * as partitions from "../../client/protocol/commands/partitions.ts";
import * as segments from "../../client/protocol/commands/segments.ts";
import * as streams from "../../client/protocol/commands/streams.ts";
import * as system from "../../client/protocol/commands/system.ts";
import * as tokens from "../../client/protocol/commands/tokens.ts";
import * as topics from "../../client/protocol/commands/topics.ts";
import * as users from "../../client/protocol/commands/users.ts";
import { hex, toHex } from "./_codec.ts";

interface Vector {
  name: string;
  direction: "request" | "response";
  hex: string;
  description: string;
}

const vectors: Vector[] = JSON.parse(
  await Deno.readTextFile(new URL("../testdata/vectors.json", import.meta.url)),
);

// deno-lint-ignore no-explicit-any
type Codec = [(payload: Uint8Array) => any, (value: any) => Uint8Array];

function empty(): Codec {
  return [
    (payload) => {
      assert.equal(payload.length, 0);
      return null;
    },
    () => new Uint8Array(0),
  ];
}

const REQUESTS: Record<number, Codec> = {
  [CommandCode.Ping]: empty(),
  [CommandCode.GetStats]: empty(),
  [CommandCode.GetSnapshot]: [
    system.decodeGetSnapshot,
    system.encodeGetSnapshot,
  ],
  [CommandCode.GetClusterMetadata]: empty(),
  [CommandCode.GetMe]: empty(),
  [CommandCode.GetClient]: [system.decodeGetClient, system.encodeGetClient],
  [CommandCode.GetClients]: empty(),
  [CommandCode.GetUser]: [users.decodeGetUser, users.encodeGetUser],
  [CommandCode.GetUsers]: empty(),
  [CommandCode.CreateUser]: [users.decodeCreateUser, users.encodeCreateUser],
  [CommandCode.DeleteUser]: [users.decodeDeleteUser, users.encodeDeleteUser],
  [CommandCode.UpdateUser]: [users.decodeUpdateUser, users.encodeUpdateUser],
  [CommandCode.UpdatePermissions]: [
    users.decodeUpdatePermissions,
    users.encodeUpdatePermissions,
  ],
  [CommandCode.ChangePassword]: [
    users.decodeChangePassword,
    users.encodeChangePassword,
  ],
  [CommandCode.LoginUser]: [users.decodeLoginUser, users.encodeLoginUser],
  [CommandCode.LogoutUser]: empty(),
  [CommandCode.GetPersonalAccessTokens]: empty(),
  [CommandCode.CreatePersonalAccessToken]: [
    tokens.decodeCreatePersonalAccessToken,
    tokens.encodeCreatePersonalAccessToken,
  ],
  [CommandCode.DeletePersonalAccessToken]: [
    tokens.decodeDeletePersonalAccessToken,
    tokens.encodeDeletePersonalAccessToken,
  ],
  [CommandCode.LoginWithPersonalAccessToken]: [
    tokens.decodeLoginWithPersonalAccessToken,
    tokens.encodeLoginWithPersonalAccessToken,
  ],
  [CommandCode.PollMessages]: [
    messages.decodePollMessages,
    messages.encodePollMessages,
  ],
  [CommandCode.FlushUnsavedBuffer]: [
    messages.decodeFlushUnsavedBuffer,
    messages.encodeFlushUnsavedBuffer,
  ],
  [CommandCode.GetConsumerOffset]: [
    offsets.decodeGetConsumerOffset,
    offsets.encodeGetConsumerOffset,
  ],
  [CommandCode.StoreConsumerOffset]: [
    offsets.decodeStoreConsumerOffset,
    offsets.encodeStoreConsumerOffset,
  ],
  [CommandCode.DeleteConsumerOffset]: [
    offsets.decodeDeleteConsumerOffset,
    offsets.encodeDeleteConsumerOffset,
  ],
  [CommandCode.GetStream]: [streams.decodeGetStream, streams.encodeGetStream],
  [CommandCode.GetStreams]: empty(),
  [CommandCode.CreateStream]: [
    streams.decodeCreateStream,
    streams.encodeCreateStream,
  ],
  [CommandCode.DeleteStream]: [
    streams.decodeDeleteStream,
    streams.encodeDeleteStream,
  ],
  [CommandCode.UpdateStream]: [
    streams.decodeUpdateStream,
    streams.encodeUpdateStream,
  ],
  [CommandCode.PurgeStream]: [
    streams.decodePurgeStream,
    streams.encodePurgeStream,
  ],
  [CommandCode.GetTopic]: [topics.decodeGetTopic, topics.encodeGetTopic],
  [CommandCode.GetTopics]: [topics.decodeGetTopics, topics.encodeGetTopics],
  [CommandCode.CreateTopic]: [
    topics.decodeCreateTopic,
    topics.encodeCreateTopic,
  ],
  [CommandCode.DeleteTopic]: [
    topics.decodeDeleteTopic,
    topics.encodeDeleteTopic,
  ],
  [CommandCode.UpdateTopic]: [
    topics.decodeUpdateTopic,
    topics.encodeUpdateTopic,
  ],
  [CommandCode.PurgeTopic]: [topics.decodePurgeTopic, topics.encodePurgeTopic],
  [CommandCode.CreatePartitions]: [
    partitions.decodeCreatePartitions,
    partitions.encodeCreatePartitions,
  ],
  [CommandCode.DeletePartitions]: [
    partitions.decodeDeletePartitions,
    partitions.encodeDeletePartitions,
  ],
  [CommandCode.DeleteSegments]: [
    segments.decodeDeleteSegments,
    segments.encodeDeleteSegments,
  ],
  [CommandCode.GetConsumerGroup]: [
    groups.decodeGetConsumerGroup,
    groups.encodeGetConsumerGroup,
  ],
  [CommandCode.GetConsumerGroups]: [
    groups.decodeGetConsumerGroups,
    groups.encodeGetConsumerGroups,
  ],
  [CommandCode.CreateConsumerGroup]: [
    groups.decodeCreateConsumerGroup,
    groups.encodeCreateConsumerGroup,
  ],
  [CommandCode.DeleteConsumerGroup]: [
    groups.decodeDeleteConsumerGroup,
    groups.encodeDeleteConsumerGroup,
  ],
  [CommandCode.JoinConsumerGroup]: [
    groups.decodeJoinConsumerGroup,
    groups.encodeJoinConsumerGroup,
  ],
  [CommandCode.LeaveConsumerGroup]: [
    groups.decodeLeaveConsumerGroup,
    groups.encodeLeaveConsumerGroup,
  ],
};

/** Response vectors by name; `null` = an empty payload (OK without body, or an error status). */
const RESPONSES: Record<string, Codec | null> = {
  ping_ok: null,
  login_user_ok: [users.decodeIdentityInfo, users.encodeIdentityInfo],
  error_unauthenticated: null,
  error_invalid_credentials: null,
  create_stream_dev_ok: [streams.decodeStream, streams.encodeStream],
  create_topic_events_2p_ok: [
    topics.decodeTopicDetails,
    topics.encodeTopicDetails,
  ],
  send_messages_ok: null,
  poll_messages_empty_ok: [
    messages.decodePolledHeader,
    (h) => messages.encodePolledHeader(h),
  ],
  get_stream_not_found_ok: null,
  get_user_root_ok: [users.decodeUserDetails, users.encodeUserDetails],
  get_user_no_permissions_ok: [
    users.decodeUserDetails,
    users.encodeUserDetails,
  ],
  create_consumer_group_ok: [
    groups.decodeConsumerGroup,
    groups.encodeConsumerGroup,
  ],
  get_consumer_group_ok: [
    groups.decodeConsumerGroupDetails,
    groups.encodeConsumerGroupDetails,
  ],
  get_consumer_offset_ok: [
    offsets.decodeConsumerOffsetInfo,
    offsets.encodeConsumerOffsetInfo,
  ],
};

/** Vectors carrying message frames, checked by the batch tests. */
function isBatchVector(v: Vector, code: number): boolean {
  if (v.direction === "request") return code === CommandCode.SendMessages;
  return v.name.startsWith("poll_messages_") &&
    v.name !== "poll_messages_empty_ok";
}

Deno.test("vectors.json holds request and response vectors", () => {
  assert.ok(vectors.filter((v) => v.direction === "request").length >= 10);
  assert.ok(vectors.filter((v) => v.direction === "response").length >= 10);
});

for (const v of vectors) {
  const bytes = hex(v.hex);
  const view = new DataView(bytes.buffer);
  if (v.direction === "request") {
    const code = view.getUint32(4, true);
    if (isBatchVector(v, code)) continue;
    Deno.test(`request vector ${v.name} decodes and re-encodes byte for byte`, () => {
      assert.equal(view.getUint32(0, true), bytes.length - 4);
      const codec = REQUESTS[code];
      assert.ok(codec, `no codec for code ${code}`);
      const command = codec[0](bytes.subarray(FRAME_HEADER_SIZE));
      assert.equal(toHex(encodeRequest(code, codec[1](command))), v.hex);
    });
  } else {
    if (isBatchVector(v, 0)) continue;
    Deno.test(`response vector ${v.name} decodes and re-encodes byte for byte`, () => {
      assert.ok(v.name in RESPONSES, `no codec for response ${v.name}`);
      const status = view.getUint32(0, true);
      const length = view.getUint32(4, true);
      assert.equal(length, bytes.length - FRAME_HEADER_SIZE);
      const codec = RESPONSES[v.name];
      if (codec === null || codec === undefined) {
        assert.equal(length, 0);
        return;
      }
      assert.equal(status, 0);
      const payload = bytes.subarray(FRAME_HEADER_SIZE);
      assert.equal(toHex(codec[1](codec[0](payload))), toHex(payload));
    });
  }
}

Deno.test("vector login_user_iggy decodes to absent version and context", () => {
  const v = vectors.find((x) => x.name === "login_user_iggy")!;
  assert.deepEqual(users.decodeLoginUser(hex(v.hex).subarray(8)), {
    username: "iggy",
    password: "iggy",
  });
});

Deno.test("vector get_user_root_ok decodes to root permissions", () => {
  const v = vectors.find((x) => x.name === "get_user_root_ok")!;
  const user = users.decodeUserDetails(hex(v.hex).subarray(8));
  assert.equal(user.username, "iggy");
  assert.equal(user.permissions?.global.manageServers, true);
  assert.equal(user.permissions?.streams.size, 0);
});

Deno.test("vector update_permissions_user1 decodes the stream and topic entries", () => {
  const v = vectors.find((x) => x.name === "update_permissions_user1")!;
  const cmd = users.decodeUpdatePermissions(hex(v.hex).subarray(8));
  assert.equal(cmd.userId, 1);
  const stream = cmd.permissions!.streams.get(0)!;
  assert.deepEqual(
    [
      stream.readStream,
      stream.readTopics,
      stream.pollMessages,
      stream.sendMessages,
    ],
    [true, true, true, false],
  );
  assert.deepEqual(stream.topics.get(0), {
    manageTopic: false,
    readTopic: true,
    pollMessages: true,
    sendMessages: true,
  });
});

Deno.test("vector poll_messages_group_next_autocommit decodes without a partition", () => {
  const v = vectors.find((x) =>
    x.name === "poll_messages_group_next_autocommit"
  )!;
  assert.deepEqual(messages.decodePollMessages(hex(v.hex).subarray(8)), {
    consumer: { kind: "group", id: 0 },
    streamId: 0,
    topicId: 0,
    strategy: { kind: "next", value: 0n },
    count: 100,
    autoCommit: true,
  });
});
