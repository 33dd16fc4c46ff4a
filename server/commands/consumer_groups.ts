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
import { ConsumerGroup } from "../domain/consumer_group.ts";
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
  const { topic } = locate(ctx, cmd);
  if (topic.findGroup(cmd.name)) {
    throw new IggyError(
      ErrorCode.ConsumerGroupNameAlreadyExists,
      `"${cmd.name}"`,
    );
  }
  const created = new ConsumerGroup(topic.groupIds.allocate(), cmd.name);
  topic.groups.set(created.id, created);
  await ctx.system.persist();
  return groupInfo(topic, created);
}

/** DeleteConsumerGroup: removes the group and its stored offsets. */
export async function deleteConsumerGroup(
  ctx: CommandContext,
  cmd: DeleteConsumerGroup,
): Promise<void> {
  const { topic } = locate(ctx, cmd);
  const found = group(topic, cmd.groupId);
  topic.groups.delete(found.id);
  topic.groupIds.release(found.id);
  await ctx.system.persist();
  for (const partition of topic.partitions) {
    await partition.deleteOffset({ kind: "groups", key: found.id });
  }
}

/** JoinConsumerGroup: adds the calling connection (idempotent) and rebalances. */
export function joinConsumerGroup(
  ctx: CommandContext,
  cmd: JoinConsumerGroup,
): void {
  const { topic } = locate(ctx, cmd);
  group(topic, cmd.groupId).join(ctx.session.clientId, topic.partitions.length);
}

/** LeaveConsumerGroup: removes the calling connection; 5006 when it is not a member. */
export function leaveConsumerGroup(
  ctx: CommandContext,
  cmd: LeaveConsumerGroup,
): void {
  const { topic } = locate(ctx, cmd);
  if (
    !group(topic, cmd.groupId).leave(
      ctx.session.clientId,
      topic.partitions.length,
    )
  ) {
    throw new IggyError(ErrorCode.ConsumerGroupMemberNotFound);
  }
}
