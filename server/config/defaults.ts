/**
 * The built-in defaults: `configs/server.toml`, embedded at build time.
 * @module
 */

import { parse as parseToml } from "smol-toml";
import defaultToml from "../../configs/server.toml" with { type: "text" };
import { convertTable } from "./convert.ts";
import { SCHEMA } from "./schema.ts";
import type { ServerConfig } from "./types.ts";

/** The default configuration text (the content of `configs/server.toml`), embedded at build time. */
export const DEFAULT_CONFIG_TOML: string = defaultToml;

/** Config file looked up in the working directory when `IGGY_CONFIG_PATH` is not set. */
export const DEFAULT_CONFIG_PATH = "configs/server.toml";

/** Largest allowed `system.segment.size`: 1 GiB. */
export const SEGMENT_MAX_SIZE_BYTES = 1024 * 1024 * 1024;

/**
 * The built-in defaults (`configs/server.toml`) as a typed configuration, without a file or env.
 *
 * @returns A fresh copy of the defaults.
 */
export function defaultConfig(): ServerConfig {
  return convertTable(
    SCHEMA,
    parseToml(DEFAULT_CONFIG_TOML),
    "",
    new Map(),
  ) as unknown as ServerConfig;
}
