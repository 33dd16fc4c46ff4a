/**
 * Forwarding: a partition command (send, poll, consumer offsets, flush) that reaches a node which
 * does not lead the partition is sent to the leader over the node channel and its answer relayed,
 * so a client may talk to any node. The partition is chosen here, on the node the client talks
 * to (Balanced's round robin, a messages key's hash, a group member's next partition), and the
 * forwarded command names it explicitly. Commands for partitions this node leads, and everything
 * else, are handled locally as in a single node.
 * @module
 */

import { ByteWriter } from "../../client/protocol/bytes.ts";
import { CommandCode } from "../../client/protocol/codes.ts";
import { ErrorCode, IggyError } from "../../client/protocol/errors.ts";
import { writeIdentifier } from "../../client/protocol/identifier.ts";
import { writePartitioning } from "../../client/protocol/primitives.ts";
import type { SendMessagesBatch } from "../../client/protocol/batch.ts";
import {
  encodeFlushUnsavedBuffer,
  encodePollMessages,
  type FlushUnsavedBuffer,
  type PollMessages,
} from "../../client/protocol/commands/messages.ts";
import {
  type ConsumerOffsetInfo,
  decodeConsumerOffsetInfo,
  type DeleteConsumerOffset,
  encodeDeleteConsumerOffset,
  encodeGetConsumerOffset,
  encodeStoreConsumerOffset,
  type GetConsumerOffset,
  type StoreConsumerOffset,
} from "../../client/protocol/commands/offsets.ts";
import type { CommandContext } from "../commands/context.ts";
import type { ClusterCaller } from "../domain/system.ts";
import * as messages from "../commands/messages.ts";
import { mayLagBehind } from "../commands/cluster_lag.ts";
import type { Topic } from "../domain/topic.ts";
import { xxh32 } from "../storage/stamp.ts";
import type { NodeChannel } from "./channel.ts";
import { requestWithin } from "./peer_request.ts";

/** What forwarding needs of the cluster. */
export interface ForwardingView {
  /** This node's name. */
  readonly selfName: string;
  /** The leader of a partition, if assigned. */
  leaderOf(
    streamId: number,
    topicId: number,
    partitionId: number,
  ): string | undefined;
  /** True when `node` is live. */
  isLive(node: string): boolean;
  /**
   * True when this node answers polls of a partition whose leader is down (a replica, up to the
   * high watermark it knows).
   */
  readsWithoutLeader?(
    streamId: number,
    topicId: number,
    partitionId: number,
  ): boolean;
  /** The channel to `node` (connected on first use). */
  channelTo(node: string): Promise<NodeChannel>;
  /** Index of the last metadata entry applied here (the leader catches up to it first). */
  appliedIndex(): number;
  /**
   * How long a forwarded command may wait for the leader's answer before it fails with 11001
   * (a leader cut off by a network partition never answers).
   */
  readonly requestTimeoutMs: number;
}

/** The commands addressed to one partition: the ones forwarded to its leader. */
export const PARTITION_COMMANDS: ReadonlySet<number> = new Set([
  CommandCode.SendMessages,
  CommandCode.PollMessages,
  CommandCode.StoreConsumerOffset,
  CommandCode.GetConsumerOffset,
  CommandCode.DeleteConsumerOffset,
  CommandCode.FlushUnsavedBuffer,
]);

type OffsetCommand =
  | StoreConsumerOffset
  | GetConsumerOffset
  | DeleteConsumerOffset;

/** The partition a send goes to (binary.md §8.4), advancing Balanced's cursor. */
function sendPartition(topic: Topic, batch: SendMessagesBatch): number {
  const p = batch.partitioning;
  const count = topic.partitions.length;
  if (p.kind === "partition_id") return p.partitionId;
  if (count === 0) return 0;
  if (p.kind === "messages_key") return xxh32(p.key) % count;
  const id = topic.balancedCursor % count;
  topic.balancedCursor = (id + 1) % count;
  return id;
}

/**
 * The partition a poll or offset command addresses, when it can be known here: its explicit
 * id, a single consumer's partition 0, or the next partition of this connection's group member.
 */
function consumerPartition(
  ctx: ClusterCaller,
  topic: Topic,
  cmd: PollMessages | OffsetCommand,
  advance: boolean,
): number | undefined {
  if (cmd.partitionId !== undefined) return cmd.partitionId;
  if (cmd.consumer.kind === "consumer") return 0;
  const member = topic.findGroup(cmd.consumer.id)?.member(ctx.session.clientId);
  if (!member || member.partitions.length === 0) return undefined;
  const id = member.partitions[member.cursor % member.partitions.length]!;
  if (advance) member.cursor = (member.cursor + 1) % member.partitions.length;
  return id;
}

/** A SendMessages payload naming `partitionId`, with the batch's index and frames copied. */
function encodeSendTo(
  batch: SendMessagesBatch,
  partitionId: number,
): Uint8Array {
  const metadata = new ByteWriter(64);
  writeIdentifier(metadata, batch.streamId);
  writeIdentifier(metadata, batch.topicId);
  writePartitioning(metadata, { kind: "partition_id", partitionId });
  metadata.u32(batch.count);
  const head = metadata.finish();
  const out = new Uint8Array(
    4 + head.length + batch.indexes.length + batch.messages.length,
  );
  new DataView(out.buffer).setUint32(0, head.length, true);
  out.set(head, 4);
  out.set(batch.indexes, 4 + head.length);
  out.set(batch.messages, 4 + head.length + batch.indexes.length);
  return out;
}

/**
 * Forwards `command` to its partition's leader when that is another node.
 * @returns the leader's answer, or `undefined` to handle the command here
 */
export function forwardCommand(
  view: ForwardingView,
  request: { ctx: ClusterCaller; code: number; command: unknown },
): Promise<Uint8Array[]> | undefined {
  const { ctx, code, command } = request;
  // A forwarded command is handled where it arrives, whatever this node believes.
  if (ctx.session.forwarded) return undefined;
  if (!PARTITION_COMMANDS.has(code)) return undefined;
  const target = command as Pick<PollMessages, "streamId" | "topicId">;
  const stream = ctx.system.findStream(target.streamId);
  const topic = stream?.findTopic(target.topicId);
  // Unknown stream or topic: the local handler answers the usual error.
  if (!stream || !topic) return undefined;

  let partitionId: number | undefined;
  let encode: () => Uint8Array;
  switch (code) {
    case CommandCode.SendMessages: {
      const batch = command as SendMessagesBatch;
      const id = sendPartition(topic, batch);
      partitionId = id;
      // The local handler must use the partition chosen here (the cursor has moved).
      batch.partitioning = { kind: "partition_id", partitionId: id };
      encode = () => encodeSendTo(batch, id);
      break;
    }
    case CommandCode.PollMessages: {
      const cmd = command as PollMessages;
      partitionId = consumerPartition(ctx, topic, cmd, true);
      cmd.partitionId = partitionId;
      encode = () => encodePollMessages(cmd);
      break;
    }
    case CommandCode.FlushUnsavedBuffer: {
      const cmd = command as FlushUnsavedBuffer;
      partitionId = cmd.partitionId;
      encode = () => encodeFlushUnsavedBuffer(cmd);
      break;
    }
    default: {
      const cmd = command as OffsetCommand;
      partitionId = consumerPartition(ctx, topic, cmd, false);
      cmd.partitionId = partitionId;
      encode = code === CommandCode.StoreConsumerOffset
        ? () => encodeStoreConsumerOffset(cmd as StoreConsumerOffset)
        : code === CommandCode.GetConsumerOffset
        ? () => encodeGetConsumerOffset(cmd as GetConsumerOffset)
        : () => encodeDeleteConsumerOffset(cmd as DeleteConsumerOffset);
    }
  }
  if (partitionId === undefined) return undefined;
  const leader = view.leaderOf(stream.id, topic.id, partitionId);
  if (leader === undefined || leader === view.selfName) return undefined;
  const { userId, userIncarnation } = ctx.session;
  // Not logged in: the local handler answers 40.
  if (userId === undefined || userIncarnation === undefined) return undefined;
  if (!view.isLive(leader)) {
    if (
      code === CommandCode.PollMessages &&
      view.readsWithoutLeader?.(stream.id, topic.id, partitionId)
    ) return undefined;
    return Promise.reject(
      new IggyError(
        ErrorCode.ShardCommunicationError,
        `partition ${partitionId} of topic ${topic.id} is led by node "${leader}", which is down`,
      ),
    );
  }
  const payload = encode();
  return view.channelTo(leader).then((channel) =>
    requestWithin(channel, view.requestTimeoutMs, {
      caller: { userId, incarnation: userIncarnation },
      code,
      payload,
      metadataIndex: view.appliedIndex(),
    })
  ).then((answer) => answer.length === 0 ? [] : [answer]);
}

/** Decoders of a forwarded answer into what the local handler returns (for {@linkcode onLeader}). */
export const forwardedAnswer = {
  /** Send, flush, store and delete offset: an empty OK. */
  none: (): void => undefined,
  /** PollMessages: the 16-byte header, then the stored frames as they are. */
  poll: (answer: Uint8Array): messages.PollResult => {
    if (answer.length < 16) {
      return { partitionId: 0, currentOffset: 0n, count: 0, chunks: [] };
    }
    const view = new DataView(
      answer.buffer,
      answer.byteOffset,
      answer.byteLength,
    );
    return {
      partitionId: view.getUint32(0, true),
      currentOffset: view.getBigUint64(4, true),
      count: view.getUint32(12, true),
      chunks: [answer.subarray(16)],
    };
  },
  /** GetConsumerOffset: empty = nothing stored. */
  offset: (answer: Uint8Array): ConsumerOffsetInfo | undefined =>
    answer.length === 0 ? undefined : decodeConsumerOffsetInfo(answer),
};

/**
 * Runs a partition command where its partition lives, for callers that need the handler's result
 * rather than wire bytes (the HTTP API): forwarded to the leader when another node leads it
 * (the answer decoded with `decode`), otherwise `local` here. On a single node: `local`.
 */
export async function onLeader<C, R>(
  ctx: CommandContext,
  command: { code: number; command: C },
  local: (ctx: CommandContext, command: C) => R | Promise<R>,
  decode: (answer: Uint8Array) => R,
): Promise<R> {
  const run = async () => {
    const forwarded = ctx.system.cluster?.forward(
      ctx,
      command.code,
      command.command,
    );
    const answer = forwarded && await forwarded;
    if (!answer) return local(ctx, command.command);
    // A forwarded answer is one chunk (or none when empty).
    return decode(answer[0] ?? new Uint8Array(0));
  };
  try {
    return await run();
  } catch (err) {
    // As the binary dispatcher does: a lagging node applies what etcd committed, then retries.
    if (
      !mayLagBehind(command.code, err) ||
      !(await ctx.system.cluster?.refresh())
    ) {
      throw err;
    }
    return await run();
  }
}

/** `local` as a handler that runs on the partition's leader (see {@linkcode onLeader}). */
function leaderHandler<C, R>(
  code: number,
  local: (ctx: CommandContext, command: C) => R | Promise<R>,
  decode: (answer: Uint8Array) => R,
): (ctx: CommandContext, command: C) => Promise<R> {
  return (ctx, command) => onLeader(ctx, { code, command }, local, decode);
}

/**
 * The partition command handlers of `server/commands/messages.ts`, each run on its partition's
 * leader ({@linkcode onLeader}): what the HTTP API calls. On a single node, the handlers.
 */
export const messagesOnLeader = {
  sendMessages: leaderHandler(
    CommandCode.SendMessages,
    messages.sendMessages,
    forwardedAnswer.none,
  ),
  pollMessages: leaderHandler(
    CommandCode.PollMessages,
    messages.pollMessages,
    forwardedAnswer.poll,
  ),
  flushUnsavedBuffer: leaderHandler(
    CommandCode.FlushUnsavedBuffer,
    messages.flushUnsavedBuffer,
    forwardedAnswer.none,
  ),
  getConsumerOffset: leaderHandler(
    CommandCode.GetConsumerOffset,
    messages.getConsumerOffset,
    forwardedAnswer.offset,
  ),
  storeConsumerOffset: leaderHandler(
    CommandCode.StoreConsumerOffset,
    messages.storeConsumerOffset,
    forwardedAnswer.none,
  ),
  deleteConsumerOffset: leaderHandler(
    CommandCode.DeleteConsumerOffset,
    messages.deleteConsumerOffset,
    forwardedAnswer.none,
  ),
};
