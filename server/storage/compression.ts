/**
 * Message compression at rest: gzip through `node:zlib` (synchronous, one call per message).
 * @module
 */

import { gunzipSync, gzipSync } from "node:zlib";
import { ErrorCode, IggyError } from "../../client/protocol/errors.ts";

/**
 * Gzips `bytes`.
 * @param bytes the input
 * @returns the gzip member
 * @example Usage
 * ```ts
 * import { gunzip, gzip } from "./compression.ts";
 * const packed = gzip(new TextEncoder().encode("aaaaaaaaaaaaaaaaaaaa"));
 * gunzip(packed, 20);
 * ```
 */
export function gzip(bytes: Uint8Array): Uint8Array {
  const out = gzipSync(bytes);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * Gunzips `bytes`, which must expand to exactly `size` bytes.
 * @param bytes a gzip member
 * @param size the expected output size (also the most that is ever inflated)
 * @returns the original bytes
 * @throws {IggyError} 72 `CannotDecryptData` when the data is corrupt or of another size
 */
export function gunzip(bytes: Uint8Array, size: number): Uint8Array {
  let out: Uint8Array;
  try {
    out = gunzipSync(bytes, { maxOutputLength: Math.max(size, 1) });
  } catch (cause) {
    throw new IggyError(
      ErrorCode.CannotDecryptData,
      "cannot decompress a stored message: corrupt gzip data",
      { cause },
    );
  }
  if (out.byteLength !== size) {
    throw new IggyError(
      ErrorCode.CannotDecryptData,
      `decompressed message has ${out.byteLength} bytes, expected ${size}`,
    );
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
