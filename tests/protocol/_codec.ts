/**
 * Test helpers for the codec tests.
 * @module
 */

import assert from "node:assert/strict";
import { WireError } from "../../client/protocol/errors.ts";

/** Asserts `decode(encode(value))` deep-equals `value` and re-encodes to the same bytes. */
export function assertRoundTrip<T>(
  encode: (value: T) => Uint8Array,
  decode: (bytes: Uint8Array) => T,
  value: T,
): Uint8Array {
  const bytes = encode(value);
  const decoded = decode(bytes);
  assert.deepEqual(decoded, value);
  assert.deepEqual(encode(decoded), bytes);
  return bytes;
}

/** Asserts `fn` throws a {@linkcode WireError} carrying `code`. */
export function assertWireError(fn: () => unknown, code: number): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof WireError, `expected WireError, got ${err}`);
    assert.equal(err.code, code);
    return true;
  });
}

/** Hex string to bytes. */
export function hex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, "");
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) {
    out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  }
  return out;
}

/** Bytes to lowercase hex. */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Concatenates byte arrays. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
