/**
 * Access tokens of the HTTP API (http.md §3.3–3.4): issuing, validating and revoking JWTs. Revoked
 * token ids are kept until their expiry in `<data>/state/tokens` (see {@link ./revoked_tokens.ts}).
 *
 * Beyond 0.8.0, a token also names the user's incarnation (`inc`) and password version (`pwv`): the
 * API accepts it only while the user at `sub` is that incarnation with that password, so deleting a
 * user or changing its password revokes all its tokens, and a token never passes for a later user
 * created at the same (reused) id.
 * @module
 */

import {
  type CryptoKey,
  importPKCS8,
  importSPKI,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from "jose";
import { decodeBase64 } from "../../client/protocol/http_json/mod.ts";
import type { HttpConfig } from "../config.ts";
import { loadRevokedTokens, saveRevokedTokens } from "./revoked_tokens.ts";

/** `u64::MAX`: an access-token expiry meaning "never". */
const NEVER = 0xffff_ffff_ffff_ffffn;

/** The claims the API relies on, from a token that validated. */
export interface TokenClaims {
  /** The user id (`sub`). */
  userId: number;
  /** The user's incarnation (`inc`); empty in a token without one. */
  incarnation: string;
  /** The user's password version (`pwv`); -1 in a token without one. */
  passwordVersion: number;
  /** The token id (`jti`). */
  jti: string;
  /** Expiry, Unix seconds. */
  exp: number;
}

/** An issued token as the login answer carries it. */
export interface IssuedToken {
  token: string;
  /** Expiry, Unix seconds. */
  expiry: number;
}

type Key = CryptoKey | Uint8Array;

function randomSecret(): string {
  const alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = crypto.getRandomValues(new Uint8Array(64));
  const length = 32 + (bytes[0]! % 32);
  let out = "";
  for (let i = 1; i <= length; i++) {
    out += alphabet[bytes[i]! % alphabet.length];
  }
  return out;
}

function secretBytes(secret: string, base64: boolean): Uint8Array {
  if (!base64) return new TextEncoder().encode(secret);
  return decodeBase64(secret);
}

/** A UUID v7 (time-ordered) string. */
export function uuidV7(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let ms = Date.now();
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${
    hex.slice(16, 20)
  }-${hex.slice(20)}`;
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** Issues and validates the API's JWTs and remembers revoked ones. */
export class TokenAuthority {
  readonly #config: HttpConfig["jwt"];
  readonly #signing: Promise<Key>;
  readonly #verifying: Promise<Key>;
  readonly #path: string;
  readonly #revoked: Map<string, number>;

  /**
   * @param config `http.jwt`.
   * @param path Where revoked token ids are persisted (`<data>/state/tokens`); loaded now.
   */
  constructor(config: HttpConfig["jwt"], path: string) {
    this.#config = config;
    this.#path = path;
    this.#revoked = loadRevokedTokens(path, nowSeconds());
    const alg = config.algorithm;
    let encoding = config.encodingSecret;
    let decoding = config.decodingSecret;
    if (!encoding && !decoding) encoding = decoding = randomSecret();
    encoding ||= decoding;
    decoding ||= encoding;
    if (alg.startsWith("RS")) {
      this.#signing = importPKCS8(encoding, alg);
      this.#verifying = importSPKI(decoding, alg);
    } else {
      this.#signing = Promise.resolve(
        secretBytes(encoding, config.useBase64Secret),
      );
      this.#verifying = Promise.resolve(
        secretBytes(decoding, config.useBase64Secret),
      );
    }
    // Unhandled rejections of a bad key surface on first use instead.
    this.#signing.catch(() => {});
    this.#verifying.catch(() => {});
  }

  /** Issues a token for this incarnation and password version of a user. */
  async issue(
    user: { id: number; incarnation: string; passwordVersion: number },
  ): Promise<IssuedToken> {
    const config = this.#config;
    const iat = nowSeconds();
    const lifetime = config.accessTokenExpiry === NEVER
      ? 1_000_000_000
      : Number(config.accessTokenExpiry / 1_000_000n);
    const exp = iat + lifetime;
    const token = await new SignJWT({
      inc: user.incarnation,
      pwv: user.passwordVersion,
    })
      .setProtectedHeader({ typ: "JWT", alg: config.algorithm })
      .setJti(uuidV7())
      .setIssuer(config.issuer)
      .setAudience(config.audience)
      .setSubject(String(user.id))
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .setNotBefore(iat + Math.floor(config.notBefore / 1000))
      .sign(await this.#signing);
    return { token, expiry: exp };
  }

  /**
   * Validates signature, algorithm, `iss`, `aud` and `exp` (with the clock skew as leeway); `nbf`
   * is not checked. Does not look at revocation. Undefined when anything fails.
   */
  async verify(token: string): Promise<TokenClaims | undefined> {
    const config = this.#config;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, await this.#verifying, {
        algorithms: [config.algorithm],
        issuer: config.validIssuers,
        audience: config.validAudiences,
        clockTolerance: Math.floor(config.clockSkew / 1000),
        requiredClaims: ["exp"],
      }));
    } catch {
      return undefined;
    }
    const sub = payload.sub ?? "";
    if (!/^\d{1,10}$/.test(sub) || Number(sub) > 0xffff_ffff) return undefined;
    return {
      userId: Number(sub),
      incarnation: typeof payload.inc === "string" ? payload.inc : "",
      passwordVersion: typeof payload.pwv === "number" ? payload.pwv : -1,
      jti: typeof payload.jti === "string" ? payload.jti : "",
      exp: payload.exp!,
    };
  }

  /**
   * The user `claims` name, if it is still the incarnation and password version the token was
   * issued for; undefined when the user was deleted (even if its id was reused since) or changed
   * its password.
   */
  holder<U extends { incarnation: string; passwordVersion: number }>(
    claims: TokenClaims,
    users: ReadonlyMap<number, U>,
  ): U | undefined {
    const user = users.get(claims.userId);
    return user && user.incarnation === claims.incarnation &&
        user.passwordVersion === claims.passwordVersion
      ? user
      : undefined;
  }

  /** True when `jti` was revoked and has not expired yet. */
  isRevoked(jti: string): boolean {
    const exp = this.#revoked.get(jti);
    return exp !== undefined && exp > nowSeconds() - 3600;
  }

  /** Revokes `jti` until `exp` and persists the set (dropping entries already expired). */
  async revoke(jti: string, exp: number): Promise<void> {
    this.#revoked.set(jti, exp);
    const now = nowSeconds();
    for (const [id, until] of this.#revoked) {
      // Keep an hour past expiry so a token still inside the clock-skew leeway stays revoked.
      if (until + 3600 <= now) this.#revoked.delete(id);
    }
    await saveRevokedTokens(this.#path, this.#revoked);
  }
}
