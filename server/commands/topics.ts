/**
 * Topic, partition and segment handlers (binary.md §5.7–5.9).
 * @module
 */

import { ErrorCode, IggyError } from "../../client/protocol/errors.ts";
import type {
  CreateTopic,
  DeleteTopic,
  GetTopic,
  GetTopics,
  PurgeTopic,
  Topic as TopicInfo,
  TopicDetails,
  UpdateTopic,
} from "../../client/protocol/commands/topics.ts";
import type {
  CreatePartitions,
  DeletePartitions,
  Partition as PartitionInfo,
} from "../../client/protocol/commands/partitions.ts";
import type { DeleteSegments } from "../../client/protocol/commands/segments.ts";
import { nowMicros } from "../domain/system.ts";
import type { Stream } from "../domain/stream.ts";
import type { Topic } from "../domain/topic.ts";
import { peekId } from "../domain/ids.ts";
import type { Partition } from "../domain/partition.ts";
import { type CommandContext, require } from "./context.ts";

/** Largest partitions count of one CreateTopic/CreatePartitions. */
export const MAX_PARTITIONS_PER_REQUEST = 1000;
const U64_MAX = 0xffff_ffff_ffff_ffffn;

/** The wire view of a partition. */
export function partitionInfo(partition: Partition): PartitionInfo {
  return {
    id: partition.id,
    createdAt: partition.createdAt,
    segmentsCount: partition.segmentsCount,
    currentOffset: partition.currentOffset,
    sizeBytes: partition.sizeBytes,
    messagesCount: partition.messagesCount,
  };
}

/** The wire view of a topic header. */
export function topicInfo(topic: Topic): TopicInfo {
  return {
    id: topic.id,
    createdAt: topic.createdAt,
    name: topic.name,
    partitionsCount: topic.partitions.length,
    messageExpiry: topic.settings.messageExpiry,
    compressionAlgorithm: topic.settings
      .compressionAlgorithm as TopicInfo["compressionAlgorithm"],
    maxTopicSize: topic.settings.maxTopicSize,
    replicationFactor: topic.settings.replicationFactor,
    sizeBytes: topic.sizeBytes,
    messagesCount: topic.messagesCount,
  };
}

function topicDetails(topic: Topic): TopicDetails {
  return {
    ...topicInfo(topic),
    partitions: topic.partitions.map(partitionInfo),
  };
}

function assertUniqueName(stream: Stream, name: string, except?: Topic): void {
  const existing = stream.findTopic(name);
  if (existing && existing !== except) {
    throw new IggyError(ErrorCode.TopicNameAlreadyExists, `"${name}"`);
  }
}

/** GetTopic: details, or undefined (empty OK). */
export function getTopic(
  ctx: CommandContext,
  cmd: GetTopic,
): TopicDetails | undefined {
  const stream = ctx.system.findStream(cmd.streamId);
  const topic = stream?.findTopic(cmd.topicId);
  require(ctx, "read_topic", { streamId: stream?.id, topicId: topic?.id });
  return topic ? topicDetails(topic) : undefined;
}

/** GetTopics: the topic headers of a stream (empty when the stream is missing). */
export function getTopics(ctx: CommandContext, cmd: GetTopics): TopicInfo[] {
  const stream = ctx.system.findStream(cmd.streamId);
  require(ctx, "read_topic", { streamId: stream?.id });
  if (!stream) return [];
  return [...stream.topics.values()].sort((a, b) => a.id - b.id).map(topicInfo);
}

/** CreateTopic: a topic with `partitionsCount` partitions and resolved defaults. */
export async function createTopic(
  ctx: CommandContext,
  cmd: CreateTopic,
): Promise<TopicDetails> {
  const { system } = ctx;
  const entry = await system.commit(ErrorCode.CannotCreateTopic, () => {
    const stream = system.stream(cmd.streamId);
    require(ctx, "create_topic", { streamId: stream.id });
    if (cmd.partitionsCount > MAX_PARTITIONS_PER_REQUEST) {
      throw new IggyError(
        ErrorCode.TooManyPartitions,
        `${cmd.partitionsCount}`,
      );
    }
    assertUniqueName(stream, cmd.name);
    const defaults = system.options.topicDefaults;
    const maxTopicSize = cmd.maxTopicSize === 0n
      ? defaults.maxTopicSize
      : cmd.maxTopicSize;
    if (
      maxTopicSize !== U64_MAX &&
      maxTopicSize < BigInt(system.options.segmentSize)
    ) {
      throw new IggyError(
        ErrorCode.InvalidTopicSize,
        `${maxTopicSize} is below the segment size`,
      );
    }
    return {
      type: "CreateTopic",
      streamId: stream.id,
      id: peekId(system.metadata.streams.get(stream.id)!.topicIds),
      createdAt: nowMicros(),
      settings: {
        name: cmd.name,
        compressionAlgorithm: cmd.compressionAlgorithm,
        messageExpiry: cmd.messageExpiry === 0n
          ? defaults.messageExpiry
          : cmd.messageExpiry,
        maxTopicSize,
        replicationFactor: cmd.replicationFactor === 0
          ? 1
          : cmd.replicationFactor,
      },
      partitionsCount: cmd.partitionsCount,
    };
  });
  const topic = system.streams.get(entry.streamId)!.topics.get(entry.id)!;
  system.logger.info("Created topic", {
    stream: entry.streamId,
    id: topic.id,
    name: topic.name,
  });
  return topicDetails(topic);
}

/** UpdateTopic: stores the settings as sent (0 keeps meaning "server default"). */
export async function updateTopic(
  ctx: CommandContext,
  cmd: UpdateTopic,
): Promise<void> {
  await ctx.system.commit(ErrorCode.CannotUpdateTopicInfo, () => {
    const { stream, topic } = ctx.system.topic(cmd.streamId, cmd.topicId);
    require(ctx, "manage_topic", { streamId: stream.id, topicId: topic.id });
    assertUniqueName(stream, cmd.name, topic);
    return {
      type: "UpdateTopic",
      streamId: stream.id,
      id: topic.id,
      settings: {
        name: cmd.name,
        compressionAlgorithm: cmd.compressionAlgorithm,
        messageExpiry: cmd.messageExpiry,
        maxTopicSize: cmd.maxTopicSize,
        replicationFactor: cmd.replicationFactor === 0
          ? 1
          : cmd.replicationFactor,
      },
    };
  });
}

/** DeleteTopic: removes a topic with its partitions, groups and files. */
export async function deleteTopic(
  ctx: CommandContext,
  cmd: DeleteTopic,
): Promise<void> {
  await ctx.system.commit(ErrorCode.CannotDeleteTopic, () => {
    const { stream, topic } = ctx.system.topic(cmd.streamId, cmd.topicId);
    require(ctx, "manage_topic", { streamId: stream.id, topicId: topic.id });
    return { type: "DeleteTopic", streamId: stream.id, id: topic.id };
  });
}

/** PurgeTopic: removes every message and stored offset of the topic. */
export async function purgeTopic(
  ctx: CommandContext,
  cmd: PurgeTopic,
): Promise<void> {
  await ctx.system.commit(ErrorCode.CannotDeleteFile, () => {
    const { stream, topic } = ctx.system.topic(cmd.streamId, cmd.topicId);
    require(ctx, "manage_topic", { streamId: stream.id, topicId: topic.id });
    return { type: "PurgeTopic", streamId: stream.id, id: topic.id };
  });
}

/** CreatePartitions: appends partitions and rebalances the groups. */
export async function createPartitions(
  ctx: CommandContext,
  cmd: CreatePartitions,
): Promise<void> {
  await ctx.system.commit(ErrorCode.CannotCreatePartition, () => {
    const { stream, topic } = ctx.system.topic(cmd.streamId, cmd.topicId);
    require(ctx, "manage_topic", { streamId: stream.id, topicId: topic.id });
    if (
      cmd.partitionsCount < 1 ||
      cmd.partitionsCount > MAX_PARTITIONS_PER_REQUEST
    ) {
      throw new IggyError(
        ErrorCode.TooManyPartitions,
        `${cmd.partitionsCount}`,
      );
    }
    return {
      type: "CreatePartitions",
      streamId: stream.id,
      topicId: topic.id,
      count: cmd.partitionsCount,
      createdAt: nowMicros(),
    };
  });
}

/** DeletePartitions: removes the last partitions with their data. */
export async function deletePartitions(
  ctx: CommandContext,
  cmd: DeletePartitions,
): Promise<void> {
  await ctx.system.commit(ErrorCode.CannotDeletePartition, () => {
    const { stream, topic } = ctx.system.topic(cmd.streamId, cmd.topicId);
    require(ctx, "manage_topic", { streamId: stream.id, topicId: topic.id });
    if (cmd.partitionsCount === 0) {
      throw new IggyError(ErrorCode.TooManyPartitions, "0");
    }
    if (cmd.partitionsCount > topic.partitions.length) {
      throw new IggyError(
        ErrorCode.InvalidPartitionsCount,
        `${cmd.partitionsCount}`,
      );
    }
    return {
      type: "DeletePartitions",
      streamId: stream.id,
      topicId: topic.id,
      count: cmd.partitionsCount,
    };
  });
}

/** DeleteSegments: deletes the oldest sealed segments that no stored offset still needs. */
export async function deleteSegments(
  ctx: CommandContext,
  cmd: DeleteSegments,
): Promise<void> {
  await ctx.system.commit(ErrorCode.CannotDeleteFile, () => {
    const { stream, topic } = ctx.system.topic(cmd.streamId, cmd.topicId);
    require(ctx, "manage_topic", { streamId: stream.id, topicId: topic.id });
    if (!topic.partitions[cmd.partitionId]) {
      throw new IggyError(ErrorCode.PartitionNotFound, `${cmd.partitionId}`);
    }
    return {
      type: "DeleteSegments",
      streamId: stream.id,
      topicId: topic.id,
      partitionId: cmd.partitionId,
      count: cmd.segmentsCount,
    };
  });
}
