/**
 * How the CLI reports a failure: the server's error name (or the client's), the message and a
 * one-line hint, with no stack trace for expected errors.
 * @module
 */

import { ConnectionError, ErrorCode, IggyError, TimeoutError } from "../mod.ts";

/** A mistake in the command line that the parser could not catch (a bad value, a missing input). */
export class UsageError extends Error {
  /**
   * Creates the error.
   *
   * @param message What is wrong.
   * @param options Standard error options.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "UsageError";
  }
}

/** What to print for a failure. */
export interface ErrorReport {
  /** The error's name, e.g. `StreamIdNotFound`. */
  name: string;
  /** The message. */
  message: string;
  /** A one-line hint; absent when there is nothing useful to say. */
  hint?: string;
  /** Whether the error was expected (no stack trace). */
  expected: boolean;
}

const HINTS: Readonly<Record<number, string>> = {
  [ErrorCode.Unauthenticated]:
    "Log in: pass -u <user> -p <password> (or IGGY_USERNAME/IGGY_PASSWORD), -t <token>, or run `iggy login` first",
  [ErrorCode.Unauthorized]:
    "The user lacks the permission for this command; an admin can grant it with `iggy user permissions`",
  [ErrorCode.InvalidCredentials]:
    "Check the user name and password given with -u/-p or IGGY_USERNAME/IGGY_PASSWORD",
  [ErrorCode.UserInactive]:
    "The user is inactive; an admin can activate it with `iggy user status <user> active`",
  [ErrorCode.InvalidPersonalAccessToken]:
    "The token is unknown: run `iggy login` again, or log in with -u/-p",
  [ErrorCode.PersonalAccessTokenExpired]:
    "The token has expired: run `iggy login` again, or log in with -u/-p",
  [ErrorCode.StreamIdNotFound]: "List the streams with `iggy stream list`",
  [ErrorCode.StreamNameNotFound]: "List the streams with `iggy stream list`",
  [ErrorCode.TopicIdNotFound]:
    "List the stream's topics with `iggy topic list <stream>`",
  [ErrorCode.TopicNameNotFound]:
    "List the stream's topics with `iggy topic list <stream>`",
  [ErrorCode.PartitionNotFound]:
    "Partition ids start at 0; see them with `iggy topic get <stream> <topic>`",
  [ErrorCode.StreamNameAlreadyExists]:
    "Pick another name, or see the streams with `iggy stream list`",
  [ErrorCode.TopicNameAlreadyExists]:
    "Pick another name, or see the topics with `iggy topic list <stream>`",
  [ErrorCode.ConsumerGroupNameAlreadyExists]:
    "Pick another name, or see the groups with `iggy consumer-group list <stream> <topic>`",
  [ErrorCode.ConsumerGroupIdNotFound]:
    "List the groups with `iggy consumer-group list <stream> <topic>`",
  [ErrorCode.ConsumerGroupNameNotFound]:
    "List the groups with `iggy consumer-group list <stream> <topic>`",
  [ErrorCode.ConsumerGroupMemberNotFound]:
    "Polling as a consumer group needs a member connection; poll as a single consumer instead",
  [ErrorCode.UserAlreadyExists]:
    "Pick another user name, or see the users with `iggy user list`",
  [ErrorCode.PersonalAccessTokenAlreadyExists]:
    "Pick another name, or delete the old token with `iggy pat delete <name>`",
  [ErrorCode.ResourceNotFound]:
    "Check the name or id; the list commands show what exists",
  [ErrorCode.ConsumerOffsetNotFound]:
    "No offset is stored for this consumer; set one with `iggy consumer-offset set`",
  [ErrorCode.InvalidOffset]:
    "The offset is past the partition's last message; see it with `iggy topic get <stream> <topic>`",
  [ErrorCode.CannotDeleteUser]: "The root user cannot be deleted",
  [ErrorCode.CannotChangePermissions]:
    "The root user's permissions cannot be changed",
  [ErrorCode.InvalidStreamName]: "Names are 1..255 bytes",
  [ErrorCode.InvalidTopicName]: "Names are 1..255 bytes",
  [ErrorCode.InvalidUsername]: "User names are 3..50 characters",
  [ErrorCode.InvalidPersonalAccessTokenName]:
    "Token names are 3..30 characters (UTF-8 bytes)",
  [ErrorCode.InvalidPassword]: "Passwords are 3..100 characters",
  [ErrorCode.TooManyPartitions]: "Topics have at most 1000 partitions",
  [ErrorCode.InvalidPartitionsCount]:
    "A topic keeps at least one partition; see them with `iggy topic get`",
};

/**
 * Describes a failure for the user.
 *
 * @param err What was thrown.
 * @param address The server address, for connection hints.
 * @returns The report.
 */
export function describeError(err: unknown, address?: string): ErrorReport {
  if (err instanceof IggyError) {
    return {
      name: err.codeName,
      // The SDK's request errors end with "(<code> <CodeName>)" already.
      message: err.message.endsWith(`(${err.code} ${err.codeName})`)
        ? err.message
        : `${err.message} (error ${err.code})`,
      hint: HINTS[err.code] ??
        "The server rejected the command; its log may say more",
      expected: true,
    };
  }
  if (err instanceof ConnectionError && isCertificateFailure(err)) {
    return {
      name: "ConnectionError",
      message: err.message,
      hint:
        "The server's certificate was not accepted: pass its CA with --tls-ca-file (and --tls-domain <name> when it is for another name), or skip the check with --insecure",
      expected: true,
    };
  }
  if (err instanceof ConnectionError) {
    return {
      name: "ConnectionError",
      message: err.message,
      hint: `Is the server running${
        address ? ` at ${address}` : ""
      }? Check --transport and --server-address, or the context (\`iggy context list\`)`,
      expected: true,
    };
  }
  if (err instanceof TimeoutError) {
    return {
      name: "TimeoutError",
      message: err.message,
      hint: "The server did not answer in time; check that it is healthy",
      expected: true,
    };
  }
  if (
    err instanceof UsageError || err instanceof RangeError ||
    err instanceof TypeError && !isInternalTypeError(err)
  ) {
    return {
      name: "InvalidArgument",
      message: err.message,
      hint: "Run the command with --help to see its arguments",
      expected: true,
    };
  }
  if (err instanceof Deno.errors.NotFound) {
    return { name: "NotFound", message: err.message, expected: true };
  }
  if (err instanceof Deno.errors.BrokenPipe) {
    return { name: "BrokenPipe", message: err.message, expected: true };
  }
  if (err instanceof Deno.errors.PermissionDenied) {
    return { name: "PermissionDenied", message: err.message, expected: true };
  }
  const error = err instanceof Error ? err : new Error(String(err));
  return {
    name: error.name,
    message: error.message,
    hint:
      "This looks like a bug in the CLI; set IGGY_CLI_DEBUG=1 for a stack trace",
    expected: false,
  };
}

/** Whether a connection failed on the server's certificate (TLS, WSS, QUIC), not on reaching it. */
function isCertificateFailure(err: Error): boolean {
  const text = `${err.message} ${(err.cause as Error)?.message ?? ""}`;
  return /certificate|UnknownIssuer|CaUsedAsEndEntity|NotValidForName|self[- ]signed|invalid peer/i
    .test(text);
}

/** TypeErrors raised by JavaScript itself (a bug), not by argument checks. */
function isInternalTypeError(err: TypeError): boolean {
  return /is not a function|of undefined|of null|is not iterable|Cannot (read|set) properties/
    .test(err.message);
}
