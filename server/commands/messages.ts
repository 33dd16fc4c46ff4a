/**
 * Message and consumer-offset handlers (binary.md §5.4–5.5, §8.4–8.7).
 * @module
 */

import { utf8 } from "../../client/protocol/bytes.ts";
import { ErrorCode, IggyError } from "../../client/protocol/errors.ts";
import type { Consumer } from "../../client/protocol/primitives.ts";
import type {
  FlushUnsavedBuffer,
  PollMessages,
} from "../../client/protocol/commands/messages.ts";
import type {
  ConsumerOffsetInfo,
  DeleteConsumerOffset,
  GetConsumerOffset,
  StoreConsumerOffset,
} from "../../client/protocol/commands/offsets.ts";
import {
  type SendMessagesBatch,
  validateMessages,
} from "../../client/protocol/batch.ts";
import { nowMicros } from "../domain/system.ts";
import type { OffsetOwner, Partition } from "../domain/partition.ts";
import type { Topic } from "../domain/topic.ts";
import { metricsOf } from "../metrics.ts";
import { xxh32 } from "../storage/stamp.ts";
import { storageError } from "../storage/io_errors.ts";
import { type CommandContext, require } from "./context.ts";

/** A poll answer: the 16-byte header fields and the stored frames as byte chunks. */
export interface PollResult {
  partitionId: number;
  currentOffset: bigint;
  count: number;
  chunks: Uint8Array[];
}

function consumerKey(consumer: Consumer): number {
  return typeof consumer.id === "number"
    ? consumer.id
    : xxh32(utf8(consumer.id));
}

function partitionOf(topic: Topic, id: number): Partition {
  const partition = topic.partitions[id];
  if (!partition) {
    throw new IggyError(ErrorCode.PartitionNotFound, `partition ${id}`);
  }
  return partition;
}

/**
 * In a cluster, refuses to touch this node's copy of a partition another node leads. Every
 * transport forwards such commands before they get here (`server/cluster/forwarding.ts`); this
 * guards the empty local copy when leadership moved in between.
 */
function assertLeadsHere(
  ctx: CommandContext,
  streamId: number,
  topic: Topic,
  partition: Partition,
): void {
  const leader = ctx.system.cluster?.leaderElsewhere(
    streamId,
    topic.id,
    partition.id,
  );
  if (leader !== undefined && !ctx.session.forwarded) {
    throw new IggyError(
      ErrorCode.ShardCommunicationError,
      `partition ${partition.id} is led by node "${leader}"`,
    );
  }
}

/** Picks the partition for a send (binary.md §8.4). */
function selectPartition(topic: Topic, batch: SendMessagesBatch): Partition {
  const p = batch.partitioning;
  const count = topic.partitions.length;
  switch (p.kind) {
    case "balanced": {
      if (count === 0) {
        throw new IggyError(
          ErrorCode.TopicIdNotFound,
          "topic has no partitions",
        );
      }
      const id = topic.balancedCursor % count;
      topic.balancedCursor = (id + 1) % count;
      return topic.partitions[id]!;
    }
    case "partition_id":
      return partitionOf(topic, p.partitionId);
    case "messages_key":
      if (count === 0) {
        throw new IggyError(
          ErrorCode.TopicIdNotFound,
          "topic has no partitions",
        );
      }
      return topic.partitions[xxh32(p.key) % count]!;
  }
}

/** SendMessages: validates, picks the partition, stamps and appends the batch as received. */
export async function sendMessages(
  ctx: CommandContext,
  batch: SendMessagesBatch,
): Promise<void> {
  validateMessages(batch);
  const { stream, topic } = ctx.system.topic(batch.streamId, batch.topicId);
  require(ctx, "send", { streamId: stream.id, topicId: topic.id });
  const partition = selectPartition(topic, batch);
  assertLeadsHere(ctx, stream.id, topic, partition);
  // In a cluster, a replicated partition is written on its leader only (see server/cluster/).
  const cluster = ctx.system.cluster;
  const ref = cluster && {
    streamId: stream.id,
    topicId: topic.id,
    partitionId: partition.id,
  };
  const writable = ref && cluster.beforeAppend?.(ref);
  if (writable) await writable;
  try {
    await partition.appendMessages(batch.messages, batch.count, nowMicros(), {
      memory: ctx.memory,
      gzip: ctx.system.storesGzipped(topic),
    });
  } catch (err) {
    throw storageFailure(ctx, err, ErrorCode.CannotAppendMessage, partition);
  }
  // A replicated partition answers once its replicas have the batch (cluster.replication.acks).
  const replicated = ref &&
    cluster.acknowledge?.(ref, partition.log.nextOffset);
  if (replicated) await replicated;
  ctx.system.counters.writtenBytes += BigInt(batch.messages.length);
  metricsOf(ctx.system).recordSend(batch.count, batch.messages.length);
}

/** A failed write to a partition's files as an Iggy error (one WARN line for an I/O error). */
function storageFailure(
  ctx: CommandContext,
  err: unknown,
  code: number,
  partition: Partition,
): IggyError {
  return storageError(err, {
    code,
    logger: ctx.system.logger,
    fields: { path: partition.dir },
  });
}

/** Resolves the partition and offset owner of a poll or offset command (binary.md §8.5, §8.7). */
function resolveTarget(
  ctx: CommandContext,
  topic: Topic,
  consumer: Consumer,
  partitionId: number | undefined,
  mode: "poll" | "store",
): { partition: Partition; owner: OffsetOwner } | undefined {
  if (consumer.kind === "consumer") {
    return {
      partition: partitionOf(topic, partitionId ?? 0),
      owner: { kind: "consumers", key: consumerKey(consumer) },
    };
  }
  const group = topic.findGroup(consumer.id);
  if (!group) {
    throw new IggyError(
      ErrorCode.ConsumerGroupIdNotFound,
      `group ${JSON.stringify(consumer.id)}`,
    );
  }
  const owner: OffsetOwner = { kind: "groups", key: group.id };
  // The forwarding node checked the membership and chose the partition.
  if (ctx.session.forwarded && partitionId !== undefined) {
    return { partition: partitionOf(topic, partitionId), owner };
  }
  const member = group.member(ctx.session.clientId);
  if (!member) throw new IggyError(ErrorCode.ConsumerGroupMemberNotFound);
  if (partitionId !== undefined) {
    if (!member.partitions.includes(partitionId)) {
      if (mode === "poll") return undefined;
      throw new IggyError(
        ErrorCode.NotResolvedConsumer,
        `partition ${partitionId}`,
      );
    }
    return { partition: partitionOf(topic, partitionId), owner };
  }
  if (member.partitions.length === 0) {
    if (mode === "poll") return undefined;
    throw new IggyError(
      ErrorCode.NotResolvedConsumer,
      "member owns no partitions",
    );
  }
  const id = member.partitions[member.cursor % member.partitions.length]!;
  if (mode === "poll") {
    member.cursor = (member.cursor + 1) % member.partitions.length;
  }
  return { partition: partitionOf(topic, id), owner };
}

function startOffset(
  partition: Partition,
  owner: OffsetOwner,
  cmd: PollMessages,
): bigint {
  const log = partition.log;
  switch (cmd.strategy.kind) {
    case "offset":
      return cmd.strategy.value < log.firstOffset
        ? log.firstOffset
        : cmd.strategy.value;
    case "timestamp":
      return log.offsetForTimestamp(cmd.strategy.value) ?? log.nextOffset;
    case "first":
      return log.firstOffset;
    case "last": {
      const start = log.nextOffset - BigInt(cmd.count);
      return start < log.firstOffset ? log.firstOffset : start;
    }
    case "next": {
      const stored = partition.storedOffset(owner);
      if (stored === undefined || stored + 1n < log.firstOffset) {
        return log.firstOffset;
      }
      return stored + 1n;
    }
  }
}

/** PollMessages: up to `count` stored frames from the resolved start offset. */
export async function pollMessages(
  ctx: CommandContext,
  cmd: PollMessages,
): Promise<PollResult> {
  const { stream, topic } = ctx.system.topic(cmd.streamId, cmd.topicId);
  require(ctx, "poll", { streamId: stream.id, topicId: topic.id });
  const target = resolveTarget(
    ctx,
    topic,
    cmd.consumer,
    cmd.partitionId,
    "poll",
  );
  if (!target) {
    return { partitionId: 0, currentOffset: 0n, count: 0, chunks: [] };
  }
  const { partition, owner } = target;
  const ref = {
    streamId: stream.id,
    topicId: topic.id,
    partitionId: partition.id,
  };
  if (!ctx.system.cluster?.readsWithoutLeader?.(ref)) {
    assertLeadsHere(ctx, stream.id, topic, partition);
  } else if (cmd.autoCommit) {
    // A replica without its leader shows what was acknowledged but cannot commit offsets.
    throw new IggyError(
      ErrorCode.ShardCommunicationError,
      `partition ${partition.id}'s leader is down: polls with auto-commit wait for a new one`,
    );
  }
  const log = partition.log;
  // A replicated partition shows only what its replicas have (below the high watermark).
  const limit = highWatermark(ctx, stream.id, topic, partition);
  const currentOffset = visibleOffset(partition, limit);
  const empty = {
    partitionId: partition.id,
    currentOffset,
    count: 0,
    chunks: [],
  };
  if (cmd.count === 0 || log.isEmpty) return empty;
  const start = startOffset(partition, owner, cmd);
  const end = limit ?? log.nextOffset;
  if (start >= end) return empty;
  const read = await partition.readMessages(
    start,
    limit === undefined ? cmd.count : Math.min(cmd.count, Number(end - start)),
    ctx.memory,
  );
  let bytes = 0;
  for (const chunk of read.chunks) bytes += chunk.length;
  ctx.system.counters.readBytes += BigInt(bytes);
  metricsOf(ctx.system).recordPoll(read.count, bytes);
  if (cmd.autoCommit && read.count > 0) {
    try {
      await partition.storeOffset(
        owner,
        read.firstOffset + BigInt(read.count) - 1n,
      );
    } catch (err) {
      throw storageFailure(ctx, err, ErrorCode.CannotWriteToFile, partition);
    }
    // On a replicated partition the answer waits until the replicas hold the committed offset
    // (cluster.replication.acks), so it survives the leader's death. If they cannot, the
    // messages are answered anyway: failing the poll would skip them on the consumer's retry
    // (the offset is stored here), while a lost commit only makes it read them again.
    // No await without a cluster: a plain poll takes no extra turn of the event loop.
    const replicated = ctx.system.cluster?.acknowledgeOffsets?.(ref);
    if (replicated) await replicated.catch(() => {});
  }
  return {
    partitionId: partition.id,
    currentOffset: visibleOffset(partition, limit),
    count: read.count,
    chunks: read.chunks,
  };
}

/** The high watermark of a replicated partition (undefined when it is not replicated). */
function highWatermark(
  ctx: CommandContext,
  streamId: number,
  topic: Topic,
  partition: Partition,
): bigint | undefined {
  return ctx.system.cluster?.readLimit?.({
    streamId,
    topicId: topic.id,
    partitionId: partition.id,
  });
}

/** The partition an offset command names, as the replication hooks take it. */
function offsetRef(
  target: { streamId: number; topic: Topic; partition: Partition },
) {
  return {
    streamId: target.streamId,
    topicId: target.topic.id,
    partitionId: target.partition.id,
  };
}

/** FlushUnsavedBuffer: writes (and optionally fsyncs) the partition's buffered data. */
export async function flushUnsavedBuffer(
  ctx: CommandContext,
  cmd: FlushUnsavedBuffer,
): Promise<void> {
  const { stream, topic } = ctx.system.topic(cmd.streamId, cmd.topicId);
  require(ctx, "send", { streamId: stream.id, topicId: topic.id });
  const partition = partitionOf(topic, cmd.partitionId);
  assertLeadsHere(ctx, stream.id, topic, partition);
  await partition.log.flush(cmd.fsync);
}

/** GetConsumerOffset: the stored offset, or undefined (empty OK) on any lookup failure. */
export function getConsumerOffset(
  ctx: CommandContext,
  cmd: GetConsumerOffset,
): ConsumerOffsetInfo | undefined {
  const stream = ctx.system.findStream(cmd.streamId);
  const topic = stream?.findTopic(cmd.topicId);
  require(ctx, "poll", { streamId: stream?.id, topicId: topic?.id });
  if (!stream || !topic) return undefined;
  let partition: Partition | undefined;
  let owner: OffsetOwner;
  if (cmd.consumer.kind === "consumer") {
    partition = topic.partitions[cmd.partitionId ?? 0];
    owner = { kind: "consumers", key: consumerKey(cmd.consumer) };
  } else {
    const group = topic.findGroup(cmd.consumer.id);
    if (!group) return undefined;
    partition = topic.partitions[cmd.partitionId ?? 0];
    owner = { kind: "groups", key: group.id };
  }
  if (partition) assertLeadsHere(ctx, stream.id, topic, partition);
  const stored = partition?.storedOffset(owner);
  if (!partition || stored === undefined) return undefined;
  return {
    partitionId: partition.id,
    currentOffset: visibleOffset(
      partition,
      highWatermark(ctx, stream.id, topic, partition),
    ),
    storedOffset: stored,
  };
}

/** The current offset as polls show it: below the high watermark of a replicated partition. */
function visibleOffset(
  partition: Partition,
  limit: bigint | undefined,
): bigint {
  if (limit === undefined) return partition.log.currentOffset;
  return limit > 0n ? limit - 1n : 0n;
}

/** The partition and owner a Store/DeleteConsumerOffset names, after the poll permission check. */
function offsetTarget(
  ctx: CommandContext,
  cmd: StoreConsumerOffset | DeleteConsumerOffset,
): {
  partition: Partition;
  owner: OffsetOwner;
  streamId: number;
  topic: Topic;
} {
  const { stream, topic } = ctx.system.topic(cmd.streamId, cmd.topicId);
  require(ctx, "poll", { streamId: stream.id, topicId: topic.id });
  const target = resolveTarget(
    ctx,
    topic,
    cmd.consumer,
    cmd.partitionId,
    "store",
  )!;
  assertLeadsHere(ctx, stream.id, topic, target.partition);
  return { ...target, streamId: stream.id, topic };
}

/** StoreConsumerOffset: stores an offset no greater than the partition's current offset. */
export async function storeConsumerOffset(
  ctx: CommandContext,
  cmd: StoreConsumerOffset,
): Promise<void> {
  const target = offsetTarget(ctx, cmd);
  const { partition, owner, streamId, topic } = target;
  // A replicated partition's offsets change only where it is led, as its messages do.
  await ctx.system.cluster?.beforeAppend?.(offsetRef(target));
  // Beyond the high watermark of a replicated partition is beyond what a poll can return.
  const limit = highWatermark(ctx, streamId, topic, partition);
  if (
    partition.log.isEmpty || cmd.offset > partition.log.currentOffset ||
    (limit !== undefined && cmd.offset >= limit)
  ) {
    throw new IggyError(ErrorCode.InvalidOffset, `${cmd.offset}`);
  }
  try {
    await partition.storeOffset(owner, cmd.offset);
  } catch (err) {
    throw storageFailure(ctx, err, ErrorCode.CannotWriteToFile, partition);
  }
  // Answered once its replicas hold the change (cluster.replication.acks).
  await ctx.system.cluster?.acknowledgeOffsets?.(offsetRef(target));
}

/** DeleteConsumerOffset: removes a stored offset; 3021 when none was stored. */
export async function deleteConsumerOffset(
  ctx: CommandContext,
  cmd: DeleteConsumerOffset,
): Promise<void> {
  const target = offsetTarget(ctx, cmd);
  const { partition, owner } = target;
  await ctx.system.cluster?.beforeAppend?.(offsetRef(target));
  if (partition.storedOffset(owner) === undefined) {
    throw new IggyError(ErrorCode.ConsumerOffsetNotFound);
  }
  try {
    await partition.deleteOffset(owner);
  } catch (err) {
    throw storageFailure(
      ctx,
      err,
      ErrorCode.CannotDeleteConsumerOffsetFile,
      partition,
    );
  }
  await ctx.system.cluster?.acknowledgeOffsets?.(offsetRef(target));
}
