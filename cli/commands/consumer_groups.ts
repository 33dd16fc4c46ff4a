/**
 * `iggy consumer-group|g create|delete|get|list` and `iggy consumer-offset|o get|set`.
 * @module
 */

import type { Command } from "commander";
import { Option } from "commander";
import { Consumer } from "../../mod.ts";
import {
  type App,
  handle,
  leaf,
  notFound,
  parseId,
  parseU32,
  parseU64,
} from "../_app.ts";
import type { Column } from "../_output.ts";

/** Columns of a consumer group row. */
export const GROUP_COLUMNS: Column[] = [
  { key: "id", header: "ID" },
  { key: "name", header: "Name" },
  { key: "partitionsCount", header: "Partitions" },
  { key: "membersCount", header: "Members" },
];

const OFFSET_COLUMNS: Column[] = [
  { key: "consumer", header: "Consumer" },
  { key: "kind", header: "Kind" },
  { key: "partitionId", header: "Partition" },
  { key: "currentOffset", header: "Current Offset" },
  { key: "storedOffset", header: "Stored Offset" },
];

/**
 * Registers the consumer group and consumer offset commands.
 *
 * @param program The root command.
 * @param app The CLI state.
 */
export function registerConsumerGroupCommands(
  program: Command,
  app: App,
): void {
  const group = program.command("consumer-group").alias("g").description(
    "consumer group operations",
  );

  const create = leaf(group, "create", {
    alias: "c",
    description: "create a consumer group on a topic",
  })
    .argument("<stream_id>", "stream id or name")
    .argument("<topic_id>", "topic id or name")
    .argument("<name>", "name of the group")
    .option(
      "-g, --group-id <id>",
      "accepted for Iggy's command lines; ignored, as by Iggy 0.8.0 (the server assigns ids)",
    );
  handle(app, create, async ({ args, opts, out, command }) => {
    const [stream, topic, name] = args as [string, string, string];
    if (opts.groupId !== undefined) {
      out.note("--group-id is ignored: the server assigns group ids");
    }
    const created = await app.withClient(
      command,
      (client) =>
        client.createConsumerGroup({
          streamId: parseId(stream),
          topicId: parseId(topic),
          name,
        }),
    );
    out.done(
      `Consumer group "${created.name}" created with ID ${created.id} on topic "${topic}" in stream "${stream}"`,
      created,
    );
  });

  for (const [name, alias] of [["delete", "d"], ["get", "g"]] as const) {
    const command = leaf(group, name, {
      alias,
      description: name === "delete"
        ? "delete a consumer group and its offsets"
        : "show a consumer group and its members",
    })
      .argument("<stream_id>", "stream id or name")
      .argument("<topic_id>", "topic id or name")
      .argument("<group_id>", "group id or name");
    handle(app, command, async ({ args, out, command }) => {
      const [stream, topic, id] = args as [string, string, string];
      const options = {
        streamId: parseId(stream),
        topicId: parseId(topic),
        groupId: parseId(id),
      };
      if (name === "delete") {
        await app.withClient(
          command,
          (client) => client.deleteConsumerGroup(options),
        );
        out.done(`Consumer group "${id}" deleted`, {
          deleted: "consumer_group",
          ...options,
        });
        return;
      }
      const details = await app.withClient(
        command,
        (client) => client.getConsumerGroup(options),
      );
      if (details === undefined) throw notFound("consumer group", id);
      out.details(GROUP_COLUMNS, details as unknown as Record<string, unknown>);
      if (!out.structured && details.members.length > 0) {
        out.rows([
          { key: "id", header: "Member" },
          { key: "partitionsCount", header: "Partitions" },
          {
            key: "partitions",
            header: "Partition IDs",
            format: (v) => (v as number[]).join(", "),
          },
        ], details.members as unknown as Record<string, unknown>[]);
      }
    });
  }

  const list = leaf(group, "list", {
    alias: "l",
    description: "list a topic's consumer groups",
  })
    .argument("<stream_id>", "stream id or name")
    .argument("<topic_id>", "topic id or name")
    .option("-l, --list-mode <mode>", "table or list (same as --output)");
  handle(app, list, async ({ args, out, command }) => {
    const [stream, topic] = args as [string, string];
    const groups = await app.withClient(
      command,
      (client) =>
        client.getConsumerGroups({
          streamId: parseId(stream),
          topicId: parseId(topic),
        }),
    );
    out.rows(GROUP_COLUMNS, groups as unknown as Record<string, unknown>[]);
  });

  const offset = program.command("consumer-offset").alias("o").description(
    "consumer offset operations",
  );
  const kindOption = () =>
    new Option("-k, --kind <kind>", "consumer or consumer-group").choices([
      "consumer",
      "consumer-group",
      "consumer_group",
    ]).default("consumer");

  const get = leaf(offset, "get", {
    alias: "g",
    description: "show a consumer's stored offset on a partition",
  })
    .argument("<consumer_id>", "consumer id or name")
    .argument("<stream_id>", "stream id or name")
    .argument("<topic_id>", "topic id or name")
    .argument("<partition_id>", "partition id (from 0)")
    .addOption(kindOption());
  handle(app, get, async ({ args, opts, out, command }) => {
    const [consumer, stream, topic, partition] = args as string[];
    const isGroup = opts.kind !== "consumer";
    const info = await app.withClient(
      command,
      (client) =>
        client.getConsumerOffset({
          streamId: parseId(stream!),
          topicId: parseId(topic!),
          partitionId: parseU32(partition!, "partition id"),
          consumer: isGroup
            ? Consumer.group(parseId(consumer!))
            : Consumer.single(parseId(consumer!)),
        }),
    );
    if (info === undefined) {
      if (out.structured) {
        out.json(null);
      } else {
        out.done(
          `No offset stored for consumer "${consumer}" on partition ${partition}`,
        );
      }
      return;
    }
    out.details(OFFSET_COLUMNS, {
      consumer: parseId(consumer!),
      kind: isGroup ? "consumer_group" : "consumer",
      ...info,
    });
  });

  const set = leaf(offset, "set", {
    alias: "s",
    description: "store a consumer's offset on a partition",
  })
    .argument("<consumer_id>", "consumer id or name")
    .argument("<stream_id>", "stream id or name")
    .argument("<topic_id>", "topic id or name")
    .argument("<partition_id>", "partition id (from 0)")
    .argument("<offset>", "the offset to store")
    .addOption(kindOption());
  handle(app, set, async ({ args, opts, out, command }) => {
    const [consumer, stream, topic, partition, value] = args as string[];
    const isGroup = opts.kind !== "consumer";
    const options = {
      streamId: parseId(stream!),
      topicId: parseId(topic!),
      partitionId: parseU32(partition!, "partition id"),
      consumer: isGroup
        ? Consumer.group(parseId(consumer!))
        : Consumer.single(parseId(consumer!)),
      offset: parseU64(value!, "offset"),
    };
    await app.withClient(
      command,
      (client) => client.storeConsumerOffset(options),
    );
    out.done(
      `Offset ${options.offset} stored for consumer "${consumer}" on partition ${options.partitionId}`,
      options,
    );
  });
}
