/**
 * `iggy stream|s create|delete|update|get|list|purge`.
 * @module
 */

import type { Command } from "commander";
import { type App, handle, leaf, notFound, parseId } from "../_app.ts";
import { type Column, formatBytes, formatTimestamp } from "../_output.ts";

/** Columns of a stream row. */
export const STREAM_COLUMNS: Column[] = [
  { key: "id", header: "ID" },
  { key: "createdAt", header: "Created", format: formatTimestamp },
  { key: "name", header: "Name" },
  { key: "sizeBytes", header: "Size", format: formatBytes },
  { key: "messagesCount", header: "Messages" },
  { key: "topicsCount", header: "Topics" },
];

/**
 * Registers the stream commands.
 *
 * @param program The root command.
 * @param app The CLI state.
 */
export function registerStreamCommands(program: Command, app: App): void {
  const stream = program.command("stream").alias("s").description(
    "stream operations",
  );

  const create = leaf(stream, "create", {
    alias: "c",
    description: "create a stream (the server assigns its id)",
  }).argument("<name>", "name of the stream")
    .option(
      "-s, --stream-id <id>",
      "accepted for Iggy's command lines; ignored, as by Iggy 0.8.0 (the server assigns ids)",
    );
  handle(app, create, async ({ args, opts, out, command }) => {
    const [name] = args as [string];
    if (opts.streamId !== undefined) {
      out.note("--stream-id is ignored: the server assigns stream ids");
    }
    const created = await app.withClient(
      command,
      (client) => client.createStream(name),
    );
    out.done(
      `Stream "${created.name}" created with ID ${created.id}`,
      created,
    );
  });

  const del = leaf(stream, "delete", {
    alias: "d",
    description: "delete a stream with its topics and messages",
  }).argument("<stream_id>", "stream id or name");
  handle(app, del, async ({ args, out, command }) => {
    const [id] = args as [string];
    await app.withClient(command, (client) => client.deleteStream(parseId(id)));
    out.done(`Stream "${id}" deleted`, {
      deleted: "stream",
      streamId: parseId(id),
    });
  });

  const update = leaf(stream, "update", {
    alias: "u",
    description: "rename a stream",
  }).argument("<stream_id>", "stream id or name").argument(
    "<name>",
    "new name",
  );
  handle(app, update, async ({ args, out, command }) => {
    const [id, name] = args as [string, string];
    await app.withClient(
      command,
      (client) => client.updateStream(parseId(id), { name }),
    );
    out.done(`Stream "${id}" renamed to "${name}"`, {
      updated: "stream",
      streamId: parseId(id),
      name,
    });
  });

  const get = leaf(stream, "get", {
    alias: "g",
    description: "show a stream and its topics",
  }).argument("<stream_id>", "stream id or name");
  handle(app, get, async ({ args, out, command }) => {
    const [id] = args as [string];
    const details = await app.withClient(
      command,
      (client) => client.getStream(parseId(id)),
    );
    if (details === undefined) {
      throw notFound("stream", id);
    }
    out.details(STREAM_COLUMNS, details as unknown as Record<string, unknown>);
  });

  const list = leaf(stream, "list", {
    alias: "l",
    description: "list the streams",
  }).option("-l, --list-mode <mode>", "table or list (same as --output)");
  handle(app, list, async ({ out, command }) => {
    const streams = await app.withClient(
      command,
      (client) => client.getStreams(),
    );
    out.rows(STREAM_COLUMNS, streams as unknown as Record<string, unknown>[]);
  });

  const purge = leaf(stream, "purge", {
    alias: "p",
    description: "delete every message of a stream (its topics stay)",
  }).argument("<stream_id>", "stream id or name");
  handle(app, purge, async ({ args, out, command }) => {
    const [id] = args as [string];
    await app.withClient(command, (client) => client.purgeStream(parseId(id)));
    out.done(`Stream "${id}" purged`, {
      purged: "stream",
      streamId: parseId(id),
    });
  });
}
