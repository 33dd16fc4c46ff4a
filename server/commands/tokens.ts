/**
 * Personal access token handlers (binary.md §5.3): always for the logged-in user.
 * @module
 */

import { ErrorCode, IggyError } from "../../client/protocol/errors.ts";
import type {
  CreatePersonalAccessToken,
  DeletePersonalAccessToken,
  LoginWithPersonalAccessToken,
  PersonalAccessTokenInfo,
  RawPersonalAccessToken,
} from "../../client/protocol/commands/tokens.ts";
import type { IdentityInfo } from "../../client/protocol/commands/users.ts";
import { toBase64 } from "../../client/protocol/http_json/mod.ts";
import { nowMicros } from "../domain/system.ts";
import { hashToken } from "../domain/passwords.ts";
import { throttleKeyOf } from "../domain/login_throttle.ts";
import { type CommandContext, currentUser, signIn } from "./context.ts";

/** PAT name length limits in bytes. */
export const TOKEN_NAME_LENGTH = { min: 3, max: 30 } as const;
const U64_MAX = 0xffff_ffff_ffff_ffffn;

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

function randomToken(): string {
  return toBase64(crypto.getRandomValues(new Uint8Array(50)));
}

/** GetPersonalAccessTokens: the caller's tokens (names and expiry only). */
export function getPersonalAccessTokens(
  ctx: CommandContext,
): PersonalAccessTokenInfo[] {
  const user = currentUser(ctx);
  return ctx.system.tokens.filter((t) => t.userId === user.id).map((t) => ({
    name: t.name,
    expiryAt: t.expiryAt,
  }));
}

/** Throws unless the user may add a token named `name` (unique name, below the limit). */
function assertTokenAllowed(
  ctx: CommandContext,
  userId: number,
  name: string,
): void {
  const own = ctx.system.tokens.filter((t) => t.userId === userId);
  if (own.some((t) => t.name === name)) {
    throw new IggyError(
      ErrorCode.PersonalAccessTokenAlreadyExists,
      `"${name}"`,
    );
  }
  if (own.length >= ctx.system.options.maxTokensPerUser) {
    throw new IggyError(ErrorCode.PersonalAccessTokensLimitReached);
  }
}

/** CreatePersonalAccessToken: a 400-bit random secret, returned once; only its hash is kept. */
export async function createPersonalAccessToken(
  ctx: CommandContext,
  cmd: CreatePersonalAccessToken,
): Promise<RawPersonalAccessToken> {
  const user = currentUser(ctx);
  const length = new TextEncoder().encode(cmd.name).length;
  if (length < TOKEN_NAME_LENGTH.min || length > TOKEN_NAME_LENGTH.max) {
    throw new IggyError(
      ErrorCode.InvalidPersonalAccessTokenName,
      `length ${length}`,
    );
  }
  const { system } = ctx;
  assertTokenAllowed(ctx, user.id, cmd.name);
  const token = randomToken();
  const tokenHash = await hashToken(token);
  const never = cmd.expiry === 0n || cmd.expiry === U64_MAX;
  await system.commit(ErrorCode.CannotAppendToFile, () => {
    assertTokenAllowed(ctx, user.id, cmd.name);
    return {
      type: "CreatePersonalAccessToken",
      token: {
        userId: user.id,
        userIncarnation: user.incarnation,
        name: cmd.name,
        tokenHash,
        // Saturates like Rust's u64 arithmetic, so a huge expiry still encodes.
        expiryAt: never
          ? undefined
          : min(nowMicros() + cmd.expiry, U64_MAX - 1n),
      },
    };
  });
  return { token };
}

/** DeletePersonalAccessToken: 20 when the caller has no token of that name. */
export async function deletePersonalAccessToken(
  ctx: CommandContext,
  cmd: DeletePersonalAccessToken,
): Promise<void> {
  const user = currentUser(ctx);
  await ctx.system.commit(ErrorCode.CannotAppendToFile, () => {
    const found = ctx.system.tokens.some((t) =>
      t.userId === user.id && t.name === cmd.name
    );
    if (!found) {
      throw new IggyError(ErrorCode.ResourceNotFound, `token "${cmd.name}"`);
    }
    return {
      type: "DeletePersonalAccessToken",
      userId: user.id,
      name: cmd.name,
    };
  });
}

/** The throttle's username key for token logins (no username is empty). */
const TOKEN_LOGIN = "";

/**
 * LoginWithPersonalAccessToken: 20 unknown, 54 expired, 47 inactive owner. Failures from one client
 * address are slowed down like password logins.
 */
export function loginWithPersonalAccessToken(
  ctx: CommandContext,
  cmd: LoginWithPersonalAccessToken,
): Promise<IdentityInfo> {
  return ctx.system.loginThrottle.guard(
    throttleKeyOf(ctx.session.address),
    TOKEN_LOGIN,
    async () => {
      const hash = await hashToken(cmd.token);
      const { system } = ctx;
      const token = system.tokens.find((t) => t.tokenHash === hash);
      if (!token) throw new IggyError(ErrorCode.ResourceNotFound, "token");
      if (token.expiryAt !== undefined && token.expiryAt <= nowMicros()) {
        throw new IggyError(ErrorCode.PersonalAccessTokenExpired);
      }
      const user = system.users.get(token.userId);
      const owner = token.userIncarnation === undefined ||
        token.userIncarnation === user?.incarnation;
      if (!user || !owner) {
        throw new IggyError(ErrorCode.ResourceNotFound, "token");
      }
      if (user.status !== 1) throw new IggyError(ErrorCode.UserInactive);
      signIn(ctx.session, user);
      return { userId: user.id };
    },
  );
}

/** Removes expired tokens; returns how many. */
export async function deleteExpiredTokens(
  ctx: Pick<CommandContext, "system">,
): Promise<number> {
  const { system } = ctx;
  const now = nowMicros();
  const expired = (t: { expiryAt?: bigint }) =>
    t.expiryAt !== undefined && t.expiryAt <= now;
  const count = system.tokens.filter(expired).length;
  if (count === 0) return 0;
  const before = system.tokens.length;
  await system.commit(ErrorCode.CannotAppendToFile, () => ({
    type: "DeleteExpiredPersonalAccessTokens",
    now,
  }));
  return before - system.tokens.length;
}
