/**
 * Iggy errors as HTTP answers (http.md §4.1): the status, the `field` and the formatted `reason`.
 * @module
 */

import {
  ERROR_TABLE,
  ErrorCode,
  type IggyError,
} from "../../client/protocol/errors.ts";

/** The JSON error body. */
export interface ErrorBody {
  id: number;
  code: string;
  reason: string;
  field: string | null;
}

const NOT_FOUND = new Set<number>([
  ErrorCode.StreamIdNotFound,
  ErrorCode.TopicIdNotFound,
  ErrorCode.PartitionNotFound,
  ErrorCode.SegmentNotFound,
  ErrorCode.ClientNotFound,
  ErrorCode.ConsumerGroupIdNotFound,
  ErrorCode.ConsumerGroupNameNotFound,
  ErrorCode.ConsumerGroupMemberNotFound,
  ErrorCode.ConsumerOffsetNotFound,
  ErrorCode.ResourceNotFound,
]);

const UNAUTHORIZED = new Set<number>([
  ErrorCode.Unauthenticated,
  ErrorCode.AccessTokenMissing,
  ErrorCode.InvalidAccessToken,
  ErrorCode.InvalidPersonalAccessToken,
]);

const FIELDS: Readonly<Record<number, string>> = {
  [ErrorCode.StreamIdNotFound]: "stream_id",
  [ErrorCode.InvalidStreamId]: "stream_id",
  [ErrorCode.TopicIdNotFound]: "topic_id",
  [ErrorCode.InvalidTopicId]: "topic_id",
  [ErrorCode.PartitionNotFound]: "partition_id",
  [ErrorCode.SegmentNotFound]: "segment_id",
  [ErrorCode.ClientNotFound]: "client_id",
  [ErrorCode.InvalidConsumerGroupId]: "consumer_group_id",
  [ErrorCode.InvalidOffset]: "offset",
  [ErrorCode.InvalidStreamName]: "name",
  [ErrorCode.StreamNameAlreadyExists]: "name",
  [ErrorCode.InvalidTopicName]: "name",
  [ErrorCode.TopicNameAlreadyExists]: "name",
  [ErrorCode.ConsumerGroupNameAlreadyExists]: "name",
  [ErrorCode.PersonalAccessTokenAlreadyExists]: "name",
  [ErrorCode.UserAlreadyExists]: "username",
};

/** Which request values fill a reason's `{0}`, `{1}`… placeholders. */
const ARGUMENTS: Readonly<Record<number, readonly string[]>> = {
  [ErrorCode.StreamIdNotFound]: ["stream_id"],
  [ErrorCode.StreamNameNotFound]: ["stream_id"],
  [ErrorCode.StreamNameAlreadyExists]: ["name"],
  [ErrorCode.TopicIdNotFound]: ["topic_id", "stream_id"],
  [ErrorCode.TopicNameNotFound]: ["topic_id", "stream_id"],
  [ErrorCode.TopicNameAlreadyExists]: ["name", "stream_id"],
  [ErrorCode.PartitionNotFound]: ["partition_id", "topic_id", "stream_id"],
  [ErrorCode.NoPartitions]: ["topic_id", "stream_id"],
  [ErrorCode.ConsumerGroupIdNotFound]: ["group_id", "topic_id"],
  [ErrorCode.ConsumerGroupNameNotFound]: ["group_id", "topic_id"],
  [ErrorCode.ConsumerGroupNameAlreadyExists]: ["name", "topic_id"],
  [ErrorCode.ConsumerOffsetNotFound]: ["consumer_id"],
  [ErrorCode.ClientNotFound]: ["client_id"],
  [ErrorCode.CannotDeleteUser]: ["user_id"],
  [ErrorCode.CannotChangePermissions]: ["user_id"],
  [ErrorCode.ResourceNotFound]: ["key"],
  [ErrorCode.InvalidOffset]: ["offset"],
};

/** The HTTP status of an Iggy error code (429 and 503 for logins refused for load, not credentials). */
export function statusOf(code: number): 400 | 401 | 403 | 404 | 429 | 503 {
  if (NOT_FOUND.has(code)) return 404;
  if (code === ErrorCode.TooManyLoginAttempts) return 429;
  if (code === ErrorCode.LoginQueueFull) return 503;
  if (UNAUTHORIZED.has(code)) return 401;
  if (code === ErrorCode.Unauthorized) return 403;
  return 400;
}

/**
 * The JSON body of an Iggy error. `args` holds the request's path parameters and any values the
 * route recorded (e.g. `name`); a reason whose placeholders cannot all be filled falls back to the
 * error's own message.
 */
export function errorBody(
  err: IggyError,
  args: Readonly<Record<string, string | undefined>>,
): ErrorBody {
  const template = ERROR_TABLE[err.code]?.reason;
  let reason: string | undefined = template;
  if (template?.includes("{")) {
    const names = ARGUMENTS[err.code] ?? [];
    reason = template.replace(/\{(\d+)\}/g, (all, index: string) => {
      const value = args[names[Number(index)] ?? ""];
      return value ?? all;
    });
    if (/\{\d+\}/.test(reason)) reason = err.message;
  }
  return {
    id: err.code,
    code: ERROR_TABLE[err.code]?.snake ?? "error",
    reason: reason ?? err.message,
    field: FIELDS[err.code] ?? null,
  };
}

/** The generic not-found body (`id` is literally 404). */
export const GENERIC_NOT_FOUND: ErrorBody = {
  id: 404,
  code: "not_found",
  reason: "Resource not found",
  field: null,
};
