/**
 * Identifier (binary.md §2.1): a numeric id (kind 1, u32) or a name (kind 2, 1..255 bytes).
 *
 * In TypeScript a `number` is a numeric id and a `string` is a name; a digits-only string stays a
 * name, as on the wire.
 * @module
 */

import type { ByteReader, ByteWriter } from "./bytes.ts";
import { fromUtf8, utf8 } from "./bytes.ts";
import { ErrorCode, invalid } from "./errors.ts";

/**
 * A stream, topic, group, user or consumer id (`number`) or name (`string`).
 *
 * @example Usage
 * ```ts ignore
 * const byName: Identifier = "orders";
 * const byId: Identifier = 1;
 * await client.getStream(byName);
 * await client.getStream(byId);
 * ```
 */
export type Identifier = number | string;

/** Writes an identifier; throws `RangeError`/`TypeError` on values that cannot be encoded. */
export function writeIdentifier(writer: ByteWriter, id: Identifier): void {
  if (typeof id === "number") {
    if (!Number.isInteger(id) || id < 0 || id > 0xffff_ffff) {
      throw new RangeError(`Numeric identifier must be a u32: ${id}`);
    }
    writer.u8(1).u8(4).u32(id);
    return;
  }
  if (typeof id !== "string") {
    throw new TypeError(`Identifier must be a number or a string`);
  }
  const bytes = utf8(id);
  if (bytes.length < 1 || bytes.length > 255) {
    throw new RangeError(`Identifier name must be 1..255 bytes: "${id}"`);
  }
  writer.u8(2).u8(bytes.length).bytes(bytes);
}

/** Encoded size of an identifier. */
export function identifierSize(id: Identifier): number {
  return typeof id === "number" ? 6 : 2 + utf8(id).length;
}

/**
 * Reads an identifier. Unknown kind → 3 `InvalidCommand`; numeric length ≠ 4 or empty name →
 * 4 `InvalidFormat` (binary.md §2.1).
 */
export function readIdentifier(reader: ByteReader): Identifier {
  const at = reader.offset;
  const kind = reader.u8();
  const length = reader.u8();
  if (kind === 1) {
    if (length !== 4) {
      invalid(
        ErrorCode.InvalidFormat,
        "Numeric identifier length must be 4",
        at,
      );
    }
    return reader.u32();
  }
  if (kind === 2) {
    if (length === 0) {
      invalid(ErrorCode.InvalidFormat, "Identifier name is empty", at);
    }
    return fromUtf8(reader.bytesView(length));
  }
  return invalid(
    ErrorCode.InvalidCommand,
    `Unknown identifier kind ${kind}`,
    at,
  );
}
