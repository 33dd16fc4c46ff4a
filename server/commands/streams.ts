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
import type { Stream } from "../domain/stream.ts";
import { peekId } from "../domain/ids.ts";
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
  const { system } = ctx;
  const entry = await system.commit(ErrorCode.CannotCreateStream, () => {
    require(ctx, "manage_streams");
    assertUniqueName(ctx, cmd.name);
    return {
      type: "CreateStream",
      id: peekId(system.metadata.streamIds),
      name: cmd.name,
      createdAt: nowMicros(),
    };
  });
  const stream = system.streams.get(entry.id)!;
  system.logger.info("Created stream", { id: stream.id, name: stream.name });
  return streamInfo(stream);
}

/** UpdateStream: renames a stream. */
export async function updateStream(
  ctx: CommandContext,
  cmd: UpdateStream,
): Promise<void> {
  await ctx.system.commit(ErrorCode.CannotUpdateStreamInfo, () => {
    const stream = ctx.system.stream(cmd.streamId);
    require(ctx, "manage_stream", { streamId: stream.id });
    assertUniqueName(ctx, cmd.name, stream);
    return { type: "UpdateStream", id: stream.id, name: cmd.name };
  });
}

/** DeleteStream: removes a stream with all its topics and files. */
export async function deleteStream(
  ctx: CommandContext,
  cmd: DeleteStream,
): Promise<void> {
  const { system } = ctx;
  let name = "";
  const entry = await system.commit(ErrorCode.CannotDeleteStream, () => {
    const stream = system.stream(cmd.streamId);
    require(ctx, "manage_stream", { streamId: stream.id });
    name = stream.name;
    return { type: "DeleteStream", id: stream.id };
  });
  system.logger.info("Deleted stream", { id: entry.id, name });
}

/** PurgeStream: removes every message and stored offset of every topic. */
export async function purgeStream(
  ctx: CommandContext,
  cmd: PurgeStream,
): Promise<void> {
  await ctx.system.commit(ErrorCode.CannotDeleteFile, () => {
    const stream = ctx.system.stream(cmd.streamId);
    require(ctx, "manage_stream", { streamId: stream.id });
    return { type: "PurgeStream", id: stream.id };
  });
}
