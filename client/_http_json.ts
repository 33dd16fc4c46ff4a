/**
 * JSON helpers of the HTTP transport: lossless parsing and serialization (u64/u128 stay exact),
 * typed readers for answers, base64 and Iggy's human-readable byte sizes (http.md §6.1).
 * Web-standard only, so the SDK still runs in browsers.
 * @module
 */

import { parse, stringify } from "lossless-json";
import { ErrorCode, IggyError } from "./protocol/mod.ts";

/** A parsed JSON value: integers are `bigint`, other numbers `number`. */
export type JsonValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue };

function parseNumber(text: string): number | bigint {
  return /^-?\d+$/.test(text) ? BigInt(text) : Number(text);
}

/** Parses JSON text; integers become `bigint` so no u64/u128 loses precision. */
export function parseJson(text: string): JsonValue {
  return parse(text, null, parseNumber) as JsonValue;
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

/** Encodes bytes as standard padded base64. */
export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/** Decodes standard base64; 302 when invalid. */
export function fromBase64(text: string, what: string): Uint8Array {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    return bad(`${what}: invalid base64`);
  }
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

// --- byte sizes (http.md §6.1) ---

const UNITS: Readonly<Record<string, bigint>> = {
  B: 1n,
  KB: 1000n,
  KiB: 1024n,
  MB: 1000n ** 2n,
  MiB: 1024n ** 2n,
  GB: 1000n ** 3n,
  GiB: 1024n ** 3n,
  TB: 1000n ** 4n,
  TiB: 1024n ** 4n,
  PB: 1000n ** 5n,
  PiB: 1024n ** 5n,
  EB: 1000n ** 6n,
  EiB: 1024n ** 6n,
};

/**
 * Reads an `IggyByteSize` string back into bytes, exactly: the server only picks a unit when three
 * decimals render the count exactly (`"1.5 KiB"` → 1536n, `"1234.567 KB"` → 1234567n).
 */
export function parseByteSize(text: string): bigint {
  const match = /^(\d+)(?:\.(\d{1,3}))? ([KMGTPE]i?B|B)$/.exec(text.trim());
  const unit = match ? UNITS[match[3]!] : undefined;
  if (!match || unit === undefined) {
    return bad(`Invalid byte size "${text}"`);
  }
  const thousandths = BigInt(match[1]!) * 1000n +
    BigInt((match[2] ?? "").padEnd(3, "0"));
  return (thousandths * unit) / 1000n;
}

/** A byte-size string field, in bytes. */
export function size(obj: JsonObject, key: string): bigint {
  return parseByteSize(str(obj, key));
}
