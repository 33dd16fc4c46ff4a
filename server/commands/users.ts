/**
 * User, login and personal-access-token handlers (binary.md §5.2–5.3, §8.1–8.3).
 * @module
 */

import { ErrorCode, IggyError } from "../../client/protocol/errors.ts";
import type { Identifier } from "../../client/protocol/identifier.ts";
import type {
  ChangePassword,
  CreateUser,
  DeleteUser,
  GetUser,
  IdentityInfo,
  LoginUser,
  UpdatePermissions,
  UpdateUser,
  User,
  UserDetails,
} from "../../client/protocol/commands/users.ts";
import { nowMicros } from "../domain/system.ts";
import { peekId } from "../domain/ids.ts";
import { newIncarnation, type UserAccount } from "../domain/user.ts";
import { isAllowed } from "../domain/permissions.ts";
import { throttleKeyOf } from "../domain/login_throttle.ts";
import { checkLogin } from "./_login.ts";
import {
  type CommandContext,
  currentUser,
  require,
  signIn,
  signOut,
} from "./context.ts";
import { closeSessionsOf } from "./_user_access.ts";

/** Username length limits in bytes. */
export const USERNAME_LENGTH = { min: 3, max: 50 } as const;
/** Password length limits in bytes. */
export const PASSWORD_LENGTH = { min: 3, max: 100 } as const;

const encoder = new TextEncoder();

function checkUsername(name: string): void {
  const length = encoder.encode(name).length;
  if (length < USERNAME_LENGTH.min || length > USERNAME_LENGTH.max) {
    throw new IggyError(ErrorCode.InvalidUsername, `length ${length}`);
  }
}

function checkPassword(password: string): void {
  const length = encoder.encode(password).length;
  if (length < PASSWORD_LENGTH.min || length > PASSWORD_LENGTH.max) {
    throw new IggyError(ErrorCode.InvalidPassword);
  }
}

function userInfo(user: UserAccount): User {
  return {
    id: user.id,
    createdAt: user.createdAt,
    status: user.status as User["status"],
    username: user.username,
  };
}

function userDetails(user: UserAccount): UserDetails {
  return { ...userInfo(user), permissions: user.permissions };
}

function targetUser(ctx: CommandContext, id: Identifier): UserAccount {
  const user = ctx.system.findUser(id);
  if (!user) {
    throw new IggyError(
      ErrorCode.ResourceNotFound,
      `user ${JSON.stringify(id)}`,
    );
  }
  return user;
}

function assertUniqueUsername(
  ctx: CommandContext,
  name: string,
  except?: UserAccount,
): void {
  for (const user of ctx.system.users.values()) {
    if (user.username === name && user !== except) {
      throw new IggyError(ErrorCode.UserAlreadyExists, `"${name}"`);
    }
  }
}

/** GetUser: the caller itself, or anyone with `read_users`; undefined (empty OK) when missing. */
export function getUser(
  ctx: CommandContext,
  cmd: GetUser,
): UserDetails | undefined {
  const self = currentUser(ctx);
  const user = ctx.system.findUser(cmd.userId);
  // As in 0.8.0: an unknown username is an empty OK for anyone; an unknown numeric id needs the permission.
  if (!user && typeof cmd.userId === "string") return undefined;
  if (user !== self) require(ctx, "read_users");
  return user ? userDetails(user) : undefined;
}

/** GetUsers: every user, without permissions. */
export function getUsers(ctx: CommandContext): User[] {
  require(ctx, "read_users");
  return [...ctx.system.users.values()].sort((a, b) => a.id - b.id).map(
    userInfo,
  );
}

/** CreateUser: a new user with an argon2id-hashed password. */
export async function createUser(
  ctx: CommandContext,
  cmd: CreateUser,
): Promise<UserDetails> {
  require(ctx, "manage_users");
  checkUsername(cmd.username);
  checkPassword(cmd.password);
  assertUniqueUsername(ctx, cmd.username);
  const { system } = ctx;
  const passwordHash = await system.passwords.hash(cmd.password);
  const { user } = await system.commit(ErrorCode.CannotAppendToFile, () => {
    require(ctx, "manage_users");
    assertUniqueUsername(ctx, cmd.username);
    return {
      type: "CreateUser",
      user: {
        id: peekId(system.metadata.userIds),
        // A new principal, even at a reused id (see `UserAccount.incarnation`).
        incarnation: newIncarnation(),
        passwordVersion: 0,
        username: cmd.username,
        passwordHash,
        status: cmd.status,
        createdAt: nowMicros(),
        permissions: cmd.permissions,
      },
    };
  });
  system.logger.info("Created user", { id: user.id, username: user.username });
  return userDetails(user);
}

function dropSessionsOf(ctx: CommandContext, userId: number): void {
  for (const session of ctx.system.clients.values()) {
    if (session.userId === userId) signOut(session);
  }
}

/** Commits a new version of a user record (rename, status, permissions, password). */
async function updateUserRecord(
  ctx: CommandContext,
  failureCode: number,
  change: () => UserAccount,
): Promise<UserAccount> {
  const { user } = await ctx.system.commit(failureCode, () => ({
    type: "UpdateUser",
    user: change(),
  }));
  return user;
}

/**
 * DeleteUser: removes a user (never root) with its tokens; its connections are closed (the
 * caller's own is only logged out) and its JWTs stop working, also once the id is reused.
 */
export async function deleteUser(
  ctx: CommandContext,
  cmd: DeleteUser,
): Promise<void> {
  const { id } = await ctx.system.commit(ErrorCode.CannotDeleteUser, () => {
    require(ctx, "manage_users");
    const user = targetUser(ctx, cmd.userId);
    if (user.id === 0) throw new IggyError(ErrorCode.CannotDeleteUser, "root");
    return { type: "DeleteUser", id: user.id };
  });
  closeSessionsOf(ctx.system, id, { keep: ctx.session, logOutKept: true });
}

/** UpdateUser: renames and/or changes the status; an inactive user's sessions are logged out. */
export async function updateUser(
  ctx: CommandContext,
  cmd: UpdateUser,
): Promise<void> {
  const updated = await updateUserRecord(
    ctx,
    ErrorCode.CannotAppendToFile,
    () => {
      require(ctx, "manage_users");
      const user = targetUser(ctx, cmd.userId);
      const next = { ...user };
      if (cmd.username !== undefined) {
        checkUsername(cmd.username);
        assertUniqueUsername(ctx, cmd.username, user);
        next.username = cmd.username;
      }
      if (cmd.status !== undefined) next.status = cmd.status;
      return next;
    },
  );
  if (updated.status !== 1) dropSessionsOf(ctx, updated.id);
}

/** UpdatePermissions: replaces a user's permissions (never root's); applies to open sessions at once. */
export async function updatePermissions(
  ctx: CommandContext,
  cmd: UpdatePermissions,
): Promise<void> {
  await updateUserRecord(ctx, ErrorCode.CannotChangePermissions, () => {
    require(ctx, "manage_users");
    const user = targetUser(ctx, cmd.userId);
    if (user.id === 0) {
      throw new IggyError(ErrorCode.CannotChangePermissions, "root");
    }
    return { ...user, permissions: cmd.permissions };
  });
}

/**
 * ChangePassword: the caller's own, or anyone's with `manage_users`; the current password must match.
 * The new password version revokes the user's JWTs and deletes its personal access tokens (see the
 * UpdateUser entry in `state/apply.ts`); its other connections are closed, the caller's own stays
 * logged in.
 */
export async function changePassword(
  ctx: CommandContext,
  cmd: ChangePassword,
): Promise<void> {
  const self = currentUser(ctx);
  const user = targetUser(ctx, cmd.userId);
  if (user !== self) require(ctx, "manage_users");
  checkPassword(cmd.currentPassword);
  checkPassword(cmd.newPassword);
  // Throttled like a login: a stolen session must not be a way to guess the current password.
  const verified = await checkLogin(ctx.system, {
    host: throttleKeyOf(ctx.session.address),
    username: user.username,
    password: cmd.currentPassword,
    user,
    validate: () => {},
  });
  if (!verified) throw new IggyError(ErrorCode.InvalidCredentials);
  const passwordHash = await ctx.system.passwords.hash(cmd.newPassword);
  await updateUserRecord(ctx, ErrorCode.CannotAppendToFile, () => {
    // Re-read: the user may have changed (or gone) while the hashes were computed.
    const current = targetUser(ctx, user.id);
    if (
      current.incarnation !== user.incarnation ||
      current.passwordHash !== user.passwordHash
    ) {
      throw new IggyError(ErrorCode.InvalidCredentials);
    }
    return {
      ...current,
      passwordHash,
      passwordVersion: current.passwordVersion + 1,
    };
  });
  closeSessionsOf(ctx.system, user.id, { keep: ctx.session });
}

/**
 * LoginUser. An unknown user still costs one argon2 verification, and "inactive" (47) is only revealed
 * to a caller who knows the password, so failures do not tell which account exists. Attempts are
 * throttled per address and per address and username ({@linkcode checkLogin}).
 */
export async function loginUser(
  ctx: CommandContext,
  cmd: LoginUser,
): Promise<IdentityInfo> {
  const user = ctx.system.findUser(cmd.username);
  const verified = await checkLogin(ctx.system, {
    host: throttleKeyOf(ctx.session.address),
    username: cmd.username,
    password: cmd.password,
    user,
    validate: () => {
      checkUsername(cmd.username);
      checkPassword(cmd.password);
    },
  });
  // The throttle may have made the attempt wait: the user must still be there with that password.
  const now = ctx.system.findUser(cmd.username);
  if (
    !user || !verified || now?.incarnation !== user.incarnation ||
    now.passwordHash !== user.passwordHash
  ) {
    throw new IggyError(ErrorCode.InvalidCredentials);
  }
  if (now.status !== 1) throw new IggyError(ErrorCode.UserInactive);
  signIn(ctx.session, now);
  return { userId: now.id };
}

/** LogoutUser: the session becomes unauthenticated and stays open. */
export function logoutUser(ctx: CommandContext): void {
  currentUser(ctx);
  signOut(ctx.session);
}

/** True when the caller may read the server's clients and stats. */
export function canReadServers(ctx: CommandContext): boolean {
  return isAllowed(currentUser(ctx).permissions, "read_servers");
}
