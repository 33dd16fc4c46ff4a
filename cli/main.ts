/**
 * The Iggy CLI: `deno task cli <command>` (or `iggy <command>` once installed with
 * `deno install -g -A -n iggy --config deno.json cli/main.ts`). The command tree follows Iggy's CLI 0.8.0, with its
 * aliases: `stream|s`, `topic|t`, `partition|p`, `segment|seg`, `message|m`, `consumer-offset|o`,
 * `consumer-group|g`, `user|u`, `pat`, `client|c`, `cluster|cl`, `stats`, `snapshot`, `me`, `ping`,
 * `context|ctx`, `login`, `logout`. With no command on a terminal it starts an interactive prompt.
 *
 * ```sh
 * deno task cli -u iggy -p iggy stream create prod
 * deno task cli -u iggy -p iggy message send prod orders "hello"
 * ```
 * @module
 */

import { Command, CommanderError, Option } from "commander";
import { VERSION } from "../mod.ts";
import { addGlobalOptions, addOutputOptions, App } from "./_app.ts";
import { completionScript, SHELLS } from "./_completion.ts";
import { describeError } from "./_errors.ts";
import { rerunInsecureIfAsked } from "./insecure.ts";
import { Output } from "./_output.ts";
import { runInteractive } from "./_interactive.ts";
import { registerStreamCommands } from "./commands/streams.ts";
import { registerTopicCommands } from "./commands/topics.ts";
import { registerPartitionCommands } from "./commands/partitions.ts";
import { registerMessageCommands } from "./commands/messages.ts";
import { registerConsumerGroupCommands } from "./commands/consumer_groups.ts";
import { registerUserCommands } from "./commands/users.ts";
import { registerSystemCommands } from "./commands/system.ts";
import { registerContextCommands } from "./commands/contexts.ts";

const encoder = new TextEncoder();

function write(file: { writeSync(p: Uint8Array): number }, text: string) {
  let bytes = encoder.encode(text);
  try {
    while (bytes.length > 0) bytes = bytes.subarray(file.writeSync(bytes));
  } catch (err) {
    // `iggy --help | head`: the reader left; stop quietly.
    if (err instanceof Deno.errors.BrokenPipe) Deno.exit(0);
    throw err;
  }
}

/**
 * Builds the command tree.
 *
 * @param app The CLI state the commands share.
 * @returns The root command (`iggy`).
 */
export function buildProgram(app: App): Command {
  const program = new Command("iggy")
    .description(
      "Iggy CLI: manage an Iggy server (streams, topics, messages, users, ...) from a terminal.\n" +
        "Run with no command on a terminal for an interactive prompt.",
    )
    .version(VERSION, "-V, --version")
    .enablePositionalOptions()
    .exitOverride()
    .showSuggestionAfterError()
    .configureOutput({
      writeOut: (text) => write(Deno.stdout, text),
      writeErr: (text) => write(Deno.stderr, text),
    });
  addGlobalOptions(program);
  addOutputOptions(program);
  program.addOption(
    new Option("--generate <shell>", "print a shell completion script")
      .choices([...SHELLS]),
  );
  registerStreamCommands(program, app);
  registerTopicCommands(program, app);
  registerPartitionCommands(program, app);
  registerMessageCommands(program, app);
  registerConsumerGroupCommands(program, app);
  registerUserCommands(program, app);
  registerSystemCommands(program, app);
  registerContextCommands(program, app);
  program.action(async (_opts, command: Command) => {
    const o = command.opts();
    if (command.args.length > 0) {
      command.error(`error: unknown command '${command.args[0]}'`, {
        code: "commander.unknownCommand",
      });
    }
    if (o.generate !== undefined) {
      write(Deno.stdout, completionScript(program, String(o.generate)));
      return;
    }
    if (
      !app.interactive && Deno.stdin.isTerminal() && Deno.stdout.isTerminal()
    ) {
      await runInteractive(app, command, runCli);
      return;
    }
    command.help({ error: true });
  });
  program.allowExcessArguments(true);
  return program;
}

/**
 * Prints a failure: the error's name, message and hint (a stack trace only for unexpected errors
 * when `IGGY_CLI_DEBUG` is set).
 *
 * @param app The CLI state.
 * @param err What was thrown.
 */
export function reportError(app: App, err: unknown): void {
  const report = describeError(err, app.lastAddress);
  const out = new Output({ mode: "table", quiet: false });
  const c = out.errorColors;
  let text = `${c.red(c.bold("error"))}: ${
    c.bold(report.name)
  }: ${report.message}\n`;
  if (report.hint !== undefined) {
    text += `${c.yellow("hint")}: ${report.hint}\n`;
  }
  if (!report.expected && Deno.env.get("IGGY_CLI_DEBUG")) {
    text += `${(err as Error)?.stack ?? ""}\n`;
  }
  out.error(text);
}

/**
 * Runs one command line.
 *
 * @param args The arguments after the program name.
 * @param app The CLI state.
 * @returns The exit code.
 */
export async function runCli(args: string[], app: App): Promise<number> {
  const program = buildProgram(app);
  try {
    await program.parseAsync(args, { from: "user" });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    reportError(app, err);
    return 1;
  }
}

if (import.meta.main) {
  // `deno task cli -- stream list` hands the script a leading "--": the same as without it.
  const args = Deno.args[0] === "--" ? Deno.args.slice(1) : Deno.args;
  const insecure = await rerunInsecureIfAsked(import.meta.url, args);
  if (insecure !== undefined) Deno.exit(insecure);
  const app = new App();
  const code = await runCli(args, app);
  await app.close();
  Deno.exit(code);
}
