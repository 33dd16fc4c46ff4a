/**
 * Topics, partitions and segments (http.md §5 routes 29–37).
 * @module
 */

import { ErrorCode, IggyError } from "../../../client/protocol/mod.ts";
import * as topics from "../../commands/topics.ts";
import type { HttpApp, HttpContext, HttpDeps } from "../env.ts";
import {
  checkName,
  commandContext,
  empty,
  notFound,
  recordArg,
  streamOrNotFound,
} from "../env.ts";
import {
  badRequest,
  jsonResponse,
  parseIdentifier,
  parseU32,
  read,
  readBody,
} from "../json.ts";
import {
  createPartitionsFromJson,
  createTopicFromJson,
  topicDetailsToJson,
  topicToJson,
  updateTopicFromJson,
} from "../../../client/protocol/http_json/mod.ts";
import { streamParam } from "./streams.ts";

/** The `{topic_id}` path identifier. */
export function topicParam(c: HttpContext): string | number {
  const id = parseIdentifier(c.req.param("topic_id")!);
  recordArg(c, "topic_id", String(id));
  return id;
}

/** Server checks on top of the body's shape: the name's length, a replication factor above 0. */
function checkSettings(
  settings: { name: string; replicationFactor: number | undefined },
): number {
  checkName(settings.name, ErrorCode.InvalidTopicName);
  if (settings.replicationFactor === 0) {
    throw new IggyError(ErrorCode.InvalidReplicationFactor);
  }
  return settings.replicationFactor ?? 1;
}

function queryCount(c: HttpContext, name: string): number {
  const value = c.req.query(name);
  if (value === undefined) {
    badRequest(`Failed to deserialize query string: missing field \`${name}\``);
  }
  return parseU32(value, name);
}

/** Registers the topic, partition and segment routes. */
export function topicRoutes(app: HttpApp, deps: HttpDeps): void {
  app.get("/streams/:stream_id/topics", (c) => {
    const streamId = streamParam(c);
    const list = topics.getTopics(commandContext(c, deps), { streamId });
    if (!deps.system.findStream(streamId)) return notFound();
    return jsonResponse(list.map(topicToJson));
  });

  app.post("/streams/:stream_id/topics", async (c) => {
    const streamId = streamParam(c);
    const body = await readBody(c);
    const fields = createTopicFromJson(body, read);
    recordArg(c, "name", fields.name);
    const replicationFactor = checkSettings(fields);
    return streamOrNotFound(async () => {
      const topic = await topics.createTopic(commandContext(c, deps), {
        streamId,
        ...fields,
        replicationFactor,
      });
      return jsonResponse(topicDetailsToJson(topic));
    });
  });

  app.get("/streams/:stream_id/topics/:topic_id", (c) => {
    const streamId = streamParam(c);
    const topicId = topicParam(c);
    const topic = topics.getTopic(commandContext(c, deps), {
      streamId,
      topicId,
    });
    return topic ? jsonResponse(topicDetailsToJson(topic)) : notFound();
  });

  app.put("/streams/:stream_id/topics/:topic_id", async (c) => {
    const streamId = streamParam(c);
    const topicId = topicParam(c);
    const body = await readBody(c);
    const settings = updateTopicFromJson(body, read);
    recordArg(c, "name", settings.name);
    const replicationFactor = checkSettings(settings);
    // A 0 means "server default" on update too (http.md §6.3, quirk 10: resolved like create).
    const defaults = deps.system.options.topicDefaults;
    await topics.updateTopic(commandContext(c, deps), {
      streamId,
      topicId,
      ...settings,
      replicationFactor,
      messageExpiry: settings.messageExpiry === 0n
        ? defaults.messageExpiry
        : settings.messageExpiry,
      maxTopicSize: settings.maxTopicSize === 0n
        ? defaults.maxTopicSize
        : settings.maxTopicSize,
    });
    return empty(204);
  });

  app.delete("/streams/:stream_id/topics/:topic_id", async (c) => {
    const streamId = streamParam(c);
    const topicId = topicParam(c);
    await topics.deleteTopic(commandContext(c, deps), { streamId, topicId });
    return empty(204);
  });

  app.delete("/streams/:stream_id/topics/:topic_id/purge", async (c) => {
    const streamId = streamParam(c);
    const topicId = topicParam(c);
    await topics.purgeTopic(commandContext(c, deps), { streamId, topicId });
    return empty(204);
  });

  app.post("/streams/:stream_id/topics/:topic_id/partitions", async (c) => {
    const streamId = streamParam(c);
    const topicId = topicParam(c);
    const body = await readBody(c);
    await topics.createPartitions(commandContext(c, deps), {
      streamId,
      topicId,
      ...createPartitionsFromJson(body, read),
    });
    return empty(201);
  });

  app.delete("/streams/:stream_id/topics/:topic_id/partitions", async (c) => {
    const streamId = streamParam(c);
    const topicId = topicParam(c);
    const partitionsCount = queryCount(c, "partitions_count");
    if (partitionsCount > topics.MAX_PARTITIONS_PER_REQUEST) {
      throw new IggyError(ErrorCode.TooManyPartitions, `${partitionsCount}`);
    }
    await topics.deletePartitions(commandContext(c, deps), {
      streamId,
      topicId,
      partitionsCount,
    });
    return empty(204);
  });

  app.delete(
    "/streams/:stream_id/topics/:topic_id/partitions/:partition_id",
    async (c) => {
      const streamId = streamParam(c);
      const topicId = topicParam(c);
      const partitionId = parseU32(c.req.param("partition_id"), "partition_id");
      c.set("errorArgs", {
        ...c.get("errorArgs"),
        partition_id: String(partitionId),
      });
      const segmentsCount = queryCount(c, "segments_count");
      await topics.deleteSegments(commandContext(c, deps), {
        streamId,
        topicId,
        partitionId,
        segmentsCount,
      });
      return empty(204);
    },
  );
}
