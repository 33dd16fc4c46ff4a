/**
 * How the CLI prints: tables (cli-table3) by default, `list` (one tab-separated line per row),
 * `json` (exact: 64- and 128-bit integers are written as JSON numbers with every digit) or `toml`
 * (integers past TOML's signed 64-bit range as strings). Colours
 * only when the stream is a terminal and `NO_COLOR` is unset; `quiet` drops status lines and
 * progress bars but keeps the data a command was asked for.
 * @module
 */

import Table from "cli-table3";
import { createColors } from "picocolors";
import { stringify } from "lossless-json";
import { stringify as stringifyToml } from "smol-toml";
import cliProgress from "cli-progress";
import process from "node:process";

/** The `--output` modes. */
export type OutputMode = "table" | "list" | "json" | "toml";

/** The output modes, for option parsing and completions. */
export const OUTPUT_MODES: readonly OutputMode[] = [
  "table",
  "list",
  "json",
  "toml",
];

/** A column of a list: the JSON key, the table header and how a cell is shown. */
export interface Column {
  /** Key in each row (and in JSON output). */
  key: string;
  /** Table header. */
  header: string;
  /** Cell text; `String(value)` when absent. */
  format?: (value: unknown) => string;
}

/** Colour functions (identity when colours are off). */
export interface Colors {
  /** Bold text. */
  bold(text: string): string;
  /** Red text. */
  red(text: string): string;
  /** Green text. */
  green(text: string): string;
  /** Yellow text. */
  yellow(text: string): string;
  /** Dim text. */
  dim(text: string): string;
  /** Cyan text. */
  cyan(text: string): string;
}

/** Where and how to print. */
export interface OutputOptions {
  /** The output mode. */
  mode: OutputMode;
  /** Drop status lines and progress. */
  quiet: boolean;
  /** Writes a chunk of text to standard output. */
  stdout?: (text: string) => void;
  /** Writes a chunk of text to standard error. */
  stderr?: (text: string) => void;
  /** Whether standard output is a terminal (colours, progress); detected when absent. */
  tty?: boolean;
}

/** A progress indicator of a long operation. */
export interface Progress {
  /** Advances by `n` steps. */
  increment(n: number): void;
  /** Removes the indicator. */
  stop(): void;
}

const encoder = new TextEncoder();

/** Prints command results in the chosen mode. */
export class Output {
  /** The output mode. */
  readonly mode: OutputMode;
  /** Whether status lines are dropped. */
  readonly quiet: boolean;
  /** Colours for standard output. */
  readonly colors: Colors;
  /** Colours for standard error. */
  readonly errorColors: Colors;
  #stdout: (text: string) => void;
  #stderr: (text: string) => void;
  #tty: boolean;
  #errTty: boolean;

  /**
   * Creates the printer.
   *
   * @param options Mode, quiet flag and streams.
   */
  constructor(options: OutputOptions) {
    this.mode = options.mode;
    this.quiet = options.quiet;
    this.#stdout = options.stdout ??
      ((text) => writeAll(Deno.stdout, text));
    this.#stderr = options.stderr ??
      ((text) => writeAll(Deno.stderr, text));
    const noColor = (Deno.env.get("NO_COLOR") ?? "") !== "";
    this.#tty = options.tty ?? Deno.stdout.isTerminal();
    this.#errTty = options.tty ?? Deno.stderr.isTerminal();
    this.colors = createColors(this.#tty && !noColor);
    this.errorColors = createColors(this.#errTty && !noColor);
  }

  /** Whether the mode is a data format (JSON or TOML) rather than text for people. */
  get structured(): boolean {
    return this.mode === "json" || this.mode === "toml";
  }

  /**
   * Prints rows: a table, tab-separated lines, a JSON array of objects or TOML `[[items]]`.
   *
   * @param columns The columns.
   * @param rows The rows, keyed by column key (JSON gets every key of the row).
   */
  rows(columns: Column[], rows: Record<string, unknown>[]): void {
    if (this.structured) return this.json(rows);
    const cells = rows.map((row) =>
      columns.map((c) => (c.format ?? defaultFormat)(row[c.key]))
    );
    if (this.mode === "list") {
      for (const line of cells) this.line(line.join("\t"));
      return;
    }
    const table = this.#table(columns.map((c) => c.header));
    table.push(...cells);
    this.line(table.toString());
  }

  /**
   * Prints one object: a two-column table, `key<TAB>value` lines or a JSON object.
   *
   * @param columns The fields to show.
   * @param row The object (JSON gets every key).
   */
  details(columns: Column[], row: Record<string, unknown>): void {
    if (this.structured) return this.json(row);
    const pairs = columns.map((c) => [
      c.header,
      (c.format ?? defaultFormat)(row[c.key]),
    ]);
    if (this.mode === "list") {
      for (const [key, value] of pairs) this.line(`${key}\t${value}`);
      return;
    }
    const table = this.#table(["Property", "Value"]);
    table.push(...pairs);
    this.line(table.toString());
  }

  /**
   * Reports a finished change: a status line, or in JSON mode the given data.
   *
   * @param message The status line (dropped when quiet).
   * @param data The JSON result; `{ "message": message }` when absent.
   */
  done(message: string, data?: unknown): void {
    if (this.structured) return this.json(data ?? { message });
    if (!this.quiet) this.line(message);
  }

  /**
   * Prints a status line to standard error unless quiet or in JSON mode.
   *
   * @param message The line.
   */
  note(message: string): void {
    if (!this.quiet && !this.structured) {
      this.#stderr(`${this.errorColors.dim(message)}\n`);
    }
  }

  /**
   * Prints a value as exact JSON (bigints as numbers, bytes as base64), or as TOML in `toml` mode.
   *
   * @param value The value.
   */
  json(value: unknown): void {
    this.line(this.mode === "toml" ? toToml(value) : toJson(value));
  }

  /**
   * Prints one line to standard output.
   *
   * @param text The line (a newline is added).
   */
  line(text: string): void {
    this.#stdout(`${text}\n`);
  }

  /**
   * Writes raw text to standard error.
   *
   * @param text The text.
   */
  error(text: string): void {
    this.#stderr(text);
  }

  /**
   * Shows a progress bar on standard error for `total` steps, when it is a terminal and not quiet.
   *
   * @param total Number of steps.
   * @param label What is in progress.
   * @returns The indicator (a no-op when hidden).
   */
  progress(total: number, label: string): Progress {
    if (this.quiet || this.structured || !this.#errTty) {
      return { increment() {}, stop() {} };
    }
    const bar = new cliProgress.SingleBar({
      format: `${label} {bar} {value}/{total} ({percentage}%) {eta_formatted}`,
      hideCursor: true,
      clearOnComplete: true,
      stream: process.stderr,
    }, cliProgress.Presets.shades_classic);
    bar.start(total, 0);
    return {
      increment: (n) => bar.increment(n),
      stop: () => bar.stop(),
    };
  }

  #table(head: string[]): Table.Table {
    const colored = this.colors.bold("x") !== "x";
    return new Table({
      head: head.map((h) => colored ? this.colors.cyan(h) : h),
      style: { head: [], border: colored ? ["grey"] : [] },
      chars: { mid: "", "left-mid": "", "mid-mid": "", "right-mid": "" },
    });
  }
}

/**
 * Serialises a value to exact JSON: `bigint` as a number with all its digits, `Uint8Array` as
 * base64, `Map` as an object, `undefined` fields left out.
 *
 * @param value The value.
 * @returns The JSON text.
 */
export function toJson(value: unknown): string {
  return stringify(value, (_key: string, v: unknown) => {
    if (v instanceof Uint8Array) return toBase64(v);
    if (v instanceof Map) return Object.fromEntries(v);
    return v;
  }, 2) ?? "null";
}

const I64_MAX = 0x7fff_ffff_ffff_ffffn;

/**
 * Serialises a value to TOML: an array becomes `[[items]]`, a scalar `value = …`; `bigint`s past
 * TOML's signed 64-bit range become strings, `Uint8Array` base64, `Map` a table, `undefined` and
 * `null` fields are left out (TOML has no null).
 *
 * @param value The value.
 * @returns The TOML text.
 */
export function toToml(value: unknown): string {
  const plain = (v: unknown): unknown => {
    if (typeof v === "bigint") return v > I64_MAX ? v.toString() : v;
    if (v instanceof Uint8Array) return toBase64(v);
    if (v instanceof Map) v = Object.fromEntries(v);
    if (Array.isArray(v)) return v.map(plain);
    if (v !== null && typeof v === "object") {
      return Object.fromEntries(
        Object.entries(v).filter(([, x]) => x !== undefined && x !== null)
          .map(([k, x]) => [k, plain(x)]),
      );
    }
    return v;
  };
  const data = plain(value);
  const table = Array.isArray(data)
    ? { items: data }
    : data !== null && typeof data === "object"
    ? data
    : { value: data };
  return stringifyToml(table as Record<string, unknown>).trimEnd();
}

/**
 * Base64 of bytes.
 *
 * @param bytes The bytes.
 * @returns The base64 text.
 */
export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

function defaultFormat(value: unknown): string {
  if (value === undefined || value === null) return "";
  return String(value);
}

function writeAll(file: { writeSync(p: Uint8Array): number }, text: string) {
  let bytes = encoder.encode(text);
  try {
    while (bytes.length > 0) bytes = bytes.subarray(file.writeSync(bytes));
  } catch (err) {
    // The reader went away (`iggy stream list | head`): stop quietly, as command-line tools do.
    if (err instanceof Deno.errors.BrokenPipe) Deno.exit(0);
    throw err;
  }
}

/** Microseconds since the epoch as an ISO date-time (UTC, second precision). */
export function formatTimestamp(value: unknown): string {
  if (typeof value !== "bigint" || value === 0n) return "";
  return new Date(Number(value / 1000n)).toISOString().replace(/\.\d+Z$/, "Z");
}

/** Bytes in binary units ("1.5 KiB"). */
export function formatBytes(value: unknown): string {
  if (typeof value !== "bigint" && typeof value !== "number") return "";
  let n = Number(value);
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
  let unit = 0;
  while (n >= 1024 && unit < units.length - 1) {
    n /= 1024;
    unit++;
  }
  return unit === 0 ? `${n} B` : `${n.toFixed(2)} ${units[unit]}`;
}

const U64_MAX = 0xffff_ffff_ffff_ffffn;

/** A message expiry in µs: `server_default` (0), `unlimited` (u64::MAX) or a duration. */
export function formatExpiry(value: unknown): string {
  if (typeof value !== "bigint") return "";
  if (value === 0n) return "server_default";
  if (value === U64_MAX) return "unlimited";
  return formatDuration(value);
}

/** A max topic size in bytes: `server_default` (0), `unlimited` (u64::MAX) or a size. */
export function formatMaxSize(value: unknown): string {
  if (typeof value !== "bigint") return "";
  if (value === 0n) return "server_default";
  if (value === U64_MAX) return "unlimited";
  return formatBytes(value);
}

/** A duration in µs as `1days 2h 3min 4s 5ms 6us` (humantime-like). */
export function formatDuration(micros: bigint): string {
  let seconds = micros / 1_000_000n;
  const parts: string[] = [];
  for (
    const [unit, size] of [
      ["days", 86_400n],
      ["h", 3_600n],
      ["min", 60n],
      ["s", 1n],
    ] as const
  ) {
    if (seconds >= size) {
      parts.push(`${seconds / size}${unit}`);
      seconds %= size;
    }
  }
  const rest = micros % 1_000_000n;
  if (rest >= 1000n) parts.push(`${rest / 1000n}ms`);
  if (rest % 1000n !== 0n) parts.push(`${rest % 1000n}us`);
  return parts.length === 0 ? "0s" : parts.join(" ");
}
