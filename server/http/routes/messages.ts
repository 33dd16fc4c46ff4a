/**
 * Messages over HTTP (http.md §7): send (JSON → the binary batch the TCP path receives), poll (the
 * handler's stored frames → JSON), flush and consumer offsets.
 * @module
 */

import {
  INDEX_ENTRY_SIZE,
  type PollingStrategy,
  prepareMessages,
} from "../../../client/protocol/mod.ts";
import {
  consumerOffsetToJson,
  EMPTY_POLL_HEADERS,
  polledMessagesToJson,
  sendMessagesFromJson,
  storeConsumerOffsetFromJson,
} from "../../../client/protocol/http_json/mod.ts";
// In a cluster each runs on its partition's leader (forwarded as the binary transports do).
import { messagesOnLeader as messages } from "../../cluster/forwarding.ts";
import type { HttpApp, HttpContext, HttpDeps } from "../env.ts";
import { commandContext, empty, notFound, recordArg } from "../env.ts";
import {
  badRequest,
  jsonResponse,
  parseBool,
  parseIdentifier,
  parseU32,
  parseU64,
  read,
  readBody,
} from "../json.ts";
import { streamParam } from "./streams.ts";
import { topicParam } from "./topics.ts";

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
    const { partitioning, messages: outgoing } = sendMessagesFromJson(
      body,
      read,
    );
    if (partitioning.kind === "partition_id") {
      recordArg(c, "partition_id", String(partitioning.partitionId));
    }
    // Encoded once into the index and message sections the binary path receives.
    const { count, section } = prepareMessages(outgoing);
    await messages.sendMessages(commandContext(c, deps), {
      streamId,
      topicId,
      partitioning,
      count,
      indexes: section.subarray(0, INDEX_ENTRY_SIZE * count),
      messages: section.subarray(INDEX_ENTRY_SIZE * count),
    });
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
    const response = jsonResponse(polledMessagesToJson({
      partitionId: result.partitionId,
      currentOffset: result.currentOffset,
      count: result.count,
      frames: concat(result.chunks),
    }));
    if (result.count === 0) {
      // The JSON is 0.8.0's zeroed one; the real values ride along in headers, so the SDK needs
      // no second request to learn them.
      response.headers.set(
        EMPTY_POLL_HEADERS.partitionId,
        String(result.partitionId),
      );
      response.headers.set(
        EMPTY_POLL_HEADERS.currentOffset,
        String(result.currentOffset),
      );
    }
    return response;
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

  app.get(`${BASE}/consumer-offsets`, async (c) => {
    const streamId = streamParam(c);
    const topicId = topicParam(c);
    const id = consumerQuery(c);
    const partitionId = partitionQuery(c);
    deps.system.topic(streamId, topicId);
    const info = await messages.getConsumerOffset(commandContext(c, deps), {
      consumer: { kind: "consumer", id },
      streamId,
      topicId,
      partitionId,
    });
    return info ? jsonResponse(consumerOffsetToJson(info)) : notFound();
  });

  app.put(`${BASE}/consumer-offsets`, async (c) => {
    const streamId = streamParam(c);
    const topicId = topicParam(c);
    const body = await readBody(c);
    const fields = storeConsumerOffsetFromJson(body, read);
    const { partitionId, offset } = fields;
    // A string is read like a path segment (a bad one is error 6).
    const id = typeof fields.consumerId === "string"
      ? parseIdentifier(fields.consumerId)
      : fields.consumerId ?? 1;
    recordArg(c, "consumer_id", String(id));
    if (partitionId !== undefined) {
      recordArg(c, "partition_id", String(partitionId));
    }
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
