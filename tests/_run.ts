/**
 * Runs a program to completion with its output captured (stdin closed), for tests that check what a
 * command prints and how it exits.
 * @module
 */

/** What a finished command left. */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options of {@linkcode runCommand}. */
export interface RunCommandOptions {
  cwd?: string;
  /** Added to the inherited environment, or the whole environment with `clearEnv`. */
  env?: Record<string, string>;
  clearEnv?: boolean;
  /**
   * Kill it after this long: a command that hangs is a failure, not a stuck suite.
   * @default {120_000}
   */
  timeoutMs?: number;
}

/**
 * Runs `command` (`"deno"` means this Deno) with `args` and returns its exit code and output.
 *
 * @param argv The program and its arguments.
 * @param options Working directory, environment, time limit.
 * @returns The exit code, stdout and stderr as text.
 */
export async function runCommand(
  argv: readonly string[],
  options: RunCommandOptions = {},
): Promise<CommandResult> {
  const [command, ...args] = argv;
  const output = await new Deno.Command(
    command === "deno" ? Deno.execPath() : command!,
    {
      args,
      cwd: options.cwd,
      env: options.env,
      clearEnv: options.clearEnv,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(options.timeoutMs ?? 120_000),
    },
  ).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}
