/**
 * Helpers shared by the command codecs (folder-private).
 * @module
 */

import { ByteReader, ByteWriter } from "../bytes.ts";

/** Runs `write` on a fresh writer and returns the bytes written. */
export function encodeWith(
  write: (writer: ByteWriter) => void,
  capacity = 64,
): Uint8Array {
  const writer = new ByteWriter(capacity);
  write(writer);
  return writer.finish();
}

/** Reads entries back to back until `payload` is exhausted (lists carry no count). */
export function readList<T>(
  payload: Uint8Array,
  read: (reader: ByteReader) => T,
): T[] {
  const reader = new ByteReader(payload);
  const out: T[] = [];
  while (reader.remaining > 0) out.push(read(reader));
  return out;
}

/** Writes every entry of `list` back to back. */
export function encodeList<T>(
  list: readonly T[],
  write: (writer: ByteWriter, item: T) => void,
): Uint8Array {
  return encodeWith((writer) => {
    for (const item of list) write(writer, item);
  }, 64 * Math.max(1, list.length));
}
