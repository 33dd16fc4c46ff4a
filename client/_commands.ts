/**
 * Every command as a typed request and a typed result, with its binary codec pair both ways. The
 * client sends typed commands: over a byte transport it encodes them with this table; a transport
 * that carries typed commands itself (HTTP, see {@linkcode setTypedCall}) gets them as they are.
 * @module
 */

import * as codec from "./protocol/mod.ts";
import {
  CommandCode,
  ErrorCode,
  IggyError,
  type SendMessages,
} from "./protocol/mod.ts";
import type { Transport } from "./transport.ts";

const EMPTY = new Uint8Array(0);

/** The binary codec of one command: request and response, each both ways. */
export interface CommandCodec<Req, Res> {
  /** Typed request → request payload. */
  encodeRequest(command: Req): Uint8Array;
  /** Request payload → typed request. */
  decodeRequest(payload: Uint8Array): Req;
  /** Typed result → response payload. */
  encodeResponse(result: Res): Uint8Array;
  /** Response payload → typed result. */
  decodeResponse(payload: Uint8Array): Res;
}

function pair<Req, Res>(
  request: [(command: Req) => Uint8Array, (payload: Uint8Array) => Req],
  response: [(result: Res) => Uint8Array, (payload: Uint8Array) => Res],
): CommandCodec<Req, Res> {
  return {
    encodeRequest: request[0],
    decodeRequest: request[1],
    encodeResponse: response[0],
    decodeResponse: response[1],
  };
}

/** An empty payload both ways (no request fields, or an empty OK). */
const NONE: [(value: undefined) => Uint8Array, () => undefined] = [
  () => EMPTY,
  () => undefined,
];

/** A Get-one result: an empty payload is "not found". */
function optional<T>(
  encode: (value: T) => Uint8Array,
  decode: (payload: Uint8Array) => T,
): [(value: T | undefined) => Uint8Array, (p: Uint8Array) => T | undefined] {
  return [
    (value) => value === undefined ? EMPTY : encode(value),
    (payload) => payload.length === 0 ? undefined : decode(payload),
  ];
}

/** A decoded SendMessages payload as the request it came from: its section, prepared. */
function sendMessagesRequest(payload: Uint8Array): SendMessages {
  const batch = codec.decodeSendMessages(payload);
  const { indexes } = batch;
  return {
    streamId: batch.streamId,
    topicId: batch.topicId,
    partitioning: batch.partitioning,
    messages: {
      count: batch.count,
      section: new Uint8Array(
        indexes.buffer,
        indexes.byteOffset,
        indexes.length + batch.messages.length,
      ),
    },
  };
}

/** Every command of Iggy 0.8.0 by code: its typed request and result, and their binary form. */
export const COMMANDS = {
  [CommandCode.Ping]: pair(NONE, NONE),
  [CommandCode.GetStats]: pair(NONE, [codec.encodeStats, codec.decodeStats]),
  [CommandCode.GetSnapshot]: pair(
    [codec.encodeGetSnapshot, codec.decodeGetSnapshot],
    [(zip: Uint8Array) => zip, (payload): Uint8Array => payload.slice()],
  ),
  [CommandCode.GetClusterMetadata]: pair(NONE, [
    codec.encodeClusterMetadata,
    codec.decodeClusterMetadata,
  ]),
  [CommandCode.GetMe]: pair(NONE, [
    codec.encodeClientDetails,
    codec.decodeClientDetails,
  ]),
  [CommandCode.GetClient]: pair(
    [codec.encodeGetClient, codec.decodeGetClient],
    optional(codec.encodeClientDetails, codec.decodeClientDetails),
  ),
  [CommandCode.GetClients]: pair(NONE, [
    codec.encodeClients,
    codec.decodeClients,
  ]),
  [CommandCode.GetUser]: pair(
    [codec.encodeGetUser, codec.decodeGetUser],
    optional(codec.encodeUserDetails, codec.decodeUserDetails),
  ),
  [CommandCode.GetUsers]: pair(NONE, [codec.encodeUsers, codec.decodeUsers]),
  [CommandCode.CreateUser]: pair(
    [codec.encodeCreateUser, codec.decodeCreateUser],
    [codec.encodeUserDetails, codec.decodeUserDetails],
  ),
  [CommandCode.DeleteUser]: pair(
    [codec.encodeDeleteUser, codec.decodeDeleteUser],
    NONE,
  ),
  [CommandCode.UpdateUser]: pair(
    [codec.encodeUpdateUser, codec.decodeUpdateUser],
    NONE,
  ),
  [CommandCode.UpdatePermissions]: pair(
    [codec.encodeUpdatePermissions, codec.decodeUpdatePermissions],
    NONE,
  ),
  [CommandCode.ChangePassword]: pair(
    [codec.encodeChangePassword, codec.decodeChangePassword],
    NONE,
  ),
  [CommandCode.LoginUser]: pair(
    [codec.encodeLoginUser, codec.decodeLoginUser],
    [codec.encodeIdentityInfo, codec.decodeIdentityInfo],
  ),
  [CommandCode.LogoutUser]: pair(NONE, NONE),
  [CommandCode.GetPersonalAccessTokens]: pair(NONE, [
    codec.encodePersonalAccessTokens,
    codec.decodePersonalAccessTokens,
  ]),
  [CommandCode.CreatePersonalAccessToken]: pair(
    [
      codec.encodeCreatePersonalAccessToken,
      codec.decodeCreatePersonalAccessToken,
    ],
    [codec.encodeRawPersonalAccessToken, codec.decodeRawPersonalAccessToken],
  ),
  [CommandCode.DeletePersonalAccessToken]: pair(
    [
      codec.encodeDeletePersonalAccessToken,
      codec.decodeDeletePersonalAccessToken,
    ],
    NONE,
  ),
  [CommandCode.LoginWithPersonalAccessToken]: pair(
    [
      codec.encodeLoginWithPersonalAccessToken,
      codec.decodeLoginWithPersonalAccessToken,
    ],
    [codec.encodeIdentityInfo, codec.decodeIdentityInfo],
  ),
  [CommandCode.PollMessages]: pair(
    [codec.encodePollMessages, codec.decodePollMessages],
    [codec.encodePolledMessages, codec.decodePolledMessages],
  ),
  [CommandCode.SendMessages]: pair(
    [
      (command: SendMessages) => codec.encodeSendMessages(command),
      sendMessagesRequest,
    ],
    NONE,
  ),
  [CommandCode.FlushUnsavedBuffer]: pair(
    [codec.encodeFlushUnsavedBuffer, codec.decodeFlushUnsavedBuffer],
    NONE,
  ),
  [CommandCode.GetConsumerOffset]: pair(
    [codec.encodeGetConsumerOffset, codec.decodeGetConsumerOffset],
    optional(codec.encodeConsumerOffsetInfo, codec.decodeConsumerOffsetInfo),
  ),
  [CommandCode.StoreConsumerOffset]: pair(
    [codec.encodeStoreConsumerOffset, codec.decodeStoreConsumerOffset],
    NONE,
  ),
  [CommandCode.DeleteConsumerOffset]: pair(
    [codec.encodeDeleteConsumerOffset, codec.decodeDeleteConsumerOffset],
    NONE,
  ),
  [CommandCode.GetStream]: pair(
    [codec.encodeGetStream, codec.decodeGetStream],
    optional(codec.encodeStreamDetails, codec.decodeStreamDetails),
  ),
  [CommandCode.GetStreams]: pair(NONE, [
    codec.encodeStreams,
    codec.decodeStreams,
  ]),
  [CommandCode.CreateStream]: pair(
    [codec.encodeCreateStream, codec.decodeCreateStream],
    [codec.encodeStream, codec.decodeStream],
  ),
  [CommandCode.DeleteStream]: pair(
    [codec.encodeDeleteStream, codec.decodeDeleteStream],
    NONE,
  ),
  [CommandCode.UpdateStream]: pair(
    [codec.encodeUpdateStream, codec.decodeUpdateStream],
    NONE,
  ),
  [CommandCode.PurgeStream]: pair(
    [codec.encodePurgeStream, codec.decodePurgeStream],
    NONE,
  ),
  [CommandCode.GetTopic]: pair(
    [codec.encodeGetTopic, codec.decodeGetTopic],
    optional(codec.encodeTopicDetails, codec.decodeTopicDetails),
  ),
  [CommandCode.GetTopics]: pair(
    [codec.encodeGetTopics, codec.decodeGetTopics],
    [codec.encodeTopics, codec.decodeTopics],
  ),
  [CommandCode.CreateTopic]: pair(
    [codec.encodeCreateTopic, codec.decodeCreateTopic],
    [codec.encodeTopicDetails, codec.decodeTopicDetails],
  ),
  [CommandCode.DeleteTopic]: pair(
    [codec.encodeDeleteTopic, codec.decodeDeleteTopic],
    NONE,
  ),
  [CommandCode.UpdateTopic]: pair(
    [codec.encodeUpdateTopic, codec.decodeUpdateTopic],
    NONE,
  ),
  [CommandCode.PurgeTopic]: pair(
    [codec.encodePurgeTopic, codec.decodePurgeTopic],
    NONE,
  ),
  [CommandCode.CreatePartitions]: pair(
    [codec.encodeCreatePartitions, codec.decodeCreatePartitions],
    NONE,
  ),
  [CommandCode.DeletePartitions]: pair(
    [codec.encodeDeletePartitions, codec.decodeDeletePartitions],
    NONE,
  ),
  [CommandCode.DeleteSegments]: pair(
    [codec.encodeDeleteSegments, codec.decodeDeleteSegments],
    NONE,
  ),
  [CommandCode.GetConsumerGroup]: pair(
    [codec.encodeGetConsumerGroup, codec.decodeGetConsumerGroup],
    optional(
      codec.encodeConsumerGroupDetails,
      codec.decodeConsumerGroupDetails,
    ),
  ),
  [CommandCode.GetConsumerGroups]: pair(
    [codec.encodeGetConsumerGroups, codec.decodeGetConsumerGroups],
    [codec.encodeConsumerGroups, codec.decodeConsumerGroups],
  ),
  [CommandCode.CreateConsumerGroup]: pair(
    [codec.encodeCreateConsumerGroup, codec.decodeCreateConsumerGroup],
    [codec.encodeConsumerGroup, codec.decodeConsumerGroup],
  ),
  [CommandCode.DeleteConsumerGroup]: pair(
    [codec.encodeDeleteConsumerGroup, codec.decodeDeleteConsumerGroup],
    NONE,
  ),
  [CommandCode.JoinConsumerGroup]: pair(
    [codec.encodeJoinConsumerGroup, codec.decodeJoinConsumerGroup],
    NONE,
  ),
  [CommandCode.LeaveConsumerGroup]: pair(
    [codec.encodeLeaveConsumerGroup, codec.decodeLeaveConsumerGroup],
    NONE,
  ),
} as const;

/** The commands' table. */
export type Commands = typeof COMMANDS;
/** A command code of {@linkcode COMMANDS}. */
export type Code = keyof Commands;
/** The typed request of a command. */
export type RequestOf<C extends Code> = Parameters<
  Commands[C]["encodeRequest"]
>[0];
/** The typed result of a command. */
export type ResultOf<C extends Code> = ReturnType<
  Commands[C]["decodeResponse"]
>;

/** Carries one typed command and resolves to its typed result. */
export type TypedCall = <C extends Code>(
  code: C,
  command: RequestOf<C>,
) => Promise<ResultOf<C>>;

/** Transports that carry typed commands themselves, and how. */
const typedCalls = new WeakMap<Transport, TypedCall>();

/**
 * Declares that `transport` carries typed commands with `call` (HTTP maps each to REST and JSON),
 * so the client hands them over as they are instead of encoding them.
 *
 * @param transport The transport.
 * @param call Its typed path.
 */
export function setTypedCall(transport: Transport, call: TypedCall): void {
  typedCalls.set(transport, call);
}

/**
 * The typed path of a transport.
 *
 * @param transport The transport.
 * @returns Its typed path, or undefined for a transport that only carries bytes.
 */
export function typedCallOf(transport: Transport): TypedCall | undefined {
  return typedCalls.get(transport);
}

/**
 * The codec of a command code.
 *
 * @param code The command code.
 * @returns Its codec.
 * @throws {IggyError} 3 `InvalidCommand` for an unknown code.
 */
export function codecOf(code: number): CommandCodec<unknown, unknown> {
  const entry = (COMMANDS as Record<number, CommandCodec<unknown, unknown>>)[
    code
  ];
  if (entry === undefined) {
    throw new IggyError(ErrorCode.InvalidCommand, `Unknown command ${code}`);
  }
  return entry;
}
