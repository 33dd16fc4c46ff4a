/**
 * Consumer-group handlers (binary.md §5.10, §8.7).
 * @module
 */

import { ErrorCode, IggyError } from "../../client/protocol/errors.ts";
import type {
  ConsumerGroup as GroupInfo,
  ConsumerGroupDetails,
  CreateConsumerGroup,
  DeleteConsumerGroup,
  GetConsumerGroup,
  GetConsumerGroups,
  JoinConsumerGroup,
  LeaveConsumerGroup,
} from "../../client/protocol/commands/consumer_groups.ts";
import type { ConsumerGroup } from "../domain/consumer_group.ts";
import { peekId } from "../domain/ids.ts";
import type { Topic } from "../domain/topic.ts";
import { type CommandContext, require } from "./context.ts";

function groupInfo(topic: Topic, group: ConsumerGroup): GroupInfo {
  return {
    id: group.id,
    name: group.name,
    partitionsCount: topic.partitions.length,
    membersCount: group.members.length,
  };
}

function groupDetails(
  topic: Topic,
  group: ConsumerGroup,
): ConsumerGroupDetails {
  return {
    ...groupInfo(topic, group),
    members: group.members.map((m) => ({
      id: m.id,
      partitionsCount: m.partitions.length,
      partitions: [...m.partitions],
    })),
  };
}

function locate(
  ctx: CommandContext,
  cmd: { streamId: number | string; topicId: number | string },
) {
  const { stream, topic } = ctx.system.topic(cmd.streamId, cmd.topicId);
  require(ctx, "read_topic", { streamId: stream.id, topicId: topic.id });
  return { stream, topic };
}

function group(topic: Topic, id: number | string): ConsumerGroup {
  const found = topic.findGroup(id);
  if (!found) {
    throw new IggyError(
      ErrorCode.ConsumerGroupIdNotFound,
      `group ${JSON.stringify(id)}`,
    );
  }
  return found;
}

/** GetConsumerGroup: details with members, or undefined (empty OK). */
export function getConsumerGroup(
  ctx: CommandContext,
  cmd: GetConsumerGroup,
): ConsumerGroupDetails | undefined {
  const stream = ctx.system.findStream(cmd.streamId);
  const topic = stream?.findTopic(cmd.topicId);
  require(ctx, "read_topic", { streamId: stream?.id, topicId: topic?.id });
  const found = topic?.findGroup(cmd.groupId);
  return topic && found ? groupDetails(topic, found) : undefined;
}

/** GetConsumerGroups: the groups of a topic (empty when it is missing). */
export function getConsumerGroups(
  ctx: CommandContext,
  cmd: GetConsumerGroups,
): GroupInfo[] {
  const stream = ctx.system.findStream(cmd.streamId);
  const topic = stream?.findTopic(cmd.topicId);
  require(ctx, "read_topic", { streamId: stream?.id, topicId: topic?.id });
  if (!topic) return [];
  return [...topic.groups.values()].sort((a, b) => a.id - b.id).map((g) =>
    groupInfo(topic, g)
  );
}

/** CreateConsumerGroup: a new group with a server-assigned id. */
export async function createConsumerGroup(
  ctx: CommandContext,
  cmd: CreateConsumerGroup,
): Promise<GroupInfo> {
  const { system } = ctx;
  const entry = await system.commit(
    ErrorCode.CannotCreateConsumerGroupInfo,
    () => {
      const { stream, topic } = locate(ctx, cmd);
      if (topic.findGroup(cmd.name)) {
        throw new IggyError(
          ErrorCode.ConsumerGroupNameAlreadyExists,
          `"${cmd.name}"`,
        );
      }
      const record = system.metadata.streams.get(stream.id)!.topics.get(
        topic.id,
      )!;
      return {
        type: "CreateConsumerGroup",
        streamId: stream.id,
        topicId: topic.id,
        id: peekId(record.groupIds),
        name: cmd.name,
      };
    },
  );
  const topic = system.streams.get(entry.streamId)!.topics.get(entry.topicId)!;
  return groupInfo(topic, topic.groups.get(entry.id)!);
}

/** DeleteConsumerGroup: removes the group and its stored offsets. */
export async function deleteConsumerGroup(
  ctx: CommandContext,
  cmd: DeleteConsumerGroup,
): Promise<void> {
  await ctx.system.commit(ErrorCode.CannotDeleteConsumerGroupInfo, () => {
    const { stream, topic } = locate(ctx, cmd);
    return {
      type: "DeleteConsumerGroup",
      streamId: stream.id,
      topicId: topic.id,
      id: group(topic, cmd.groupId).id,
    };
  });
}

/**
 * JoinConsumerGroup: adds the calling connection (idempotent) and rebalances; in a cluster, with
 * the members of every node.
 */
export async function joinConsumerGroup(
  ctx: CommandContext,
  cmd: JoinConsumerGroup,
): Promise<void> {
  const { stream, topic } = locate(ctx, cmd);
  const found = group(topic, cmd.groupId);
  const { clientId } = ctx.session;
  if (ctx.system.cluster && !found.member(clientId)) {
    const ref = { streamId: stream.id, topicId: topic.id, groupId: found.id };
    await ctx.system.cluster.groupMember(ref, clientId, true);
  }
  found.join(clientId, topic.partitions.length);
}

/** LeaveConsumerGroup: removes the calling connection; 5006 when it is not a member. */
export async function leaveConsumerGroup(
  ctx: CommandContext,
  cmd: LeaveConsumerGroup,
): Promise<void> {
  const { stream, topic } = locate(ctx, cmd);
  const found = group(topic, cmd.groupId);
  const { clientId } = ctx.session;
  if (!found.member(clientId)) {
    throw new IggyError(ErrorCode.ConsumerGroupMemberNotFound);
  }
  if (ctx.system.cluster) {
    const ref = { streamId: stream.id, topicId: topic.id, groupId: found.id };
    await ctx.system.cluster.groupMember(ref, clientId, false);
  }
  found.leave(clientId, topic.partitions.length);
}
