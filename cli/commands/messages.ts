/**
 * `iggy message|m send|poll|flush`.
 * @module
 */

import type { Command } from "commander";
import {
  Consumer,
  header,
  HeaderKind,
  headerToValue,
  type HeaderValue,
  type Message,
  type NewMessage,
  Partitioning,
  PollingStrategy,
  type UserHeaders,
} from "../../mod.ts";
import {
  type App,
  handle,
  leaf,
  parseId,
  parseU32,
  parseU64,
} from "../_app.ts";
import { UsageError } from "../_errors.ts";
import { type Column, formatTimestamp, toBase64 } from "../_output.ts";

/** Messages per SendMessages request when sending many. */
const BATCH_MESSAGES = 1000;
/** Payload bytes per SendMessages request when sending many. */
const BATCH_BYTES = 4 * 1024 * 1024;

const KIND_NAMES: Readonly<Record<string, HeaderKind>> = {
  raw: HeaderKind.Raw,
  string: HeaderKind.String,
  bool: HeaderKind.Bool,
  int8: HeaderKind.Int8,
  int16: HeaderKind.Int16,
  int32: HeaderKind.Int32,
  int64: HeaderKind.Int64,
  int128: HeaderKind.Int128,
  uint8: HeaderKind.Uint8,
  uint16: HeaderKind.Uint16,
  uint32: HeaderKind.Uint32,
  uint64: HeaderKind.Uint64,
  uint128: HeaderKind.Uint128,
  float32: HeaderKind.Float32,
  float64: HeaderKind.Float64,
};

const KIND_BY_CODE: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(KIND_NAMES).map(([name, code]) => [code, name]),
);

function integer(text: string, bits: number, signed: boolean): bigint {
  if (!/^[+-]?\d+$/.test(text)) {
    throw new UsageError(`Invalid header value "${text}": expected an integer`);
  }
  const value = BigInt(text);
  const min = signed ? -(1n << BigInt(bits - 1)) : 0n;
  const max = signed
    ? (1n << BigInt(bits - 1)) - 1n
    : (1n << BigInt(bits)) - 1n;
  if (value < min || value > max) {
    throw new UsageError(
      `Invalid header value "${text}": out of range for ${
        signed ? "int" : "uint"
      }${bits}`,
    );
  }
  return value;
}

function float(text: string): number {
  const value = Number(text);
  if (text.trim() === "" || Number.isNaN(value) && text !== "NaN") {
    throw new UsageError(`Invalid header value "${text}": expected a number`);
  }
  return value;
}

/**
 * Parses one `key:kind:value` header (the value may contain colons).
 *
 * @param text The header.
 * @returns The key and typed value.
 * @throws {UsageError} On a bad format, kind or value.
 */
export function parseHeader(text: string): [string, HeaderValue] {
  const first = text.indexOf(":");
  const second = first < 0 ? -1 : text.indexOf(":", first + 1);
  if (first <= 0 || second < 0) {
    throw new UsageError(
      `Invalid header "${text}": expected key:kind:value, e.g. source:string:web`,
    );
  }
  const key = text.slice(0, first);
  const kindName = text.slice(first + 1, second).toLowerCase();
  const value = text.slice(second + 1);
  const kind = KIND_NAMES[kindName];
  if (kind === undefined) {
    throw new UsageError(
      `Invalid header kind "${kindName}": expected one of ${
        Object.keys(KIND_NAMES).join(", ")
      }`,
    );
  }
  switch (kind) {
    case HeaderKind.Raw:
      return [key, header.raw(new TextEncoder().encode(value))];
    case HeaderKind.String:
      return [key, header.string(value)];
    case HeaderKind.Bool:
      if (value !== "true" && value !== "false") {
        throw new UsageError(
          `Invalid header value "${value}": expected true or false`,
        );
      }
      return [key, header.bool(value === "true")];
    case HeaderKind.Int8:
      return [key, header.int8(Number(integer(value, 8, true)))];
    case HeaderKind.Int16:
      return [key, header.int16(Number(integer(value, 16, true)))];
    case HeaderKind.Int32:
      return [key, header.int32(Number(integer(value, 32, true)))];
    case HeaderKind.Int64:
      return [key, header.int64(integer(value, 64, true))];
    case HeaderKind.Int128:
      return [key, header.int128(integer(value, 128, true))];
    case HeaderKind.Uint8:
      return [key, header.uint8(Number(integer(value, 8, false)))];
    case HeaderKind.Uint16:
      return [key, header.uint16(Number(integer(value, 16, false)))];
    case HeaderKind.Uint32:
      return [key, header.uint32(Number(integer(value, 32, false)))];
    case HeaderKind.Uint64:
      return [key, header.uint64(integer(value, 64, false))];
    case HeaderKind.Uint128:
      return [key, header.uint128(integer(value, 128, false))];
    case HeaderKind.Float32:
      return [key, header.float32(float(value))];
    default:
      return [key, header.float64(float(value))];
  }
}

/** Headers as `{ key: { kind, value } }` for JSON (numbers exact, raw bytes as base64). */
function headersJson(
  headers: UserHeaders,
): Record<string, { kind: string; value: unknown }> {
  const out: Record<string, { kind: string; value: unknown }> = {};
  for (const [key, value] of Object.entries(headers)) {
    out[key] = {
      kind: KIND_BY_CODE[value.kind] ?? String(value.kind),
      value: headerToValue(value),
    };
  }
  return out;
}

/** Headers as `key:kind:value, ...` (the send syntax). */
function headersText(headers: UserHeaders): string {
  return Object.entries(headers).map(([key, value]) => {
    const v = headerToValue(value);
    const text = v instanceof Uint8Array ? utf8OrBase64(v) : String(v);
    return `${key}:${KIND_BY_CODE[value.kind] ?? value.kind}:${text}`;
  }).join(", ");
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

function utf8OrNull(bytes: Uint8Array): string | null {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}

function utf8OrBase64(bytes: Uint8Array): string {
  return utf8OrNull(bytes) ?? `base64:${toBase64(bytes)}`;
}

/** A polled message as printed: JSON gets exact numbers and both payload forms. */
function messageRow(message: Message): Record<string, unknown> {
  return {
    offset: message.offset,
    timestamp: message.timestamp,
    originTimestamp: message.originTimestamp,
    id: message.id,
    checksum: message.checksum,
    size: message.payload.length,
    headers: headersJson(message.headers),
    payload: utf8OrNull(message.payload),
    payloadBase64: toBase64(message.payload),
    _headersText: headersText(message.headers),
    _payloadText: utf8OrBase64(message.payload),
  };
}

function splitLines(text: string): string[] {
  const lines = text.split("\n").map((line) => line.replace(/\r$/, ""));
  return lines.filter((line) => line !== "");
}

/** Splits messages into batches of at most {@linkcode BATCH_MESSAGES} and about {@linkcode BATCH_BYTES}. */
function batches(messages: NewMessage[]): NewMessage[][] {
  const out: NewMessage[][] = [];
  let batch: NewMessage[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = typeof message.payload === "string"
      ? message.payload.length * 3
      : message.payload.length;
    if (
      batch.length > 0 &&
      (batch.length >= BATCH_MESSAGES || bytes + size > BATCH_BYTES)
    ) {
      out.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(message);
    bytes += size;
  }
  if (batch.length > 0) out.push(batch);
  return out;
}

/**
 * Registers the message commands.
 *
 * @param program The root command.
 * @param app The CLI state.
 */
export function registerMessageCommands(program: Command, app: App): void {
  const message = program.command("message").alias("m").description(
    "message operations",
  );

  const send = leaf(message, "send", {
    alias: "s",
    description:
      "send messages given as arguments, or read from standard input or a file one per line",
  })
    .argument("<stream_id>", "stream id or name")
    .argument("<topic_id>", "topic id or name")
    .argument("[messages...]", "messages to send (each one message)")
    .option("-p, --partition-id <id>", "send to this partition (from 0)")
    .option(
      "-m, --message-key <key>",
      "partition by this key (equal keys go to the same partition)",
    )
    .option(
      "-H, --headers <headers>",
      "comma-separated key:kind:value headers for every message (kinds: raw, string, bool, int8..int128, uint8..uint128, float32, float64); repeatable",
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option(
      "--input-file <path>",
      "read the messages from a file, one per line",
    );
  handle(app, send, async ({ args, opts, out, command }) => {
    const [stream, topic, given] = args as [string, string, string[]];
    if (opts.partitionId !== undefined && opts.messageKey !== undefined) {
      throw new UsageError(
        "Use either --partition-id or --message-key, not both",
      );
    }
    if (given.length > 0 && opts.inputFile !== undefined) {
      throw new UsageError(
        "Give the messages either as arguments or with --input-file, not both",
      );
    }
    const partitioning = opts.partitionId !== undefined
      ? Partitioning.partitionId(
        parseU32(String(opts.partitionId), "partition id"),
      )
      : opts.messageKey !== undefined
      ? Partitioning.messagesKey(String(opts.messageKey))
      : Partitioning.balanced();
    let headers: UserHeaders | undefined;
    for (const group of (opts.headers as string[] | undefined) ?? []) {
      for (const item of group.split(",")) {
        if (item.trim() === "") continue;
        const [key, value] = parseHeader(item.trim());
        (headers ??= {})[key] = value;
      }
    }
    let payloads = given;
    if (payloads.length === 0) {
      if (opts.inputFile !== undefined) {
        payloads = splitLines(await Deno.readTextFile(String(opts.inputFile)));
      } else {
        if (app.io.stdinIsTerminal()) {
          out.note(
            "Reading messages from standard input, one per line; end with Ctrl-D",
          );
        }
        payloads = splitLines(await app.io.readStdin());
      }
    }
    if (payloads.length === 0) {
      throw new UsageError(
        "No messages to send: give them as arguments, on standard input or with --input-file",
      );
    }
    const messages: NewMessage[] = payloads.map((payload) =>
      headers === undefined ? { payload } : { payload, headers }
    );
    const chunks = batches(messages);
    const progress = chunks.length > 1
      ? out.progress(messages.length, "Sending")
      : undefined;
    try {
      await app.withClient(command, async (client) => {
        for (const chunk of chunks) {
          await client.sendMessages({
            streamId: parseId(stream),
            topicId: parseId(topic),
            partitioning,
            messages: chunk,
          });
          progress?.increment(chunk.length);
        }
      });
    } finally {
      progress?.stop();
    }
    out.done(
      `Sent ${messages.length} message(s) to topic "${topic}" in stream "${stream}"`,
      {
        sent: messages.length,
        streamId: parseId(stream),
        topicId: parseId(topic),
      },
    );
  });

  const poll = leaf(message, "poll", {
    alias: "p",
    description:
      "poll messages from a partition (choose one of --offset, --first, --last, --next, --timestamp)",
  })
    .argument("<stream_id>", "stream id or name")
    .argument("<topic_id>", "topic id or name")
    .argument("<partition_id>", "partition id (from 0)")
    .option("-m, --message-count <n>", "how many messages", "1")
    .option(
      "-a, --auto-commit",
      "store the last polled offset for the consumer",
    )
    .option("-o, --offset <offset>", "start at this offset")
    .option("-f, --first", "start at the first message")
    .option("-l, --last", "the last messages")
    .option("-n, --next", "continue after the consumer's stored offset")
    .option(
      "--timestamp <micros>",
      "start at this server timestamp (µs since the epoch)",
    )
    .option("-c, --consumer <id>", "consumer id or name", "0")
    .option("-s, --show-headers", "always show the headers column")
    .option(
      "--output-file <path>",
      "append the payloads to this file, one per line, instead of printing them",
    );
  handle(app, poll, async ({ args, opts, out, command }) => {
    const [stream, topic, partition] = args as [string, string, string];
    const strategies = [
      opts.offset !== undefined &&
      PollingStrategy.offset(parseU64(String(opts.offset), "offset")),
      opts.first === true && PollingStrategy.first(),
      opts.last === true && PollingStrategy.last(),
      opts.next === true && PollingStrategy.next(),
      opts.timestamp !== undefined &&
      PollingStrategy.timestamp(parseU64(String(opts.timestamp), "timestamp")),
    ].filter((s) => s !== false);
    if (strategies.length !== 1) {
      throw new UsageError(
        "Choose exactly one polling strategy: --offset <n>, --first, --last, --next or --timestamp <µs>",
      );
    }
    const count = parseU32(String(opts.messageCount), "message count");
    if (count < 1) throw new UsageError("The message count must be at least 1");
    const polled = await app.withClient(
      command,
      (client) =>
        client.pollMessages({
          streamId: parseId(stream),
          topicId: parseId(topic),
          partitionId: parseU32(partition, "partition id"),
          consumer: Consumer.single(parseId(String(opts.consumer))),
          strategy: strategies[0],
          count,
          autoCommit: opts.autoCommit === true,
        }),
    );
    const rows = polled.messages.map(messageRow);
    if (opts.outputFile !== undefined) {
      const file = String(opts.outputFile);
      const size = polled.messages.reduce(
        (n, m) => n + m.payload.length + 1,
        0,
      );
      const bytes = new Uint8Array(size);
      let at = 0;
      for (const m of polled.messages) {
        bytes.set(m.payload, at);
        bytes[at + m.payload.length] = 10;
        at += m.payload.length + 1;
      }
      await Deno.writeFile(file, bytes, { append: true });
      out.done(`Wrote ${rows.length} message(s) to ${file}`, {
        partitionId: polled.partitionId,
        currentOffset: polled.currentOffset,
        written: rows.length,
        file,
      });
      return;
    }
    if (out.structured) {
      out.json({
        partitionId: polled.partitionId,
        currentOffset: polled.currentOffset,
        messages: rows.map(({ _headersText, _payloadText, ...row }) => row),
      });
      return;
    }
    out.note(
      `Polled ${rows.length} message(s) from partition ${polled.partitionId} (current offset ${polled.currentOffset})`,
    );
    const withHeaders = opts.showHeaders === true ||
      polled.messages.some((m) => Object.keys(m.headers).length > 0);
    const columns: Column[] = [
      { key: "offset", header: "Offset" },
      { key: "timestamp", header: "Timestamp", format: formatTimestamp },
      { key: "id", header: "ID" },
      { key: "size", header: "Size" },
      ...(withHeaders ? [{ key: "_headersText", header: "Headers" }] : []),
      { key: "_payloadText", header: "Payload" },
    ];
    out.rows(columns, rows);
  });

  const flush = leaf(message, "flush", {
    alias: "f",
    description: "write a partition's buffered messages to disk",
  })
    .argument("<stream_id>", "stream id or name")
    .argument("<topic_id>", "topic id or name")
    .argument("<partition_id>", "partition id (from 0)")
    .option("-f, --fsync", "also fsync the files");
  handle(app, flush, async ({ args, opts, out, command }) => {
    const [stream, topic, partition] = args as [string, string, string];
    const options = {
      streamId: parseId(stream),
      topicId: parseId(topic),
      partitionId: parseU32(partition, "partition id"),
      fsync: opts.fsync === true,
    };
    await app.withClient(
      command,
      (client) => client.flushUnsavedBuffer(options),
    );
    out.done(
      `Flushed partition ${options.partitionId} of topic "${topic}" in stream "${stream}"${
        options.fsync ? " with fsync" : ""
      }`,
      { flushed: true, ...options },
    );
  });
}
