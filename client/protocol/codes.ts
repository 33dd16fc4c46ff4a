/**
 * The 47 command codes of Iggy 0.8.0 and their dotted dispatch names.
 * @module
 */

/**
 * Command codes, by Iggy's command name.
 *
 * @example Usage
 * ```ts
 * import { CommandCode } from "@iggy/client";
 * import assert from "node:assert/strict";
 *
 * assert.equal(CommandCode.CreateStream, 202);
 * ```
 */
export const CommandCode = {
  Ping: 1,
  GetStats: 10,
  GetSnapshot: 11,
  GetClusterMetadata: 12,
  GetMe: 20,
  GetClient: 21,
  GetClients: 22,
  GetUser: 31,
  GetUsers: 32,
  CreateUser: 33,
  DeleteUser: 34,
  UpdateUser: 35,
  UpdatePermissions: 36,
  ChangePassword: 37,
  LoginUser: 38,
  LogoutUser: 39,
  GetPersonalAccessTokens: 41,
  CreatePersonalAccessToken: 42,
  DeletePersonalAccessToken: 43,
  LoginWithPersonalAccessToken: 44,
  PollMessages: 100,
  SendMessages: 101,
  FlushUnsavedBuffer: 102,
  GetConsumerOffset: 120,
  StoreConsumerOffset: 121,
  DeleteConsumerOffset: 122,
  GetStream: 200,
  GetStreams: 201,
  CreateStream: 202,
  DeleteStream: 203,
  UpdateStream: 204,
  PurgeStream: 205,
  GetTopic: 300,
  GetTopics: 301,
  CreateTopic: 302,
  DeleteTopic: 303,
  UpdateTopic: 304,
  PurgeTopic: 305,
  CreatePartitions: 402,
  DeletePartitions: 403,
  DeleteSegments: 503,
  GetConsumerGroup: 600,
  GetConsumerGroups: 601,
  CreateConsumerGroup: 602,
  DeleteConsumerGroup: 603,
  JoinConsumerGroup: 604,
  LeaveConsumerGroup: 605,
} as const;

/**
 * A command code.
 *
 * @example Usage
 * ```ts
 * import { CommandCode } from "@iggy/client";
 *
 * const value: CommandCode = CommandCode.CreateStream;
 * console.log(value);
 * ```
 */
export type CommandCode = (typeof CommandCode)[keyof typeof CommandCode];

/** Dotted names used in logs and metrics, e.g. `"stream.create"`. */
export const COMMAND_NAMES: Readonly<Record<number, string>> = {
  1: "ping",
  10: "stats",
  11: "snapshot",
  12: "cluster.metadata",
  20: "me",
  21: "client.get",
  22: "client.list",
  31: "user.get",
  32: "user.list",
  33: "user.create",
  34: "user.delete",
  35: "user.update",
  36: "user.permissions",
  37: "user.password",
  38: "user.login",
  39: "user.logout",
  41: "personal_access_token.list",
  42: "personal_access_token.create",
  43: "personal_access_token.delete",
  44: "personal_access_token.login",
  100: "message.poll",
  101: "message.send",
  102: "message.flush_unsaved_buffer",
  120: "consumer_offset.get",
  121: "consumer_offset.store",
  122: "consumer_offset.delete",
  200: "stream.get",
  201: "stream.list",
  202: "stream.create",
  203: "stream.delete",
  204: "stream.update",
  205: "stream.purge",
  300: "topic.get",
  301: "topic.list",
  302: "topic.create",
  303: "topic.delete",
  304: "topic.update",
  305: "topic.purge",
  402: "partition.create",
  403: "partition.delete",
  503: "segment.delete",
  600: "consumer_group.get",
  601: "consumer_group.list",
  602: "consumer_group.create",
  603: "consumer_group.delete",
  604: "consumer_group.join",
  605: "consumer_group.leave",
};
