/**
 * JSON helpers of the HTTP transport: lossless parsing and serialization (u64/u128 stay exact),
 * typed readers for answers, base64 and Iggy's human-readable byte sizes (http.md §6.1).
 * Web-standard only, so the SDK still runs in browsers.
 * @module
 */

import { parse, stringify } from "lossless-json";
import { ErrorCode, IggyError } from "./protocol/mod.ts";
import {
  decodeBase64,
  JSON_SOURCE_ACCESS,
  type JsonObject,
  type JsonValue,
  parseByteSize,
  parseJsonExact,
} from "./protocol/http_json.ts";

export type { JsonObject, JsonValue } from "./protocol/http_json.ts";
export { toBase64 } from "./protocol/http_json.ts";

function parseNumber(text: string): number | bigint {
  return /^-?\d+$/.test(text) ? BigInt(text) : Number(text);
}

/**
 * Parses JSON text; integers become `bigint` so no u64/u128 loses precision. Uses the runtime's
 * parser where it gives source text access, `lossless-json` elsewhere (older browsers).
 */
export function parseJson(text: string): JsonValue {
  return JSON_SOURCE_ACCESS
    ? parseJsonExact(text)
    : parse(text, null, parseNumber) as JsonValue;
}

/** Serializes with `bigint`s as bare JSON numbers; `undefined` fields are dropped. */
export function stringifyJson(value: unknown): string {
  return stringify(value) ?? "null";
}

function bad(what: string): never {
  throw new IggyError(ErrorCode.InvalidJsonResponse, what);
}

/** The value as an object; 302 `InvalidJsonResponse` otherwise. */
export function asObject(
  value: JsonValue | undefined,
  what: string,
): JsonObject {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    bad(`${what}: expected an object`);
  }
  return value as JsonObject;
}

/** The value as an array; 302 otherwise. */
export function asArray(
  value: JsonValue | undefined,
  what: string,
): JsonValue[] {
  if (!Array.isArray(value)) bad(`${what}: expected an array`);
  return value;
}

/** A field holding an array; 302 otherwise. */
export function arr(obj: JsonObject, key: string): JsonValue[] {
  return asArray(obj[key], key);
}

/** A field holding an object; 302 otherwise. */
export function obj(o: JsonObject, key: string): JsonObject {
  return asObject(o[key], key);
}

/** A string field; 302 otherwise. */
export function str(obj: JsonObject, key: string): string {
  const v = obj[key];
  if (typeof v !== "string") bad(`${key}: expected a string`);
  return v;
}

/** A boolean field; 302 otherwise. */
export function bool(obj: JsonObject, key: string): boolean {
  const v = obj[key];
  if (typeof v !== "boolean") bad(`${key}: expected a boolean`);
  return v;
}

/** An unsigned integer field as `bigint` (u64, u128); 302 otherwise. */
export function big(obj: JsonObject, key: string): bigint {
  const v = obj[key];
  if (typeof v !== "bigint" || v < 0n) bad(`${key}: expected an integer`);
  return v;
}

/** An unsigned integer field that fits a `number` (u8..u32); 302 otherwise. */
export function int(obj: JsonObject, key: string): number {
  const v = obj[key];
  if (typeof v !== "bigint" || v < 0n || v > 0xffff_ffffn) {
    bad(`${key}: expected a u32`);
  }
  return Number(v);
}

/** Any numeric field as a `number` (floats such as `cpu_usage`); 302 otherwise. */
export function num(obj: JsonObject, key: string): number {
  const v = obj[key];
  if (typeof v === "bigint") return Number(v);
  if (typeof v !== "number") bad(`${key}: expected a number`);
  return v;
}

/** A u32 field that may be `null` or absent. */
export function optInt(obj: JsonObject, key: string): number | undefined {
  const v = obj[key];
  return v === null || v === undefined ? undefined : int(obj, key);
}

/** A u64 field that may be `null` or absent. */
export function optBig(obj: JsonObject, key: string): bigint | undefined {
  const v = obj[key];
  return v === null || v === undefined ? undefined : big(obj, key);
}

// --- base64 (standard, padded) ---

/** Decodes standard base64; 302 when invalid. */
export function fromBase64(text: string, what: string): Uint8Array {
  try {
    return decodeBase64(text);
  } catch {
    return bad(`${what}: invalid base64`);
  }
}

// --- byte sizes (http.md §6.1) ---

/** A byte-size string field, in bytes; 302 when it is not an `IggyByteSize` string. */
export function size(obj: JsonObject, key: string): bigint {
  const text = str(obj, key);
  return parseByteSize(text) ?? bad(`Invalid byte size "${text}"`);
}
