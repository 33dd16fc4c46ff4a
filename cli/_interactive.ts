/**
 * The interactive mode: `iggy` with no command on a terminal reads commands at an `iggy>` prompt,
 * with line editing, tab completion of command names and a history kept in `$IGGY_HOME/history`.
 * Options given on the command line (such as `-u`/`-p`) apply to every command; connections are
 * reused between commands.
 * @module
 */

import type { Command } from "commander";
import { createInterface } from "node:readline";
import process from "node:process";
import { parse as parseShell } from "shell-quote";
import type { App, GlobalOptions } from "./_app.ts";
import { UsageError } from "./_errors.ts";

const HISTORY_SIZE = 1000;

/**
 * Runs the prompt until `exit`, `quit` or end of input.
 *
 * @param app The CLI state (switched to interactive: connections are kept).
 * @param root The root command, parsed with the options given on the command line.
 * @param runCli Runs one command line (main.ts's `runCli`).
 */
export async function runInteractive(
  app: App,
  root: Command,
  runCli: (args: string[], app: App) => Promise<number>,
): Promise<void> {
  app.interactive = true;
  const base: GlobalOptions = {};
  for (const [key, value] of Object.entries(root.opts())) {
    if (value !== undefined && key !== "generate") {
      (base as Record<string, unknown>)[key] = value;
    }
  }
  if (base.username !== undefined && base.password === undefined) {
    base.password = await app.io.promptSecret(`Password for ${base.username}:`);
  }
  app.base = base;
  const readStdin = app.io.readStdin;
  app.io.readStdin = () =>
    Promise.reject(
      new UsageError(
        "In interactive mode give the messages as arguments (or use --input-file)",
      ),
    );

  const history = await loadHistory(app.home.historyFile);
  const rl = createInterface({
    input: process.stdin,
    output: process.stdout,
    terminal: true,
    history,
    historySize: HISTORY_SIZE,
    removeHistoryDuplicates: true,
    prompt: "iggy> ",
    completer: (line: string) => complete(root, line),
  });
  process.stdout.write(
    `Iggy CLI interactive mode: type a command (e.g. "stream list"), "help", "clear", or "exit".\n`,
  );
  // Ctrl-C drops the line being typed and gives a fresh prompt, as a shell does (Ctrl-D or
  // "exit" leave).
  rl.on("SIGINT", () => {
    process.stdout.write(
      rl.line === "" ? "^C (exit or Ctrl-D to leave)\n" : "^C\n",
    );
    (rl as unknown as { line: string }).line = "";
    rl.prompt();
  });
  rl.prompt();
  try {
    for await (const raw of rl) {
      const line = raw.trim();
      if (line === "exit" || line === "quit") break;
      if (line === "clear") {
        process.stdout.write("\x1b[2J\x1b[3J\x1b[H");
      } else if (line !== "") {
        await appendHistory(app.home.historyFile, line);
        const args = parseLine(line);
        if (args === undefined) {
          process.stderr.write(
            "error: shell operators (|, >, &, ;) are not supported here\n",
          );
        } else {
          await runCli(
            args[0] === "help" ? ["--help", ...args.slice(1)] : args,
            app,
          );
        }
      }
      rl.prompt();
    }
  } finally {
    rl.close();
    app.io.readStdin = readStdin;
    await app.close();
  }
}

/** Splits a line like a shell; `undefined` when it has shell operators. */
function parseLine(line: string): string[] | undefined {
  const parts = parseShell(line) as unknown[];
  if (parts.some((p) => typeof p !== "string")) return undefined;
  return parts as string[];
}

/**
 * Completes the last word with the command names (and aliases) and options at that level; a
 * single match gets a trailing space, so the next word can be typed at once.
 */
export function complete(root: Command, line: string): [string[], string] {
  const words = line.split(/\s+/);
  const last = words.pop() ?? "";
  let command = root;
  for (const word of words) {
    const sub = command.commands.find((c) =>
      c.name() === word || c.aliases().includes(word)
    );
    if (sub) command = sub;
  }
  const candidates = last.startsWith("-")
    ? command.options.flatMap((o) => o.long ? [o.long] : [])
    : command.commands.map((c) => c.name());
  if (words.length === 0) candidates.push("clear", "exit", "help", "quit");
  const hits = candidates.filter((c) => c.startsWith(last));
  if (hits.length === 1) return [[`${hits[0]} `], last];
  return [hits.length > 0 ? hits : candidates, last];
}

async function loadHistory(path: string): Promise<string[]> {
  try {
    const lines = (await Deno.readTextFile(path)).split("\n").filter((l) =>
      l !== ""
    );
    return lines.slice(-HISTORY_SIZE).reverse();
  } catch {
    return [];
  }
}

async function appendHistory(path: string, line: string): Promise<void> {
  try {
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), {
      recursive: true,
      mode: 0o700,
    });
    await Deno.writeTextFile(path, `${line}\n`, { append: true, mode: 0o600 });
  } catch {
    // History is a convenience; a read-only home must not stop the session.
  }
}
