/**
 * Message frames at rest: gzip compression and AES-256-GCM encryption of each frame's body,
 * applied to a whole message section before it is stamped and stored, and undone on poll.
 *
 * Wire frames always carry `reserved = 0` (the server rejects anything else, error 4101), so a
 * stored frame uses that field to describe itself. A plain stored frame is the wire frame
 * (`reserved = 0`) and is served without a copy. A transformed stored frame is:
 *
 * | Off | Size | Field |
 * |---:|---:|---|
 * | 0  | 8  | checksum: XXH3-64 of the stored bytes `[8, end)`, as for any frame |
 * | 8  | 48 | id, offset, timestamp, origin_timestamp: as for any frame |
 * | 48 | 4  | user_headers_length = 0 |
 * | 52 | 4  | payload_length = stored body length |
 * | 56 | 1  | flags: 1 = gzip, 2 = AES-256-GCM (both may be set) |
 * | 57 | 3  | the original user_headers_length, u24 LE (at most 100 000) |
 * | 60 | 4  | the original body length (payload + user headers), u32 LE |
 * | 64 | …  | stored body |
 *
 * The stored body is the original `payload ‖ user headers`, gzipped when the flag says so (a
 * message is only stored gzipped when that makes it smaller), then, when encrypted, sealed as
 * `nonce (12) ‖ ciphertext ‖ tag (16)` with a fresh nonce per message and the 8 bytes at 56..63
 * as additional authenticated data, so flags and lengths cannot be changed unnoticed.
 * Decoding restores the wire frame (lengths, `reserved = 0`, and a checksum over it).
 * @module
 */

import { ErrorCode, IggyError } from "../../client/protocol/errors.ts";
import { gunzip, gzip } from "./compression.ts";
import type { MessageCipher } from "./encryption.ts";
import {
  MESSAGE_HEADER_SIZE,
  MessageField,
  writeFrameChecksum,
} from "./stamp.ts";

/** Bits of the flags byte of a stored frame. */
export const StoredFlag = { gzip: 1, encrypted: 2 } as const;

/** How {@linkcode encodeForStorage} transforms message bodies. */
export interface AtRestOptions {
  /** Encrypt every body with this cipher. */
  cipher?: MessageCipher;
  /** Gzip bodies (kept only where it saves space). */
  gzip?: boolean;
}

interface StoredBody {
  /** Start of the frame in the section. */
  start: number;
  flags: number;
  headersLength: number;
  bodyLength: number;
  body: Uint8Array;
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function reservedBytes(
  flags: number,
  headers: number,
  body: number,
): Uint8Array {
  const out = new Uint8Array(8);
  const view = viewOf(out);
  view.setUint32(0, (flags | (headers << 8)) >>> 0, true);
  view.setUint32(4, body, true);
  return out;
}

/**
 * Transforms a validated message section (`count` wire frames back to back) for storage.
 * @param section the message section; never modified
 * @param count the number of frames
 * @param options the cipher and whether to gzip
 * @returns `section` itself when nothing changes, else a new section of stored frames (not yet
 *   stamped: offsets, timestamps, ids and checksums are filled by the log's append)
 * @throws {IggyError} 71 `CannotEncryptData` when encryption fails
 */
export async function encodeForStorage(
  section: Uint8Array,
  count: number,
  options: AtRestOptions,
): Promise<Uint8Array> {
  const { cipher } = options;
  if (!cipher && !options.gzip) return section;
  const view = viewOf(section);
  const bodies: StoredBody[] = [];
  const sealing: Promise<void>[] = [];
  let pos = 0;
  let size = 0;
  let changed = false;
  for (let i = 0; i < count; i++) {
    const headersLength = view.getUint32(
      pos + MessageField.UserHeadersLength,
      true,
    );
    const payloadLength = view.getUint32(
      pos + MessageField.PayloadLength,
      true,
    );
    const bodyLength = payloadLength + headersLength;
    const bodyStart = pos + MESSAGE_HEADER_SIZE;
    const item: StoredBody = {
      start: pos,
      flags: 0,
      headersLength,
      bodyLength,
      body: section.subarray(bodyStart, bodyStart + bodyLength),
    };
    if (options.gzip && bodyLength > 0) {
      const packed = gzip(item.body);
      if (packed.length < bodyLength) {
        item.body = packed;
        item.flags |= StoredFlag.gzip;
      }
    }
    if (cipher) {
      item.flags |= StoredFlag.encrypted;
      const aad = reservedBytes(item.flags, headersLength, bodyLength);
      sealing.push(
        cipher.encrypt(item.body, aad).then((sealed) => {
          item.body = sealed;
        }),
      );
    }
    if (item.flags !== 0) changed = true;
    bodies.push(item);
    pos = bodyStart + bodyLength;
  }
  if (!changed) return section;
  await settleAll(sealing);
  for (const item of bodies) size += MESSAGE_HEADER_SIZE + item.body.length;

  const out = new Uint8Array(size);
  const ov = viewOf(out);
  let at = 0;
  for (const item of bodies) {
    out.set(section.subarray(item.start, item.start + MESSAGE_HEADER_SIZE), at);
    if (item.flags !== 0) {
      ov.setUint32(at + MessageField.UserHeadersLength, 0, true);
      ov.setUint32(at + MessageField.PayloadLength, item.body.length, true);
      out.set(
        reservedBytes(item.flags, item.headersLength, item.bodyLength),
        at + MessageField.Reserved,
      );
    }
    out.set(item.body, at + MESSAGE_HEADER_SIZE);
    at += MESSAGE_HEADER_SIZE + item.body.length;
  }
  return out;
}

/** Tells whether a chunk of stored frames holds any transformed frame. */
function hasStoredFlags(chunk: Uint8Array, view: DataView): boolean {
  let pos = 0;
  while (pos + MESSAGE_HEADER_SIZE <= chunk.length) {
    if (chunk[pos + MessageField.Reserved] !== 0) return true;
    pos += MESSAGE_HEADER_SIZE +
      view.getUint32(pos + MessageField.PayloadLength, true) +
      view.getUint32(pos + MessageField.UserHeadersLength, true);
  }
  return false;
}

/**
 * Restores wire frames from stored ones. Chunks holding only plain frames are returned as they
 * are (no copy); the others are rebuilt.
 * @param chunks stored frames back to back, as `PartitionLog.read` returns them
 * @param cipher the server's cipher, if encryption is configured
 * @returns chunks of wire frames, the same messages in the same order
 * @throws {IggyError} 72 `CannotDecryptData` when a frame is encrypted and there is no cipher,
 *   the key is wrong, or the stored bytes were changed
 */
export async function decodeFromStorage(
  chunks: Uint8Array[],
  cipher: MessageCipher | undefined,
): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (const chunk of chunks) {
    const view = viewOf(chunk);
    out.push(
      hasStoredFlags(chunk, view)
        ? await decodeChunk(chunk, view, cipher)
        : chunk,
    );
  }
  return out;
}

async function decodeChunk(
  chunk: Uint8Array,
  view: DataView,
  cipher: MessageCipher | undefined,
): Promise<Uint8Array> {
  const items: StoredBody[] = [];
  const opening: Promise<void>[] = [];
  let pos = 0;
  while (pos + MESSAGE_HEADER_SIZE <= chunk.length) {
    const storedLength =
      view.getUint32(pos + MessageField.PayloadLength, true) +
      view.getUint32(pos + MessageField.UserHeadersLength, true);
    const bodyStart = pos + MESSAGE_HEADER_SIZE;
    const word = view.getUint32(pos + MessageField.Reserved, true);
    const item: StoredBody = {
      start: pos,
      flags: word & 0xff,
      headersLength: word >>> 8,
      bodyLength: view.getUint32(pos + MessageField.Reserved + 4, true),
      body: chunk.subarray(bodyStart, bodyStart + storedLength),
    };
    if (item.flags !== 0) {
      const offset = view.getBigUint64(pos + MessageField.Offset, true);
      opening.push(openBody(item, cipher, offset));
    }
    items.push(item);
    pos = bodyStart + storedLength;
  }
  await settleAll(opening);
  let size = 0;
  for (const item of items) size += MESSAGE_HEADER_SIZE + item.body.length;
  const out = new Uint8Array(size);
  const ov = viewOf(out);
  let at = 0;
  for (const item of items) {
    out.set(chunk.subarray(item.start, item.start + MESSAGE_HEADER_SIZE), at);
    out.set(item.body, at + MESSAGE_HEADER_SIZE);
    const end = at + MESSAGE_HEADER_SIZE + item.body.length;
    if (item.flags !== 0) {
      ov.setUint32(
        at + MessageField.UserHeadersLength,
        item.headersLength,
        true,
      );
      ov.setUint32(
        at + MessageField.PayloadLength,
        item.bodyLength - item.headersLength,
        true,
      );
      ov.setBigUint64(at + MessageField.Reserved, 0n, true);
      writeFrameChecksum(out, at, end);
    }
    at = end;
  }
  return out;
}

/**
 * Waits for every operation, then rethrows the first failure, so that none is still running (and
 * writing into a body) after the call has failed.
 */
async function settleAll(work: Promise<void>[]): Promise<void> {
  for (const result of await Promise.allSettled(work)) {
    if (result.status === "rejected") throw result.reason;
  }
}

/** Replaces `item.body` with the original body. */
async function openBody(
  item: StoredBody,
  cipher: MessageCipher | undefined,
  offset: bigint,
): Promise<void> {
  const known = StoredFlag.gzip | StoredFlag.encrypted;
  if ((item.flags & ~known) !== 0 || item.headersLength > item.bodyLength) {
    throw new IggyError(
      ErrorCode.CannotDecryptData,
      `stored message at offset ${offset} has an unknown layout`,
    );
  }
  let body = item.body;
  if (item.flags & StoredFlag.encrypted) {
    if (!cipher) {
      throw new IggyError(
        ErrorCode.CannotDecryptData,
        `stored message at offset ${offset} is encrypted and server encryption is not configured`,
      );
    }
    const aad = reservedBytes(item.flags, item.headersLength, item.bodyLength);
    try {
      body = await cipher.decrypt(body, aad);
    } catch (cause) {
      throw new IggyError(
        ErrorCode.CannotDecryptData,
        `stored message at offset ${offset}: wrong key or tampered data`,
        { cause },
      );
    }
  }
  if (item.flags & StoredFlag.gzip) body = gunzip(body, item.bodyLength);
  if (body.length !== item.bodyLength) {
    throw new IggyError(
      ErrorCode.CannotDecryptData,
      `stored message at offset ${offset} has ${body.length} bytes, expected ${item.bodyLength}`,
    );
  }
  item.body = body;
}
