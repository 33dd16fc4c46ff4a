/**
 * Conversion of the merged raw tables to the typed configuration (durations, sizes, expiries).
 * @module
 */

import {
  parseByteSize,
  parseDuration,
  parseExpiry,
  parseMaxTopicSize,
} from "../config_values.ts";
import { ConfigError } from "./errors.ts";
import {
  isLeaf,
  isPlainObject,
  type Leaf,
  leafKind,
  type Raw,
  SECRET_KEYS,
  type Table,
} from "./schema.ts";

function camelCase(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, char: string) => char.toUpperCase());
}

function shown(key: string, value: unknown): string {
  if (SECRET_KEYS.has(key) && value !== "" && value !== undefined) {
    return '"******"';
  }
  return typeof value === "bigint"
    ? String(value)
    : JSON.stringify(value) ?? String(value);
}

/** Throws the {@linkcode ConfigError} of `key`, naming its value and where it came from. */
export function fail(
  key: string,
  value: unknown,
  origins: Map<string, string>,
  problem: string,
  cause?: unknown,
): never {
  const origin = origins.get(key);
  const assigned = value === undefined ? "" : ` = ${shown(key, value)}`;
  const from = origin === undefined ? "" : ` (from ${origin})`;
  throw new ConfigError(
    `Invalid configuration "${key}"${assigned}${from}: ${problem}`,
    { key, value: SECRET_KEYS.has(key) ? "******" : value, cause },
  );
}

/** Converts a raw table to its typed form, key by key as the schema says. */
export function convertTable(
  schema: Table,
  raw: unknown,
  path: string,
  origins: Map<string, string>,
): Raw {
  if (!isPlainObject(raw)) return fail(path, raw, origins, "expected a table");
  const out: Raw = {};
  for (const [key, node] of Object.entries(schema)) {
    const full = path === "" ? key : `${path}.${key}`;
    const value = raw[key];
    if (isLeaf(node)) {
      const converted = convertLeaf(node, value, full, origins);
      if (converted !== undefined) out[camelCase(key)] = converted;
    } else if (Array.isArray(node)) {
      if (value === undefined) {
        out[camelCase(key)] = [];
      } else if (!Array.isArray(value)) {
        fail(full, value, origins, "expected an array of tables");
      } else {
        out[camelCase(key)] = value.map((item, index) =>
          convertTable(node[0], item, `${full}[${index}]`, origins)
        );
      }
    } else {
      out[camelCase(key)] = convertTable(
        node as Table,
        value ?? {},
        full,
        origins,
      );
    }
  }
  return out;
}

function convertLeaf(
  leaf: Leaf,
  value: unknown,
  key: string,
  origins: Map<string, string>,
): unknown {
  if (value === undefined) {
    if (leaf.endsWith("?")) return undefined;
    return fail(key, value, origins, "the key is missing");
  }
  const kind = leafKind(leaf);
  const expect = (ok: boolean, what: string): void => {
    if (!ok) fail(key, value, origins, `expected ${what}`);
  };
  try {
    switch (kind) {
      case "bool":
        expect(typeof value === "boolean", "true or false");
        return value;
      case "string":
        expect(typeof value === "string", "a string");
        return value;
      case "uint":
        expect(
          typeof value === "number" && Number.isSafeInteger(value) &&
            value >= 0,
          "a non-negative integer",
        );
        return value;
      case "port":
        expect(
          typeof value === "number" && Number.isInteger(value) && value >= 0 &&
            value <= 65535,
          "a port (0-65535)",
        );
        return value;
      case "strings":
        expect(
          Array.isArray(value) &&
            value.every((item) => typeof item === "string"),
          "an array of strings",
        );
        return [...(value as string[])];
      case "cacheIndexes": {
        expect(
          typeof value === "string" || typeof value === "boolean",
          '"all", "open_segment" or "none"',
        );
        const text = String(value).toLowerCase();
        if (text === "all" || text === "true") return "all";
        if (text === "open_segment") return "open_segment";
        if (text === "none" || text === "false") return "none";
        return fail(
          key,
          value,
          origins,
          'expected "all", "open_segment" or "none"',
        );
      }
      case "duration":
        expect(typeof value === "string", 'a duration string such as "5 s"');
        return parseDuration(value as string) / 1000;
      case "expiry":
        expect(
          typeof value === "string",
          'an expiry string such as "7 days" or "none"',
        );
        return parseExpiry(value as string);
      case "byteSize":
        expect(
          typeof value === "string" || typeof value === "number",
          'a byte size such as "1 MiB" or a number of bytes',
        );
        return parseByteSize(value as string | number);
      case "maxTopicSize":
        expect(
          typeof value === "string" || typeof value === "number",
          'a size such as "10 GB" or "unlimited"',
        );
        return parseMaxTopicSize(value as string | number);
    }
  } catch (cause) {
    if (cause instanceof ConfigError) throw cause;
    return fail(key, value, origins, (cause as Error).message, cause);
  }
}
