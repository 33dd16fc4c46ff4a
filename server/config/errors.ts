/**
 * The error of a configuration that cannot be read, parsed or validated.
 * @module
 */

/** Thrown when the configuration cannot be read, parsed or validated. */
export class ConfigError extends Error {
  /** Dotted key path of the offending value (`system.segment.size`), if one is to blame. */
  readonly key: string | undefined;
  /** The offending value as written (secrets masked), if any. */
  readonly value: unknown;

  /**
   * @param message What is wrong.
   * @param options The key and value to blame, and the cause.
   */
  constructor(
    message: string,
    options: { key?: string; value?: unknown; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "ConfigError";
    this.key = options.key;
    this.value = options.value;
  }
}
