#!/usr/bin/env -S deno run -A --unstable-net
/**
 * The server entry point: `deno run -A server/main.ts [--fresh] [--with-default-root-credentials]`.
 * @module
 */

import { resolve as resolvePath } from "node:path";
import { parseArgs } from "node:util";
import { ConfigError, displayConfig, loadConfig } from "./config.ts";
import { assertSupportedConfig } from "./config_support.ts";
import { setupLogging } from "./log_setup.ts";
import { metricsOf } from "./metrics.ts";
import { dataDirectoryError, startServer } from "./server.ts";
import { StartupError } from "./startup_error.ts";
import { SERVER_VERSION } from "./commands/system.ts";

const USAGE = `Usage: deno run -A server/main.ts [options]

Options:
  -f, --fresh                        delete the data directory before starting
      --with-default-root-credentials  root user iggy/iggy when IGGY_ROOT_USERNAME/PASSWORD are unset
      --follower                     report this node as a follower in the cluster metadata (testing)
  -h, --help                         show this help
  -V, --version                      show the version

Configuration: configs/server.toml (or IGGY_CONFIG_PATH) and IGGY_* environment variables.`;

const ALPHANUMERIC =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

function randomPassword(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(64));
  const length = 20 + (bytes[0]! % 20);
  let out = "";
  for (let i = 1; i <= length; i++) {
    out += ALPHANUMERIC[bytes[i]! % ALPHANUMERIC.length];
  }
  return out;
}

/** Resolves the root credentials (binary.md §8.1, config.md §7). */
function rootCredentials(
  withDefaults: boolean,
): { username: string; password: string; generated: boolean } {
  let username = Deno.env.get("IGGY_ROOT_USERNAME");
  let password = Deno.env.get("IGGY_ROOT_PASSWORD");
  if (withDefaults) {
    username ??= "iggy";
    password ??= "iggy";
  }
  if ((username === undefined) !== (password === undefined)) {
    throw new ConfigError(
      "Set both IGGY_ROOT_USERNAME and IGGY_ROOT_PASSWORD, or neither",
    );
  }
  if (username !== undefined && password !== undefined) {
    return { username, password, generated: false };
  }
  return { username: "iggy", password: randomPassword(), generated: true };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      fresh: { type: "boolean", short: "f", default: false },
      "with-default-root-credentials": { type: "boolean", default: false },
      follower: { type: "boolean", default: false },
      "config-provider": { type: "string", short: "c", default: "file" },
      help: { type: "boolean", short: "h", default: false },
      version: { type: "boolean", short: "V", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.version) {
    console.log(`iggy-server ${SERVER_VERSION} (TypeScript)`);
    return 0;
  }
  const config = await loadConfig();
  assertSupportedConfig(config);
  if (values.fresh) {
    // Wiped here, not in startServer, so the log file opened just below is in the new directory.
    await Deno.remove(resolvePath(config.system.path), { recursive: true })
      .catch(() => {});
  }
  // The log file lives under the data directory: a directory that cannot be used is reported as
  // such (system.path), not as a log-file problem.
  const dataDir = resolvePath(config.system.path);
  // (Its runtime/ subdirectory, which the start needs anyway: a data "directory" that is a file then
  // fails as "not a directory".)
  await Deno.mkdir(`${dataDir}/runtime`, { recursive: true }).catch(
    dataDirectoryError(dataDir),
  );
  // The OpenTelemetry SDK is loaded only when telemetry is on.
  const telemetry = config.telemetry.enabled
    ? (await import("./telemetry.ts")).startTelemetry(
      config.telemetry,
      SERVER_VERSION,
    )
    : undefined;
  const logging = setupLogging(config, { onEvent: telemetry?.exportLog });
  const logger = logging.logger;
  telemetry?.reportTo(logger);
  const display = Deno.env.get("IGGY_DISPLAY_CONFIG");
  if (
    display === undefined || display === "1" || display.toLowerCase() === "true"
  ) {
    logger.debug("Configuration", { config: displayConfig(config) });
  }
  const root = rootCredentials(values["with-default-root-credentials"]);
  const server = await startServer(config, {
    logger,
    root,
    follower: values.follower,
  });
  if (telemetry !== undefined) {
    metricsOf(server.system).tracer = telemetry.tracer;
    telemetry.observe(server.system, metricsOf(server.system));
  }
  if (
    root.generated && server.system.users.get(0)?.username === root.username
  ) {
    const fresh = server.system.users.size === 1;
    if (fresh) console.log(`Generated root user password: ${root.password}`);
  }

  const { promise: stopped, resolve } = Promise.withResolvers<string>();
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => resolve(signal));
  }
  const signal = await stopped;
  logger.info("Shutting down", { signal });
  await server.close();
  await telemetry?.shutdown();
  logging.close();
  return 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main());
  } catch (err) {
    if (err instanceof ConfigError || err instanceof TypeError) {
      console.error(`error: ${err.message}`);
      Deno.exit(2);
    }
    if (err instanceof StartupError) {
      console.error(`error: ${err.message}`);
      Deno.exit(1);
    }
    throw err;
  }
}
