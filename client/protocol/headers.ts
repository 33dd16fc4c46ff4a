/**
 * Per-message user headers (binary.md §2.7): `{key kind u8, key len u32, key, value kind u8, value len u32, value}*`.
 * @module
 */

import { fromUtf8, utf8, viewOf } from "./bytes.ts";
import { ErrorCode, invalid } from "./errors.ts";

/**
 * Header kinds, shared by keys and values.
 *
 * @example Usage
 * ```ts
 * import { HeaderKind } from "@iggy/client";
 * import assert from "node:assert/strict";
 *
 * assert.equal(HeaderKind.String, 2);
 * ```
 */
export const HeaderKind = {
  Raw: 1,
  String: 2,
  Bool: 3,
  Int8: 4,
  Int16: 5,
  Int32: 6,
  Int64: 7,
  Int128: 8,
  Uint8: 9,
  Uint16: 10,
  Uint32: 11,
  Uint64: 12,
  Uint128: 13,
  Float32: 14,
  Float64: 15,
} as const;

/**
 * A header kind code.
 *
 * @example Usage
 * ```ts
 * import { HeaderKind } from "@iggy/client";
 *
 * const value: HeaderKind = HeaderKind.String;
 * console.log(value);
 * ```
 */
export type HeaderKind = (typeof HeaderKind)[keyof typeof HeaderKind];

/** Fixed value sizes by kind; Raw and String are 1..255 bytes. */
const FIXED_SIZE: Readonly<Record<number, number>> = {
  3: 1,
  4: 1,
  5: 2,
  6: 4,
  7: 8,
  8: 16,
  9: 1,
  10: 2,
  11: 4,
  12: 8,
  13: 16,
  14: 4,
  15: 8,
};

/**
 * A typed header value as it travels: its kind and its little-endian bytes.
 *
 * @example Usage
 * ```ts
 * import { header, type HeaderValue } from "@iggy/client";
 *
 * const value: HeaderValue = header.bool(true);
 * console.log(value.kind);
 * ```
 */
export interface HeaderValue {
  /** The kind code. */
  kind: HeaderKind;
  /** The encoded value bytes. */
  value: Uint8Array;
}

/**
 * User headers of one message, keyed by (string) header name.
 *
 * @example Usage
 * ```ts
 * import { header, type UserHeaders } from "@iggy/client";
 *
 * const headers: UserHeaders = { source: header.string("web"), attempt: header.uint32(1) };
 * console.log(Object.keys(headers));
 * ```
 */
export type UserHeaders = Record<string, HeaderValue>;

function fixed(
  kind: HeaderKind,
  size: number,
  write: (view: DataView) => void,
): HeaderValue {
  const value = new Uint8Array(size);
  write(viewOf(value));
  return { kind, value };
}

/** Builders for typed header values. */
export const header = {
  /** Raw bytes (1..255). */
  raw(value: Uint8Array): HeaderValue {
    return { kind: HeaderKind.Raw, value };
  },
  /** A UTF-8 string (1..255 bytes). */
  string(value: string): HeaderValue {
    return { kind: HeaderKind.String, value: utf8(value) };
  },
  /** A boolean. */
  bool(value: boolean): HeaderValue {
    return { kind: HeaderKind.Bool, value: Uint8Array.of(value ? 1 : 0) };
  },
  /** A signed 8-bit integer. */
  int8(value: number): HeaderValue {
    return fixed(HeaderKind.Int8, 1, (v) => v.setInt8(0, value));
  },
  /** A signed 16-bit integer. */
  int16(value: number): HeaderValue {
    return fixed(HeaderKind.Int16, 2, (v) => v.setInt16(0, value, true));
  },
  /** A signed 32-bit integer. */
  int32(value: number): HeaderValue {
    return fixed(HeaderKind.Int32, 4, (v) => v.setInt32(0, value, true));
  },
  /** A signed 64-bit integer. */
  int64(value: bigint): HeaderValue {
    return fixed(HeaderKind.Int64, 8, (v) => v.setBigInt64(0, value, true));
  },
  /** An unsigned 8-bit integer. */
  uint8(value: number): HeaderValue {
    return fixed(HeaderKind.Uint8, 1, (v) => v.setUint8(0, value));
  },
  /** An unsigned 16-bit integer. */
  uint16(value: number): HeaderValue {
    return fixed(HeaderKind.Uint16, 2, (v) => v.setUint16(0, value, true));
  },
  /** An unsigned 32-bit integer. */
  uint32(value: number): HeaderValue {
    return fixed(HeaderKind.Uint32, 4, (v) => v.setUint32(0, value, true));
  },
  /** An unsigned 64-bit integer. */
  uint64(value: bigint): HeaderValue {
    return fixed(HeaderKind.Uint64, 8, (v) => v.setBigUint64(0, value, true));
  },
  /** An unsigned 128-bit integer. */
  uint128(value: bigint): HeaderValue {
    return fixed(HeaderKind.Uint128, 16, (v) => {
      v.setBigUint64(0, value & 0xffff_ffff_ffff_ffffn, true);
      v.setBigUint64(8, value >> 64n, true);
    });
  },
  /** A signed 128-bit integer. */
  int128(value: bigint): HeaderValue {
    const unsigned = BigInt.asUintN(128, value);
    return { ...header.uint128(unsigned), kind: HeaderKind.Int128 };
  },
  /** A 32-bit float. */
  float32(value: number): HeaderValue {
    return fixed(HeaderKind.Float32, 4, (v) => v.setFloat32(0, value, true));
  },
  /** A 64-bit float. */
  float64(value: number): HeaderValue {
    return fixed(HeaderKind.Float64, 8, (v) => v.setFloat64(0, value, true));
  },
};

/**
 * Reads a header value back as a JS value (string, number, bigint, boolean or bytes).
 *
 * @example Usage
 * ```ts
 * import { header, headerToValue } from "@iggy/client";
 * import assert from "node:assert/strict";
 *
 * assert.equal(headerToValue(header.uint64(7n)), 7n);
 * assert.equal(headerToValue(header.string("web")), "web");
 * ```
 */
export function headerToValue(
  h: HeaderValue,
): string | number | bigint | boolean | Uint8Array {
  const v = viewOf(h.value);
  switch (h.kind) {
    case HeaderKind.String:
      return fromUtf8(h.value);
    case HeaderKind.Bool:
      return h.value[0] !== 0;
    case HeaderKind.Int8:
      return v.getInt8(0);
    case HeaderKind.Int16:
      return v.getInt16(0, true);
    case HeaderKind.Int32:
      return v.getInt32(0, true);
    case HeaderKind.Int64:
      return v.getBigInt64(0, true);
    case HeaderKind.Uint8:
      return v.getUint8(0);
    case HeaderKind.Uint16:
      return v.getUint16(0, true);
    case HeaderKind.Uint32:
      return v.getUint32(0, true);
    case HeaderKind.Uint64:
      return v.getBigUint64(0, true);
    case HeaderKind.Uint128:
      return (v.getBigUint64(8, true) << 64n) | v.getBigUint64(0, true);
    case HeaderKind.Int128:
      return BigInt.asIntN(
        128,
        (v.getBigUint64(8, true) << 64n) | v.getBigUint64(0, true),
      );
    case HeaderKind.Float32:
      return v.getFloat32(0, true);
    case HeaderKind.Float64:
      return v.getFloat64(0, true);
    default:
      return h.value;
  }
}

function checkValue(h: HeaderValue, code: number, what: string): void {
  const size = FIXED_SIZE[h.kind];
  if (h.kind === HeaderKind.Raw || h.kind === HeaderKind.String) {
    if (h.value.length < 1 || h.value.length > 255) {
      invalid(code, `${what} must be 1..255 bytes, got ${h.value.length}`);
    }
  } else if (size === undefined) {
    invalid(code, `Unknown header kind ${h.kind}`);
  } else if (h.value.length !== size) {
    invalid(
      code,
      `${what} of kind ${h.kind} must be ${size} bytes, got ${h.value.length}`,
    );
  }
}

/** Encoded size of `headers` in bytes (0 when there are none). */
export function userHeadersSize(headers: UserHeaders | undefined): number {
  if (!headers) return 0;
  let size = 0;
  for (const [key, value] of Object.entries(headers)) {
    size += 10 + utf8(key).length + value.value.length;
  }
  return size;
}

/**
 * Writes `headers` at `at` in `target`; keys are String-kind. Entries are sorted by key, as the Rust SDK
 * does. Throws `IggyError` 4018/4019 on an invalid key or value. Returns the number of bytes written.
 */
export function writeUserHeaders(
  target: Uint8Array,
  at: number,
  headers: UserHeaders,
): number {
  const view = viewOf(target);
  let pos = at;
  for (const key of Object.keys(headers).sort()) {
    const value = headers[key]!;
    const keyBytes = utf8(key);
    if (keyBytes.length < 1 || keyBytes.length > 255) {
      invalid(
        ErrorCode.InvalidHeaderKey,
        `Header key must be 1..255 bytes: "${key}"`,
      );
    }
    checkValue(value, ErrorCode.InvalidHeaderValue, `Header "${key}"`);
    target[pos] = HeaderKind.String;
    view.setUint32(pos + 1, keyBytes.length, true);
    target.set(keyBytes, pos + 5);
    pos += 5 + keyBytes.length;
    target[pos] = value.kind;
    view.setUint32(pos + 1, value.value.length, true);
    target.set(value.value, pos + 5);
    pos += 5 + value.value.length;
  }
  return pos - at;
}

/** Encodes `headers` into a new buffer. */
export function encodeUserHeaders(headers: UserHeaders): Uint8Array {
  const out = new Uint8Array(userHeadersSize(headers));
  writeUserHeaders(out, 0, headers);
  return out;
}

/**
 * Checks a header block without decoding it (the server's ingest check).
 * Throws `IggyError` 4018 (bad key) or 4019 (bad value).
 */
export function validateUserHeaders(block: Uint8Array): void {
  const view = viewOf(block);
  let pos = 0;
  while (pos < block.length) {
    for (
      const code of [ErrorCode.InvalidHeaderKey, ErrorCode.InvalidHeaderValue]
    ) {
      if (pos + 5 > block.length) invalid(code, "Truncated user header", pos);
      const kind = block[pos]! as HeaderKind;
      const length = view.getUint32(pos + 1, true);
      if (pos + 5 + length > block.length) {
        invalid(code, "Truncated user header", pos);
      }
      checkValue(
        { kind, value: block.subarray(pos + 5, pos + 5 + length) },
        code,
        "User header",
      );
      pos += 5 + length;
    }
  }
}

/** Decodes a header block; non-string keys are rendered as UTF-8 of their bytes. */
export function decodeUserHeaders(block: Uint8Array): UserHeaders {
  const headers: UserHeaders = {};
  const view = viewOf(block);
  let pos = 0;
  while (pos < block.length) {
    if (pos + 5 > block.length) {
      invalid(ErrorCode.InvalidHeaderKey, "Truncated user header", pos);
    }
    const keyLength = view.getUint32(pos + 1, true);
    const keyEnd = pos + 5 + keyLength;
    if (keyEnd + 5 > block.length) {
      invalid(ErrorCode.InvalidHeaderKey, "Truncated user header", pos);
    }
    const key = fromUtf8(block.subarray(pos + 5, keyEnd));
    const kind = block[keyEnd]! as HeaderKind;
    const valueLength = view.getUint32(keyEnd + 1, true);
    const valueEnd = keyEnd + 5 + valueLength;
    if (valueEnd > block.length) {
      invalid(ErrorCode.InvalidHeaderValue, "Truncated user header", keyEnd);
    }
    headers[key] = { kind, value: block.slice(keyEnd + 5, valueEnd) };
    pos = valueEnd;
  }
  return headers;
}
