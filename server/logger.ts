/**
 * A tiny leveled logger: one line per event on stderr, as
 * `<ISO time> <LEVEL> <message> key=value ...`, with secret-looking fields masked.
 *
 * @module
 */

/** Log levels, most severe first; `off` disables logging. */
export type LogLevel = "error" | "warn" | "info" | "debug" | "trace" | "off";

const SEVERITY: Record<LogLevel, number> = {
  off: 0,
  error: 1,
  warn: 2,
  info: 3,
  debug: 4,
  trace: 5,
};

const SECRET_FIELD = /password|token|secret|key/i;

/** Fields attached to a log event. */
export type LogFields = Record<string, unknown>;

/** A leveled logger. */
export interface Logger {
  /** The active level. */
  readonly level: LogLevel;
  /** Whether events at `level` are written. */
  enabled(level: Exclude<LogLevel, "off">): boolean;
  error(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
  trace(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every event. */
  child(fields: LogFields): Logger;
}

/** Options of {@linkcode createLogger}. */
export interface LoggerOptions {
  /** Receives each formatted line (without the newline). @default writes to stderr */
  write?: (line: string) => void;
  /** Clock. @default () => new Date() */
  now?: () => Date;
}

/**
 * Reads a level: `trace`, `debug`, `info`, `warn`, `error`, `off` or `none` (case-insensitive), or
 * RUST_LOG-style directives such as `warn,server=debug`, of which the first bare level counts.
 *
 * @param text The configured level.
 * @returns The level; `info` when no bare level is found.
 * @example Usage
 * ```ts
 * import { parseLogLevel } from "./logger.ts";
 * parseLogLevel("warn,server=debug"); // "warn"
 * ```
 */
export function parseLogLevel(text: string): LogLevel {
  for (const directive of text.split(",")) {
    const word = directive.trim().toLowerCase();
    if (word === "none") return "off";
    if (word === "warning") return "warn";
    if (Object.hasOwn(SEVERITY, word)) return word as LogLevel;
  }
  return "info";
}

/**
 * Picks the log level: `RUST_LOG` wins when set (as in Iggy), else the configured
 * `system.logging.level` (which already includes `IGGY_SYSTEM_LOGGING_LEVEL`).
 *
 * @param configured The `system.logging.level` value.
 * @param env The environment. @default Deno.env.toObject()
 * @returns The level.
 */
export function resolveLogLevel(
  configured: string,
  env?: Record<string, string>,
): LogLevel {
  const rustLog = (env ?? Deno.env.toObject()).RUST_LOG;
  return parseLogLevel(
    rustLog !== undefined && rustLog !== "" ? rustLog : configured,
  );
}

function formatValue(name: string, value: unknown): string {
  if (
    SECRET_FIELD.test(name) && value !== undefined && value !== null &&
    value !== ""
  ) return "******";
  if (typeof value === "string") {
    return /^[^\s"=\\]+$/.test(value) ? value : JSON.stringify(value);
  }
  if (
    typeof value === "number" || typeof value === "boolean" ||
    typeof value === "bigint"
  ) return String(value);
  if (value === undefined || value === null) return String(value);
  if (value instanceof Error) {
    return JSON.stringify(`${value.name}: ${value.message}`);
  }
  try {
    return JSON.stringify(
      value,
      (_, v) => typeof v === "bigint" ? v.toString() : v,
    ) ?? String(value);
  } catch {
    return JSON.stringify(String(value));
  }
}

/**
 * Formats one log line.
 *
 * @param time Event time.
 * @param level Event level.
 * @param message The message (newlines are escaped).
 * @param fields Fields, written as `key=value`; secret-looking names are masked.
 * @returns The line, without a trailing newline.
 */
export function formatLogLine(
  time: Date,
  level: Exclude<LogLevel, "off">,
  message: string,
  fields?: LogFields,
): string {
  let line = `${time.toISOString()} ${level.toUpperCase().padEnd(5)} ${
    message.replace(/\r?\n/g, "\\n")
  }`;
  if (fields !== undefined) {
    for (const [name, value] of Object.entries(fields)) {
      line += ` ${name}=${formatValue(name, value)}`;
    }
  }
  return line;
}

const encoder = new TextEncoder();

function writeStderr(line: string): void {
  try {
    Deno.stderr.writeSync(encoder.encode(line + "\n"));
  } catch {
    // stderr closed: drop the line
  }
}

/**
 * Creates a logger writing events at `level` and above, one line each, to stderr.
 *
 * @param level `trace/debug/info/warn/error/off/none` or RUST_LOG-style directives.
 * @param options Output sink and clock, for tests.
 * @returns The logger.
 * @example Usage
 * ```ts
 * import { createLogger } from "./logger.ts";
 * const log = createLogger("info", { write: () => {} });
 * log.info("Server started", { address: "127.0.0.1:8090" });
 * ```
 */
export function createLogger(
  level: string,
  options: LoggerOptions = {},
): Logger {
  return new LineLogger(
    parseLogLevel(level),
    options.write ?? writeStderr,
    options.now ?? (() => new Date()),
    {},
  );
}

class LineLogger implements Logger {
  readonly level: LogLevel;
  #write: (line: string) => void;
  #now: () => Date;
  #fields: LogFields;

  constructor(
    level: LogLevel,
    write: (line: string) => void,
    now: () => Date,
    fields: LogFields,
  ) {
    this.level = level;
    this.#write = write;
    this.#now = now;
    this.#fields = fields;
  }

  enabled(level: Exclude<LogLevel, "off">): boolean {
    return SEVERITY[level] <= SEVERITY[this.level];
  }

  #log(
    level: Exclude<LogLevel, "off">,
    message: string,
    fields?: LogFields,
  ): void {
    if (!this.enabled(level)) return;
    const all = fields === undefined
      ? this.#fields
      : { ...this.#fields, ...fields };
    this.#write(formatLogLine(this.#now(), level, message, all));
  }

  error(message: string, fields?: LogFields): void {
    this.#log("error", message, fields);
  }
  warn(message: string, fields?: LogFields): void {
    this.#log("warn", message, fields);
  }
  info(message: string, fields?: LogFields): void {
    this.#log("info", message, fields);
  }
  debug(message: string, fields?: LogFields): void {
    this.#log("debug", message, fields);
  }
  trace(message: string, fields?: LogFields): void {
    this.#log("trace", message, fields);
  }

  child(fields: LogFields): Logger {
    return new LineLogger(this.level, this.#write, this.#now, {
      ...this.#fields,
      ...fields,
    });
  }
}
