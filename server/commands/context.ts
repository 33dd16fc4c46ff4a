/**
 * What every handler receives: the shared system, the caller's client handle and the memory its
 * request is served in.
 * @module
 */

import { ErrorCode, IggyError } from "../../client/protocol/errors.ts";
import type { Permissions } from "../../client/protocol/permissions.ts";
import type { System } from "../domain/system.ts";
import type { UserAccount } from "../domain/user.ts";
import { type Action, authorize } from "../domain/permissions.ts";
import type { ClientHandle } from "../domain/client.ts";
import type { RequestMemory } from "../storage/message_memory.ts";

/** A handler's view of the world. */
export interface CommandContext {
  system: System;
  /** The caller: who it is, and its login. */
  session: ClientHandle;
  /**
   * Where the request was received and where its answer goes: handlers pass it down with the
   * batch they store and the read they make (a connection's reused memory, or fresh buffers).
   */
  memory: RequestMemory;
}

/** The logged-in user; throws 40 `Unauthenticated` otherwise (also once that user is gone). */
export function currentUser(ctx: CommandContext): UserAccount {
  const user = ctx.system.userOf(ctx.session);
  if (!user) throw new IggyError(ErrorCode.Unauthenticated);
  return user;
}

/** Logs `session` in as `user` (this incarnation of it). */
export function signIn(session: ClientHandle, user: UserAccount): void {
  session.userId = user.id;
  session.userIncarnation = user.incarnation;
}

/** Logs `session` out; the connection stays open. */
export function signOut(session: ClientHandle): void {
  session.userId = undefined;
  session.userIncarnation = undefined;
}

/** Throws 41 unless the caller may do `action` on the target. */
export function require(
  ctx: CommandContext,
  action: Action,
  target: { streamId?: number; topicId?: number } = {},
): void {
  const permissions: Permissions | undefined = currentUser(ctx).permissions;
  authorize(permissions, action, target);
}
