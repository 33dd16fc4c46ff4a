/**
 * `--insecure` for the CLI and the bench: certificate checks can only be turned off by a Deno runtime
 * flag, so a program given `--insecure` runs itself again under `--unsafely-ignore-certificate-errors`
 * (Deno then prints its own warning). Without `--insecure` certificates are checked and nothing is
 * printed.
 * @module
 */

/** The option that asks for it. */
export const INSECURE_FLAG = "--insecure";

/**
 * When `args` hold `--insecure` (before any `--` but a leading one), runs `mainModule` again in a
 * child Deno with certificate checks off and the other arguments, and returns its exit code;
 * otherwise `undefined`.
 *
 * @param mainModule URL of the program (`import.meta.url` of its main module).
 * @param args The program's arguments.
 * @returns The child's exit code, or `undefined` when `--insecure` was not given.
 */
export async function rerunInsecureIfAsked(
  mainModule: string,
  args: readonly string[],
): Promise<number | undefined> {
  // `deno task bench -- …` hands the program a leading "--": not the end of its options.
  const start = args[0] === "--" ? 1 : 0;
  const end = args.indexOf("--", start);
  const options = args.slice(start, end < 0 ? undefined : end);
  if (!options.includes(INSECURE_FLAG)) return undefined;
  const rest = args.filter((arg, i) =>
    arg !== INSECURE_FLAG || (end >= 0 && i > end)
  );
  const flags = ["-A", "--unsafely-ignore-certificate-errors"];
  // QUIC is an unstable API: keep it when this process has it.
  if (typeof Deno.QuicEndpoint === "function") flags.push("--unstable-net");
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...flags, mainModule, ...rest],
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  // Ctrl-C reaches the child too (same process group); the parent just waits for its answer.
  const ignore = () => {};
  Deno.addSignalListener("SIGINT", ignore);
  try {
    return (await child.status).code;
  } finally {
    Deno.removeSignalListener("SIGINT", ignore);
  }
}
