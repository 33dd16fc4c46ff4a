/**
 * The message batch (binary.md §6): the SendMessages payload and the frames of a poll answer.
 *
 * A message frame is a 64-byte header, the payload, then the user headers. The server stamps four header
 * fields in place and stores and serves the frames exactly as received.
 * @module
 */

import { ByteReader, ByteWriter, viewOf } from "./bytes.ts";
import { CommandCode } from "./codes.ts";
import { FRAME_HEADER_SIZE } from "./frame.ts";
import { ErrorCode, IggyError, invalid } from "./errors.ts";
import {
  type Identifier,
  readIdentifier,
  writeIdentifier,
} from "./identifier.ts";
import {
  type Partitioning,
  readPartitioning,
  writePartitioning,
} from "./primitives.ts";
import {
  decodeUserHeaders,
  encodeUserHeaders,
  type UserHeaders,
  userHeadersSize,
  writeUserHeaders,
} from "./headers.ts";

/** Size of the fixed message header. */
export const MESSAGE_HEADER_SIZE = 64;
/** Size of one index entry, in a send request and in `.index` files. */
export const INDEX_ENTRY_SIZE = 16;
/** Size of the poll answer header `[partition_id u32][current_offset u64][count u32]`. */
export const POLLED_HEADER_SIZE = 16;
/** Largest payload of one message. */
export const MAX_PAYLOAD_SIZE = 64_000_000;
/** Largest user-header block of one message. */
export const MAX_USER_HEADERS_SIZE = 100_000;

/** Field offsets inside the 64-byte message header. */
export const MessageField = {
  Checksum: 0,
  Id: 8,
  Offset: 24,
  Timestamp: 32,
  OriginTimestamp: 40,
  UserHeadersLength: 48,
  PayloadLength: 52,
  Reserved: 56,
} as const;

/** A message to send. */
export interface OutgoingMessage {
  /** Message id (u128); 0 or absent lets the server assign a random UUID. */
  id?: bigint;
  /** The payload bytes. */
  payload: Uint8Array;
  /** Typed user headers. */
  headers?: UserHeaders;
  /** An already-encoded user-header block, sent as is (takes precedence over `headers`). */
  rawHeaders?: Uint8Array;
  /** Producer timestamp in µs; defaults to now. */
  originTimestamp?: bigint;
}

/** A SendMessages request. */
export interface SendMessages {
  /** Stream id or name. */
  streamId: Identifier;
  /** Topic id or name. */
  topicId: Identifier;
  /** How the server picks the partition. */
  partitioning: Partitioning;
  /** The messages, in order, or a batch encoded once by {@linkcode prepareMessages}. */
  messages: OutgoingMessage[] | PreparedMessages;
}

/**
 * Messages encoded once (index section and frames, as SendMessages carries them) to be sent any
 * number of times without encoding them again. The server stamps its own copy, so a prepared batch
 * never changes; ids left 0 get a new server-assigned id on every send.
 *
 * @example Usage
 * ```ts ignore
 * const batch = await client.prepareMessages([{ payload: "tick" }]);
 * await client.sendMessages({ streamId: "s", topicId: "t", messages: batch });
 * ```
 */
export interface PreparedMessages {
  /** Number of messages. */
  readonly count: number;
  /** `count` index entries followed by the frames. */
  readonly section: Uint8Array;
}

/**
 * Room in front of a prepared section for the largest frame header and metadata:
 * `[length u32][code u32][metadata_length u32]`, two identifiers and a partitioning of up to
 * 2 + 255 bytes each, and `[count u32]`.
 */
const HEADROOM = FRAME_HEADER_SIZE + 4 + 3 * (2 + 255) + 4;

/**
 * The buffer `[headroom][section]` behind each batch made by {@linkcode prepareMessages}. Kept out
 * of the public shape; a batch built by hand has no entry and is copied when sent.
 */
const backings = new WeakMap<PreparedMessages, Uint8Array>();

/** True when `messages` is a {@linkcode PreparedMessages} batch. */
export function isPreparedMessages(
  messages: OutgoingMessage[] | PreparedMessages,
): messages is PreparedMessages {
  return !Array.isArray(messages);
}

/**
 * Encodes messages once for repeated sending (see {@linkcode PreparedMessages}). The section is
 * preceded by free room, so that {@linkcode encodeSendMessagesFrame} can put the frame header and
 * metadata in front of it instead of copying it.
 * @param messages at least one message
 * @param allocate returns a buffer of exactly `size` bytes for the batch (headroom and section);
 *   its old contents do not matter. Defaults to a new buffer.
 * @returns the prepared batch
 * @throws {RangeError} when there are no messages or a message is too large
 */
export function prepareMessages(
  messages: OutgoingMessage[],
  allocate: (size: number) => Uint8Array = zeroed,
): PreparedMessages {
  if (messages.length === 0) {
    throw new RangeError("SendMessages needs at least one message");
  }
  const sizes = measureMessages(messages);
  const buffer = allocate(HEADROOM + sizes.section);
  writeSection(buffer, HEADROOM, messages, sizes.headers);
  const prepared: PreparedMessages = {
    count: messages.length,
    section: buffer.subarray(HEADROOM),
  };
  backings.set(prepared, buffer);
  return prepared;
}

function zeroed(size: number): Uint8Array {
  return new Uint8Array(size);
}

function nowMicros(): bigint {
  return BigInt(Date.now()) * 1000n;
}

/** `[stream Id][topic Id][Partitioning][count u32]`. */
function encodeMetadata(command: SendMessages, count: number): Uint8Array {
  if (count === 0) {
    throw new RangeError("SendMessages needs at least one message");
  }
  const meta = new ByteWriter(64);
  writeIdentifier(meta, command.streamId);
  writeIdentifier(meta, command.topicId);
  writePartitioning(meta, command.partitioning);
  meta.u32(count);
  return meta.finish();
}

function countOf(messages: OutgoingMessage[] | PreparedMessages): number {
  return isPreparedMessages(messages) ? messages.count : messages.length;
}

/**
 * Encodes a SendMessages payload:
 * `[metadata_length u32][stream Id][topic Id][Partitioning][count u32]` then `count` index entries
 * `(0, cumulative end, 0)` then the frames (checksum, offset and timestamp zero).
 * @param command the stream, topic, partitioning and messages
 * @param allocate returns a buffer of exactly `size` bytes to encode into; its old contents do not
 *   matter (every byte is written), so a caller may pass pooled buffers. Defaults to a new buffer.
 * @returns the payload
 * @throws {RangeError} when there are no messages, a message is too large or an identifier is bad
 */
export function encodeSendMessages(
  command: SendMessages,
  allocate: (size: number) => Uint8Array = zeroed,
): Uint8Array {
  return encodeBatch(command, 0, allocate, false);
}

/** Options of {@linkcode encodeSendMessagesFrame}. */
export interface SendMessagesFrameOptions {
  /**
   * Whether the headroom of a batch from {@linkcode prepareMessages} may be written: no other frame
   * of the same batch is in use (being sent and not yet answered). The frame is then built in front
   * of the section, which is not copied. Other batches are always copied.
   * @default {false}
   */
  inPlace?: boolean;
  /**
   * Returns a buffer of exactly `size` bytes for a frame that is not built in place; its old
   * contents do not matter. Defaults to a new buffer.
   */
  allocate?: (size: number) => Uint8Array;
}

/**
 * Encodes a whole SendMessages request frame, `[length u32 = 4 + payload][code u32 = 101][payload]`
 * with the payload of {@linkcode encodeSendMessages}, so that it can be written at once.
 *
 * With `inPlace` and a batch from {@linkcode prepareMessages}, the header and metadata go into the
 * room in front of its section and the frame is a view of the batch's own buffer (no copy); it
 * stays valid until the batch is encoded in place again. Otherwise the frame is encoded into a
 * buffer from `allocate`.
 * @param command the stream, topic, partitioning and messages
 * @param options `inPlace` and `allocate`
 * @returns the frame, header included
 * @throws {RangeError} when there are no messages, a message is too large or an identifier is bad
 */
export function encodeSendMessagesFrame(
  command: SendMessages,
  options: SendMessagesFrameOptions = {},
): Uint8Array {
  return encodeBatch(
    command,
    FRAME_HEADER_SIZE,
    options.allocate ?? zeroed,
    options.inPlace === true,
  );
}

/**
 * Encodes `[frame header, when headerSize is 8][metadata_length][metadata][section]`: into the
 * headroom of a prepared batch when `inPlace` allows it, else into a buffer from `allocate`.
 */
function encodeBatch(
  command: SendMessages,
  headerSize: 0 | typeof FRAME_HEADER_SIZE,
  allocate: (size: number) => Uint8Array,
  inPlace: boolean,
): Uint8Array {
  const { messages } = command;
  const metadata = encodeMetadata(command, countOf(messages));
  const head = headerSize + 4 + metadata.length;
  let out: Uint8Array;
  if (isPreparedMessages(messages)) {
    const backing = inPlace ? backingOf(messages) : undefined;
    out = backing
      ? backing.subarray(HEADROOM - head)
      : allocate(head + messages.section.length);
    if (!backing) out.set(messages.section, head);
  } else {
    const sizes = measureMessages(messages);
    out = allocate(head + sizes.section);
    writeSection(out, head, messages, sizes.headers);
  }
  const view = viewOf(out);
  if (headerSize > 0) {
    view.setUint32(0, out.length - 4, true);
    view.setUint32(4, CommandCode.SendMessages, true);
  }
  view.setUint32(headerSize, metadata.length, true);
  out.set(metadata, headerSize + 4);
  return out;
}

/**
 * The `[headroom][section]` buffer of a batch from {@linkcode prepareMessages}, while its section
 * is still the prepared one (`readonly` binds only the types); undefined for other batches.
 */
function backingOf(messages: PreparedMessages): Uint8Array | undefined {
  const backing = backings.get(messages);
  const section = messages.section;
  return backing !== undefined && backing.buffer === section.buffer &&
      backing.byteOffset + HEADROOM === section.byteOffset &&
      backing.length === HEADROOM + section.length
    ? backing
    : undefined;
}

/** The user-header size of each message and the size of the index and frame section. */
function measureMessages(
  messages: OutgoingMessage[],
): { headers: number[]; section: number } {
  let frames = 0;
  const headers = new Array<number>(messages.length);
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i]!;
    if (message.payload.length > MAX_PAYLOAD_SIZE) {
      throw new RangeError(
        `Message payload is larger than ${MAX_PAYLOAD_SIZE} bytes`,
      );
    }
    const size = message.rawHeaders?.length ??
      userHeadersSize(message.headers);
    if (size > MAX_USER_HEADERS_SIZE) {
      throw new RangeError("User headers are larger than 100000 bytes");
    }
    headers[i] = size;
    frames += MESSAGE_HEADER_SIZE + message.payload.length + size;
  }
  return { headers, section: INDEX_ENTRY_SIZE * messages.length + frames };
}

/**
 * Writes the index entries and the frames of `messages` into `out` from `indexStart`. Every byte
 * of the section is written, so `out` may be a reused buffer.
 */
function writeSection(
  out: Uint8Array,
  indexStart: number,
  messages: OutgoingMessage[],
  headerSizes: number[],
): void {
  const view = viewOf(out);
  const framesStart = indexStart + INDEX_ENTRY_SIZE * messages.length;
  const now = nowMicros();
  let at = framesStart;
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i]!;
    const id = message.id;
    view.setBigUint64(at + MessageField.Checksum, 0n, true);
    if (id) {
      view.setBigUint64(
        at + MessageField.Id,
        id & 0xffff_ffff_ffff_ffffn,
        true,
      );
      view.setBigUint64(at + MessageField.Id + 8, id >> 64n, true);
    } else {
      view.setBigUint64(at + MessageField.Id, 0n, true);
      view.setBigUint64(at + MessageField.Id + 8, 0n, true);
    }
    view.setBigUint64(at + MessageField.Offset, 0n, true);
    view.setBigUint64(at + MessageField.Timestamp, 0n, true);
    view.setBigUint64(at + MessageField.Reserved, 0n, true);
    view.setBigUint64(
      at + MessageField.OriginTimestamp,
      message.originTimestamp ?? now,
      true,
    );
    view.setUint32(at + MessageField.UserHeadersLength, headerSizes[i]!, true);
    view.setUint32(
      at + MessageField.PayloadLength,
      message.payload.length,
      true,
    );
    out.set(message.payload, at + MESSAGE_HEADER_SIZE);
    if (message.rawHeaders) {
      out.set(
        message.rawHeaders,
        at + MESSAGE_HEADER_SIZE + message.payload.length,
      );
    } else if (message.headers) {
      writeUserHeaders(
        out,
        at + MESSAGE_HEADER_SIZE + message.payload.length,
        message.headers,
      );
    }
    at += MESSAGE_HEADER_SIZE + message.payload.length + headerSizes[i]!;
    const entry = indexStart + i * INDEX_ENTRY_SIZE;
    view.setUint32(entry, 0, true);
    view.setUint32(entry + 4, at - framesStart, true);
    view.setBigUint64(entry + 8, 0n, true);
  }
}

/** A decoded SendMessages request; `indexes` and `messages` are views into the received payload. */
export interface SendMessagesBatch {
  /** Stream id or name. */
  streamId: Identifier;
  /** Topic id or name. */
  topicId: Identifier;
  /** Partition selection. */
  partitioning: Partitioning;
  /** Number of messages. */
  count: number;
  /** The index section (16 bytes per message). */
  indexes: Uint8Array;
  /** The message section: frames back to back. */
  messages: Uint8Array;
}

/**
 * Decodes the SendMessages metadata and splits the payload into index and message sections, without
 * copying. Bad identifiers → 6 `InvalidIdentifier`; bad partitioning or sizes → 3 `InvalidCommand`.
 * Call {@linkcode validateMessages} before storing.
 */
export function decodeSendMessages(payload: Uint8Array): SendMessagesBatch {
  if (payload.length < 4) {
    invalid(ErrorCode.InvalidCommand, "SendMessages payload is too short");
  }
  const metadataLength = viewOf(payload).getUint32(0, true);
  if (4 + metadataLength > payload.length) {
    invalid(
      ErrorCode.InvalidCommand,
      "SendMessages metadata is longer than the payload",
    );
  }
  const reader = new ByteReader(payload.subarray(4, 4 + metadataLength));
  let streamId: Identifier;
  let topicId: Identifier;
  try {
    streamId = readIdentifier(reader);
    topicId = readIdentifier(reader);
  } catch (cause) {
    throw new IggyError(
      ErrorCode.InvalidIdentifier,
      "SendMessages stream or topic",
      { cause },
    );
  }
  const partitioning = readPartitioning(reader);
  const count = reader.u32();
  const indexStart = 4 + metadataLength;
  const framesStart = indexStart + INDEX_ENTRY_SIZE * count;
  if (framesStart > payload.length) {
    invalid(
      ErrorCode.InvalidCommand,
      "SendMessages index section is longer than the payload",
    );
  }
  return {
    streamId,
    topicId,
    partitioning,
    count,
    indexes: payload.subarray(indexStart, framesStart),
    messages: payload.subarray(framesStart),
  };
}

/**
 * Validates a send batch as binary.md §6.4 says (plus reserved = 0), so that only whole frames are
 * stored. Throws `IggyError` with the protocol code. The user-header block is only checked for its
 * size, as Iggy 0.8.0 does: the official SDKs send it encrypted (opaque bytes) when they encrypt
 * messages on the client.
 */
export function validateMessages(batch: SendMessagesBatch): void {
  const { count, indexes, messages } = batch;
  if (count === 0) {
    invalid(
      ErrorCode.InvalidMessagesCount,
      "A batch needs at least one message",
    );
  }
  const ix = viewOf(indexes);
  const mv = viewOf(messages);
  let start = 0;
  for (let i = 0; i < count; i++) {
    const entry = i * INDEX_ENTRY_SIZE;
    if (ix.getUint32(entry, true) !== 0) {
      invalid(ErrorCode.NonZeroOffset, `Index entry ${i}`);
    }
    // Two u32 reads: no bigint per message.
    if (
      ix.getUint32(entry + 8, true) !== 0 ||
      ix.getUint32(entry + 12, true) !== 0
    ) {
      invalid(ErrorCode.NonZeroTimestamp, `Index entry ${i}`);
    }
    const end = i === count - 1
      ? messages.length
      : ix.getUint32(entry + 4, true);
    if (end < start) {
      invalid(
        ErrorCode.CannotReadIndexPosition,
        `Index position ${i} decreases`,
      );
    }
    if (end > messages.length || end - start < MESSAGE_HEADER_SIZE) {
      invalid(
        ErrorCode.MissingIndex,
        `Message ${i} is outside the batch or shorter than its header`,
      );
    }
    const headersLength = mv.getUint32(
      start + MessageField.UserHeadersLength,
      true,
    );
    const payloadLength = mv.getUint32(
      start + MessageField.PayloadLength,
      true,
    );
    if (payloadLength > MAX_PAYLOAD_SIZE) {
      invalid(ErrorCode.TooBigMessagePayload, `Message ${i}`);
    }
    if (headersLength > MAX_USER_HEADERS_SIZE) {
      invalid(ErrorCode.TooBigUserHeaders, `Message ${i}`);
    }
    const size = MESSAGE_HEADER_SIZE + payloadLength + headersLength;
    if (size > end - start) {
      invalid(ErrorCode.MissingIndex, `Message ${i} is longer than its slice`);
    }
    if (size !== end - start) {
      invalid(ErrorCode.InvalidMessagesSize, `Message ${i} size mismatch`);
    }
    if (
      mv.getUint32(start + MessageField.Reserved, true) !== 0 ||
      mv.getUint32(start + MessageField.Reserved + 4, true) !== 0
    ) {
      invalid(ErrorCode.InvalidReservedField, `Message ${i}`);
    }
    start = end;
  }
}

/**
 * A message read back from the server.
 *
 * @example Usage
 * ```ts ignore
 * const { messages } = await client.pollMessages({ streamId: "orders", topicId: "created" });
 * for (const m of messages) console.log(m.offset, m.id, m.timestamp, m.headers);
 * ```
 */
export interface Message {
  /** Partition offset. */
  offset: bigint;
  /** Message id (u128). */
  id: bigint;
  /** Server timestamp, µs since the epoch. */
  timestamp: bigint;
  /** Producer timestamp, µs since the epoch. */
  originTimestamp: bigint;
  /** XXH3-64 checksum stamped by the server. */
  checksum: bigint;
  /** Typed user headers (empty object when none). */
  headers: UserHeaders;
  /**
   * The user-header block as received, when it is not a plain header block (for example one
   * encrypted by an official Iggy SDK); `headers` is then empty. Absent otherwise.
   */
  rawHeaders?: Uint8Array;
  /** The payload (a view into the response buffer). */
  payload: Uint8Array;
}

/**
 * A PollMessages answer.
 *
 * @example Usage
 * ```ts ignore
 * const polled = await client.pollMessages({ streamId: "orders", topicId: "created" });
 * console.log(polled.partitionId, polled.currentOffset, polled.messages.length);
 * ```
 */
export interface PolledMessages {
  /** The partition that was read. */
  partitionId: number;
  /** The partition's highest offset. */
  currentOffset: bigint;
  /** The messages, ascending by offset. */
  messages: Message[];
}

/** Decodes a PollMessages answer; stops silently at a truncated frame, like the official clients. */
export function decodePolledMessages(payload: Uint8Array): PolledMessages {
  if (payload.length < POLLED_HEADER_SIZE) {
    invalid(
      ErrorCode.InvalidCommand,
      "Poll answer is shorter than its 16-byte header",
    );
  }
  const view = viewOf(payload);
  const partitionId = view.getUint32(0, true);
  const currentOffset = view.getBigUint64(4, true);
  const count = view.getUint32(12, true);
  const messages: Message[] = [];
  let at = POLLED_HEADER_SIZE;
  for (
    let i = 0;
    i < count && at + MESSAGE_HEADER_SIZE <= payload.length;
    i++
  ) {
    const headersLength = view.getUint32(
      at + MessageField.UserHeadersLength,
      true,
    );
    const payloadLength = view.getUint32(at + MessageField.PayloadLength, true);
    const end = at + MESSAGE_HEADER_SIZE + payloadLength + headersLength;
    if (end > payload.length) break;
    const bodyStart = at + MESSAGE_HEADER_SIZE;
    const message: Message = {
      checksum: view.getBigUint64(at, true),
      id: (view.getBigUint64(at + MessageField.Id + 8, true) << 64n) |
        view.getBigUint64(at + MessageField.Id, true),
      offset: view.getBigUint64(at + MessageField.Offset, true),
      timestamp: view.getBigUint64(at + MessageField.Timestamp, true),
      originTimestamp: view.getBigUint64(
        at + MessageField.OriginTimestamp,
        true,
      ),
      payload: payload.subarray(bodyStart, bodyStart + payloadLength),
      headers: {},
    };
    if (headersLength > 0) {
      const block = payload.subarray(bodyStart + payloadLength, end);
      try {
        message.headers = decodeUserHeaders(block);
      } catch {
        // Not a header block: opaque bytes, such as a block encrypted on the client.
        message.rawHeaders = block;
      }
    }
    messages.push(message);
    at = end;
  }
  return { partitionId, currentOffset, messages };
}

/** One stored-message frame as {@linkcode writeMessageFrames} writes it. */
export interface MessageFrame {
  /** XXH3-64 checksum. */
  checksum: bigint;
  /** Message id (u128). */
  id: bigint;
  /** Partition offset. */
  offset: bigint;
  /** Server timestamp, µs. */
  timestamp: bigint;
  /** Producer timestamp, µs. */
  originTimestamp: bigint;
  /** The payload. */
  payload: Uint8Array;
}

/**
 * Writes stored-message frames back to back, each `[64-byte header][payload][user-header block]`.
 * @param out the buffer, large enough for every frame from `at`
 * @param frames the frames with, at the same index, the user-header block of each (empty for none)
 *   and the reserved field (0 when absent)
 * @param at where the first frame starts
 */
export function writeMessageFrames(
  out: Uint8Array,
  frames: {
    messages: readonly MessageFrame[];
    blocks: readonly Uint8Array[];
    reserved?: readonly bigint[];
  },
  at = 0,
): void {
  const view = viewOf(out);
  const { messages, blocks, reserved } = frames;
  for (let i = 0; i < messages.length; i++) {
    const frame = messages[i]!;
    const { payload } = frame;
    const block = blocks[i]!;
    view.setBigUint64(at + MessageField.Checksum, frame.checksum, true);
    view.setBigUint64(at + MessageField.Id, BigInt.asUintN(64, frame.id), true);
    view.setBigUint64(at + MessageField.Id + 8, frame.id >> 64n, true);
    view.setBigUint64(at + MessageField.Offset, frame.offset, true);
    view.setBigUint64(at + MessageField.Timestamp, frame.timestamp, true);
    view.setBigUint64(
      at + MessageField.OriginTimestamp,
      frame.originTimestamp,
      true,
    );
    view.setUint32(at + MessageField.UserHeadersLength, block.length, true);
    view.setUint32(at + MessageField.PayloadLength, payload.length, true);
    view.setBigUint64(at + MessageField.Reserved, reserved?.[i] ?? 0n, true);
    out.set(payload, at + MESSAGE_HEADER_SIZE);
    out.set(block, at + MESSAGE_HEADER_SIZE + payload.length);
    at += MESSAGE_HEADER_SIZE + payload.length + block.length;
  }
}

/**
 * Encodes a PollMessages answer (the inverse of {@linkcode decodePolledMessages}): the 16-byte
 * header `[partition_id u32][current_offset u64][count u32]`, then one frame per message.
 * @param polled the partition, its offset and the messages
 * @returns the answer payload
 */
export function encodePolledMessages(polled: PolledMessages): Uint8Array {
  const { messages } = polled;
  const blocks = messages.map((m) =>
    m.rawHeaders ??
      (Object.keys(m.headers).length > 0
        ? encodeUserHeaders(m.headers)
        : new Uint8Array(0))
  );
  let total = POLLED_HEADER_SIZE;
  messages.forEach((m, i) => {
    total += MESSAGE_HEADER_SIZE + m.payload.length + blocks[i]!.length;
  });
  const out = new Uint8Array(total);
  const view = viewOf(out);
  view.setUint32(0, polled.partitionId, true);
  view.setBigUint64(4, polled.currentOffset, true);
  view.setUint32(12, messages.length, true);
  writeMessageFrames(out, { messages, blocks }, POLLED_HEADER_SIZE);
  return out;
}
