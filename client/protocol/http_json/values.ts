/**
 * The values under the HTTP API's JSON shapes (http.md §6, §7): JSON value types, base64, Iggy's
 * human-readable byte sizes, f32 numbers and typed user headers; exact JSON parsing on the
 * runtime's parser where it can (the SDK falls back to `lossless-json` elsewhere) and the one JSON
 * writer both sides use. No error policy (the server rejects with 4xx, the SDK
 * with 302 `InvalidJsonResponse`).
 * @module
 */

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

// --- exact parsing on the runtime's JSON.parse ---

const INTEGER = /^-?\d+$/;

/** What a reviver gets as its third argument where JSON.parse gives source text access. */
interface ReviverContext {
  source?: string;
}

function reviveInteger(
  _key: string,
  value: unknown,
  context?: ReviverContext,
): unknown {
  if (
    typeof value === "number" && context?.source !== undefined &&
    INTEGER.test(context.source)
  ) {
    return BigInt(context.source);
  }
  return value;
}

/**
 * True when this runtime's `JSON.parse` hands a reviver the source text of each value (ES2025
 * "JSON.parse source text access": Deno, Node 21+, current browsers), which
 * {@linkcode parseJsonExact} needs.
 */
export const JSON_SOURCE_ACCESS: boolean = (() => {
  let seen = false;
  try {
    JSON.parse(
      "1",
      ((_key: string, value: unknown, context?: ReviverContext) => {
        seen = context?.source === "1";
        return value;
      }) as (key: string, value: unknown) => unknown,
    );
  } catch {
    return false;
  }
  return seen;
})();

/**
 * Parses JSON text with the runtime's parser (many times faster than a JavaScript one), integers as
 * `bigint` so no u64/u128 loses precision, other numbers as `number`. Needs
 * {@linkcode JSON_SOURCE_ACCESS}.
 *
 * @param text The JSON text.
 * @returns The value.
 * @throws {SyntaxError} On bad syntax.
 */
export function parseJsonExact(text: string): JsonValue {
  return JSON.parse(
    text,
    reviveInteger as (key: string, value: unknown) => unknown,
  ) as JsonValue;
}

// --- base64 (standard, padded) ---

/** Whether this runtime has `Uint8Array.fromBase64` and `Uint8Array.prototype.toBase64` (ES2026). */
const NATIVE_BASE64: boolean =
  typeof (Uint8Array as { fromBase64?: unknown }).fromBase64 === "function" &&
  typeof (Uint8Array.prototype as { toBase64?: unknown }).toBase64 ===
    "function";

/**
 * Encodes bytes as standard padded base64.
 *
 * @param bytes The bytes.
 * @returns The base64 text.
 */
export function toBase64(bytes: Uint8Array): string {
  if (NATIVE_BASE64) return bytes.toBase64();
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/**
 * Decodes base64 as `atob` reads it: padding optional, ASCII whitespace skipped (callers check
 * stricter forms first, or use {@linkcode decodeBase64Strict}).
 *
 * @param text The base64 text.
 * @returns The bytes.
 * @throws {Error} When the text is not base64 (a `SyntaxError`, or `atob`'s `DOMException`).
 */
export function decodeBase64(text: string): Uint8Array {
  if (NATIVE_BASE64) return Uint8Array.fromBase64(text);
  return fromBinaryString(atob(text));
}

function fromBinaryString(binary: string): Uint8Array {
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

const CANONICAL_BASE64 =
  /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const BASE64_WHITESPACE = /[\t\n\f\r ]/;

/**
 * Decodes standard padded base64 written canonically: padding present, unused bits of the last
 * group zero, no whitespace (as Rust's `base64` STANDARD engine reads it).
 *
 * @param text The base64 text.
 * @returns The bytes, or undefined when the text is not in that form.
 */
export function decodeBase64Strict(text: string): Uint8Array | undefined {
  if (NATIVE_BASE64) {
    if (BASE64_WHITESPACE.test(text)) return undefined;
    try {
      return Uint8Array.fromBase64(text, { lastChunkHandling: "strict" });
    } catch {
      return undefined;
    }
  }
  if (!CANONICAL_BASE64.test(text)) return undefined;
  const bytes = fromBinaryString(atob(text));
  // Zero unused bits: the bytes encode back to the same text.
  return toBase64(bytes) === text ? bytes : undefined;
}

// --- byte sizes (http.md §6.1) ---

const BYTE_UNITS: readonly (readonly [string, bigint])[] = [
  ["EiB", 1024n ** 6n],
  ["EB", 1000n ** 6n],
  ["PiB", 1024n ** 5n],
  ["PB", 1000n ** 5n],
  ["TiB", 1024n ** 4n],
  ["TB", 1000n ** 4n],
  ["GiB", 1024n ** 3n],
  ["GB", 1000n ** 3n],
  ["MiB", 1024n ** 2n],
  ["MB", 1000n ** 2n],
  ["KiB", 1024n],
  ["KB", 1000n],
];

/**
 * Renders a byte count as Iggy's `IggyByteSize` string: the largest unit that three decimals
 * render exactly, e.g. `1536 → "1.5 KiB"`.
 *
 * @param bytes The byte count.
 * @returns The size text.
 */
export function formatByteSize(bytes: bigint | number): string {
  const n = BigInt(bytes);
  for (const [unit, size] of BYTE_UNITS) {
    if (n >= size && (n * 1000n) % size === 0n) {
      const thousandths = (n * 1000n) / size;
      const whole = thousandths / 1000n;
      const fraction = (thousandths % 1000n).toString().padStart(3, "0")
        .replace(/0+$/, "");
      return fraction ? `${whole}.${fraction} ${unit}` : `${whole} ${unit}`;
    }
  }
  return `${n} B`;
}

/**
 * Reads an `IggyByteSize` string back into bytes, exactly (`"1.5 KiB"` → 1536n,
 * `"1234.567 KB"` → 1234567n).
 *
 * @param text The size text.
 * @returns The byte count, or undefined when the text is not a byte size.
 */
export function parseByteSize(text: string): bigint | undefined {
  const match = /^(\d+)(?:\.(\d{1,3}))? ([KMGTPE]i?B|B)$/.exec(text.trim());
  if (!match) return undefined;
  const unit = match[3] === "B"
    ? 1n
    : BYTE_UNITS.find(([name]) => name === match[3])?.[1];
  if (unit === undefined) return undefined;
  const thousandths = BigInt(match[1]!) * 1000n +
    BigInt((match[2] ?? "").padEnd(3, "0"));
  return (thousandths * unit) / 1000n;
}

// --- numbers written as given ---

/**
 * A JSON number written exactly as `text` (each side's serializer writes it bare), for floats whose
 * form matters: `f32` values as Rust's serde_json writes them.
 */
export class JsonNumber {
  /** The number's JSON text. */
  readonly text: string;

  /**
   * Wraps the text of a JSON number.
   *
   * @param text The number as it is to be written.
   */
  constructor(text: string) {
    this.text = text;
  }

  /**
   * The number's text.
   *
   * @returns The text.
   */
  toString(): string {
    return this.text;
  }
}

/**
 * An `f32` field as Rust's serde_json writes it: the shortest decimal that reads back as the same
 * `f32` (`1.7424761`, not `1.7424761056900024`), integral values with `.0`, non-finite as `null`.
 * The Web UI parses with `json-bigint`, which throws on a fractional number longer than 15 characters.
 *
 * @param value The value (rounded to f32 first).
 * @returns The number to write, or `null`.
 */
export function f32Json(value: number): JsonNumber | null {
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
  return new JsonNumber(/^-?\d+$/.test(text) ? `${text}.0` : text);
}

// --- writing JSON text ---

/**
 * Writes JSON text as `JSON.stringify` does, with `bigint`s and {@linkcode JsonNumber}s as bare
 * numbers so no u64/u128 loses a digit; `undefined` (and function) fields are dropped (`null` in
 * arrays), non-finite numbers are `null`, `toJSON()` is honoured. One serializer for both sides:
 * the server's answers and the SDK's request bodies. Strings (base64 payloads) go through the
 * runtime's `JSON.stringify`.
 *
 * @param value The value.
 * @returns The JSON text (`null` for a value with no JSON form).
 */
export function stringifyJson(value: unknown): string {
  return writeJson("", value) ?? "null";
}

/** `value`'s JSON text, or undefined where `JSON.stringify` would leave the field out. */
function writeJson(key: string, value: unknown): string | undefined {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "bigint":
      return value.toString();
    case "number":
      return Number.isFinite(value) ? String(value) : "null";
    case "boolean":
      return value ? "true" : "false";
    case "object":
      break;
    default:
      return undefined;
  }
  if (value === null) return "null";
  if (value instanceof JsonNumber) return value.text;
  const toJson = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJson === "function") {
    return writeJson(key, toJson.call(value, key));
  }
  if (Array.isArray(value)) {
    let text = "[";
    for (let i = 0; i < value.length; i++) {
      if (i > 0) text += ",";
      text += writeJson(String(i), value[i]) ?? "null";
    }
    return text + "]";
  }
  let text = "{";
  let first = true;
  const object = value as Record<string, unknown>;
  for (const field of Object.keys(object)) {
    const itemText = writeJson(field, object[field]);
    if (itemText === undefined) continue;
    text += (first ? "" : ",") + JSON.stringify(field) + ":" + itemText;
    first = false;
  }
  return text + "}";
}

// --- user headers (http.md §7.1, §7.2) ---

/** Header kind names in code order (1 = raw … 15 = float64). */
export const HEADER_KIND_NAMES = [
  "raw",
  "string",
  "bool",
  "int8",
  "int16",
  "int32",
  "int64",
  "int128",
  "uint8",
  "uint16",
  "uint32",
  "uint64",
  "uint128",
  "float32",
  "float64",
] as const;

/**
 * The code of a header kind name.
 *
 * @param name The JSON kind name, e.g. `"string"`.
 * @returns The code (1..15), or undefined for an unknown name.
 */
export function headerKindCode(name: string): number | undefined {
  const index = HEADER_KIND_NAMES.indexOf(
    name as typeof HEADER_KIND_NAMES[number],
  );
  return index < 0 ? undefined : index + 1;
}

/** One typed header field in JSON: its kind name and base64 bytes. */
export interface HeaderFieldJson {
  /** The kind name, e.g. `"string"`. */
  kind: string;
  /** The raw bytes in base64. */
  value: string;
}

/**
 * A raw user-header block → typed JSON entries `{ key, value }`.
 *
 * @param block The `[kind u8][len u32][bytes]` key/value pairs.
 * @returns The entries, or undefined when the block does not parse.
 */
export function headersJson(
  block: Uint8Array,
): { key: HeaderFieldJson; value: HeaderFieldJson }[] | undefined {
  const view = new DataView(block.buffer, block.byteOffset, block.byteLength);
  const out: { key: HeaderFieldJson; value: HeaderFieldJson }[] = [];
  let at = 0;
  while (at < block.length) {
    const fields: HeaderFieldJson[] = [];
    for (let i = 0; i < 2; i++) {
      if (at + 5 > block.length) return undefined;
      const kind = HEADER_KIND_NAMES[block[at]! - 1];
      const length = view.getUint32(at + 1, true);
      if (kind === undefined || at + 5 + length > block.length) {
        return undefined;
      }
      fields.push({
        kind,
        value: toBase64(block.subarray(at + 5, at + 5 + length)),
      });
      at += 5 + length;
    }
    out.push({ key: fields[0]!, value: fields[1]! });
  }
  return out;
}

/**
 * Writes header fields as a raw block, in the order given (key, value, key, value …).
 *
 * @param fields `[kind code, bytes]` per field.
 * @returns The `[kind u8][len u32][bytes]` block.
 */
export function encodeHeaderFields(
  fields: readonly (readonly [number, Uint8Array])[],
): Uint8Array {
  let length = 0;
  for (const [, bytes] of fields) length += 5 + bytes.length;
  const out = new Uint8Array(length);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const [kind, bytes] of fields) {
    out[at] = kind;
    view.setUint32(at + 1, bytes.length, true);
    out.set(bytes, at + 5);
    at += 5 + bytes.length;
  }
  return out;
}
