/**
 * Command-line options shared by the examples: where the server is and when to stop.
 *
 * - `--connection` (or `IGGY_CONNECTION`): an `iggy://user:password@host:port` string;
 *   `iggy://iggy:iggy@127.0.0.1:8090` by default.
 * - `--messages` (or `IGGY_MESSAGES`): how many messages to send or read before exiting;
 *   producers default to 1000, consumers run until interrupted.
 * - `--interval-ms`: pause between producer batches (default 100).
 * @module
 */

import { parseArgs } from "node:util";
import { type IggyClient, isAlreadyExists } from "@iggy/client";

/** The parsed options of an example. */
export interface ExampleOptions {
  /** The connection string. */
  connection: string;
  /** Messages to send or read; `undefined` means no limit. */
  messages: number | undefined;
  /** Pause between producer batches, in milliseconds. */
  intervalMs: number;
  /** Group members to start (consumer-group demo). */
  consumers: number;
}

/** Reads the options from `Deno.args` and the environment. */
export function exampleOptions(): ExampleOptions {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      connection: { type: "string" },
      messages: { type: "string" },
      "interval-ms": { type: "string" },
      consumers: { type: "string" },
    },
  });
  const messages = values.messages ?? Deno.env.get("IGGY_MESSAGES");
  return {
    connection: values.connection ?? Deno.env.get("IGGY_CONNECTION") ??
      "iggy://iggy:iggy@127.0.0.1:8090",
    messages: messages === undefined ? undefined : Number(messages),
    intervalMs: Number(values["interval-ms"] ?? 100),
    consumers: Number(values.consumers ?? 3),
  };
}

/** Creates the stream and topic unless they exist. */
export async function ensureTopic(
  client: IggyClient,
  stream: string,
  topic: string,
  partitionsCount: number,
): Promise<void> {
  try {
    await client.createStream(stream);
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
  try {
    await client.createTopic(stream, topic, { partitionsCount });
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
}

/** Resolves after `ms` milliseconds (pacing, not synchronisation). */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
