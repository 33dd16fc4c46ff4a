/**
 * Messages over HTTP (http.md §7): send (JSON → the binary batch the TCP path receives), poll (the
 * handler's stored frames → JSON), flush and consumer offsets.
 * @module
 */

import {
  decodeSendMessages,
  encodeSendMessages,
  ErrorCode,
  IggyError,
  MAX_PAYLOAD_SIZE,
  MAX_USER_HEADERS_SIZE,
  MESSAGE_HEADER_SIZE,
  MessageField,
  type OutgoingMessage,
  type Partitioning,
  type PollingStrategy,
  validateUserHeaders,
} from "../../../client/protocol/mod.ts";
import {
  encodeHeaderFields,
  headerKindCode,
  headersJson,
} from "../../../client/protocol/http_json.ts";
import * as messages from "../../commands/messages.ts";
import type { HttpApp, HttpContext, HttpDeps } from "../env.ts";
import { commandContext, empty, notFound, recordArg } from "../env.ts";
import {
  badRequest,
  fromBase64,
  jsonIdentifier,
  type JsonObject,
  jsonResponse,
  type JsonValue,
  object,
  optU32,
  parseBool,
  parseIdentifier,
  parseU32,
  parseU64,
  readBody,
  str,
  toBase64,
  u64,
  unprocessable,
} from "../json.ts";
import { offsetJson } from "../render.ts";
import { streamParam } from "./streams.ts";
import { topicParam } from "./topics.ts";

const U64_MAX = 0xffff_ffff_ffff_ffffn;
const U128_MAX = (1n << 128n) - 1n;

function asObject(value: JsonValue | undefined, what: string): JsonObject {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    unprocessable(`${what}: expected an object`);
  }
  return value as JsonObject;
}

function readPartitioning(body: JsonObject): Partitioning {
  const p = object(body, "partitioning");
  const kind = str(p, "kind");
  const value = fromBase64(str(p, "value"), "partitioning.value");
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
        partitionId: new DataView(value.buffer, value.byteOffset, 4).getUint32(
          0,
          true,
        ),
      };
    case "messages_key":
      if (value.length === 0) {
        throw new IggyError(ErrorCode.InvalidKeyValueLength, "0");
      }
      return { kind: "messages_key", key: value };
    default:
      return unprocessable(`partitioning.kind: unknown variant \`${kind}\``);
  }
}

function readMessageId(value: JsonValue | undefined): bigint {
  if (value === undefined || value === null) return 0n;
  if (typeof value === "bigint") {
    if (value < 0n || value > U64_MAX) {
      unprocessable("id: expected a u64 number");
    }
    return value;
  }
  if (typeof value === "string") {
    if (/^\d{1,39}$/.test(value) && BigInt(value) <= U128_MAX) {
      return BigInt(value);
    }
    const hex = value.replace(/-/g, "");
    if (/^[0-9a-fA-F]{32}$/.test(hex)) return BigInt(`0x${hex}`);
  }
  return unprocessable(
    "id: expected a u64 number, a decimal u128 string or a UUID",
  );
}

function headerKind(field: JsonObject, what: string): number {
  const kind = str(field, "kind");
  return headerKindCode(kind) ??
    unprocessable(`${what}.kind: unknown variant \`${kind}\``);
}

/** Encodes typed header entries, ordered by (key kind, key bytes); a repeated key keeps the last value. */
function readHeaders(value: JsonValue | undefined): Uint8Array | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return fromBase64(value, "user_headers");
  if (!Array.isArray(value)) {
    unprocessable("user_headers: expected an array or a string");
  }
  const entries = new Map<
    string,
    { key: [number, Uint8Array]; value: [number, Uint8Array] }
  >();
  for (const item of value) {
    const entry = asObject(item, "user_headers[]");
    const key = asObject(entry.key, "user_headers[].key");
    const val = asObject(entry.value, "user_headers[].value");
    const keyKind = headerKind(key, "key");
    const keyBytes = fromBase64(str(key, "value"), "key.value");
    const valueKind = headerKind(val, "value");
    const valueBytes = fromBase64(str(val, "value"), "value.value");
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

function readMessages(body: JsonObject): OutgoingMessage[] {
  const list = body.messages;
  if (list === undefined) unprocessable("missing field `messages`");
  if (!Array.isArray(list)) unprocessable("messages: expected an array");
  if (list.length === 0) throw new IggyError(ErrorCode.InvalidMessagesCount);
  const now = BigInt(Date.now()) * 1000n;
  return list.map((item) => {
    const message = asObject(item, "messages[]");
    const payload = fromBase64(str(message, "payload"), "payload");
    if (payload.length === 0) unprocessable("payload: must not be empty");
    if (payload.length > MAX_PAYLOAD_SIZE) {
      throw new IggyError(ErrorCode.TooBigMessagePayload);
    }
    const rawHeaders = readHeaders(message.user_headers);
    if (rawHeaders && rawHeaders.length > MAX_USER_HEADERS_SIZE) {
      throw new IggyError(ErrorCode.TooBigUserHeaders);
    }
    return {
      id: readMessageId(message.id),
      payload,
      rawHeaders,
      originTimestamp: now,
    };
  });
}

function concat(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  let size = 0;
  for (const chunk of chunks) size += chunk.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/** Stored frames → `IggyMessage` JSON objects (http.md §7.2). */
function messagesJson(frames: Uint8Array, count: number): unknown[] {
  const view = new DataView(
    frames.buffer,
    frames.byteOffset,
    frames.byteLength,
  );
  const out: unknown[] = [];
  let at = 0;
  for (let i = 0; i < count && at + MESSAGE_HEADER_SIZE <= frames.length; i++) {
    const headersLength = view.getUint32(
      at + MessageField.UserHeadersLength,
      true,
    );
    const payloadLength = view.getUint32(at + MessageField.PayloadLength, true);
    const bodyStart = at + MESSAGE_HEADER_SIZE;
    const end = bodyStart + payloadLength + headersLength;
    if (end > frames.length) break;
    const block = frames.subarray(bodyStart + payloadLength, end);
    out.push({
      header: {
        checksum: view.getBigUint64(at + MessageField.Checksum, true),
        id: (view.getBigUint64(at + MessageField.Id + 8, true) << 64n) |
          view.getBigUint64(at + MessageField.Id, true),
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
      payload: toBase64(frames.subarray(bodyStart, bodyStart + payloadLength)),
      user_headers: headersJson(block) ?? toBase64(block),
    });
    at = end;
  }
  return out;
}

const STRATEGIES: Readonly<Record<string, PollingStrategy["kind"]>> = {
  offset: "offset",
  o: "offset",
  timestamp: "timestamp",
  t: "timestamp",
  first: "first",
  f: "first",
  last: "last",
  l: "last",
  next: "next",
  n: "next",
};

function query(c: HttpContext, name: string): string | undefined {
  return c.req.query(name);
}

function consumerQuery(c: HttpContext): string | number {
  const raw = query(c, "consumer_id");
  if (raw === undefined) return 1;
  const id = parseIdentifier(raw);
  recordArg(c, "consumer_id", String(id));
  return id;
}

function partitionQuery(c: HttpContext): number | undefined {
  const raw = query(c, "partition_id");
  if (raw === undefined) return undefined;
  const id = parseU32(raw, "partition_id");
  recordArg(c, "partition_id", String(id));
  return id;
}

const BASE = "/streams/:stream_id/topics/:topic_id";

/** Registers the message and consumer-offset routes. */
export function messageRoutes(app: HttpApp, deps: HttpDeps): void {
  app.post(`${BASE}/messages`, async (c) => {
    const streamId = streamParam(c);
    const topicId = topicParam(c);
    const body = await readBody(c);
    for (const key of Object.keys(body)) {
      if (key !== "partitioning" && key !== "messages") {
        unprocessable(
          `unknown field \`${key}\`, expected \`partitioning\` or \`messages\``,
        );
      }
    }
    const partitioning = readPartitioning(body);
    if (partitioning.kind === "partition_id") {
      recordArg(c, "partition_id", String(partitioning.partitionId));
    }
    const outgoing = readMessages(body);
    const batch = decodeSendMessages(
      encodeSendMessages({
        streamId,
        topicId,
        partitioning,
        messages: outgoing,
      }),
    );
    await messages.sendMessages(commandContext(c, deps), batch);
    return empty(201);
  });

  app.get(`${BASE}/messages`, async (c) => {
    const streamId = streamParam(c);
    const topicId = topicParam(c);
    const id = consumerQuery(c);
    const partitionId = partitionQuery(c) ?? 0;
    const kindText = query(c, "kind") ?? "offset";
    const kind = STRATEGIES[kindText.toLowerCase()];
    if (!kind) badRequest(`Invalid value for \`kind\`: ${kindText}`);
    const valueText = query(c, "value");
    const value = valueText === undefined ? 0n : parseU64(valueText, "value");
    const countText = query(c, "count");
    const count = countText === undefined ? 10 : parseU32(countText, "count");
    const commitText = query(c, "auto_commit");
    const autoCommit = commitText === undefined
      ? false
      : parseBool(commitText, "auto_commit");
    const result = await messages.pollMessages(commandContext(c, deps), {
      consumer: { kind: "consumer", id },
      streamId,
      topicId,
      partitionId,
      strategy: { kind, value },
      count,
      autoCommit,
    });
    const frames = concat(result.chunks);
    if (result.count === 0) {
      return jsonResponse({
        partition_id: 0,
        current_offset: 0,
        count: 0,
        messages: [],
      });
    }
    const list = messagesJson(frames, result.count);
    return jsonResponse({
      partition_id: result.partitionId,
      current_offset: result.currentOffset,
      count: list.length,
      messages: list,
    });
  });

  app.get(`${BASE}/messages/flush/:partition_id/:fsync`, async (c) => {
    const streamId = streamParam(c);
    const topicId = topicParam(c);
    const partitionId = parseU32(c.req.param("partition_id"), "partition_id");
    recordArg(c, "partition_id", String(partitionId));
    // The Rust SDK 0.8 sends `fsync=true`; accept it next to the plain `true`/`false`.
    const fsync = parseBool(
      c.req.param("fsync")!.replace(/^fsync=/, ""),
      "fsync",
    );
    await messages.flushUnsavedBuffer(commandContext(c, deps), {
      streamId,
      topicId,
      partitionId,
      fsync,
    });
    return empty(200);
  });

  app.get(`${BASE}/consumer-offsets`, (c) => {
    const streamId = streamParam(c);
    const topicId = topicParam(c);
    const id = consumerQuery(c);
    const partitionId = partitionQuery(c);
    deps.system.topic(streamId, topicId);
    const info = messages.getConsumerOffset(commandContext(c, deps), {
      consumer: { kind: "consumer", id },
      streamId,
      topicId,
      partitionId,
    });
    return info ? jsonResponse(offsetJson(info)) : notFound();
  });

  app.put(`${BASE}/consumer-offsets`, async (c) => {
    const streamId = streamParam(c);
    const topicId = topicParam(c);
    const body = await readBody(c);
    const id = jsonIdentifier(body, "consumer_id", 1);
    recordArg(c, "consumer_id", String(id));
    const partitionId = optU32(body, "partition_id");
    if (partitionId !== undefined) {
      recordArg(c, "partition_id", String(partitionId));
    }
    const offset = u64(body, "offset");
    recordArg(c, "offset", String(offset));
    await messages.storeConsumerOffset(commandContext(c, deps), {
      consumer: { kind: "consumer", id },
      streamId,
      topicId,
      partitionId,
      offset,
    });
    return empty(204);
  });

  app.delete(`${BASE}/consumer-offsets/:consumer_id`, async (c) => {
    const streamId = streamParam(c);
    const topicId = topicParam(c);
    const id = parseIdentifier(c.req.param("consumer_id")!);
    const partitionId = partitionQuery(c);
    await messages.deleteConsumerOffset(commandContext(c, deps), {
      consumer: { kind: "consumer", id },
      streamId,
      topicId,
      partitionId,
    });
    return empty(204);
  });
}
