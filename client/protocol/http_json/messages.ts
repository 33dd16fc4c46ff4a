/**
 * Messages as JSON (http.md §7.1, §7.2), both ways: the SendMessages body (the SDK writes it from
 * its messages, the server reads it into messages to store) and the PolledMessages answer (the
 * server writes it from stored frames, the SDK reads it into typed messages).
 * @module
 */

import {
  MAX_PAYLOAD_SIZE,
  MAX_USER_HEADERS_SIZE,
  type Message,
  MESSAGE_HEADER_SIZE,
  MessageField,
  type OutgoingMessage,
  type PolledMessages,
  type PreparedMessages,
  writeMessageFrames,
} from "../batch.ts";
import { viewOf } from "../bytes.ts";
import { ErrorCode, IggyError } from "../errors.ts";
import {
  decodeUserHeaders,
  encodeUserHeaders,
  validateUserHeaders,
} from "../headers.ts";
import type { Partitioning } from "../primitives.ts";
import type { JsonFields } from "./fields.ts";
import {
  encodeHeaderFields,
  headerKindCode,
  headersJson,
  type JsonObject,
  type JsonValue,
  toBase64,
} from "./values.ts";

const EMPTY = new Uint8Array(0);
const U64_MAX = 0xffff_ffff_ffff_ffffn;
const U128_MAX = (1n << 128n) - 1n;

// --- SendMessages body (§7.1) ---

/**
 * `Partitioning` → JSON: `{kind, value}` with the partition id (u32 LE) or the key in base64.
 *
 * @param partitioning The partitioning.
 * @returns The JSON object.
 */
export function partitioningToJson(
  partitioning: Partitioning,
): Record<string, unknown> {
  let value = "";
  if (partitioning.kind === "partition_id") {
    const bytes = new Uint8Array(4);
    viewOf(bytes).setUint32(0, partitioning.partitionId, true);
    value = toBase64(bytes);
  } else if (partitioning.kind === "messages_key") {
    value = toBase64(partitioning.key);
  }
  return { kind: partitioning.kind, value };
}

/**
 * JSON → `Partitioning`. A value over 255 bytes, a partition id that is not 4 bytes or an empty
 * key is 4025 `InvalidKeyValueLength`.
 *
 * @param o The JSON object.
 * @param read The field readers.
 * @returns The partitioning.
 */
export function partitioningFromJson(
  o: JsonObject,
  read: JsonFields,
): Partitioning {
  const kind = read.str(o, "kind");
  const value = read.base64(read.str(o, "value"), "partitioning.value");
  if (value.length > 255) {
    throw new IggyError(ErrorCode.InvalidKeyValueLength, `${value.length}`);
  }
  switch (kind) {
    case "balanced":
      return { kind: "balanced" };
    case "partition_id":
      if (value.length !== 4) {
        throw new IggyError(ErrorCode.InvalidKeyValueLength, `${value.length}`);
      }
      return {
        kind: "partition_id",
        partitionId: viewOf(value).getUint32(0, true),
      };
    case "messages_key":
      if (value.length === 0) {
        throw new IggyError(ErrorCode.InvalidKeyValueLength, "0");
      }
      return { kind: "messages_key", key: value };
    default:
      return read.fail(`partitioning.kind: unknown variant \`${kind}\``);
  }
}

/** A header block as JSON: typed entries, or base64 when the block does not parse. */
function headerBlockJson(block: Uint8Array): unknown {
  return headersJson(block) ?? toBase64(block);
}

/** Where the parts of the frame at `at` end; undefined when the frame is cut short. */
function frameAt(
  view: DataView,
  at: number,
): { payloadEnd: number; end: number } | undefined {
  if (at + MESSAGE_HEADER_SIZE > view.byteLength) return undefined;
  const headersLength = view.getUint32(
    at + MessageField.UserHeadersLength,
    true,
  );
  const payloadEnd = at + MESSAGE_HEADER_SIZE +
    view.getUint32(at + MessageField.PayloadLength, true);
  const end = payloadEnd + headersLength;
  return end > view.byteLength ? undefined : { payloadEnd, end };
}

function idAt(view: DataView, at: number): bigint {
  return (view.getBigUint64(at + MessageField.Id + 8, true) << 64n) |
    view.getBigUint64(at + MessageField.Id, true);
}

/** One message of a prepared section's frames → JSON; returns where the next frame starts. */
function frameToJson(
  frames: Uint8Array,
  at: number,
  index: number,
  out: Record<string, unknown>[],
): number {
  const view = viewOf(frames);
  const frame = frameAt(view, at) ??
    invalidSize(index);
  const id = idAt(view, at);
  const message: Record<string, unknown> = {
    payload: toBase64(
      frames.subarray(at + MESSAGE_HEADER_SIZE, frame.payloadEnd),
    ),
  };
  if (id !== 0n) message.id = id.toString();
  if (frame.end > frame.payloadEnd) {
    message.user_headers = headerBlockJson(
      frames.subarray(frame.payloadEnd, frame.end),
    );
  }
  out.push(message);
  return frame.end;
}

function invalidSize(index: number): never {
  throw new IggyError(ErrorCode.InvalidMessagesSize, `Message ${index}`);
}

/**
 * The SendMessages body: `{partitioning, messages: [{id?, payload, user_headers?}]}`. An id is a
 * decimal string (a JSON number must fit u64, an id is u128); 0 is left out (the server assigns
 * one). The origin timestamp is not part of the body: the server sets it.
 *
 * @param partitioning How the server picks the partition.
 * @param messages The messages, or a batch encoded once by `prepareMessages`.
 * @returns The JSON body.
 * @throws {IggyError} 4022 `InvalidMessagesSize` when a prepared batch is malformed.
 */
export function sendMessagesToJson(
  partitioning: Partitioning,
  messages: readonly OutgoingMessage[] | PreparedMessages,
): Record<string, unknown> {
  const out: Record<string, unknown>[] = [];
  if (Array.isArray(messages)) {
    for (const m of messages as readonly OutgoingMessage[]) {
      const message: Record<string, unknown> = { payload: toBase64(m.payload) };
      if (m.id) message.id = m.id.toString();
      const block = m.rawHeaders ??
        (m.headers ? encodeUserHeaders(m.headers) : EMPTY);
      if (block.length > 0) message.user_headers = headerBlockJson(block);
      out.push(message);
    }
  } else {
    const { count, section } = messages as PreparedMessages;
    const frames = section.subarray(16 * count);
    let at = 0;
    for (let i = 0; i < count; i++) at = frameToJson(frames, at, i, out);
  }
  return { partitioning: partitioningToJson(partitioning), messages: out };
}

function messageIdFromJson(
  value: JsonValue | undefined,
  read: JsonFields,
): bigint {
  if (value === undefined || value === null) return 0n;
  if (typeof value === "bigint") {
    if (value < 0n || value > U64_MAX) read.fail("id: expected a u64 number");
    return value;
  }
  if (typeof value === "string") {
    if (/^\d{1,39}$/.test(value) && BigInt(value) <= U128_MAX) {
      return BigInt(value);
    }
    const hex = value.replace(/-/g, "");
    if (/^[0-9a-fA-F]{32}$/.test(hex)) return BigInt(`0x${hex}`);
  }
  return read.fail(
    "id: expected a u64 number, a decimal u128 string or a UUID",
  );
}

function headerKind(field: JsonObject, what: string, read: JsonFields): number {
  const kind = read.str(field, "kind");
  return headerKindCode(kind) ??
    read.fail(`${what}.kind: unknown variant \`${kind}\``);
}

/**
 * JSON user headers → a raw block. Typed entries are ordered by (key kind, key bytes) and a
 * repeated key keeps its last value, as 0.8.0's map does; a base64 string is taken as is.
 *
 * @param value The `user_headers` field.
 * @param read The field readers.
 * @returns The block, or undefined when there are no headers.
 * @throws {IggyError} 4017 `TooBigUserHeaders` over 100 000 bytes.
 */
export function userHeadersFromJson(
  value: JsonValue | undefined,
  read: JsonFields,
): Uint8Array | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return read.base64(value, "user_headers");
  if (!Array.isArray(value)) {
    read.fail("user_headers: expected an array or a string");
  }
  const entries = new Map<
    string,
    { key: [number, Uint8Array]; value: [number, Uint8Array] }
  >();
  for (const item of value) {
    const entry = read.asObject(item, "user_headers[]");
    const key = read.asObject(entry.key, "user_headers[].key");
    const val = read.asObject(entry.value, "user_headers[].value");
    const keyKind = headerKind(key, "key", read);
    const keyBytes = read.base64(read.str(key, "value"), "key.value");
    const valueKind = headerKind(val, "value", read);
    const valueBytes = read.base64(read.str(val, "value"), "value.value");
    entries.set(`${keyKind}:${toBase64(keyBytes)}`, {
      key: [keyKind, keyBytes],
      value: [valueKind, valueBytes],
    });
  }
  const sorted = [...entries.values()].sort((a, b) => {
    if (a.key[0] !== b.key[0]) return a.key[0] - b.key[0];
    const x = a.key[1], y = b.key[1];
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      if (x[i] !== y[i]) return x[i]! - y[i]!;
    }
    return x.length - y.length;
  });
  let size = 0;
  for (const e of sorted) size += 10 + e.key[1].length + e.value[1].length;
  if (size > MAX_USER_HEADERS_SIZE) {
    throw new IggyError(ErrorCode.TooBigUserHeaders);
  }
  const out = encodeHeaderFields(sorted.flatMap((e) => [e.key, e.value]));
  // Typed entries must make a valid block (4018/4019, as 0.8.0's JSON parsing checks); a base64
  // string above is taken as opaque bytes (an encrypted block, for instance).
  validateUserHeaders(out);
  return out.length > 0 ? out : undefined;
}

/**
 * The SendMessages body → the partitioning and the messages to store. Only `partitioning` and
 * `messages` may appear; an empty list is 4009 `InvalidMessagesCount`, a payload over 64 MB 4015
 * `TooBigMessagePayload`, user headers over 100 000 bytes 4017 `TooBigUserHeaders`.
 *
 * @param body The JSON body.
 * @param read The field readers (their `fail` rejects a wrong shape).
 * @returns The partitioning and the messages (origin timestamps left to the encoder: now).
 */
export function sendMessagesFromJson(
  body: JsonObject,
  read: JsonFields,
): { partitioning: Partitioning; messages: OutgoingMessage[] } {
  for (const key of Object.keys(body)) {
    if (key !== "partitioning" && key !== "messages") {
      read.fail(
        `unknown field \`${key}\`, expected \`partitioning\` or \`messages\``,
      );
    }
  }
  const partitioning = partitioningFromJson(
    read.object(body, "partitioning"),
    read,
  );
  const list = read.array(body, "messages");
  if (list.length === 0) throw new IggyError(ErrorCode.InvalidMessagesCount);
  const messages = list.map((item): OutgoingMessage => {
    const message = read.asObject(item, "messages[]");
    const payload = read.base64(read.str(message, "payload"), "payload");
    if (payload.length === 0) read.fail("payload: must not be empty");
    if (payload.length > MAX_PAYLOAD_SIZE) {
      throw new IggyError(ErrorCode.TooBigMessagePayload);
    }
    const rawHeaders = userHeadersFromJson(message.user_headers, read);
    if (rawHeaders && rawHeaders.length > MAX_USER_HEADERS_SIZE) {
      throw new IggyError(ErrorCode.TooBigUserHeaders);
    }
    return { id: messageIdFromJson(message.id, read), payload, rawHeaders };
  });
  return { partitioning, messages };
}

// --- PolledMessages answer (§7.2) ---

/**
 * Response headers of an empty poll that carry the partition id and current offset 0.8.0's zeroed
 * JSON leaves out (an addition of ours: the JSON stays 0.8.0's, and the SDK reads these instead of
 * asking for the topic; from a server without them it asks).
 */
export const EMPTY_POLL_HEADERS = {
  partitionId: "iggy-partition-id",
  currentOffset: "iggy-current-offset",
} as const;

/** What a poll read, as stored frames: the input of {@linkcode polledMessagesToJson}. */
export interface PolledFrames {
  /** The partition that was read. */
  partitionId: number;
  /** The partition's highest offset. */
  currentOffset: bigint;
  /** Number of messages in `frames`. */
  count: number;
  /** The stored frames, back to back. */
  frames: Uint8Array;
}

/**
 * Stored frames → `PolledMessages` JSON. No messages gives 0.8.0's zeroed
 * `{"partition_id":0,"current_offset":0,"count":0,"messages":[]}`.
 *
 * @param polled The partition, its offset and the frames read.
 * @returns The JSON object.
 */
export function polledMessagesToJson(
  polled: PolledFrames,
): Record<string, unknown> {
  const { frames, count } = polled;
  if (count === 0) {
    return { partition_id: 0, current_offset: 0, count: 0, messages: [] };
  }
  const view = viewOf(frames);
  const messages: unknown[] = [];
  let at = 0;
  for (let i = 0; i < count && at + MESSAGE_HEADER_SIZE <= frames.length; i++) {
    const headersLength = view.getUint32(
      at + MessageField.UserHeadersLength,
      true,
    );
    const payloadLength = view.getUint32(at + MessageField.PayloadLength, true);
    const payloadEnd = at + MESSAGE_HEADER_SIZE + payloadLength;
    const end = payloadEnd + headersLength;
    if (end > frames.length) break;
    messages.push({
      header: {
        checksum: view.getBigUint64(at + MessageField.Checksum, true),
        id: idAt(view, at),
        offset: view.getBigUint64(at + MessageField.Offset, true),
        timestamp: view.getBigUint64(at + MessageField.Timestamp, true),
        origin_timestamp: view.getBigUint64(
          at + MessageField.OriginTimestamp,
          true,
        ),
        user_headers_length: headersLength,
        payload_length: payloadLength,
        reserved: view.getBigUint64(at + MessageField.Reserved, true),
      },
      payload: toBase64(frames.subarray(at + MESSAGE_HEADER_SIZE, payloadEnd)),
      user_headers: headerBlockJson(frames.subarray(payloadEnd, end)),
    });
    at = end;
  }
  return {
    partition_id: polled.partitionId,
    current_offset: polled.currentOffset,
    count: messages.length,
    messages,
  };
}

/** Typed JSON entries (or a base64 raw block) → the raw header block. */
function headerBlockFromJson(
  value: JsonValue | undefined,
  read: JsonFields,
): Uint8Array {
  if (value === undefined || value === null) return EMPTY;
  if (typeof value === "string") return read.base64(value, "user_headers");
  const fields: [number, Uint8Array][] = [];
  for (const item of read.asArray(value, "user_headers")) {
    const entry = read.asObject(item, "user header");
    for (
      const part of [read.object(entry, "key"), read.object(entry, "value")]
    ) {
      const kind = headerKindCode(read.str(part, "kind")) ??
        read.fail(`Unknown header kind "${part.kind}"`);
      fields.push([kind, read.base64(read.str(part, "value"), "header value")]);
    }
  }
  return encodeHeaderFields(fields);
}

/**
 * `PolledMessages` JSON → typed messages. Each message's frame is laid out as the binary answer
 * has it (64-byte header, payload, user-header block) in one buffer, so that a payload is a view
 * into its frame there too. The partition and offset are the answer's, except that an empty
 * answer (zeroed by the server, see {@linkcode polledMessagesToJson}) takes them from `empty`.
 *
 * @param o The JSON object.
 * @param read The field readers.
 * @param empty The partition id and current offset of an answer without messages.
 * @returns The polled messages.
 */
export function polledMessagesFromJson(
  o: JsonObject,
  read: JsonFields,
  empty: { partitionId: number; currentOffset: bigint },
): PolledMessages {
  const list = read.array(o, "messages");
  if (list.length === 0) return { ...empty, messages: [] };
  const messages: Message[] = [];
  const blocks: Uint8Array[] = [];
  const reserved: bigint[] = [];
  let size = 0;
  for (const item of list) {
    const message = read.asObject(item, "message");
    const header = read.object(message, "header");
    const payload = read.base64(read.str(message, "payload"), "payload");
    const block = headerBlockFromJson(message.user_headers, read);
    messages.push({
      checksum: read.u64(header, "checksum"),
      id: readU128(header, read),
      offset: read.u64(header, "offset"),
      timestamp: read.u64(header, "timestamp"),
      originTimestamp: read.u64(header, "origin_timestamp"),
      payload,
      headers: {},
    });
    blocks.push(block);
    reserved.push(read.optU64(header, "reserved") ?? 0n);
    size += MESSAGE_HEADER_SIZE + payload.length + block.length;
  }
  // Lay the frames out in one buffer, then point each payload (and opaque header block) into it.
  const buffer = new Uint8Array(size);
  writeMessageFrames(buffer, { messages, blocks, reserved });
  let at = 0;
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i]!;
    const block = blocks[i]!;
    const payloadStart = at + MESSAGE_HEADER_SIZE;
    const payloadEnd = payloadStart + message.payload.length;
    message.payload = buffer.subarray(payloadStart, payloadEnd);
    if (block.length > 0) {
      try {
        message.headers = decodeUserHeaders(block);
      } catch {
        // Not a header block: opaque bytes, such as a block encrypted on the client.
        message.rawHeaders = buffer.subarray(
          payloadEnd,
          payloadEnd + block.length,
        );
      }
    }
    at = payloadEnd + block.length;
  }
  return {
    partitionId: read.u32(o, "partition_id"),
    currentOffset: read.u64(o, "current_offset"),
    messages,
  };
}

function readU128(header: JsonObject, read: JsonFields): bigint {
  const id = header.id;
  if (typeof id !== "bigint" || id < 0n || id > U128_MAX) {
    return read.fail("id: expected a u128");
  }
  return id;
}
