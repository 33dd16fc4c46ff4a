/**
 * Valid request payloads of every command code, made by the codec's own encoders: the seeds the fuzz
 * harness mutates. Names point at the objects the harness creates first (stream 1 "fuzz", topic 1
 * "t" with 2 partitions, group "g"), so that many mutations still reach the handlers.
 * @module
 */

import {
  CommandCode,
  encodeChangePassword,
  encodeCreateConsumerGroup,
  encodeCreatePartitions,
  encodeCreatePersonalAccessToken,
  encodeCreateStream,
  encodeCreateTopic,
  encodeCreateUser,
  encodeDeleteConsumerGroup,
  encodeDeleteConsumerOffset,
  encodeDeletePartitions,
  encodeDeletePersonalAccessToken,
  encodeDeleteSegments,
  encodeDeleteStream,
  encodeDeleteTopic,
  encodeDeleteUser,
  encodeFlushUnsavedBuffer,
  encodeGetClient,
  encodeGetConsumerGroup,
  encodeGetConsumerGroups,
  encodeGetConsumerOffset,
  encodeGetSnapshot,
  encodeGetStream,
  encodeGetTopic,
  encodeGetTopics,
  encodeGetUser,
  encodeJoinConsumerGroup,
  encodeLeaveConsumerGroup,
  encodeLoginUser,
  encodeLoginWithPersonalAccessToken,
  encodePollMessages,
  encodePurgeStream,
  encodePurgeTopic,
  encodeSendMessages,
  encodeStoreConsumerOffset,
  encodeUpdatePermissions,
  encodeUpdateStream,
  encodeUpdateTopic,
  encodeUpdateUser,
  header,
} from "../../client/protocol/mod.ts";

const EMPTY = new Uint8Array(0);

/** The root user's credentials (the harness server runs with the default root). */
export const ROOT = { username: "iggy", password: "iggy" } as const;

/** A user id no fuzz case may touch: the root user, whom it logs in as. */
export const ROOT_USER_ID = 1;

/** One valid request payload for every command code of Iggy 0.8.0, by code. */
export function seedPayloads(): Map<number, Uint8Array> {
  const stream = { streamId: 1 };
  const topic = { streamId: 1, topicId: "t" };
  const consumer = { kind: "consumer" as const, id: 7 };
  const payload = new TextEncoder().encode("fuzz payload");
  return new Map<number, Uint8Array>([
    [CommandCode.Ping, EMPTY],
    [CommandCode.GetStats, EMPTY],
    [
      CommandCode.GetSnapshot,
      encodeGetSnapshot({ compression: 1, types: [1, 2] } as never),
    ],
    [CommandCode.GetClusterMetadata, EMPTY],
    [CommandCode.GetMe, EMPTY],
    [CommandCode.GetClient, encodeGetClient({ clientId: 1 })],
    [CommandCode.GetClients, EMPTY],
    [CommandCode.GetUser, encodeGetUser({ userId: "fuzzer" })],
    [CommandCode.GetUsers, EMPTY],
    [
      CommandCode.CreateUser,
      encodeCreateUser({ username: "fuzzer", password: "secret1", status: 1 }),
    ],
    [CommandCode.DeleteUser, encodeDeleteUser({ userId: "fuzzer" })],
    [
      CommandCode.UpdateUser,
      encodeUpdateUser({ userId: "fuzzer", username: "fuzzer2", status: 2 }),
    ],
    [
      CommandCode.UpdatePermissions,
      encodeUpdatePermissions({ userId: "fuzzer" }),
    ],
    [
      CommandCode.ChangePassword,
      encodeChangePassword({
        userId: "fuzzer",
        currentPassword: "secret1",
        newPassword: "secret2",
      }),
    ],
    [
      CommandCode.LoginUser,
      encodeLoginUser({ ...ROOT, version: "0.8.0", context: "fuzz" }),
    ],
    [CommandCode.LogoutUser, EMPTY],
    [CommandCode.GetPersonalAccessTokens, EMPTY],
    [
      CommandCode.CreatePersonalAccessToken,
      encodeCreatePersonalAccessToken({ name: "fuzz-pat", expiry: 0n }),
    ],
    [
      CommandCode.DeletePersonalAccessToken,
      encodeDeletePersonalAccessToken({ name: "fuzz-pat" }),
    ],
    [
      CommandCode.LoginWithPersonalAccessToken,
      encodeLoginWithPersonalAccessToken({ token: "x".repeat(50) }),
    ],
    [
      CommandCode.PollMessages,
      encodePollMessages({
        consumer,
        ...topic,
        partitionId: 0,
        strategy: { kind: "offset", value: 0n },
        count: 10,
        autoCommit: false,
      }),
    ],
    [
      CommandCode.SendMessages,
      encodeSendMessages({
        ...topic,
        partitioning: { kind: "partition_id", partitionId: 0 },
        messages: [
          { payload },
          { payload, headers: { k: header.string("v"), n: header.uint32(7) } },
        ],
      }),
    ],
    [
      CommandCode.FlushUnsavedBuffer,
      encodeFlushUnsavedBuffer({ ...topic, partitionId: 0, fsync: false }),
    ],
    [
      CommandCode.GetConsumerOffset,
      encodeGetConsumerOffset({ consumer, ...topic, partitionId: 0 }),
    ],
    [
      CommandCode.StoreConsumerOffset,
      encodeStoreConsumerOffset({
        consumer,
        ...topic,
        partitionId: 0,
        offset: 0n,
      }),
    ],
    [
      CommandCode.DeleteConsumerOffset,
      encodeDeleteConsumerOffset({ consumer, ...topic, partitionId: 0 }),
    ],
    [CommandCode.GetStream, encodeGetStream(stream)],
    [CommandCode.GetStreams, EMPTY],
    [CommandCode.CreateStream, encodeCreateStream({ name: "fuzz2" })],
    [CommandCode.DeleteStream, encodeDeleteStream({ streamId: "fuzz2" })],
    [
      CommandCode.UpdateStream,
      encodeUpdateStream({ streamId: "fuzz2", name: "fuzz3" }),
    ],
    [CommandCode.PurgeStream, encodePurgeStream(stream)],
    [CommandCode.GetTopic, encodeGetTopic(topic)],
    [CommandCode.GetTopics, encodeGetTopics(stream)],
    [
      CommandCode.CreateTopic,
      encodeCreateTopic({
        streamId: 1,
        partitionsCount: 1,
        compressionAlgorithm: 1,
        messageExpiry: 0n,
        maxTopicSize: 0n,
        replicationFactor: 1,
        name: "t2",
      }),
    ],
    [
      CommandCode.DeleteTopic,
      encodeDeleteTopic({ streamId: 1, topicId: "t2" }),
    ],
    [
      CommandCode.UpdateTopic,
      encodeUpdateTopic({
        streamId: 1,
        topicId: "t2",
        compressionAlgorithm: 1,
        messageExpiry: 0n,
        maxTopicSize: 0n,
        replicationFactor: 1,
        name: "t3",
      }),
    ],
    [CommandCode.PurgeTopic, encodePurgeTopic(topic)],
    [
      CommandCode.CreatePartitions,
      encodeCreatePartitions({ ...topic, partitionsCount: 1 }),
    ],
    [
      CommandCode.DeletePartitions,
      encodeDeletePartitions({ ...topic, partitionsCount: 1 }),
    ],
    [
      CommandCode.DeleteSegments,
      encodeDeleteSegments({ ...topic, partitionId: 0, segmentsCount: 1 }),
    ],
    [
      CommandCode.GetConsumerGroup,
      encodeGetConsumerGroup({ ...topic, groupId: "g" }),
    ],
    [CommandCode.GetConsumerGroups, encodeGetConsumerGroups(topic)],
    [
      CommandCode.CreateConsumerGroup,
      encodeCreateConsumerGroup({ ...topic, name: "g2" }),
    ],
    [
      CommandCode.DeleteConsumerGroup,
      encodeDeleteConsumerGroup({ ...topic, groupId: "g2" }),
    ],
    [
      CommandCode.JoinConsumerGroup,
      encodeJoinConsumerGroup({ ...topic, groupId: "g" }),
    ],
    [
      CommandCode.LeaveConsumerGroup,
      encodeLeaveConsumerGroup({ ...topic, groupId: "g" }),
    ],
  ]);
}
