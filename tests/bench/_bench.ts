/**
 * Test helper: runs `bench/main.ts` in a child process and collects its output.
 * @module
 */

import { fileURLToPath } from "node:url";
import { type CommandResult, runCommand } from "../_run.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Runs the bench with `args` (60 s at most); its exit code and output. */
export function bench(args: string[]): Promise<CommandResult> {
  return runCommand(["deno", "run", "-A", "bench/main.ts", ...args], {
    cwd: ROOT,
    timeoutMs: 60_000,
  });
}
