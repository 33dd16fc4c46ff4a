/**
 * User commands (binary.md §5.2) and the UserHeader / UserDetails / IdentityInfo objects
 * (§4.8, §4.9, §4.15).
 * @module
 */

import { ByteReader, type ByteWriter, fromUtf8 } from "../bytes.ts";
import type { Identifier } from "../identifier.ts";
import { readIdentifier, writeIdentifier } from "../identifier.ts";
import type { Permissions } from "../permissions.ts";
import {
  readOptionalPermissions,
  readPermissionsBlock,
  writeOptionalPermissions,
  writePermissionsBlock,
} from "../permissions.ts";
import type { UserStatus } from "../primitives.ts";
import { readName, readUserStatus, writeName } from "../primitives.ts";
import { encodeList, encodeWith, readList } from "./_codec.ts";

/** GetUser (31). */
export interface GetUser {
  /** The user id or username. */
  userId: Identifier;
}

/** CreateUser (33). */
export interface CreateUser {
  /** The username (the handler requires 3..50 bytes). */
  username: string;
  /** The password (the handler requires 3..100 bytes). */
  password: string;
  /** The initial status code. */
  status: UserStatus;
  /** The permissions, or `undefined` for none. */
  permissions?: Permissions;
}

/** DeleteUser (34). */
export interface DeleteUser {
  /** The user id or username. */
  userId: Identifier;
}

/** UpdateUser (35): changes the username and/or the status. */
export interface UpdateUser {
  /** The user id or username. */
  userId: Identifier;
  /** The new username, if it changes. */
  username?: string;
  /** The new status code, if it changes. */
  status?: UserStatus;
}

/** UpdatePermissions (36): replaces a user's permissions. */
export interface UpdatePermissions {
  /** The user id or username. */
  userId: Identifier;
  /** The new permissions; `undefined` removes them all. */
  permissions?: Permissions;
}

/** ChangePassword (37). */
export interface ChangePassword {
  /** The user id or username. */
  userId: Identifier;
  /** The current password. */
  currentPassword: string;
  /** The new password. */
  newPassword: string;
}

/** LoginUser (38). */
export interface LoginUser {
  /** The username. */
  username: string;
  /** The password. */
  password: string;
  /** The client SDK version (ignored by the server). */
  version?: string;
  /** Free-form client context (ignored by the server). */
  context?: string;
}

/**
 * A user header (UserHeader, §4.8).
 *
 * @example Usage
 * ```ts ignore
 * for (const user of await client.getUsers()) console.log(user.id, user.username, user.status);
 * ```
 */
export interface User {
  /** User id (root = 0). */
  id: number;
  /** Creation time, µs since the epoch. */
  createdAt: bigint;
  /** Status code. */
  status: UserStatus;
  /** The username. */
  username: string;
}

/**
 * A user with its permissions (UserDetails, §4.9).
 *
 * @example Usage
 * ```ts ignore
 * const user = await client.getUser("billing");
 * console.log(user?.permissions?.global.readStreams);
 * ```
 */
export interface UserDetails extends User {
  /** The permissions, if the user has any. */
  permissions?: Permissions;
}

/**
 * The logged-in user (IdentityInfo, §4.15).
 *
 * @example Usage
 * ```ts ignore
 * const { userId } = await client.login("iggy", "iggy");
 * ```
 */
export interface IdentityInfo {
  /** The user id. */
  userId: number;
}

// GetUser / DeleteUser request = user Identifier

/**
 * Encodes a GetUser request.
 *
 * @param command The request.
 * @returns The payload.
 */
export function encodeGetUser(command: GetUser): Uint8Array {
  return encodeWith((w) => writeIdentifier(w, command.userId));
}

/**
 * Decodes a GetUser request.
 *
 * @param payload The payload.
 * @returns The request.
 * @throws {WireError} 3 or 4 on malformed input.
 */
export function decodeGetUser(payload: Uint8Array): GetUser {
  return { userId: readIdentifier(new ByteReader(payload)) };
}

/**
 * Encodes a DeleteUser request.
 *
 * @param command The request.
 * @returns The payload.
 */
export function encodeDeleteUser(command: DeleteUser): Uint8Array {
  return encodeWith((w) => writeIdentifier(w, command.userId));
}

/**
 * Decodes a DeleteUser request.
 *
 * @param payload The payload.
 * @returns The request.
 * @throws {WireError} 3 or 4 on malformed input.
 */
export function decodeDeleteUser(payload: Uint8Array): DeleteUser {
  return { userId: readIdentifier(new ByteReader(payload)) };
}

// CreateUser request = username Name, password Str8, status u8, has_permissions u8,
//                      [perm_len u32, Permissions] only if has_permissions == 1

/**
 * Encodes a CreateUser request.
 *
 * @param command The request.
 * @returns The payload.
 */
export function encodeCreateUser(command: CreateUser): Uint8Array {
  return encodeWith((w) => {
    writeName(w, command.username);
    w.str8(command.password).u8(command.status);
    writeOptionalPermissions(w, command.permissions);
  });
}

/**
 * Decodes a CreateUser request.
 *
 * @param payload The payload.
 * @returns The request.
 * @throws {WireError} 3 on a bad status or truncation, 4 on an empty username or a permissions
 * length mismatch.
 */
export function decodeCreateUser(payload: Uint8Array): CreateUser {
  const reader = new ByteReader(payload);
  const username = readName(reader);
  const password = reader.str8();
  const status = readUserStatus(reader);
  const permissions = readOptionalPermissions(reader);
  const out: CreateUser = { username, password, status };
  if (permissions !== undefined) out.permissions = permissions;
  return out;
}

// UpdateUser request = user Identifier, has_username u8, [username Name if == 1],
//                      has_status u8, [status u8 if == 1]

/**
 * Encodes an UpdateUser request.
 *
 * @param command The request.
 * @returns The payload.
 */
export function encodeUpdateUser(command: UpdateUser): Uint8Array {
  return encodeWith((w) => {
    writeIdentifier(w, command.userId);
    if (command.username === undefined) w.u8(0);
    else {
      w.u8(1);
      writeName(w, command.username);
    }
    if (command.status === undefined) w.u8(0);
    else w.u8(1).u8(command.status);
  });
}

/**
 * Decodes an UpdateUser request.
 *
 * @param payload The payload.
 * @returns The request.
 * @throws {WireError} 3 on a bad status or truncation, 4 on an empty username.
 */
export function decodeUpdateUser(payload: Uint8Array): UpdateUser {
  const reader = new ByteReader(payload);
  const out: UpdateUser = { userId: readIdentifier(reader) };
  if (reader.u8() === 1) out.username = readName(reader);
  if (reader.u8() === 1) out.status = readUserStatus(reader);
  return out;
}

// UpdatePermissions request = user Identifier, has_permissions u8,
//                             [perm_len u32, Permissions] only if has_permissions == 1

/**
 * Encodes an UpdatePermissions request.
 *
 * @param command The request.
 * @returns The payload.
 */
export function encodeUpdatePermissions(
  command: UpdatePermissions,
): Uint8Array {
  return encodeWith((w) => {
    writeIdentifier(w, command.userId);
    writeOptionalPermissions(w, command.permissions);
  });
}

/**
 * Decodes an UpdatePermissions request.
 *
 * @param payload The payload.
 * @returns The request.
 * @throws {WireError} 3 when truncated, 4 on a permissions length mismatch.
 */
export function decodeUpdatePermissions(
  payload: Uint8Array,
): UpdatePermissions {
  const reader = new ByteReader(payload);
  const out: UpdatePermissions = { userId: readIdentifier(reader) };
  const permissions = readOptionalPermissions(reader);
  if (permissions !== undefined) out.permissions = permissions;
  return out;
}

// ChangePassword request = user Identifier, current Str8, new Str8

/**
 * Encodes a ChangePassword request.
 *
 * @param command The request.
 * @returns The payload.
 */
export function encodeChangePassword(command: ChangePassword): Uint8Array {
  return encodeWith((w) => {
    writeIdentifier(w, command.userId);
    w.str8(command.currentPassword).str8(command.newPassword);
  });
}

/**
 * Decodes a ChangePassword request.
 *
 * @param payload The payload.
 * @returns The request.
 * @throws {WireError} 3 or 4 on malformed input.
 */
export function decodeChangePassword(payload: Uint8Array): ChangePassword {
  const reader = new ByteReader(payload);
  const userId = readIdentifier(reader);
  const currentPassword = reader.str8();
  return { userId, currentPassword, newPassword: reader.str8() };
}

// LoginUser request = username Name, password Str8, version_len u32, version bytes,
//                     context_len u32, context bytes  (length 0 = absent; both lengths mandatory)

/**
 * Encodes a LoginUser request (absent version/context are sent as length 0).
 *
 * @param command The request.
 * @returns The payload.
 */
export function encodeLoginUser(command: LoginUser): Uint8Array {
  return encodeWith((w) => {
    writeName(w, command.username);
    w.str8(command.password);
    w.str32(command.version ?? "").str32(command.context ?? "");
  });
}

/**
 * Decodes a LoginUser request; a zero-length version or context becomes `undefined`.
 *
 * @param payload The payload.
 * @returns The request.
 * @throws {WireError} 3 when truncated (both length fields are required), 4 on an empty
 * username.
 */
export function decodeLoginUser(payload: Uint8Array): LoginUser {
  const reader = new ByteReader(payload);
  const username = readName(reader);
  const password = reader.str8();
  const out: LoginUser = { username, password };
  const version = fromUtf8(reader.bytesView(reader.u32()));
  const context = fromUtf8(reader.bytesView(reader.u32()));
  if (version.length > 0) out.version = version;
  if (context.length > 0) out.context = context;
  return out;
}

// UserHeader = id u32, created_at u64, status u8, username Name

/**
 * Writes a UserHeader.
 *
 * @param writer The target writer.
 * @param user The user.
 */
export function writeUser(writer: ByteWriter, user: User): void {
  writer.u32(user.id).u64(user.createdAt).u8(user.status);
  writeName(writer, user.username);
}

/**
 * Reads a UserHeader.
 *
 * @param reader The source reader.
 * @returns The user.
 * @throws {WireError} 3 on a bad status or truncation, 4 on an empty username.
 */
export function readUser(reader: ByteReader): User {
  const id = reader.u32();
  const createdAt = reader.u64();
  const status = readUserStatus(reader);
  return { id, createdAt, status, username: readName(reader) };
}

/**
 * Encodes one UserHeader.
 *
 * @param user The user.
 * @returns The payload.
 */
export function encodeUser(user: User): Uint8Array {
  return encodeWith((w) => writeUser(w, user));
}

/**
 * Decodes one UserHeader.
 *
 * @param payload The payload.
 * @returns The user.
 * @throws {WireError} 3 or 4 on malformed input.
 */
export function decodeUser(payload: Uint8Array): User {
  return readUser(new ByteReader(payload));
}

// GetUsers response = UserHeader*

/**
 * Encodes a GetUsers response.
 *
 * @param users The users, in id order.
 * @returns The payload.
 */
export function encodeUsers(users: readonly User[]): Uint8Array {
  return encodeList(users, writeUser);
}

/**
 * Decodes a GetUsers response.
 *
 * @param payload The payload.
 * @returns The users.
 * @throws {WireError} 3 or 4 on malformed input.
 */
export function decodeUsers(payload: Uint8Array): User[] {
  return readList(payload, readUser);
}

// UserDetails = UserHeader, then
//   with permissions:    01, perm_len u32, Permissions
//   without permissions: 00 00 00 00

/**
 * Encodes a GetUser / CreateUser response.
 *
 * @param user The user with its permissions.
 * @returns The payload.
 */
export function encodeUserDetails(user: UserDetails): Uint8Array {
  return encodeWith((w) => {
    writeUser(w, user);
    if (user.permissions === undefined) w.u32(0);
    else {
      w.u8(1);
      writePermissionsBlock(w, user.permissions);
    }
  });
}

/**
 * Decodes a GetUser / CreateUser response. A zero flag skips 3 more bytes; any other flag is
 * followed by `[perm_len u32][Permissions]`.
 *
 * @param payload The payload (non-empty; empty means "not found").
 * @returns The user with its permissions.
 * @throws {WireError} 3 when truncated, 4 on a permissions length mismatch.
 */
export function decodeUserDetails(payload: Uint8Array): UserDetails {
  const reader = new ByteReader(payload);
  const user: UserDetails = readUser(reader);
  if (reader.u8() === 0) reader.bytesView(3);
  else user.permissions = readPermissionsBlock(reader);
  return user;
}

// IdentityInfo (LoginUser / LoginWithPersonalAccessToken response) = user_id u32

/**
 * Encodes an IdentityInfo.
 *
 * @param info The identity.
 * @returns The 4-byte payload.
 */
export function encodeIdentityInfo(info: IdentityInfo): Uint8Array {
  return encodeWith((w) => w.u32(info.userId), 4);
}

/**
 * Decodes an IdentityInfo.
 *
 * @param payload The payload.
 * @returns The identity.
 * @throws {WireError} 3 when truncated.
 */
export function decodeIdentityInfo(payload: Uint8Array): IdentityInfo {
  return { userId: new ByteReader(payload).u32() };
}
