/**
 * The configuration as the startup log shows it.
 * @module
 */

import type { ServerConfig } from "./types.ts";

/**
 * Renders the configuration for the startup log, with secrets masked and bigints as strings.
 *
 * @param config The loaded configuration.
 * @returns Pretty-printed JSON.
 */
export function displayConfig(config: ServerConfig): string {
  const secrets = new Set(["encodingSecret", "decodingSecret", "key"]);
  return JSON.stringify(
    config,
    (name, value) => {
      if (secrets.has(name) && typeof value === "string" && value !== "") {
        return "******";
      }
      return typeof value === "bigint" ? value.toString() : value;
    },
    2,
  );
}
