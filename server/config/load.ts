/**
 * Loading: embedded defaults, then an optional TOML or JSON file, then `IGGY_*` environment
 * overrides, then conversion and validation.
 * @module
 */

import { dirname, extname, isAbsolute, join, resolve } from "node:path";
import { parse as parseToml } from "smol-toml";
import { convertTable } from "./convert.ts";
import { DEFAULT_CONFIG_PATH, DEFAULT_CONFIG_TOML } from "./defaults.ts";
import { envOverrides } from "./env.ts";
import { ConfigError } from "./errors.ts";
import {
  isLeaf,
  isPlainObject,
  type Raw,
  SCHEMA,
  type Table,
} from "./schema.ts";
import { similarNames } from "./similar_names.ts";
import type { ServerConfig } from "./types.ts";
import { validateConfig } from "./validate.ts";

/** Options of {@linkcode loadConfig}. */
export interface LoadConfigOptions {
  /** Environment to read `IGGY_*` variables from. @default Deno.env.toObject() */
  env?: Record<string, string>;
  /** Directory relative config paths are looked up from. @default Deno.cwd() */
  cwd?: string;
  /** Config file to load; takes precedence over `IGGY_CONFIG_PATH`. */
  path?: string;
  /** Receives warnings (missing file, unknown keys or variables). @default writes to stderr */
  onWarning?: (message: string) => void;
}

/** Deep-merges `over` into `base`: tables merge, arrays and scalars replace. */
function deepMerge(base: Raw, over: Raw): Raw {
  const out: Raw = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isPlainObject(current) && isPlainObject(value)
      ? deepMerge(current, value)
      : value;
  }
  return out;
}

/** Records `origin` for every leaf path of `tree`. */
function recordOrigins(
  tree: unknown,
  path: string,
  origin: string,
  origins: Map<string, string>,
): void {
  if (isPlainObject(tree)) {
    for (const [key, value] of Object.entries(tree)) {
      recordOrigins(
        value,
        path === "" ? key : `${path}.${key}`,
        origin,
        origins,
      );
    }
  } else if (Array.isArray(tree) && tree.some(isPlainObject)) {
    origins.set(path, origin);
    tree.forEach((item, index) =>
      recordOrigins(item, `${path}[${index}]`, origin, origins)
    );
  } else {
    origins.set(path, origin);
  }
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/**
 * Finds a config file: an absolute path is used as is; a relative one is looked up in `cwd`, then
 * in each parent directory up to the root.
 */
function findConfigFile(path: string, cwd: string): string | undefined {
  if (isAbsolute(path)) return isFile(path) ? path : undefined;
  let dir = resolve(cwd);
  for (;;) {
    const candidate = join(dir, path);
    if (isFile(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

async function readConfigFile(path: string): Promise<Raw> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (cause) {
    throw new ConfigError(
      `Cannot read config file "${path}": ${(cause as Error).message}`,
      { cause },
    );
  }
  try {
    const parsed: unknown = extname(path).toLowerCase() === ".json"
      ? JSON.parse(text)
      : parseToml(text);
    if (!isPlainObject(parsed)) {
      throw new Error("the top level must be a table");
    }
    return parsed;
  } catch (cause) {
    throw new ConfigError(
      `Cannot parse config file "${path}": ${(cause as Error).message}`,
      { cause },
    );
  }
}

function defaultWarn(message: string): void {
  console.error(`WARN config: ${message}`);
}

/**
 * Loads the server configuration.
 *
 * Layers, lowest first: the embedded `configs/server.toml`; the config file (`options.path`, else
 * env `IGGY_CONFIG_PATH` — absolute, or relative and looked up in `cwd` then its parents — else
 * `configs/server.toml` in `cwd` if present; `.json` files are JSON, others TOML; tables merge,
 * arrays replace); `IGGY_*` environment variables. The result is typed and validated.
 *
 * @param options Environment, working directory, explicit file and warning sink.
 * @returns The typed configuration (durations in milliseconds, see {@linkcode ServerConfig}).
 * @throws {ConfigError} If a file cannot be read or parsed, or a value is invalid.
 * @example Usage
 * ```ts ignore
 * import { loadConfig } from "../config.ts";
 * const config = await loadConfig({ env: { IGGY_TCP_ADDRESS: "127.0.0.1:0" } });
 * config.tcp.address; // "127.0.0.1:0"
 * ```
 */
export async function loadConfig(
  options: LoadConfigOptions = {},
): Promise<ServerConfig> {
  const env = options.env ?? Deno.env.toObject();
  const cwd = options.cwd ?? Deno.cwd();
  const warn = options.onWarning ?? defaultWarn;
  const origins = new Map<string, string>();

  let raw = parseToml(DEFAULT_CONFIG_TOML) as Raw;

  const explicit = options.path ?? (env.IGGY_CONFIG_PATH || undefined);
  const file = explicit !== undefined
    ? findConfigFile(explicit, cwd)
    : (isFile(join(cwd, DEFAULT_CONFIG_PATH))
      ? join(cwd, DEFAULT_CONFIG_PATH)
      : undefined);
  if (explicit !== undefined && file === undefined) {
    warn(
      `Config file "${explicit}" not found: using the default configuration`,
    );
  }
  if (file !== undefined) {
    const fromFile = await readConfigFile(file);
    warnUnknownKeys(fromFile, SCHEMA, "", file, warn);
    recordOrigins(fromFile, "", `file ${file}`, origins);
    raw = deepMerge(raw, fromFile);
  }

  raw = deepMerge(raw, envOverrides(env, origins, warn));

  const config = convertTable(
    SCHEMA,
    raw,
    "",
    origins,
  ) as unknown as ServerConfig;
  validateConfig(config, raw, origins);
  return config;
}

function warnUnknownKeys(
  tree: Raw,
  schema: Table,
  path: string,
  file: string,
  warn: (m: string) => void,
): void {
  for (const [key, value] of Object.entries(tree)) {
    const full = path === "" ? key : `${path}.${key}`;
    const node = schema[key];
    if (node === undefined) {
      const similar = similarNames(key, Object.keys(schema));
      warn(
        `Unknown config key "${full}" in "${file}" will be ignored` +
          (similar.length > 0
            ? `: did you mean ${similar.map((s) => `"${s}"`).join(", ")}?`
            : ""),
      );
    } else if (Array.isArray(node) && Array.isArray(value)) {
      value.forEach((item, index) => {
        if (isPlainObject(item)) {
          warnUnknownKeys(item, node[0], `${full}[${index}]`, file, warn);
        }
      });
    } else if (!isLeaf(node) && !Array.isArray(node) && isPlainObject(value)) {
      warnUnknownKeys(value, node as Table, full, file, warn);
    }
  }
}
