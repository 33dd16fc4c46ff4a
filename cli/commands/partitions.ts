/**
 * `iggy partition|p create|delete` and `iggy segment|seg delete`.
 * @module
 */

import type { Command } from "commander";
import { type App, handle, leaf, parseId, parseU32 } from "../_app.ts";

/**
 * Registers the partition and segment commands.
 *
 * @param program The root command.
 * @param app The CLI state.
 */
export function registerPartitionCommands(program: Command, app: App): void {
  const partition = program.command("partition").alias("p").description(
    "partition operations",
  );
  for (
    const [name, alias, verb] of [["create", "c", "added to"], [
      "delete",
      "d",
      "removed from",
    ]] as const
  ) {
    const command = leaf(partition, name, {
      alias,
      description: name === "create"
        ? "add partitions to a topic"
        : "remove the last partitions of a topic, with their messages",
    })
      .argument("<stream_id>", "stream id or name")
      .argument("<topic_id>", "topic id or name")
      .argument("<partitions_count>", "how many partitions");
    handle(app, command, async ({ args, out, command }) => {
      const [stream, topic, count] = args as [string, string, string];
      const options = {
        streamId: parseId(stream),
        topicId: parseId(topic),
        partitionsCount: parseU32(count, "partitions count"),
      };
      await app.withClient(
        command,
        (client) =>
          name === "create"
            ? client.createPartitions(options)
            : client.deletePartitions(options),
      );
      out.done(
        `${options.partitionsCount} partition(s) ${verb} topic "${topic}" in stream "${stream}"`,
        {
          [name === "create" ? "created" : "deleted"]: "partitions",
          ...options,
        },
      );
    });
  }

  const segment = program.command("segment").alias("seg").description(
    "segment operations",
  );
  const del = leaf(segment, "delete", {
    alias: "d",
    description: "delete the oldest sealed segments of a partition",
  })
    .argument("<stream_id>", "stream id or name")
    .argument("<topic_id>", "topic id or name")
    .argument("<partition_id>", "partition id (from 0)")
    .argument("<segments_count>", "how many segments");
  handle(app, del, async ({ args, out, command }) => {
    const [stream, topic, partitionId, count] = args as string[];
    const options = {
      streamId: parseId(stream!),
      topicId: parseId(topic!),
      partitionId: parseU32(partitionId!, "partition id"),
      segmentsCount: parseU32(count!, "segments count"),
    };
    await app.withClient(command, (client) => client.deleteSegments(options));
    out.done(
      `${options.segmentsCount} segment(s) deleted from partition ${options.partitionId} of topic "${topic}" in stream "${stream}"`,
      { deleted: "segments", ...options },
    );
  });
}
