/**
 * Lossless JSON in and out (u64/u128 stay exact), request-body field readers that reject bad shapes
 * with the framework statuses of http.md §4.2, base64 and the human-readable byte size of §6.1.
 * @module
 */

import { LosslessNumber, stringify } from "lossless-json";
import type { Context } from "hono";
import { ErrorCode, IggyError } from "../../client/protocol/errors.ts";
import type { Identifier } from "../../client/protocol/identifier.ts";
import {
  decodeBase64Strict,
  type JsonObject,
  type JsonValue,
  parseJsonExact,
} from "../../client/protocol/http_json.ts";

export type { JsonObject, JsonValue } from "../../client/protocol/http_json.ts";
export { formatByteSize, toBase64 } from "../../client/protocol/http_json.ts";

/** A framework-level rejection: a status with a plain-text body (not the JSON error format). */
export class HttpReject extends Error {
  /** The HTTP status. */
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.name = "HttpReject";
    this.status = status;
  }
}

/** 422: well-formed JSON of the wrong shape. */
export function unprocessable(message: string): never {
  throw new HttpReject(
    422,
    `Failed to deserialize the JSON body into the target type: ${message}`,
  );
}

/** 400: a bad query string or path segment. */
export function badRequest(message: string): never {
  throw new HttpReject(400, message);
}

/**
 * Parses JSON text without losing integer precision; throws `SyntaxError` on bad syntax. The server
 * runs on Deno, whose `JSON.parse` gives revivers the source text (no JavaScript parser needed).
 */
export function parseJson(text: string): JsonValue {
  return parseJsonExact(text);
}

/** Serializes with bigints as bare JSON numbers; `undefined` fields are dropped. */
export function stringifyJson(value: unknown): string {
  return stringify(
    value,
    (_key, v) => typeof v === "number" && !Number.isFinite(v) ? null : v,
  ) ?? "null";
}

/**
 * An `f32` field as Rust's serde_json writes it: the shortest decimal that reads back as the same
 * `f32` (`1.7424761`, not `1.7424761056900024`), integral values with `.0`, non-finite as `null`.
 * The Web UI parses with `json-bigint`, which throws on a fractional number longer than 15 characters.
 */
export function f32Json(value: number): LosslessNumber | null {
  const f = Math.fround(value);
  if (!Number.isFinite(f)) return null;
  let text = String(f);
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(f.toPrecision(digits));
    if (Math.fround(candidate) === f) {
      text = String(candidate);
      break;
    }
  }
  return new LosslessNumber(/^-?\d+$/.test(text) ? `${text}.0` : text);
}

/** A JSON response with lossless numbers. */
export function jsonResponse(value: unknown, status = 200): Response {
  return new Response(stringifyJson(value), {
    status,
    headers: { "content-type": "application/json" },
  });
}

/** Reads the request body as a JSON object: 415 without `application/json`, 400 on bad syntax, 422 when not an object. */
export async function readBody(c: Context): Promise<JsonObject> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/(.+\+)?json\s*(;|$)/i.test(type.trim())) {
    throw new HttpReject(
      415,
      "Expected request with `Content-Type: application/json`",
    );
  }
  const text = await c.req.text();
  let value: JsonValue;
  try {
    value = parseJson(text);
  } catch (err) {
    throw new HttpReject(
      400,
      `Failed to parse the request body as JSON: ${(err as Error).message}`,
    );
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    unprocessable("expected an object");
  }
  return value;
}

// --- field readers (422 on a wrong type or a missing required field) ---

function missing(key: string): never {
  return unprocessable(`missing field \`${key}\``);
}

/** A required string field. */
export function str(obj: JsonObject, key: string): string {
  const v = obj[key];
  if (v === undefined) missing(key);
  if (typeof v !== "string") unprocessable(`${key}: expected a string`);
  return v;
}

/** An optional string field (absent or null → undefined). */
export function optStr(obj: JsonObject, key: string): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") unprocessable(`${key}: expected a string`);
  return v;
}

/** A required boolean field. */
export function bool(obj: JsonObject, key: string): boolean {
  const v = obj[key];
  if (v === undefined) missing(key);
  if (typeof v !== "boolean") unprocessable(`${key}: expected a boolean`);
  return v;
}

function integer(key: string, v: JsonValue, max: bigint): bigint {
  if (typeof v !== "bigint" || v < 0n || v > max) {
    unprocessable(`${key}: expected an integer in 0..=${max}`);
  }
  return v;
}

const U8_MAX = 0xffn;
const U32_MAX = 0xffff_ffffn;
const U64_MAX = 0xffff_ffff_ffff_ffffn;

/** A required u64 field. */
export function u64(obj: JsonObject, key: string): bigint {
  const v = obj[key];
  if (v === undefined) missing(key);
  return integer(key, v, U64_MAX);
}

/** A required u32 field. */
export function u32(obj: JsonObject, key: string): number {
  const v = obj[key];
  if (v === undefined) missing(key);
  return Number(integer(key, v, U32_MAX));
}

/** An optional u32 field (absent or null → undefined). */
export function optU32(obj: JsonObject, key: string): number | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  return Number(integer(key, v, U32_MAX));
}

/** An optional u8 field (absent or null → undefined). */
export function optU8(obj: JsonObject, key: string): number | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  return Number(integer(key, v, U8_MAX));
}

/** An optional object field (absent or null → undefined). */
export function optObject(
  obj: JsonObject,
  key: string,
): JsonObject | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "object" || Array.isArray(v)) {
    unprocessable(`${key}: expected an object`);
  }
  return v as JsonObject;
}

/** A required object field. */
export function object(obj: JsonObject, key: string): JsonObject {
  if (obj[key] === undefined) missing(key);
  const v = optObject(obj, key);
  if (!v) unprocessable(`${key}: expected an object`);
  return v;
}

/** An identifier in a JSON body: a u32 number, or a string read like a path segment. */
export function jsonIdentifier(
  obj: JsonObject,
  key: string,
  fallback: Identifier,
): Identifier {
  const v = obj[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v === "bigint") return Number(integer(key, v, U32_MAX));
  if (typeof v === "string") return parseIdentifier(v);
  return unprocessable(`${key}: expected a number or a string`);
}

// --- path and query values ---

const encoder = new TextEncoder();

/** A path identifier: all digits and within u32 → numeric id, otherwise a 1..255-byte name (else error 6). */
export function parseIdentifier(text: string): Identifier {
  if (/^\d+$/.test(text) && text.length <= 10 && Number(text) <= 0xffff_ffff) {
    return Number(text);
  }
  const length = encoder.encode(text).length;
  if (length < 1 || length > 255) {
    throw new IggyError(ErrorCode.InvalidIdentifier, `"${text}"`);
  }
  return text;
}

/** A plain u32 path segment or query value; 400 otherwise. */
export function parseU32(text: string | undefined, name: string): number {
  if (
    text === undefined || !/^\d{1,10}$/.test(text) || Number(text) > 0xffff_ffff
  ) {
    badRequest(`Invalid value for \`${name}\`: expected a u32`);
  }
  return Number(text);
}

/** A u64 query value; 400 otherwise. */
export function parseU64(text: string, name: string): bigint {
  if (!/^\d{1,20}$/.test(text) || BigInt(text) > U64_MAX) {
    badRequest(`Invalid value for \`${name}\`: expected a u64`);
  }
  return BigInt(text);
}

/** A `true`/`false` query value; 400 otherwise. */
export function parseBool(text: string, name: string): boolean {
  if (text === "true") return true;
  if (text === "false") return false;
  return badRequest(`Invalid value for \`${name}\`: expected true or false`);
}

// --- base64 ---

/** Decodes canonical standard padded base64; 422 when invalid. */
export function fromBase64(text: string, key: string): Uint8Array {
  return decodeBase64Strict(text) ?? unprocessable(`${key}: invalid base64`);
}
