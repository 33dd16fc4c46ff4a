/**
 * The JSON encoding of metadata (log entries and snapshots): plain JSON, with bigints written as
 * `{"$bigint":"123"}` and read back as bigints.
 * @module
 */

const BIGINT_KEY = "$bigint";

function replacer(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? { [BIGINT_KEY]: value.toString() } : value;
}

function reviver(_key: string, value: unknown): unknown {
  if (
    value !== null && typeof value === "object" && !Array.isArray(value)
  ) {
    const record = value as Record<string, unknown>;
    const encoded = record[BIGINT_KEY];
    if (typeof encoded === "string" && Object.keys(record).length === 1) {
      return BigInt(encoded);
    }
  }
  return value;
}

/** Serialises a value to JSON, encoding bigints as `{"$bigint":"<decimal>"}`. */
export function stringifyState(state: unknown): string {
  return JSON.stringify(state, replacer);
}

/**
 * Parses JSON written by {@linkcode stringifyState}, restoring bigints.
 * @throws {SyntaxError} when `text` is not JSON
 */
export function parseState<T>(text: string): T {
  return JSON.parse(text, reviver) as T;
}
