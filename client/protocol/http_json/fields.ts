/**
 * The one set of JSON field readers both sides use: the server on request bodies (a bad field is a
 * 422), the SDK on answers (a bad field is 302 `InvalidJsonResponse`). Only the rejection differs,
 * so it is the one thing each side passes in.
 * @module
 */

import {
  decodeBase64,
  decodeBase64Strict,
  type JsonObject,
  type JsonValue,
  parseByteSize,
} from "./values.ts";

/** Options of {@linkcode JsonFields}. */
export interface JsonFieldsOptions {
  /**
   * Accept base64 only in its canonical padded form (as Rust's `base64` STANDARD engine reads it);
   * otherwise read it as `atob` does.
   * @default {false}
   */
  strictBase64?: boolean;
}

const U8_MAX = 0xffn;
const U32_MAX = 0xffff_ffffn;
const U64_MAX = 0xffff_ffff_ffff_ffffn;

/**
 * Typed readers of JSON fields (integers arrive as `bigint`, see `parseJsonExact`). Each reader
 * returns the value or calls `fail` with a serde-like message; `opt*` readers take `null` and an
 * absent field as undefined.
 */
export class JsonFields {
  readonly #fail: (message: string) => never;
  readonly #strictBase64: boolean;

  /**
   * Creates readers that reject through `fail`.
   *
   * @param fail Throws the side's error for a message.
   * @param options How strictly base64 is read.
   */
  constructor(
    fail: (message: string) => never,
    options: JsonFieldsOptions = {},
  ) {
    this.#fail = fail;
    this.#strictBase64 = options.strictBase64 ?? false;
  }

  /**
   * Rejects with `message`.
   *
   * @param message What is wrong.
   * @returns Never.
   */
  fail(message: string): never {
    return this.#fail(message);
  }

  /**
   * The value as an object.
   *
   * @param value The value.
   * @param what Its name in the message.
   * @returns The object.
   */
  asObject(value: JsonValue | undefined, what: string): JsonObject {
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      this.#fail(`${what}: expected an object`);
    }
    return value as JsonObject;
  }

  /**
   * The value as an array.
   *
   * @param value The value.
   * @param what Its name in the message.
   * @returns The array.
   */
  asArray(value: JsonValue | undefined, what: string): JsonValue[] {
    if (!Array.isArray(value)) this.#fail(`${what}: expected an array`);
    return value;
  }

  #required(o: JsonObject, key: string): JsonValue {
    const v = o[key];
    if (v === undefined) this.#fail(`missing field \`${key}\``);
    return v;
  }

  /**
   * A required object field.
   *
   * @param o The object.
   * @param key The field.
   * @returns The field's object.
   */
  object(o: JsonObject, key: string): JsonObject {
    return this.asObject(this.#required(o, key), key);
  }

  /**
   * An optional object field.
   *
   * @param o The object.
   * @param key The field.
   * @returns The field's object, or undefined.
   */
  optObject(o: JsonObject, key: string): JsonObject | undefined {
    const v = o[key];
    return v === undefined || v === null ? undefined : this.asObject(v, key);
  }

  /**
   * A required array field.
   *
   * @param o The object.
   * @param key The field.
   * @returns The field's array.
   */
  array(o: JsonObject, key: string): JsonValue[] {
    return this.asArray(this.#required(o, key), key);
  }

  /**
   * A required string field.
   *
   * @param o The object.
   * @param key The field.
   * @returns The string.
   */
  str(o: JsonObject, key: string): string {
    const v = this.#required(o, key);
    if (typeof v !== "string") this.#fail(`${key}: expected a string`);
    return v;
  }

  /**
   * An optional string field.
   *
   * @param o The object.
   * @param key The field.
   * @returns The string, or undefined.
   */
  optStr(o: JsonObject, key: string): string | undefined {
    const v = o[key];
    return v === undefined || v === null ? undefined : this.str(o, key);
  }

  /**
   * A required boolean field.
   *
   * @param o The object.
   * @param key The field.
   * @returns The boolean.
   */
  bool(o: JsonObject, key: string): boolean {
    const v = this.#required(o, key);
    if (typeof v !== "boolean") this.#fail(`${key}: expected a boolean`);
    return v;
  }

  #integer(key: string, v: JsonValue, max: bigint): bigint {
    if (typeof v !== "bigint" || v < 0n || v > max) {
      this.#fail(`${key}: expected an integer in 0..=${max}`);
    }
    return v;
  }

  /**
   * A required u64 field.
   *
   * @param o The object.
   * @param key The field.
   * @returns The value.
   */
  u64(o: JsonObject, key: string): bigint {
    return this.#integer(key, this.#required(o, key), U64_MAX);
  }

  /**
   * An optional u64 field.
   *
   * @param o The object.
   * @param key The field.
   * @returns The value, or undefined.
   */
  optU64(o: JsonObject, key: string): bigint | undefined {
    const v = o[key];
    return v === undefined || v === null
      ? undefined
      : this.#integer(key, v, U64_MAX);
  }

  /**
   * A required u32 field.
   *
   * @param o The object.
   * @param key The field.
   * @returns The value.
   */
  u32(o: JsonObject, key: string): number {
    return Number(this.#integer(key, this.#required(o, key), U32_MAX));
  }

  /**
   * An optional u32 field.
   *
   * @param o The object.
   * @param key The field.
   * @returns The value, or undefined.
   */
  optU32(o: JsonObject, key: string): number | undefined {
    const v = o[key];
    return v === undefined || v === null
      ? undefined
      : Number(this.#integer(key, v, U32_MAX));
  }

  /**
   * An optional u8 field.
   *
   * @param o The object.
   * @param key The field.
   * @returns The value, or undefined.
   */
  optU8(o: JsonObject, key: string): number | undefined {
    const v = o[key];
    return v === undefined || v === null
      ? undefined
      : Number(this.#integer(key, v, U8_MAX));
  }

  /**
   * A required number field, integral or not (`cpu_usage`), as a `number`.
   *
   * @param o The object.
   * @param key The field.
   * @returns The value.
   */
  num(o: JsonObject, key: string): number {
    const v = this.#required(o, key);
    if (typeof v === "bigint") return Number(v);
    if (typeof v !== "number") this.#fail(`${key}: expected a number`);
    return v;
  }

  /**
   * Decodes base64 text.
   *
   * @param text The text.
   * @param what Its name in the message.
   * @returns The bytes.
   */
  base64(text: string, what: string): Uint8Array {
    if (this.#strictBase64) {
      return decodeBase64Strict(text) ?? this.#fail(`${what}: invalid base64`);
    }
    try {
      return decodeBase64(text);
    } catch {
      return this.#fail(`${what}: invalid base64`);
    }
  }

  /**
   * A required byte-size string field (`"1.5 KiB"`, http.md §6.1), in bytes.
   *
   * @param o The object.
   * @param key The field.
   * @returns The byte count.
   */
  byteSize(o: JsonObject, key: string): bigint {
    const text = this.str(o, key);
    return parseByteSize(text) ?? this.#fail(`Invalid byte size "${text}"`);
  }

  /**
   * A u32 id written as an object key (permissions maps).
   *
   * @param key The key.
   * @param what The map's name in the message.
   * @returns The id.
   */
  idKey(key: string, what: string): number {
    if (!/^\d{1,10}$/.test(key) || Number(key) > 0xffff_ffff) {
      this.#fail(`${what}: "${key}" is not a u32 id`);
    }
    return Number(key);
  }
}
