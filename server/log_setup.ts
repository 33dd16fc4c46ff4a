/**
 * Builds the server's logger from `[system.logging]`: level directives (`RUST_LOG` wins), line
 * format, stderr always and the rotating log file under `<system.path>/<system.logging.path>`
 * when `file_enabled`.
 * @module
 */

import { resolve } from "node:path";
import { ConfigError, type ServerConfig } from "./config.ts";
import { LogFile } from "./log_file.ts";
import {
  createLogger,
  LOG_MODULES,
  type LogEvent,
  type Logger,
  parseLogFilter,
  resolveLogDirectives,
  unknownLogModules,
  writeStderr,
} from "./logger.ts";

/** The logger of a running server and what it writes to. */
export interface ServerLogging {
  logger: Logger;
  /** The open log file, when file logging is enabled. */
  file: LogFile | undefined;
  /** Closes the log file. */
  close(): void;
}

/**
 * Creates the server logger.
 *
 * @param config The loaded configuration.
 * @param options The environment (for `RUST_LOG`; default `Deno.env`) and a hook that also
 *   receives every written event (OpenTelemetry export).
 * @returns The logger and its log file.
 * @throws {ConfigError} If `RUST_LOG` is not valid or the log file cannot be opened.
 */
export function setupLogging(
  config: ServerConfig,
  options: {
    env?: Record<string, string>;
    onEvent?: (event: LogEvent) => void;
  } = {},
): ServerLogging {
  const env = options.env ?? Deno.env.toObject();
  const logging = config.system.logging;
  const directives = resolveLogDirectives(logging.level, env);
  const fromEnv = directives !== logging.level;
  let filter;
  try {
    filter = parseLogFilter(directives);
  } catch (cause) {
    // system.logging.level was validated with the config; only RUST_LOG can fail here.
    const problem = (cause as Error).message;
    throw new ConfigError(
      `Invalid environment variable "RUST_LOG" = "${directives}": ${
        problem[0]!.toLowerCase() + problem.slice(1)
      }`,
      { key: "RUST_LOG", value: directives, cause },
    );
  }
  let file: LogFile | undefined;
  if (logging.fileEnabled) {
    // An absolute system.logging.path is used as is (as Iggy joins paths).
    const dir = resolve(config.system.path, logging.path);
    try {
      file = LogFile.open({
        dir,
        maxFileSize: logging.maxFileSize,
        maxTotalSize: logging.maxTotalSize,
        retention: logging.retention,
        rotationCheckInterval: logging.rotationCheckInterval,
        onSweep: (removed) =>
          logger.module("logging").info("Removed old log files", {
            files: removed.join(","),
          }),
      });
    } catch (cause) {
      throw new ConfigError(
        `Cannot open the log file in "${dir}" (system.logging.path): ${
          (cause as Error).message
        }`,
        { key: "system.logging.path", value: logging.path, cause },
      );
    }
  }
  const write = file === undefined ? writeStderr : (line: string) => {
    writeStderr(line);
    file.write(line);
  };
  const logger = createLogger(directives, {
    write,
    format: logging.format,
    onEvent: options.onEvent,
  });
  const unknown = unknownLogModules(filter);
  if (unknown.length > 0) {
    logger.warn("Log directives name unknown modules", {
      modules: unknown.join(","),
      known: LOG_MODULES.join(","),
      from: fromEnv ? "RUST_LOG" : "system.logging.level",
    });
  }
  logger.module("logging").info("Logging initialized", {
    filter: directives,
    format: logging.format,
    file: file?.path ?? "disabled",
  });
  return {
    logger,
    file,
    close: () => file?.close(),
  };
}
