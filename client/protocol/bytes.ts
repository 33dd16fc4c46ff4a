/**
 * Little-endian byte reading and writing over `Uint8Array` and `DataView`.
 *
 * Every multi-byte integer of the Iggy 0.8.0 protocol is little-endian; u64 values are `bigint`.
 * @module
 */

import { WireError } from "./errors.ts";

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder("utf-8", { fatal: true });

/** Encodes a string as UTF-8. */
export function utf8(text: string): Uint8Array {
  return textEncoder.encode(text);
}

/** Decodes UTF-8, throwing {@linkcode WireError} on invalid input. */
export function fromUtf8(bytes: Uint8Array): string {
  try {
    return textDecoder.decode(bytes);
  } catch (cause) {
    throw new WireError("Invalid UTF-8", {
      offset: 0,
      need: 0,
      have: bytes.length,
      cause,
    });
  }
}

/** Returns a `DataView` over exactly the bytes of `bytes`. */
export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Reads fields in order from a byte buffer; throws {@linkcode WireError} when bytes run out. */
export class ByteReader {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  offset: number;

  constructor(bytes: Uint8Array, offset = 0) {
    this.bytes = bytes;
    this.view = viewOf(bytes);
    this.offset = offset;
  }

  /** Bytes left to read. */
  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  /** Throws unless `need` more bytes are available. */
  ensure(need: number): void {
    if (this.offset + need > this.bytes.length) {
      throw new WireError("Unexpected end of payload", {
        offset: this.offset,
        need,
        have: this.bytes.length - this.offset,
      });
    }
  }

  u8(): number {
    this.ensure(1);
    return this.bytes[this.offset++]!;
  }

  bool(): boolean {
    return this.u8() !== 0;
  }

  u16(): number {
    this.ensure(2);
    const value = this.view.getUint16(this.offset, true);
    this.offset += 2;
    return value;
  }

  u32(): number {
    this.ensure(4);
    const value = this.view.getUint32(this.offset, true);
    this.offset += 4;
    return value;
  }

  u64(): bigint {
    this.ensure(8);
    const value = this.view.getBigUint64(this.offset, true);
    this.offset += 8;
    return value;
  }

  u128(): bigint {
    const low = this.u64();
    const high = this.u64();
    return (high << 64n) | low;
  }

  f32(): number {
    this.ensure(4);
    const value = this.view.getFloat32(this.offset, true);
    this.offset += 4;
    return value;
  }

  /** A view (not a copy) of the next `length` bytes. */
  bytesView(length: number): Uint8Array {
    this.ensure(length);
    const out = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }

  /** `[len u8][utf8]`. */
  str8(): string {
    return fromUtf8(this.bytesView(this.u8()));
  }

  /** `[len u32][utf8]`. */
  str32(): string {
    return fromUtf8(this.bytesView(this.u32()));
  }

  /** The rest of the buffer, as a view. */
  rest(): Uint8Array {
    const out = this.bytes.subarray(this.offset);
    this.offset = this.bytes.length;
    return out;
  }
}

/** Appends fields to a growable buffer. */
export class ByteWriter {
  #buffer: Uint8Array;
  #view: DataView;
  #length = 0;

  constructor(initialCapacity = 64) {
    this.#buffer = new Uint8Array(initialCapacity);
    this.#view = viewOf(this.#buffer);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.#length;
  }

  #reserve(extra: number): number {
    const at = this.#length;
    const need = at + extra;
    if (need > this.#buffer.length) {
      let capacity = this.#buffer.length * 2;
      while (capacity < need) capacity *= 2;
      const next = new Uint8Array(capacity);
      next.set(this.#buffer.subarray(0, at));
      this.#buffer = next;
      this.#view = viewOf(next);
    }
    this.#length = need;
    return at;
  }

  u8(value: number): this {
    const at = this.#reserve(1);
    this.#buffer[at] = value;
    return this;
  }

  bool(value: boolean): this {
    return this.u8(value ? 1 : 0);
  }

  u16(value: number): this {
    const at = this.#reserve(2);
    this.#view.setUint16(at, value, true);
    return this;
  }

  u32(value: number): this {
    const at = this.#reserve(4);
    this.#view.setUint32(at, value, true);
    return this;
  }

  u64(value: bigint | number): this {
    const at = this.#reserve(8);
    this.#view.setBigUint64(at, BigInt(value), true);
    return this;
  }

  u128(value: bigint): this {
    this.u64(value & 0xffff_ffff_ffff_ffffn);
    return this.u64(value >> 64n);
  }

  f32(value: number): this {
    const at = this.#reserve(4);
    this.#view.setFloat32(at, value, true);
    return this;
  }

  bytes(value: Uint8Array): this {
    const at = this.#reserve(value.length);
    this.#buffer.set(value, at);
    return this;
  }

  /** `[len u8][utf8]`; throws `RangeError` above 255 bytes. */
  str8(value: string | Uint8Array): this {
    const bytes = typeof value === "string" ? utf8(value) : value;
    if (bytes.length > 255) {
      throw new RangeError(`Value is longer than 255 bytes: ${bytes.length}`);
    }
    return this.u8(bytes.length).bytes(bytes);
  }

  /** `[len u32][utf8]`. */
  str32(value: string): this {
    const bytes = utf8(value);
    return this.u32(bytes.length).bytes(bytes);
  }

  /** The written bytes (a view of the internal buffer). */
  finish(): Uint8Array {
    return this.#buffer.subarray(0, this.#length);
  }
}
