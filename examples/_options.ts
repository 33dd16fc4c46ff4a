/**
 * Command-line options shared by the examples: where the server is and when to stop.
 *
 * - `--connection` (or `IGGY_CONNECTION`): an `iggy://user:password@host:port` string;
 *   `iggy://iggy:iggy@127.0.0.1:8090` by default.
 * - `--messages` (or `IGGY_MESSAGES`): how many messages to send or read before exiting;
 *   producers default to 1000, consumers run until interrupted.
 * - `--interval-ms`: pause between producer batches (default 100).
 * - `--consumers`: group members to start (consumer-group demo, default 3).
 * - `-h, --help`: what the example does and these options.
 *
 * A failure (a refused connection, a bad option) is printed as one line, without a stack.
 * @module
 */

import { parseArgs } from "node:util";
import { ConnectionError, type IggyClient } from "@iggy/client";

const OPTIONS_HELP = `Options:
  --connection <url>     connection string (env IGGY_CONNECTION) [iggy://iggy:iggy@127.0.0.1:8090]
  --messages <n>         messages to send or read before exiting (env IGGY_MESSAGES)
  --interval-ms <ms>     pause between producer batches [100]
  --consumers <n>        group members to start (consumer-group demo) [3]
  -h, --help             this text`;

/** Prints a failure as one line and exits (no stack: these are examples for people). */
function fail(err: unknown, code: number): never {
  const error = err instanceof Error ? err : new Error(String(err));
  const hint = err instanceof ConnectionError
    ? " (is the server running? point --connection or IGGY_CONNECTION at it)"
    : "";
  console.error(`error: ${error.message}${hint}`);
  Deno.exit(code);
}

globalThis.addEventListener("unhandledrejection", (event) => {
  event.preventDefault();
  fail(event.reason, 1);
});
globalThis.addEventListener("error", (event) => {
  event.preventDefault();
  fail(event.error, 1);
});

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

/**
 * Reads the options from `Deno.args` and the environment; `--help` prints `about` and the options
 * and exits, a bad option prints one line and exits with 2.
 * @param about What the example does (the first lines of `--help`).
 */
export function exampleOptions(about: string): ExampleOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: Deno.args,
      options: {
        connection: { type: "string" },
        messages: { type: "string" },
        "interval-ms": { type: "string" },
        consumers: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (err) {
    fail(err, 2);
  }
  if (values.help) {
    console.log(`${about}\n\n${OPTIONS_HELP}`);
    Deno.exit(0);
  }
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
  await client.ensureStream(stream);
  await client.ensureTopic({ streamId: stream, name: topic, partitionsCount });
}

/** Resolves after `ms` milliseconds (pacing, not synchronisation). */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
