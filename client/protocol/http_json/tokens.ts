/**
 * Personal access tokens as JSON (http.md §6.7), both ways, and the CreatePersonalAccessToken
 * and LoginWithPersonalAccessToken bodies.
 * @module
 */

import type {
  CreatePersonalAccessToken,
  LoginWithPersonalAccessToken,
  PersonalAccessTokenInfo,
  RawPersonalAccessToken,
} from "../commands/tokens.ts";
import type { JsonFields } from "./fields.ts";
import type { JsonObject } from "./values.ts";

/**
 * `PersonalAccessTokenInfo` → JSON.
 *
 * @param t The token's name and expiry.
 * @returns `{name, expiry_at}` (`null` when it never expires).
 */
export function tokenInfoToJson(
  t: PersonalAccessTokenInfo,
): Record<string, unknown> {
  return { name: t.name, expiry_at: t.expiryAt ?? null };
}

/**
 * JSON → `PersonalAccessTokenInfo`.
 *
 * @param o The JSON object.
 * @param read The field readers.
 * @returns The token's name and expiry.
 */
export function tokenInfoFromJson(
  o: JsonObject,
  read: JsonFields,
): PersonalAccessTokenInfo {
  const expiryAt = read.optU64(o, "expiry_at");
  const name = read.str(o, "name");
  return expiryAt === undefined ? { name } : { name, expiryAt };
}

/**
 * `RawPersonalAccessToken` → JSON.
 *
 * @param t The secret token.
 * @returns `{token}`.
 */
export function rawTokenToJson(
  t: RawPersonalAccessToken,
): Record<string, unknown> {
  return { token: t.token };
}

/**
 * JSON → `RawPersonalAccessToken`.
 *
 * @param o The JSON object.
 * @param read The field readers.
 * @returns The secret token.
 */
export function rawTokenFromJson(
  o: JsonObject,
  read: JsonFields,
): RawPersonalAccessToken {
  return { token: read.str(o, "token") };
}

/**
 * CreatePersonalAccessToken → its request body.
 *
 * @param c The command.
 * @returns `{name, expiry}`.
 */
export function createPersonalAccessTokenToJson(
  c: CreatePersonalAccessToken,
): Record<string, unknown> {
  return { name: c.name, expiry: c.expiry };
}

/**
 * A CreatePersonalAccessToken request body → the command.
 *
 * @param o The JSON object.
 * @param read The field readers.
 * @returns The command.
 */
export function createPersonalAccessTokenFromJson(
  o: JsonObject,
  read: JsonFields,
): CreatePersonalAccessToken {
  return { name: read.str(o, "name"), expiry: read.u64(o, "expiry") };
}

/**
 * LoginWithPersonalAccessToken → its request body (the refresh-token body has the same shape).
 *
 * @param c The command.
 * @returns `{token}`.
 */
export function loginWithPersonalAccessTokenToJson(
  c: LoginWithPersonalAccessToken,
): Record<string, unknown> {
  return { token: c.token };
}

/**
 * A LoginWithPersonalAccessToken (or refresh-token) request body → the token.
 *
 * @param o The JSON object.
 * @param read The field readers.
 * @returns `{token}`.
 */
export function loginWithPersonalAccessTokenFromJson(
  o: JsonObject,
  read: JsonFields,
): LoginWithPersonalAccessToken {
  return { token: read.str(o, "token") };
}
