/**
 * `iggy topic|t create|delete|update|get|list|purge`.
 * @module
 */

import type { Command } from "commander";
import { CompressionAlgorithm } from "../../mod.ts";
import {
  type App,
  handle,
  leaf,
  notFound,
  parseId,
  parseU32,
} from "../_app.ts";
import { UsageError } from "../_errors.ts";
import {
  type Column,
  formatBytes,
  formatExpiry,
  formatMaxSize,
  formatTimestamp,
} from "../_output.ts";
import { parseExpiry, parseMaxTopicSize } from "../../server/config_values.ts";

function formatCompression(value: unknown): string {
  return value === CompressionAlgorithm.Gzip ? "gzip" : "none";
}

/** Columns of a topic row. */
export const TOPIC_COLUMNS: Column[] = [
  { key: "id", header: "ID" },
  { key: "createdAt", header: "Created", format: formatTimestamp },
  { key: "name", header: "Name" },
  { key: "sizeBytes", header: "Size", format: formatBytes },
  { key: "maxTopicSize", header: "Max Size", format: formatMaxSize },
  { key: "messageExpiry", header: "Message Expiry", format: formatExpiry },
  { key: "messagesCount", header: "Messages" },
  { key: "partitionsCount", header: "Partitions" },
  {
    key: "compressionAlgorithm",
    header: "Compression",
    format: formatCompression,
  },
  { key: "replicationFactor", header: "Replication" },
];

/** Columns of a partition row. */
export const PARTITION_COLUMNS: Column[] = [
  { key: "id", header: "Partition" },
  { key: "createdAt", header: "Created", format: formatTimestamp },
  { key: "segmentsCount", header: "Segments" },
  { key: "currentOffset", header: "Current Offset" },
  { key: "sizeBytes", header: "Size", format: formatBytes },
  { key: "messagesCount", header: "Messages" },
];

function parseCompression(text: string | undefined): CompressionAlgorithm {
  switch ((text ?? "none").toLowerCase()) {
    case "none":
      return CompressionAlgorithm.None;
    case "gzip":
      return CompressionAlgorithm.Gzip;
    default:
      throw new UsageError(
        `Invalid compression algorithm "${text}": expected none or gzip`,
      );
  }
}

function expiryOf(words: string[] | undefined): bigint {
  if (words === undefined || words.length === 0) return 0n;
  return parseExpiry(words.join(" "));
}

/**
 * Registers the topic commands.
 *
 * @param program The root command.
 * @param app The CLI state.
 */
export function registerTopicCommands(program: Command, app: App): void {
  const topic = program.command("topic").alias("t").description(
    "topic operations",
  );

  const create = leaf(topic, "create", {
    alias: "c",
    description:
      "create a topic with partitions, compression and message expiry (e.g. `iggy topic create prod orders 3 none 7days`)",
  })
    .argument("<stream_id>", "stream id or name")
    .argument("<name>", "name of the topic")
    .argument("<partitions_count>", "number of partitions")
    .argument("[compression_algorithm]", "none or gzip", "none")
    .argument(
      "[message_expiry...]",
      'message expiry like "15days 2min", "unlimited" or "server_default"',
    )
    .option(
      "-m, --max-topic-size <size>",
      'max topic size like "15GB", "unlimited" or "server_default"',
      "server_default",
    )
    .option("-r, --replication-factor <n>", "replication factor", "1")
    .option(
      "-t, --topic-id <id>",
      "accepted for Iggy's command lines; ignored, as by Iggy 0.8.0 (the server assigns ids)",
    );
  handle(app, create, async ({ args, opts, out, command }) => {
    if (opts.topicId !== undefined) {
      out.note("--topic-id is ignored: the server assigns topic ids");
    }
    const [stream, name, partitions, compression, expiry] = args as [
      string,
      string,
      string,
      string | undefined,
      string[] | undefined,
    ];
    const options = {
      partitionsCount: parseU32(partitions, "partitions count"),
      compressionAlgorithm: parseCompression(compression),
      messageExpiry: expiryOf(expiry),
      maxTopicSize: parseMaxTopicSize(String(opts.maxTopicSize)),
      replicationFactor: parseU32(
        String(opts.replicationFactor),
        "replication factor",
      ),
    };
    const created = await app.withClient(
      command,
      (client) =>
        client.createTopic({ streamId: parseId(stream), name, ...options }),
    );
    out.done(
      `Topic "${created.name}" created with ID ${created.id} and ${created.partitionsCount} partition(s) in stream "${stream}"`,
      created,
    );
  });

  const del = leaf(topic, "delete", {
    alias: "d",
    description: "delete a topic with its messages",
  }).argument("<stream_id>", "stream id or name").argument(
    "<topic_id>",
    "topic id or name",
  );
  handle(app, del, async ({ args, out, command }) => {
    const [stream, id] = args as [string, string];
    await app.withClient(
      command,
      (client) =>
        client.deleteTopic({ streamId: parseId(stream), topicId: parseId(id) }),
    );
    out.done(`Topic "${id}" deleted from stream "${stream}"`, {
      deleted: "topic",
      streamId: parseId(stream),
      topicId: parseId(id),
    });
  });

  const update = leaf(topic, "update", {
    alias: "u",
    description:
      "change a topic's name, compression, expiry, size or replication",
  })
    .argument("<stream_id>", "stream id or name")
    .argument("<topic_id>", "topic id or name")
    .argument("<name>", "new name")
    .argument("[compression_algorithm]", "none or gzip")
    .argument("[message_expiry...]", "new message expiry")
    .option("-m, --max-topic-size <size>", "new max topic size")
    .option("-r, --replication-factor <n>", "new replication factor");
  handle(app, update, async ({ args, opts, out, command }) => {
    const [stream, id, name, compression, expiry] = args as [
      string,
      string,
      string,
      string | undefined,
      string[] | undefined,
    ];
    await app.withClient(command, (client) =>
      client.updateTopic({
        streamId: parseId(stream),
        topicId: parseId(id),
        name,
        compressionAlgorithm: compression === undefined
          ? undefined
          : parseCompression(compression),
        messageExpiry: expiry === undefined || expiry.length === 0
          ? undefined
          : expiryOf(expiry),
        maxTopicSize: opts.maxTopicSize === undefined
          ? undefined
          : parseMaxTopicSize(String(opts.maxTopicSize)),
        replicationFactor: opts.replicationFactor === undefined
          ? undefined
          : parseU32(String(opts.replicationFactor), "replication factor"),
      }));
    out.done(`Topic "${id}" in stream "${stream}" updated`, {
      updated: "topic",
      streamId: parseId(stream),
      topicId: parseId(id),
    });
  });

  const get = leaf(topic, "get", {
    alias: "g",
    description: "show a topic and its partitions",
  }).argument("<stream_id>", "stream id or name").argument(
    "<topic_id>",
    "topic id or name",
  );
  handle(app, get, async ({ args, out, command }) => {
    const [stream, id] = args as [string, string];
    const details = await app.withClient(
      command,
      (client) =>
        client.getTopic({ streamId: parseId(stream), topicId: parseId(id) }),
    );
    if (details === undefined) throw notFound("topic", id);
    out.details(TOPIC_COLUMNS, details as unknown as Record<string, unknown>);
    if (!out.structured) {
      out.rows(
        PARTITION_COLUMNS,
        details.partitions as unknown as Record<string, unknown>[],
      );
    }
  });

  const list = leaf(topic, "list", {
    alias: "l",
    description: "list a stream's topics",
  }).argument("<stream_id>", "stream id or name").option(
    "-l, --list-mode <mode>",
    "table or list (same as --output)",
  );
  handle(app, list, async ({ args, out, command }) => {
    const [stream] = args as [string];
    const topics = await app.withClient(command, async (client) => {
      // An unknown stream lists as empty on the wire; say so instead.
      if ((await client.getStream(parseId(stream))) === undefined) {
        throw notFound("stream", stream);
      }
      return await client.getTopics({ streamId: parseId(stream) });
    });
    out.rows(TOPIC_COLUMNS, topics as unknown as Record<string, unknown>[]);
  });

  const purge = leaf(topic, "purge", {
    alias: "p",
    description: "delete every message of a topic",
  }).argument("<stream_id>", "stream id or name").argument(
    "<topic_id>",
    "topic id or name",
  );
  handle(app, purge, async ({ args, out, command }) => {
    const [stream, id] = args as [string, string];
    await app.withClient(
      command,
      (client) =>
        client.purgeTopic({ streamId: parseId(stream), topicId: parseId(id) }),
    );
    out.done(`Topic "${id}" in stream "${stream}" purged`, {
      purged: "topic",
      streamId: parseId(stream),
      topicId: parseId(id),
    });
  });
}
