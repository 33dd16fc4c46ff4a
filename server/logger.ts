/**
 * A small leveled logger: one line per event, plain (`<ISO time> <LEVEL> [<module>: ]<message>
 * key=value ...`) or JSON, with secret-looking fields masked and levels set per module by
 * RUST_LOG-style directives (`info,tcp=debug`).
 *
 * @module
 */

/** Log levels, most severe first; `off` disables logging. */
export type LogLevel = "error" | "warn" | "info" | "debug" | "trace" | "off";

/** Output format of a log line: `plain` text or one JSON object per line. */
export type LogFormat = "plain" | "json";

/** The format names accepted by `system.logging.format`. */
export const LOG_FORMATS: readonly LogFormat[] = ["plain", "json"];

/**
 * Modules that log under their own name; a directive `<module>=<level>` sets the level of one.
 * `server` is the parent of all of them (as Iggy's crate name), so `server=debug` applies to all.
 */
export const LOG_MODULES: readonly string[] = [
  "server",
  "tcp",
  "quic",
  "websocket",
  "http",
  "state",
  "storage",
  "retention",
  "sysinfo",
  "logging",
  "telemetry",
];

const SEVERITY: Record<LogLevel, number> = {
  off: 0,
  error: 1,
  warn: 2,
  info: 3,
  debug: 4,
  trace: 5,
};

const SECRET_FIELD = /password|token|secret|key/i;
const MODULE_NAME = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$/i;

/** Fields attached to a log event. */
export type LogFields = Record<string, unknown>;

/** A leveled logger. */
export interface Logger {
  /** The active level (of this logger's module). */
  readonly level: LogLevel;
  /** The module this logger writes for, if any. */
  readonly moduleName?: string;
  /** Whether events at `level` are written. */
  enabled(level: Exclude<LogLevel, "off">): boolean;
  error(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
  trace(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every event. */
  child(fields: LogFields): Logger;
  /** The logger of module `name` (cached), with the level its directive sets. */
  module(name: string): Logger;
}

/** One written log event, as {@linkcode LoggerOptions.onEvent} receives it. */
export interface LogEvent {
  time: Date;
  level: Exclude<LogLevel, "off">;
  module: string | undefined;
  message: string;
  fields: LogFields | undefined;
}

/** Options of {@linkcode createLogger}. */
export interface LoggerOptions {
  /** Receives each formatted line (without the newline). @default writes to stderr */
  write?: (line: string) => void;
  /** Clock. @default () => new Date() */
  now?: () => Date;
  /** Line format. @default "plain" */
  format?: LogFormat;
  /** Also receives every written event, unformatted (for OpenTelemetry export). */
  onEvent?: (event: LogEvent) => void;
}

/** A parsed level filter: a default level and per-module levels. */
export interface LogFilter {
  /** Level of events outside any module with a directive. */
  readonly level: LogLevel;
  /** Levels by module name (`tcp`, `http`, ...). */
  readonly modules: ReadonlyMap<string, LogLevel>;
}

function levelWord(word: string): LogLevel | undefined {
  const lower = word.trim().toLowerCase();
  if (lower === "none") return "off";
  if (lower === "warning") return "warn";
  return Object.hasOwn(SEVERITY, lower) ? lower as LogLevel : undefined;
}

/**
 * Reads a level: `trace`, `debug`, `info`, `warn`, `error`, `off` or `none` (case-insensitive), or
 * RUST_LOG-style directives such as `warn,server=debug`, of which the first bare level counts.
 * Lenient: anything else reads as `info` (use {@linkcode parseLogFilter} to validate).
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
    const level = levelWord(directive);
    if (level !== undefined) return level;
  }
  return "info";
}

/**
 * Parses level directives strictly: an optional bare default level and `module=level` pairs,
 * comma-separated (`info,tcp=debug,http=warn`).
 *
 * @param text The directives.
 * @returns The filter (default level `info` when none is given).
 * @throws {RangeError} If a directive is neither a level nor `module=level`.
 * @example Usage
 * ```ts
 * import { parseLogFilter } from "./logger.ts";
 * parseLogFilter("warn,tcp=debug").modules.get("tcp"); // "debug"
 * ```
 */
export function parseLogFilter(text: string): LogFilter {
  let level: LogLevel | undefined;
  const modules = new Map<string, LogLevel>();
  for (const raw of text.split(",")) {
    const directive = raw.trim();
    if (directive === "") continue;
    const eq = directive.indexOf("=");
    if (eq < 0) {
      const bare = levelWord(directive);
      if (bare === undefined) {
        throw new RangeError(
          `Invalid log directive "${directive}": expected a level (trace, debug, info, warn, error, off) or module=level`,
        );
      }
      if (level !== undefined) {
        throw new RangeError(
          `Invalid log directive "${directive}": the default level is already "${level}"`,
        );
      }
      level = bare;
      continue;
    }
    const name = directive.slice(0, eq).trim().toLowerCase();
    const moduleLevel = levelWord(directive.slice(eq + 1));
    if (!MODULE_NAME.test(name)) {
      throw new RangeError(
        `Invalid log directive "${directive}": expected module=level, e.g. tcp=debug`,
      );
    }
    if (moduleLevel === undefined) {
      throw new RangeError(
        `Invalid log directive "${directive}": expected a level (trace, debug, info, warn, error, off) after "="`,
      );
    }
    modules.set(name, moduleLevel);
  }
  return { level: level ?? "info", modules };
}

/**
 * The module names of `filter` that no part of the server logs under (likely typos).
 *
 * @param filter A parsed filter.
 * @returns Unknown module names, in directive order.
 */
export function unknownLogModules(filter: LogFilter): string[] {
  return [...filter.modules.keys()].filter((name) =>
    !LOG_MODULES.includes(name.split(".")[0]!)
  );
}

/**
 * Picks the level directives: `RUST_LOG` wins when set (as in Iggy), else the configured
 * `system.logging.level` (which already includes `IGGY_SYSTEM_LOGGING_LEVEL`).
 *
 * @param configured The `system.logging.level` value.
 * @param env The environment. @default Deno.env.toObject()
 * @returns The directives to use.
 */
export function resolveLogDirectives(
  configured: string,
  env?: Record<string, string>,
): string {
  const rustLog = (env ?? Deno.env.toObject()).RUST_LOG;
  return rustLog !== undefined && rustLog !== "" ? rustLog : configured;
}

/**
 * Picks the default log level: `RUST_LOG` wins when set (as in Iggy), else the configured one.
 *
 * @param configured The `system.logging.level` value.
 * @param env The environment. @default Deno.env.toObject()
 * @returns The level.
 */
export function resolveLogLevel(
  configured: string,
  env?: Record<string, string>,
): LogLevel {
  return parseLogLevel(resolveLogDirectives(configured, env));
}

/** The level `filter` gives `module`: its own directive, else its parents', else `server`'s. */
function levelOf(filter: LogFilter, module: string | undefined): LogLevel {
  let name = module;
  while (name !== undefined) {
    const level = filter.modules.get(name);
    if (level !== undefined) return level;
    const dot = name.lastIndexOf(".");
    name = dot < 0 ? undefined : name.slice(0, dot);
  }
  return filter.modules.get("server") ?? filter.level;
}

function isSecret(name: string, value: unknown): boolean {
  return SECRET_FIELD.test(name) && value !== undefined && value !== null &&
    value !== "";
}

function jsonSafe(_: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}

function formatValue(name: string, value: unknown): string {
  if (isSecret(name, value)) return "******";
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
    return JSON.stringify(value, jsonSafe) ?? String(value);
  } catch {
    return JSON.stringify(String(value));
  }
}

/**
 * Formats one plain log line.
 *
 * @param time Event time.
 * @param level Event level.
 * @param message The message (newlines are escaped).
 * @param fields Fields, written as `key=value`; secret-looking names are masked.
 * @param module The module, written as `<module>: ` before the message.
 * @returns The line, without a trailing newline.
 */
export function formatLogLine(
  time: Date,
  level: Exclude<LogLevel, "off">,
  message: string,
  fields?: LogFields,
  module?: string,
): string {
  let line = `${time.toISOString()} ${level.toUpperCase().padEnd(5)} ${
    module === undefined ? "" : `${module}: `
  }${message.replace(/\r?\n/g, "\\n")}`;
  if (fields !== undefined) {
    for (const [name, value] of Object.entries(fields)) {
      line += ` ${name}=${formatValue(name, value)}`;
    }
  }
  return line;
}

const RESERVED_JSON_KEYS = new Set(["time", "level", "module", "message"]);

/**
 * A field value as structured outputs (JSON lines, OpenTelemetry attributes) carry it: secrets
 * masked, errors as `Name: message`, bigints as numbers while exact and strings beyond 2^53.
 *
 * @param name The field name (secret-looking names are masked).
 * @param value The field value.
 * @returns The value to serialise.
 */
export function structuredFieldValue(name: string, value: unknown): unknown {
  if (isSecret(name, value)) return "******";
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  if (typeof value === "bigint") {
    // Numbers while exact, strings beyond 2^53 (JSON readers parse numbers as doubles).
    return value <= BigInt(Number.MAX_SAFE_INTEGER) &&
        value >= -BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  return value;
}

/**
 * Formats one JSON log line: `{"time", "level", "module"?, "message", ...fields}`. A field named
 * like one of those four keys is written with a leading `_`; bigints beyond 2^53 are strings.
 *
 * @param time Event time.
 * @param level Event level.
 * @param message The message.
 * @param fields Fields; secret-looking names are masked, bigints become strings.
 * @param module The module, if any.
 * @returns The line (one JSON object, no newline).
 */
export function formatJsonLogLine(
  time: Date,
  level: Exclude<LogLevel, "off">,
  message: string,
  fields?: LogFields,
  module?: string,
): string {
  const event: Record<string, unknown> = { time: time.toISOString(), level };
  if (module !== undefined) event.module = module;
  event.message = message;
  if (fields !== undefined) {
    for (const [name, value] of Object.entries(fields)) {
      event[RESERVED_JSON_KEYS.has(name) ? `_${name}` : name] =
        structuredFieldValue(
          name,
          value,
        );
    }
  }
  try {
    return JSON.stringify(event, jsonSafe);
  } catch {
    // A field that cannot be serialised (a cycle): keep the event, describe the fields.
    return JSON.stringify({
      time: event.time,
      level,
      module,
      message,
      fields: formatValue("fields", fields),
    });
  }
}

const encoder = new TextEncoder();

/**
 * Writes one line to stderr (dropped when stderr is closed).
 *
 * @param line The line, without its newline.
 */
export function writeStderr(line: string): void {
  try {
    Deno.stderr.writeSync(encoder.encode(line + "\n"));
  } catch {
    // stderr closed: drop the line
  }
}

/**
 * Creates a logger writing events at the level of their module and above, one line each.
 *
 * @param level `trace/debug/info/warn/error/off/none`, or directives such as `info,tcp=debug`
 *   (lenient: an unreadable directive is skipped; validate with {@linkcode parseLogFilter}).
 * @param options Output sink, clock and format.
 * @returns The logger.
 * @example Usage
 * ```ts
 * import { createLogger } from "./logger.ts";
 * const log = createLogger("info,tcp=debug", { write: () => {} });
 * log.module("tcp").debug("Client connected", { address: "127.0.0.1:5000" });
 * ```
 */
export function createLogger(
  level: string,
  options: LoggerOptions = {},
): Logger {
  const shared: Shared = {
    filter: lenientFilter(level),
    write: options.write ?? writeStderr,
    now: options.now ?? (() => new Date()),
    format: options.format === "json" ? formatJsonLogLine : formatLogLine,
    onEvent: options.onEvent,
    modules: new Map(),
  };
  return new LineLogger(shared, undefined, undefined);
}

function lenientFilter(text: string): LogFilter {
  try {
    return parseLogFilter(text);
  } catch {
    const modules = new Map<string, LogLevel>();
    for (const directive of text.split(",")) {
      const [name, value] = directive.split("=");
      const moduleLevel = value === undefined ? undefined : levelWord(value);
      if (name !== undefined && moduleLevel !== undefined) {
        modules.set(name.trim().toLowerCase(), moduleLevel);
      }
    }
    return { level: parseLogLevel(text), modules };
  }
}

interface Shared {
  filter: LogFilter;
  write: (line: string) => void;
  now: () => Date;
  format: typeof formatLogLine;
  onEvent: ((event: LogEvent) => void) | undefined;
  /** Module loggers without extra fields, by name. */
  modules: Map<string, Logger>;
}

class LineLogger implements Logger {
  readonly level: LogLevel;
  readonly moduleName: string | undefined;
  #severity: number;
  #shared: Shared;
  #fields: LogFields | undefined;

  constructor(
    shared: Shared,
    module: string | undefined,
    fields: LogFields | undefined,
  ) {
    this.#shared = shared;
    this.moduleName = module;
    this.level = levelOf(shared.filter, module);
    this.#severity = SEVERITY[this.level];
    this.#fields = fields;
  }

  enabled(level: Exclude<LogLevel, "off">): boolean {
    return SEVERITY[level] <= this.#severity;
  }

  #log(
    level: Exclude<LogLevel, "off">,
    message: string,
    fields?: LogFields,
  ): void {
    if (SEVERITY[level] > this.#severity) return;
    const all = fields === undefined
      ? this.#fields
      : this.#fields === undefined
      ? fields
      : { ...this.#fields, ...fields };
    const shared = this.#shared;
    const time = shared.now();
    shared.write(shared.format(time, level, message, all, this.moduleName));
    shared.onEvent?.({
      time,
      level,
      module: this.moduleName,
      message,
      fields: all,
    });
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
    const { module, ...rest } = fields;
    const name = typeof module === "string" ? module : this.moduleName;
    return new LineLogger(this.#shared, name, { ...this.#fields, ...rest });
  }

  module(name: string): Logger {
    if (this.#fields !== undefined) {
      return new LineLogger(this.#shared, name, this.#fields);
    }
    let logger = this.#shared.modules.get(name);
    if (logger === undefined) {
      logger = new LineLogger(this.#shared, name, undefined);
      this.#shared.modules.set(name, logger);
    }
    return logger;
  }
}
