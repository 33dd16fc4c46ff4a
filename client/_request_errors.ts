/**
 * Errors of failed requests, rebuilt at the client method that awaited them: the message names the
 * action, the resource (stream, topic, partition, group, user), the Iggy code and its name, and
 * the stack is the caller's (V8 links the awaiting async functions into a stack captured after an
 * `await`), not the transport's read loop, and starts at the caller's line: the SDK's own frames
 * above it are cut where the runtime can. Only the failure branch pays for this.
 * @module
 */

import { CommandCode, type Identifier, IggyError } from "./protocol/mod.ts";
import { ConnectionError, TimeoutError } from "./errors.ts";

/** What a request acted on; any of the fields a command's options carry. */
export interface RequestTarget {
  streamId?: Identifier;
  topicId?: Identifier;
  partitionId?: number;
  groupId?: Identifier;
  userId?: Identifier;
  clientId?: number;
  /** The name given to a resource being created or renamed. */
  name?: string;
  username?: string;
}

/** The verb of each command: "Cannot <verb> <resource>". */
const ACTIONS: Readonly<Record<number, string>> = {
  [CommandCode.Ping]: "ping the server",
  [CommandCode.GetStats]: "get the server's statistics",
  [CommandCode.GetSnapshot]: "get a snapshot",
  [CommandCode.GetClusterMetadata]: "get the cluster metadata",
  [CommandCode.GetMe]: "describe this client",
  [CommandCode.GetClient]: "get",
  [CommandCode.GetClients]: "list clients",
  [CommandCode.GetUser]: "get",
  [CommandCode.GetUsers]: "list users",
  [CommandCode.CreateUser]: "create",
  [CommandCode.DeleteUser]: "delete",
  [CommandCode.UpdateUser]: "update",
  [CommandCode.UpdatePermissions]: "update the permissions of",
  [CommandCode.ChangePassword]: "change the password of",
  [CommandCode.LoginUser]: "log in as",
  [CommandCode.LogoutUser]: "log out",
  [CommandCode.GetPersonalAccessTokens]: "list personal access tokens",
  [CommandCode.CreatePersonalAccessToken]: "create",
  [CommandCode.DeletePersonalAccessToken]: "delete",
  [CommandCode.LoginWithPersonalAccessToken]:
    "log in with a personal access token",
  [CommandCode.PollMessages]: "poll messages from",
  [CommandCode.SendMessages]: "send messages to",
  [CommandCode.FlushUnsavedBuffer]: "flush the unsaved buffer of",
  [CommandCode.GetConsumerOffset]: "get the consumer offset of",
  [CommandCode.StoreConsumerOffset]: "store the consumer offset of",
  [CommandCode.DeleteConsumerOffset]: "delete the consumer offset of",
  [CommandCode.GetStream]: "get",
  [CommandCode.GetStreams]: "list streams",
  [CommandCode.CreateStream]: "create",
  [CommandCode.DeleteStream]: "delete",
  [CommandCode.UpdateStream]: "update",
  [CommandCode.PurgeStream]: "purge",
  [CommandCode.GetTopic]: "get",
  [CommandCode.GetTopics]: "list the topics of",
  [CommandCode.CreateTopic]: "create",
  [CommandCode.DeleteTopic]: "delete",
  [CommandCode.UpdateTopic]: "update",
  [CommandCode.PurgeTopic]: "purge",
  [CommandCode.CreatePartitions]: "create partitions in",
  [CommandCode.DeletePartitions]: "delete partitions of",
  [CommandCode.DeleteSegments]: "delete segments of",
  [CommandCode.GetConsumerGroup]: "get",
  [CommandCode.GetConsumerGroups]: "list the consumer groups of",
  [CommandCode.CreateConsumerGroup]: "create",
  [CommandCode.DeleteConsumerGroup]: "delete",
  [CommandCode.JoinConsumerGroup]: "join",
  [CommandCode.LeaveConsumerGroup]: "leave",
};

/** Commands whose `name` (or `username`) names the resource acted on, and its kind. */
const NAMED: Readonly<Record<number, string>> = {
  [CommandCode.CreateStream]: "stream",
  [CommandCode.CreateTopic]: "topic",
  [CommandCode.CreateConsumerGroup]: "consumer group",
  [CommandCode.CreateUser]: "user",
  [CommandCode.LoginUser]: "user",
  [CommandCode.CreatePersonalAccessToken]: "personal access token",
  [CommandCode.DeletePersonalAccessToken]: "personal access token",
};

/**
 * The error to throw for a failed request, created here so that its stack is the awaiting
 * caller's. An {@linkcode IggyError} becomes one with the same code whose message reads
 * `Cannot <action> <resource>: <message> (<code> <CodeName>)`; a `ConnectionError` or
 * `TimeoutError` keeps its class and message. The original is the `cause`.
 *
 * @param error What the transport (or a decryption) threw.
 * @param code The command code.
 * @param target What the request acted on.
 * @param below The SDK function that calls this: it and the frames above it are left out of the
 *   stack, so that the stack (and an uncaught error's source line) starts at the caller.
 * @returns The error to throw.
 */
export function requestError(
  error: unknown,
  code: number,
  target?: RequestTarget,
  below?: (...args: never[]) => unknown,
): unknown {
  let rebuilt: Error;
  if (error instanceof IggyError) {
    rebuilt = new IggyError(error.code, undefined, { cause: error });
    rebuilt.message = `${describeRequest(code, target)}: ${error.message} (${
      codeLabel(error)
    })`;
  } else if (error instanceof ConnectionError) {
    rebuilt = new ConnectionError(error.message, { cause: error });
  } else if (error instanceof TimeoutError) {
    rebuilt = new TimeoutError(error.message, { cause: error });
  } else {
    return error;
  }
  // V8 and JavaScriptCore (Deno, Node, Bun, Chrome) have it; elsewhere the SDK's frames stay.
  if (below !== undefined && typeof Error.captureStackTrace === "function") {
    Error.captureStackTrace(rebuilt, below);
  }
  return rebuilt;
}

/**
 * An error the SDK finds itself on the way to a request (say, the topic a producer sends to does
 * not exist), worded as a server's answer to that request would be:
 * `Cannot <action> <resource>: <message> (<code> <CodeName>)`.
 *
 * @param command The command that could not be sent.
 * @param code The Iggy error code.
 * @param target What the request would have acted on.
 * @param detail Optional text after the code's standard message.
 * @returns The error to throw.
 */
export function commandError(
  command: number,
  code: number,
  target: RequestTarget,
  detail?: string,
): IggyError {
  const error = new IggyError(code, detail);
  error.message = `${describeRequest(command, target)}: ${error.message} (${
    codeLabel(error)
  })`;
  return error;
}

/**
 * `Cannot <action> <resource>`, e.g. `Cannot create topic "created" in stream "orders"`.
 *
 * @param code The command code.
 * @param target What the request acted on.
 * @returns The phrase.
 */
export function describeRequest(code: number, target?: RequestTarget): string {
  const action = ACTIONS[code] ?? `run command ${code}`;
  const resource = target === undefined ? "" : describeTarget(code, target);
  return `Cannot ${action}${resource ? ` ${resource}` : ""}`;
}

/** `<code> <CodeName>`, e.g. `1012 StreamNameAlreadyExists`. */
function codeLabel(error: IggyError): string {
  return `${error.code} ${error.codeName}`;
}

/**
 * The resource a request acted on, innermost first: `partition 2 of topic "t" of stream "s"`, or
 * for a creation `topic "t" in stream "s"`.
 */
function describeTarget(code: number, target: RequestTarget): string {
  const parts: string[] = [];
  const kind = NAMED[code];
  const name = target.name ?? target.username;
  if (kind !== undefined && name !== undefined) {
    parts.push(`${kind} ${quote(name)}`);
  }
  if (target.userId !== undefined) parts.push(`user ${quote(target.userId)}`);
  if (target.clientId !== undefined) parts.push(`client ${target.clientId}`);
  if (target.groupId !== undefined) {
    parts.push(`consumer group ${quote(target.groupId)}`);
  }
  if (target.partitionId !== undefined) {
    parts.push(`partition ${target.partitionId}`);
  }
  if (target.topicId !== undefined) {
    parts.push(`topic ${quote(target.topicId)}`);
  }
  if (target.streamId !== undefined) {
    parts.push(`stream ${quote(target.streamId)}`);
  }
  if (parts.length === 0) return "";
  const first = code in NAMED ? " in " : " of ";
  return parts.reduce((text, part, i) =>
    i === 0 ? part : `${text}${i === 1 ? first : " of "}${part}`
  );
}

function quote(id: Identifier): string {
  return typeof id === "number" ? String(id) : JSON.stringify(id);
}
