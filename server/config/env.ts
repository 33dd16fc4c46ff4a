/**
 * `IGGY_*` environment overrides: the variable name of every key, and the override tree built
 * from an environment.
 * @module
 */

import {
  isLeaf,
  isPlainObject,
  type Kind,
  leafKind,
  type Raw,
  SCHEMA,
  type Table,
} from "./schema.ts";
import { similarNames } from "./similar_names.ts";

/** `IGGY_*` names that are not config keys and never warn. */
const IGNORED_ENV = new Set([
  "IGGY_CI_BUILD",
  "IGGY_CONFIG_PATH",
  "IGGY_CONNECTORS_CONFIG_PATH",
  "IGGY_MCP_CONFIG_PATH",
  "IGGY_ROOT_USERNAME",
  "IGGY_ROOT_PASSWORD",
  "IGGY_TEST_CLEANUP_DISABLED",
  // Test mode of the storage fault layer (server/storage/fault.ts).
  "IGGY_TEST_FAULTS",
  "IGGY_TEST_VERBOSE",
  "IGGY_DISPLAY_CONFIG",
]);
const IGNORED_ENV_PREFIXES = [
  "IGGY_CONNECTORS_SINK_",
  "IGGY_CONNECTORS_SOURCE_",
];
const MAX_ENV_INDEX = 9;

interface EnvMapping {
  /** Key path; numbers are array indices. */
  path: (string | number)[];
  kind: Kind;
}

let envMappings: Map<string, EnvMapping> | undefined;

/** Builds the map from every known `IGGY_*` variable name to its key path. */
function getEnvMappings(): Map<string, EnvMapping> {
  if (envMappings !== undefined) return envMappings;
  const map = new Map<string, EnvMapping>();
  const walk = (table: Table, path: (string | number)[]): void => {
    for (const [key, node] of Object.entries(table)) {
      if (isLeaf(node)) {
        const full = [...path, key];
        const name = "IGGY_" +
          full.map((part) => String(part).toUpperCase()).join("_");
        map.set(name, { path: full, kind: leafKind(node) });
      } else if (Array.isArray(node)) {
        for (let index = 0; index <= MAX_ENV_INDEX; index++) {
          walk(node[0], [...path, key, index]);
        }
      } else {
        walk(node as Table, [...path, key]);
      }
    }
  };
  walk(SCHEMA, []);
  envMappings = map;
  return map;
}

/**
 * Lists every environment variable name that overrides a config key (array entries for index 0).
 *
 * @returns The names, e.g. `IGGY_TCP_ADDRESS`, in schema order.
 */
export function configEnvNames(): string[] {
  return [...getEnvMappings().keys()].filter((name) => !/_[1-9]_/.test(name));
}

/** Splits a bracket array `[a, "b, c"]` into its elements (commas outside double quotes). */
function splitArray(text: string): string[] {
  const inner = text.slice(1, -1);
  const elements: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < inner.length; i++) {
    const char = inner[i];
    if (char === '"') quoted = !quoted;
    else if (char === "," && !quoted) {
      elements.push(inner.slice(start, i).trim());
      start = i + 1;
    }
  }
  if (start < inner.length) elements.push(inner.slice(start).trim());
  return elements.map((element) => element.replace(/^"+|"+$/g, ""));
}

/** Types an environment value for a key of the given kind. */
function envValue(kind: Kind, text: string): unknown {
  switch (kind) {
    case "strings":
      return text.startsWith("[") && text.endsWith("]")
        ? splitArray(text)
        : [text];
    case "bool":
      return /^(true|false)$/i.test(text)
        ? text.toLowerCase() === "true"
        : text;
    case "uint":
    case "port":
      return /^\+?[0-9]+$/.test(text) ? Number(text) : text;
    case "byteSize":
      return /^[0-9]+$/.test(text) ? Number(text) : text;
    default:
      return text;
  }
}

/** Builds the override tree from `IGGY_*` variables, recording their origins. */
export function envOverrides(
  env: Record<string, string>,
  origins: Map<string, string>,
  warn: (message: string) => void,
): Raw {
  const mappings = getEnvMappings();
  const root: Raw = {};
  const known = configEnvNames();
  for (const [name, text] of Object.entries(env)) {
    if (!name.startsWith("IGGY_")) continue;
    const mapping = mappings.get(name);
    if (mapping === undefined) {
      if (
        IGNORED_ENV.has(name) ||
        IGNORED_ENV_PREFIXES.some((prefix) => name.startsWith(prefix))
      ) continue;
      const similar = similarNames(name, known);
      warn(
        `Unknown environment variable "${name}" will be ignored` +
          (similar.length > 0 ? `: did you mean ${similar.join(", ")}?` : ""),
      );
      continue;
    }
    if (text === "") continue;
    let node: Raw = root;
    mapping.path.forEach((part, index) => {
      const key = String(part);
      if (index === mapping.path.length - 1) {
        node[key] = envValue(mapping.kind, text);
      } else {
        if (!isPlainObject(node[key])) node[key] = {};
        node = node[key] as Raw;
      }
    });
    origins.set(dottedPath(mapping.path), `env ${name}`);
  }
  return indexTablesToArrays(root) as Raw;
}

function dottedPath(path: (string | number)[]): string {
  return path.reduce<string>(
    (out, part) =>
      typeof part === "number"
        ? `${out}[${part}]`
        : out === ""
        ? part
        : `${out}.${part}`,
    "",
  );
}

/** Turns tables whose keys are all indices into arrays (missing indices become empty tables). */
function indexTablesToArrays(value: unknown): unknown {
  if (!isPlainObject(value)) return value;
  const entries = Object.entries(value).map(([key, child]) =>
    [key, indexTablesToArrays(child)] as const
  );
  if (entries.length > 0 && entries.every(([key]) => /^[0-9]$/.test(key))) {
    const array: unknown[] = [];
    const max = Math.max(...entries.map(([key]) => Number(key)));
    for (let i = 0; i <= max; i++) array.push({});
    for (const [key, child] of entries) array[Number(key)] = child;
    return array;
  }
  return Object.fromEntries(entries);
}
