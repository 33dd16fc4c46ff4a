/**
 * Stream handlers (binary.md §5.6).
 * @module
 */

import { ErrorCode, IggyError } from "../../client/protocol/errors.ts";
import type {
  CreateStream,
  DeleteStream,
  GetStream,
  PurgeStream,
  Stream as StreamInfo,
  StreamDetails,
  UpdateStream,
} from "../../client/protocol/commands/streams.ts";
import { nowMicros } from "../domain/system.ts";
import { Stream } from "../domain/stream.ts";
import { type CommandContext, require } from "./context.ts";
import { topicInfo } from "./topics.ts";

/** The wire view of a stream. */
export function streamInfo(stream: Stream): StreamInfo {
  return {
    id: stream.id,
    createdAt: stream.createdAt,
    name: stream.name,
    topicsCount: stream.topics.size,
    sizeBytes: stream.sizeBytes,
    messagesCount: stream.messagesCount,
  };
}

function streamDetails(stream: Stream): StreamDetails {
  const topics = [...stream.topics.values()].sort((a, b) => a.id - b.id).map(
    topicInfo,
  );
  return { ...streamInfo(stream), topics };
}

function assertUniqueName(
  ctx: CommandContext,
  name: string,
  except?: Stream,
): void {
  const existing = ctx.system.findStream(name);
  if (existing && existing !== except) {
    throw new IggyError(ErrorCode.StreamNameAlreadyExists, `"${name}"`);
  }
}

/** GetStream: details, or undefined (empty OK) when missing. */
export function getStream(
  ctx: CommandContext,
  cmd: GetStream,
): StreamDetails | undefined {
  const stream = ctx.system.findStream(cmd.streamId);
  require(ctx, "read_stream", { streamId: stream?.id });
  return stream ? streamDetails(stream) : undefined;
}

/** GetStreams: every stream, by id. */
export function getStreams(ctx: CommandContext): StreamInfo[] {
  require(ctx, "read_streams");
  return [...ctx.system.streams.values()].sort((a, b) => a.id - b.id).map(
    streamInfo,
  );
}

/** CreateStream: a new stream with a server-assigned id. */
export async function createStream(
  ctx: CommandContext,
  cmd: CreateStream,
): Promise<StreamInfo> {
  require(ctx, "manage_streams");
  assertUniqueName(ctx, cmd.name);
  const { system } = ctx;
  const stream = new Stream(system.streamIds.allocate(), nowMicros(), cmd.name);
  system.streams.set(stream.id, stream);
  await Deno.mkdir(`${system.streamDir(stream.id)}/topics`, {
    recursive: true,
  });
  await system.persist();
  system.logger.info("Created stream", { id: stream.id, name: stream.name });
  return streamInfo(stream);
}

/** UpdateStream: renames a stream. */
export async function updateStream(
  ctx: CommandContext,
  cmd: UpdateStream,
): Promise<void> {
  const stream = ctx.system.stream(cmd.streamId);
  require(ctx, "manage_stream", { streamId: stream.id });
  assertUniqueName(ctx, cmd.name, stream);
  stream.name = cmd.name;
  await ctx.system.persist();
}

/** DeleteStream: removes a stream with all its topics and files. */
export async function deleteStream(
  ctx: CommandContext,
  cmd: DeleteStream,
): Promise<void> {
  const { system } = ctx;
  const stream = system.stream(cmd.streamId);
  require(ctx, "manage_stream", { streamId: stream.id });
  system.streams.delete(stream.id);
  system.streamIds.release(stream.id);
  await system.persist();
  for (const topic of stream.topics.values()) {
    for (const partition of topic.partitions) await partition.log.close();
  }
  await Deno.remove(system.streamDir(stream.id), { recursive: true }).catch(
    () => {},
  );
  system.logger.info("Deleted stream", { id: stream.id, name: stream.name });
}

/** PurgeStream: removes every message and stored offset of every topic. */
export async function purgeStream(
  ctx: CommandContext,
  cmd: PurgeStream,
): Promise<void> {
  const stream = ctx.system.stream(cmd.streamId);
  require(ctx, "manage_stream", { streamId: stream.id });
  for (const topic of stream.topics.values()) {
    for (const partition of topic.partitions) await partition.purge();
  }
}
