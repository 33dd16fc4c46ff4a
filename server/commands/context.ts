/**
 * What every handler receives: the shared system and the caller's session.
 * @module
 */

import { ErrorCode, IggyError } from "../../client/protocol/errors.ts";
import type { Permissions } from "../../client/protocol/permissions.ts";
import type { System } from "../domain/system.ts";
import type { UserAccount } from "../domain/user.ts";
import { type Action, authorize } from "../domain/permissions.ts";
import type { ClientHandle } from "../domain/client.ts";

/** A handler's view of the world. */
export interface CommandContext {
  system: System;
  session: ClientHandle;
}

/** The logged-in user; throws 40 `Unauthenticated` otherwise (also once that user is gone). */
export function currentUser(ctx: CommandContext): UserAccount {
  const user = ctx.system.userOf(ctx.session);
  if (!user) throw new IggyError(ErrorCode.Unauthenticated);
  return user;
}

/** Logs `session` in as `user` (this incarnation of it). */
export function signIn(session: Session, user: UserAccount): void {
  session.userId = user.id;
  session.userIncarnation = user.incarnation;
}

/** Logs `session` out; the connection stays open. */
export function signOut(session: Session): void {
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
