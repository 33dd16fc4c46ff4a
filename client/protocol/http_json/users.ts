/**
 * Users, permissions and login identities as JSON (http.md §6.6, §6.9), both ways, and the request
 * bodies of the user commands (create, update, permissions, password, login).
 * @module
 */

import type {
  ChangePassword,
  CreateUser,
  LoginUser,
  UpdatePermissions,
  UpdateUser,
  User,
  UserDetails,
} from "../commands/users.ts";
import type {
  GlobalPermissions,
  Permissions,
  StreamPermissions,
  TopicPermissions,
} from "../permissions.ts";
import type { UserStatus } from "../primitives.ts";
import type { JsonFields } from "./fields.ts";
import type { JsonObject } from "./values.ts";

/**
 * The JSON name of a user status code (1 is `active`, anything else `inactive`).
 *
 * @param code The status code.
 * @returns The name.
 */
export function userStatusName(code: number): string {
  return code === 1 ? "active" : "inactive";
}

/**
 * The status code of a JSON name.
 *
 * @param name `active` or `inactive`.
 * @returns 1 or 2, or undefined for another name.
 */
export function userStatusCode(name: string): UserStatus | undefined {
  return name === "active" ? 1 : name === "inactive" ? 2 : undefined;
}

/**
 * `UserInfo` → JSON.
 *
 * @param u The user.
 * @returns `{id, created_at, status, username}`.
 */
export function userToJson(u: User): Record<string, unknown> {
  return {
    id: u.id,
    created_at: u.createdAt,
    status: userStatusName(u.status),
    username: u.username,
  };
}

/**
 * JSON → `User` (an unknown status reads as active).
 *
 * @param o The JSON object.
 * @param read The field readers.
 * @returns The user.
 */
export function userFromJson(o: JsonObject, read: JsonFields): User {
  return {
    id: read.u32(o, "id"),
    createdAt: read.u64(o, "created_at"),
    status: read.str(o, "status") === "inactive" ? 2 : 1,
    username: read.str(o, "username"),
  };
}

/**
 * `UserInfoDetails` → JSON: the user's fields, then `permissions` (`null` when none).
 *
 * @param u The user with its permissions.
 * @returns The JSON object.
 */
export function userDetailsToJson(u: UserDetails): Record<string, unknown> {
  return {
    ...userToJson(u),
    permissions: u.permissions ? permissionsToJson(u.permissions) : null,
  };
}

/**
 * JSON → `UserDetails`.
 *
 * @param o The JSON object.
 * @param read The field readers.
 * @returns The user with its permissions.
 */
export function userDetailsFromJson(
  o: JsonObject,
  read: JsonFields,
): UserDetails {
  const user: UserDetails = userFromJson(o, read);
  const permissions = read.optObject(o, "permissions");
  if (permissions) user.permissions = permissionsFromJson(permissions, read);
  return user;
}

/**
 * `Permissions` → JSON: ids as object keys in ascending order, empty maps as `null`.
 *
 * @param p The permissions.
 * @returns The JSON object.
 */
export function permissionsToJson(p: Permissions): Record<string, unknown> {
  const g = p.global;
  let streams: Record<string, unknown> | null = null;
  if (p.streams.size > 0) {
    streams = {};
    for (const [id, s] of [...p.streams].sort((a, b) => a[0] - b[0])) {
      let topics: Record<string, unknown> | null = null;
      if (s.topics.size > 0) {
        topics = {};
        for (const [tid, t] of [...s.topics].sort((a, b) => a[0] - b[0])) {
          topics[String(tid)] = {
            manage_topic: t.manageTopic,
            read_topic: t.readTopic,
            poll_messages: t.pollMessages,
            send_messages: t.sendMessages,
          };
        }
      }
      streams[String(id)] = {
        manage_stream: s.manageStream,
        read_stream: s.readStream,
        manage_topics: s.manageTopics,
        read_topics: s.readTopics,
        poll_messages: s.pollMessages,
        send_messages: s.sendMessages,
        topics,
      };
    }
  }
  return {
    global: {
      manage_servers: g.manageServers,
      read_servers: g.readServers,
      manage_users: g.manageUsers,
      read_users: g.readUsers,
      manage_streams: g.manageStreams,
      read_streams: g.readStreams,
      manage_topics: g.manageTopics,
      read_topics: g.readTopics,
      poll_messages: g.pollMessages,
      send_messages: g.sendMessages,
    },
    streams,
  };
}

/**
 * JSON → `Permissions`: `global` first, then each stream's topics, then the stream; every boolean
 * is required.
 *
 * @param o The JSON object.
 * @param read The field readers.
 * @returns The permissions.
 */
export function permissionsFromJson(
  o: JsonObject,
  read: JsonFields,
): Permissions {
  const g = read.optObject(o, "global") ?? read.fail("missing field `global`");
  const global: GlobalPermissions = {
    manageServers: read.bool(g, "manage_servers"),
    readServers: read.bool(g, "read_servers"),
    manageUsers: read.bool(g, "manage_users"),
    readUsers: read.bool(g, "read_users"),
    manageStreams: read.bool(g, "manage_streams"),
    readStreams: read.bool(g, "read_streams"),
    manageTopics: read.bool(g, "manage_topics"),
    readTopics: read.bool(g, "read_topics"),
    pollMessages: read.bool(g, "poll_messages"),
    sendMessages: read.bool(g, "send_messages"),
  };
  const streams = new Map<number, StreamPermissions>();
  for (
    const [key, value] of Object.entries(read.optObject(o, "streams") ?? {})
  ) {
    const s = read.asObject(value, `streams.${key}`);
    const topics = new Map<number, TopicPermissions>();
    for (
      const [tkey, tvalue] of Object.entries(read.optObject(s, "topics") ?? {})
    ) {
      const t = read.asObject(tvalue, `topics.${tkey}`);
      topics.set(read.idKey(tkey, "permissions"), {
        manageTopic: read.bool(t, "manage_topic"),
        readTopic: read.bool(t, "read_topic"),
        pollMessages: read.bool(t, "poll_messages"),
        sendMessages: read.bool(t, "send_messages"),
      });
    }
    streams.set(read.idKey(key, "permissions"), {
      manageStream: read.bool(s, "manage_stream"),
      readStream: read.bool(s, "read_stream"),
      manageTopics: read.bool(s, "manage_topics"),
      readTopics: read.bool(s, "read_topics"),
      pollMessages: read.bool(s, "poll_messages"),
      sendMessages: read.bool(s, "send_messages"),
      topics,
    });
  }
  return { global, streams };
}

/** A login answer: the user and the access token (JWT) issued to it. */
export interface IdentityJson {
  /** The logged-in user's id. */
  userId: number;
  /** The JWT. */
  token: string;
  /** When the JWT expires, in seconds since the epoch. */
  expiry: number;
}

/**
 * `IdentityInfo` with its access token → JSON.
 *
 * @param identity The user id and token.
 * @returns `{user_id, access_token: {token, expiry}}`.
 */
export function identityToJson(
  identity: IdentityJson,
): Record<string, unknown> {
  return {
    user_id: identity.userId,
    access_token: { token: identity.token, expiry: identity.expiry },
  };
}

/**
 * JSON → the user id and access token of a login answer.
 *
 * @param o The JSON object.
 * @param read The field readers.
 * @returns The identity.
 */
export function identityFromJson(
  o: JsonObject,
  read: JsonFields,
): IdentityJson {
  const token = read.object(o, "access_token");
  return {
    userId: read.u32(o, "user_id"),
    token: read.str(token, "token"),
    expiry: read.u32(token, "expiry"),
  };
}

// --- request bodies (the user is in the path where there is one) ---

function permissionsBody(p: Permissions | undefined): unknown {
  return p ? permissionsToJson(p) : null;
}

function readStatusName(name: string, read: JsonFields): UserStatus {
  return userStatusCode(name) ??
    read.fail(`status: unknown variant \`${name}\``);
}

/**
 * CreateUser → its request body (`permissions` is `null` when none).
 *
 * @param c The command.
 * @returns The JSON object.
 */
export function createUserToJson(c: CreateUser): Record<string, unknown> {
  return {
    username: c.username,
    password: c.password,
    status: userStatusName(c.status),
    permissions: permissionsBody(c.permissions),
  };
}

/**
 * A CreateUser request body → the command (every field but `permissions` required).
 *
 * @param o The JSON object.
 * @param read The field readers.
 * @returns The command.
 */
export function createUserFromJson(
  o: JsonObject,
  read: JsonFields,
): CreateUser {
  const username = read.str(o, "username");
  const password = read.str(o, "password");
  if (o.status === undefined) read.fail("missing field `status`");
  const status = readStatusName(read.str(o, "status"), read);
  const permissions = read.optObject(o, "permissions");
  return {
    username,
    password,
    status,
    permissions: permissions
      ? permissionsFromJson(permissions, read)
      : undefined,
  };
}

/**
 * UpdateUser → its request body (absent fields stay unchanged).
 *
 * @param c The command.
 * @returns The JSON object.
 */
export function updateUserToJson(c: UpdateUser): Record<string, unknown> {
  return {
    username: c.username,
    status: c.status === undefined ? undefined : userStatusName(c.status),
  };
}

/**
 * An UpdateUser request body → the command's body fields.
 *
 * @param o The JSON object.
 * @param read The field readers.
 * @returns The new username and status, each undefined when absent.
 */
export function updateUserFromJson(
  o: JsonObject,
  read: JsonFields,
): Omit<UpdateUser, "userId"> {
  const username = read.optStr(o, "username");
  const status = read.optStr(o, "status");
  return {
    username,
    status: status === undefined ? undefined : readStatusName(status, read),
  };
}

/**
 * UpdatePermissions → its request body.
 *
 * @param c The command.
 * @returns `{permissions}` (`null` removes them all).
 */
export function updatePermissionsToJson(
  c: UpdatePermissions,
): Record<string, unknown> {
  return { permissions: permissionsBody(c.permissions) };
}

/**
 * An UpdatePermissions request body → the new permissions.
 *
 * @param o The JSON object.
 * @param read The field readers.
 * @returns The permissions, undefined for none.
 */
export function updatePermissionsFromJson(
  o: JsonObject,
  read: JsonFields,
): Omit<UpdatePermissions, "userId"> {
  const permissions = read.optObject(o, "permissions");
  return {
    permissions: permissions
      ? permissionsFromJson(permissions, read)
      : undefined,
  };
}

/**
 * ChangePassword → its request body.
 *
 * @param c The command.
 * @returns `{current_password, new_password}`.
 */
export function changePasswordToJson(
  c: ChangePassword,
): Record<string, unknown> {
  return { current_password: c.currentPassword, new_password: c.newPassword };
}

/**
 * A ChangePassword request body → the command's body fields.
 *
 * @param o The JSON object.
 * @param read The field readers.
 * @returns Both passwords.
 */
export function changePasswordFromJson(
  o: JsonObject,
  read: JsonFields,
): Omit<ChangePassword, "userId"> {
  return {
    currentPassword: read.str(o, "current_password"),
    newPassword: read.str(o, "new_password"),
  };
}

/**
 * LoginUser → its request body.
 *
 * @param c The command.
 * @returns `{username, password, version, context}`.
 */
export function loginUserToJson(c: LoginUser): Record<string, unknown> {
  return {
    username: c.username,
    password: c.password,
    version: c.version,
    context: c.context,
  };
}

/**
 * A LoginUser request body → the credentials (`version` and `context` are not read: the server
 * ignores them).
 *
 * @param o The JSON object.
 * @param read The field readers.
 * @returns Username and password.
 */
export function loginUserFromJson(o: JsonObject, read: JsonFields): LoginUser {
  return {
    username: read.str(o, "username"),
    password: read.str(o, "password"),
  };
}
