/**
 * Personal access token commands (binary.md §5.3) and the PatInfo / RawToken objects (§4.12).
 * LoginWithPersonalAccessToken answers with an IdentityInfo (see `users.ts`).
 * @module
 */

import { ByteReader, type ByteWriter } from "../bytes.ts";
import { readName, writeName } from "../primitives.ts";
import { encodeList, encodeWith, readList } from "./_codec.ts";

/** CreatePersonalAccessToken (42). */
export interface CreatePersonalAccessToken {
  /** The token name (the handler requires 3..30 bytes). */
  name: string;
  /** Lifetime in µs from now; 0 or u64::MAX = never expires. */
  expiry: bigint;
}

/** DeletePersonalAccessToken (43). */
export interface DeletePersonalAccessToken {
  /** The token name. */
  name: string;
}

/** LoginWithPersonalAccessToken (44). */
export interface LoginWithPersonalAccessToken {
  /** The raw token. */
  token: string;
}

/**
 * A personal access token of the logged-in user (PatInfo, §4.12).
 *
 * @example Usage
 * ```ts ignore
 * for (const token of await client.getPersonalAccessTokens()) {
 *   console.log(token.name, token.expiryAt ?? "never expires");
 * }
 * ```
 */
export interface PersonalAccessTokenInfo {
  /** The token name. */
  name: string;
  /** Absolute expiry, µs since the epoch; `undefined` = never (0 on the wire). */
  expiryAt?: bigint;
}

/** A newly created token, shown once (RawToken, §4.12). */
export interface RawPersonalAccessToken {
  /** The secret token. */
  token: string;
}

// CreatePersonalAccessToken request = name Name, expiry u64

/**
 * Encodes a CreatePersonalAccessToken request.
 *
 * @param command The request.
 * @returns The payload.
 */
export function encodeCreatePersonalAccessToken(
  command: CreatePersonalAccessToken,
): Uint8Array {
  return encodeWith((w) => {
    writeName(w, command.name);
    w.u64(command.expiry);
  });
}

/**
 * Decodes a CreatePersonalAccessToken request.
 *
 * @param payload The payload.
 * @returns The request.
 * @throws {WireError} 4 on an empty name, 3 when truncated.
 */
export function decodeCreatePersonalAccessToken(
  payload: Uint8Array,
): CreatePersonalAccessToken {
  const reader = new ByteReader(payload);
  const name = readName(reader);
  return { name, expiry: reader.u64() };
}

// DeletePersonalAccessToken request = name Name

/**
 * Encodes a DeletePersonalAccessToken request.
 *
 * @param command The request.
 * @returns The payload.
 */
export function encodeDeletePersonalAccessToken(
  command: DeletePersonalAccessToken,
): Uint8Array {
  return encodeWith((w) => writeName(w, command.name));
}

/**
 * Decodes a DeletePersonalAccessToken request.
 *
 * @param payload The payload.
 * @returns The request.
 * @throws {WireError} 4 on an empty name, 3 when truncated.
 */
export function decodeDeletePersonalAccessToken(
  payload: Uint8Array,
): DeletePersonalAccessToken {
  return { name: readName(new ByteReader(payload)) };
}

// LoginWithPersonalAccessToken request = token Name

/**
 * Encodes a LoginWithPersonalAccessToken request.
 *
 * @param command The request.
 * @returns The payload.
 */
export function encodeLoginWithPersonalAccessToken(
  command: LoginWithPersonalAccessToken,
): Uint8Array {
  return encodeWith((w) => writeName(w, command.token));
}

/**
 * Decodes a LoginWithPersonalAccessToken request.
 *
 * @param payload The payload.
 * @returns The request.
 * @throws {WireError} 4 on an empty token, 3 when truncated.
 */
export function decodeLoginWithPersonalAccessToken(
  payload: Uint8Array,
): LoginWithPersonalAccessToken {
  return { token: readName(new ByteReader(payload)) };
}

// PatInfo = name Name, expiry_at u64 (0 = never)

/**
 * Writes a PatInfo.
 *
 * @param writer The target writer.
 * @param info The token info.
 */
export function writePersonalAccessTokenInfo(
  writer: ByteWriter,
  info: PersonalAccessTokenInfo,
): void {
  writeName(writer, info.name);
  writer.u64(info.expiryAt ?? 0n);
}

/**
 * Reads a PatInfo.
 *
 * @param reader The source reader.
 * @returns The token info.
 * @throws {WireError} 3 or 4 on malformed input.
 */
export function readPersonalAccessTokenInfo(
  reader: ByteReader,
): PersonalAccessTokenInfo {
  const name = readName(reader);
  const expiryAt = reader.u64();
  return expiryAt === 0n ? { name } : { name, expiryAt };
}

/**
 * Encodes one PatInfo.
 *
 * @param info The token info.
 * @returns The payload.
 */
export function encodePersonalAccessTokenInfo(
  info: PersonalAccessTokenInfo,
): Uint8Array {
  return encodeWith((w) => writePersonalAccessTokenInfo(w, info));
}

/**
 * Decodes one PatInfo.
 *
 * @param payload The payload.
 * @returns The token info.
 * @throws {WireError} 3 or 4 on malformed input.
 */
export function decodePersonalAccessTokenInfo(
  payload: Uint8Array,
): PersonalAccessTokenInfo {
  return readPersonalAccessTokenInfo(new ByteReader(payload));
}

// GetPersonalAccessTokens response = PatInfo*

/**
 * Encodes a GetPersonalAccessTokens response.
 *
 * @param tokens The tokens.
 * @returns The payload.
 */
export function encodePersonalAccessTokens(
  tokens: readonly PersonalAccessTokenInfo[],
): Uint8Array {
  return encodeList(tokens, writePersonalAccessTokenInfo);
}

/**
 * Decodes a GetPersonalAccessTokens response.
 *
 * @param payload The payload.
 * @returns The tokens.
 * @throws {WireError} 3 or 4 on malformed input.
 */
export function decodePersonalAccessTokens(
  payload: Uint8Array,
): PersonalAccessTokenInfo[] {
  return readList(payload, readPersonalAccessTokenInfo);
}

// RawToken (CreatePersonalAccessToken response) = token Name

/**
 * Encodes a CreatePersonalAccessToken response.
 *
 * @param raw The token.
 * @returns The payload.
 */
export function encodeRawPersonalAccessToken(
  raw: RawPersonalAccessToken,
): Uint8Array {
  return encodeWith((w) => writeName(w, raw.token));
}

/**
 * Decodes a CreatePersonalAccessToken response.
 *
 * @param payload The payload.
 * @returns The token.
 * @throws {WireError} 3 or 4 on malformed input.
 */
export function decodeRawPersonalAccessToken(
  payload: Uint8Array,
): RawPersonalAccessToken {
  return { token: readName(new ByteReader(payload)) };
}
