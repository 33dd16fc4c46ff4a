/**
 * The command table: code → decode, handle, encode. Every binary transport dispatches through
 * {@linkcode dispatch}; HTTP builds the same typed commands and calls the same handlers.
 * @module
 */

import * as codec from "../../client/protocol/mod.ts";
import {
  CommandCode,
  ErrorCode,
  IggyError,
} from "../../client/protocol/mod.ts";
import type { CommandContext } from "../commands/context.ts";
import { mayLagBehind } from "../commands/cluster_lag.ts";
import { metricsOf } from "../metrics.ts";
import { endSpan, startSpan } from "../tracing.ts";
import * as groups from "../commands/consumer_groups.ts";
import * as messages from "../commands/messages.ts";
import * as streams from "../commands/streams.ts";
import * as system from "../commands/system.ts";
import * as tokens from "../commands/tokens.ts";
import * as topics from "../commands/topics.ts";
import * as users from "../commands/users.ts";

/** One entry of the table. */
export interface CommandSpec<C, R> {
  /** Whether the command needs a logged-in session. */
  auth: boolean;
  /** Request payload → typed command. */
  decode(payload: Uint8Array): C;
  /** Runs the command. */
  handle(ctx: CommandContext, command: C): R | Promise<R>;
  /** Result → response payload chunks. */
  encode(result: R): Uint8Array[];
}

const EMPTY: Uint8Array[] = [];

function none(): undefined {
  return undefined;
}

function empty(): Uint8Array[] {
  return EMPTY;
}

/** Wraps an encoder; an undefined result ("not found" on a read) is an empty OK. */
function optional<R>(
  encode: (value: R) => Uint8Array,
): (value: R | undefined) => Uint8Array[] {
  return (value) => (value === undefined ? EMPTY : [encode(value)]);
}

function one<R>(encode: (value: R) => Uint8Array): (value: R) => Uint8Array[] {
  return (value) => [encode(value)];
}

function spec<C, R>(entry: CommandSpec<C, R>): CommandSpec<unknown, unknown> {
  return entry as CommandSpec<unknown, unknown>;
}

function pollAnswer(result: messages.PollResult): Uint8Array[] {
  const header = new Uint8Array(codec.POLLED_HEADER_SIZE);
  codec.encodePolledHeader(
    {
      partitionId: result.partitionId,
      currentOffset: result.currentOffset,
      count: result.count,
    },
    header,
  );
  return [header, ...result.chunks];
}

/** Every command of Iggy 0.8.0, by code. */
export const COMMANDS: ReadonlyMap<number, CommandSpec<unknown, unknown>> =
  new Map([
    [
      CommandCode.Ping,
      spec({ auth: false, decode: none, handle: system.ping, encode: empty }),
    ],
    [
      CommandCode.GetStats,
      spec({
        auth: true,
        decode: none,
        handle: system.getStats,
        encode: one(codec.encodeStats),
      }),
    ],
    [
      CommandCode.GetSnapshot,
      spec({
        auth: true,
        decode: codec.decodeGetSnapshot,
        handle: system.getSnapshot,
        encode: (zip: Uint8Array) => [zip],
      }),
    ],
    [
      CommandCode.GetClusterMetadata,
      spec({
        auth: true,
        decode: none,
        handle: system.getClusterMetadata,
        encode: one(codec.encodeClusterMetadata),
      }),
    ],
    [
      CommandCode.GetMe,
      spec({
        auth: true,
        decode: none,
        handle: system.getMe,
        encode: one(codec.encodeClientDetails),
      }),
    ],
    [
      CommandCode.GetClient,
      spec({
        auth: true,
        decode: codec.decodeGetClient,
        handle: system.getClient,
        encode: optional(codec.encodeClientDetails),
      }),
    ],
    [
      CommandCode.GetClients,
      spec({
        auth: true,
        decode: none,
        handle: system.getClients,
        encode: one(codec.encodeClients),
      }),
    ],
    [
      CommandCode.GetUser,
      spec({
        auth: true,
        decode: codec.decodeGetUser,
        handle: users.getUser,
        encode: optional(codec.encodeUserDetails),
      }),
    ],
    [
      CommandCode.GetUsers,
      spec({
        auth: true,
        decode: none,
        handle: users.getUsers,
        encode: one(codec.encodeUsers),
      }),
    ],
    [
      CommandCode.CreateUser,
      spec({
        auth: true,
        decode: codec.decodeCreateUser,
        handle: users.createUser,
        encode: one(codec.encodeUserDetails),
      }),
    ],
    [
      CommandCode.DeleteUser,
      spec({
        auth: true,
        decode: codec.decodeDeleteUser,
        handle: users.deleteUser,
        encode: empty,
      }),
    ],
    [
      CommandCode.UpdateUser,
      spec({
        auth: true,
        decode: codec.decodeUpdateUser,
        handle: users.updateUser,
        encode: empty,
      }),
    ],
    [
      CommandCode.UpdatePermissions,
      spec({
        auth: true,
        decode: codec.decodeUpdatePermissions,
        handle: users.updatePermissions,
        encode: empty,
      }),
    ],
    [
      CommandCode.ChangePassword,
      spec({
        auth: true,
        decode: codec.decodeChangePassword,
        handle: users.changePassword,
        encode: empty,
      }),
    ],
    [
      CommandCode.LoginUser,
      spec({
        auth: false,
        decode: codec.decodeLoginUser,
        handle: users.loginUser,
        encode: one(codec.encodeIdentityInfo),
      }),
    ],
    [
      CommandCode.LogoutUser,
      spec({
        auth: true,
        decode: none,
        handle: users.logoutUser,
        encode: empty,
      }),
    ],
    [
      CommandCode.GetPersonalAccessTokens,
      spec({
        auth: true,
        decode: none,
        handle: tokens.getPersonalAccessTokens,
        encode: one(codec.encodePersonalAccessTokens),
      }),
    ],
    [
      CommandCode.CreatePersonalAccessToken,
      spec({
        auth: true,
        decode: codec.decodeCreatePersonalAccessToken,
        handle: tokens.createPersonalAccessToken,
        encode: one(codec.encodeRawPersonalAccessToken),
      }),
    ],
    [
      CommandCode.DeletePersonalAccessToken,
      spec({
        auth: true,
        decode: codec.decodeDeletePersonalAccessToken,
        handle: tokens.deletePersonalAccessToken,
        encode: empty,
      }),
    ],
    [
      CommandCode.LoginWithPersonalAccessToken,
      spec({
        auth: false,
        decode: codec.decodeLoginWithPersonalAccessToken,
        handle: tokens.loginWithPersonalAccessToken,
        encode: one(codec.encodeIdentityInfo),
      }),
    ],
    [
      CommandCode.PollMessages,
      spec({
        auth: true,
        decode: codec.decodePollMessages,
        handle: messages.pollMessages,
        encode: pollAnswer,
      }),
    ],
    [
      CommandCode.SendMessages,
      spec({
        auth: true,
        decode: codec.decodeSendMessages,
        handle: messages.sendMessages,
        encode: empty,
      }),
    ],
    [
      CommandCode.FlushUnsavedBuffer,
      spec({
        auth: true,
        decode: codec.decodeFlushUnsavedBuffer,
        handle: messages.flushUnsavedBuffer,
        encode: empty,
      }),
    ],
    [
      CommandCode.GetConsumerOffset,
      spec({
        auth: true,
        decode: codec.decodeGetConsumerOffset,
        handle: messages.getConsumerOffset,
        encode: optional(codec.encodeConsumerOffsetInfo),
      }),
    ],
    [
      CommandCode.StoreConsumerOffset,
      spec({
        auth: true,
        decode: codec.decodeStoreConsumerOffset,
        handle: messages.storeConsumerOffset,
        encode: empty,
      }),
    ],
    [
      CommandCode.DeleteConsumerOffset,
      spec({
        auth: true,
        decode: codec.decodeDeleteConsumerOffset,
        handle: messages.deleteConsumerOffset,
        encode: empty,
      }),
    ],
    [
      CommandCode.GetStream,
      spec({
        auth: true,
        decode: codec.decodeGetStream,
        handle: streams.getStream,
        encode: optional(codec.encodeStreamDetails),
      }),
    ],
    [
      CommandCode.GetStreams,
      spec({
        auth: true,
        decode: none,
        handle: streams.getStreams,
        encode: one(codec.encodeStreams),
      }),
    ],
    [
      CommandCode.CreateStream,
      spec({
        auth: true,
        decode: codec.decodeCreateStream,
        handle: streams.createStream,
        encode: one(codec.encodeStream),
      }),
    ],
    [
      CommandCode.DeleteStream,
      spec({
        auth: true,
        decode: codec.decodeDeleteStream,
        handle: streams.deleteStream,
        encode: empty,
      }),
    ],
    [
      CommandCode.UpdateStream,
      spec({
        auth: true,
        decode: codec.decodeUpdateStream,
        handle: streams.updateStream,
        encode: empty,
      }),
    ],
    [
      CommandCode.PurgeStream,
      spec({
        auth: true,
        decode: codec.decodePurgeStream,
        handle: streams.purgeStream,
        encode: empty,
      }),
    ],
    [
      CommandCode.GetTopic,
      spec({
        auth: true,
        decode: codec.decodeGetTopic,
        handle: topics.getTopic,
        encode: optional(codec.encodeTopicDetails),
      }),
    ],
    [
      CommandCode.GetTopics,
      spec({
        auth: true,
        decode: codec.decodeGetTopics,
        handle: topics.getTopics,
        encode: one(codec.encodeTopics),
      }),
    ],
    [
      CommandCode.CreateTopic,
      spec({
        auth: true,
        decode: codec.decodeCreateTopic,
        handle: topics.createTopic,
        encode: one(codec.encodeTopicDetails),
      }),
    ],
    [
      CommandCode.DeleteTopic,
      spec({
        auth: true,
        decode: codec.decodeDeleteTopic,
        handle: topics.deleteTopic,
        encode: empty,
      }),
    ],
    [
      CommandCode.UpdateTopic,
      spec({
        auth: true,
        decode: codec.decodeUpdateTopic,
        handle: topics.updateTopic,
        encode: empty,
      }),
    ],
    [
      CommandCode.PurgeTopic,
      spec({
        auth: true,
        decode: codec.decodePurgeTopic,
        handle: topics.purgeTopic,
        encode: empty,
      }),
    ],
    [
      CommandCode.CreatePartitions,
      spec({
        auth: true,
        decode: codec.decodeCreatePartitions,
        handle: topics.createPartitions,
        encode: empty,
      }),
    ],
    [
      CommandCode.DeletePartitions,
      spec({
        auth: true,
        decode: codec.decodeDeletePartitions,
        handle: topics.deletePartitions,
        encode: empty,
      }),
    ],
    [
      CommandCode.DeleteSegments,
      spec({
        auth: true,
        decode: codec.decodeDeleteSegments,
        handle: topics.deleteSegments,
        encode: empty,
      }),
    ],
    [
      CommandCode.GetConsumerGroup,
      spec({
        auth: true,
        decode: codec.decodeGetConsumerGroup,
        handle: groups.getConsumerGroup,
        encode: optional(codec.encodeConsumerGroupDetails),
      }),
    ],
    [
      CommandCode.GetConsumerGroups,
      spec({
        auth: true,
        decode: codec.decodeGetConsumerGroups,
        handle: groups.getConsumerGroups,
        encode: one(codec.encodeConsumerGroups),
      }),
    ],
    [
      CommandCode.CreateConsumerGroup,
      spec({
        auth: true,
        decode: codec.decodeCreateConsumerGroup,
        handle: groups.createConsumerGroup,
        encode: one(codec.encodeConsumerGroup),
      }),
    ],
    [
      CommandCode.DeleteConsumerGroup,
      spec({
        auth: true,
        decode: codec.decodeDeleteConsumerGroup,
        handle: groups.deleteConsumerGroup,
        encode: empty,
      }),
    ],
    [
      CommandCode.JoinConsumerGroup,
      spec({
        auth: true,
        decode: codec.decodeJoinConsumerGroup,
        handle: groups.joinConsumerGroup,
        encode: empty,
      }),
    ],
    [
      CommandCode.LeaveConsumerGroup,
      spec({
        auth: true,
        decode: codec.decodeLeaveConsumerGroup,
        handle: groups.leaveConsumerGroup,
        encode: empty,
      }),
    ],
  ]);

/** Reads of one object, which answer empty when it is not found. */
const READS_OF_ONE: ReadonlySet<number> = new Set([
  CommandCode.GetStream,
  CommandCode.GetTopic,
  CommandCode.GetUser,
  CommandCode.GetConsumerGroup,
]);

/** Runs a decoded command: on the partition's leader when another node leads it, else here. */
async function run(
  ctx: CommandContext,
  code: number,
  entry: CommandSpec<unknown, unknown>,
  command: unknown,
): Promise<Uint8Array[]> {
  // In a cluster, a partition command for a partition another node leads goes to that node.
  const forwarded = ctx.system.cluster?.forward(ctx, code, command);
  const answer = forwarded && await forwarded;
  if (answer) return answer;
  return entry.encode(await entry.handle(ctx, command));
}

/**
 * Decodes, authorizes and runs one request; returns the OK payload as chunks or throws `IggyError`.
 * As in 0.8.0 the payload is decoded before the login check, except SendMessages (login first).
 * A stale session (binary.md §1.6) is answered 30 `StaleClient`.
 */
export async function dispatch(
  ctx: CommandContext,
  code: number,
  payload: Uint8Array,
): Promise<Uint8Array[]> {
  // A client evicted by the heartbeat check (or whose record was dropped) gets nothing but 30.
  if (ctx.session.stale) throw new IggyError(ErrorCode.StaleClient);
  const entry = COMMANDS.get(code);
  if (!entry) {
    throw new IggyError(
      ErrorCode.InvalidCommand,
      `unknown command code ${code}`,
    );
  }
  const loggedIn = () => ctx.system.userOf(ctx.session) !== undefined;
  if (code === CommandCode.SendMessages && !loggedIn()) {
    throw new IggyError(ErrorCode.Unauthenticated);
  }
  const metrics = metricsOf(ctx.system);
  const started = performance.now();
  const span = metrics.tracer === undefined ? undefined : startSpan(
    metrics.tracer,
    codec.COMMAND_NAMES[code] ?? String(code),
    { "iggy.command.code": code, "iggy.client.id": ctx.session.clientId },
  );
  let failure: unknown;
  try {
    const command = entry.decode(payload);
    if (entry.auth && !loggedIn()) {
      throw new IggyError(ErrorCode.Unauthenticated);
    }
    try {
      const answer = await run(ctx, code, entry, command);
      const cluster = ctx.system.cluster;
      // A read of one object answers empty when it is not found: the same lag applies.
      if (
        !cluster || answer.length > 0 || !READS_OF_ONE.has(code) ||
        !(await cluster.refresh())
      ) {
        return answer;
      }
      return await run(ctx, code, entry, command);
    } catch (err) {
      // In a cluster, "not found" may only mean that this node has not applied a change made
      // through another node yet: once it has, the command runs again (errors only, no cost).
      const cluster = ctx.system.cluster;
      if (!cluster || !mayLagBehind(code, err) || !(await cluster.refresh())) {
        throw err;
      }
      return await run(ctx, code, entry, command);
    }
  } catch (err) {
    failure = err;
    throw err;
  } finally {
    // Fixed buckets: a lookup and a few number bumps, nothing allocated per request.
    metrics.observeCommand(code, performance.now() - started);
    if (span !== undefined) endSpan(span, failure);
  }
}
