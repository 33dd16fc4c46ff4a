/**
 * Config keys of Iggy 0.8.0 that this server accepts only at their default: it has no counterpart
 * for them (one Deno event loop instead of shards, no memory pool, no web UI, a fixed disk layout,
 * ...). Their defaults load fine, so 0.8.0 config files keep working; any other value stops the
 * start with a message naming the key, instead of being silently ignored. Telemetry, when on,
 * must use the `http` transport (OTLP/HTTP; gRPC export is not implemented).
 * @module
 */

import { ConfigError, defaultConfig, type ServerConfig } from "./config.ts";

/** A key fixed at its default (and any `alsoAllowed` value). */
export interface FixedKey {
  /** Dotted key path, as in the config file. */
  key: string;
  /** Why other values are refused. */
  reason: string;
  /** Values accepted besides the default (same typed form as the config). */
  alsoAllowed?: readonly unknown[];
}

const NO_SHARDS = "this server runs one event loop, without shards";
const NO_QUIC_OPTION = "Deno's QUIC endpoint does not expose this setting";
const NO_WS_OPTION = "Deno's WebSocket server does not expose this setting";
const FIXED_LAYOUT =
  "the data layout is fixed: streams/<id>/topics/<id>/partitions/<id>";

/** Every key fixed at its default, with the reason. */
export const FIXED_KEYS: readonly FixedKey[] = [
  {
    key: "consumer_group.rebalancing_timeout",
    reason:
      "partitions move to their new member at once when a group rebalances",
  },
  {
    key: "consumer_group.rebalancing_check_interval",
    reason:
      "partitions move to their new member at once when a group rebalances",
  },
  { key: "http.web_ui", reason: "the web UI is not bundled with this server" },
  {
    key: "http.jwt.trusted_issuers",
    reason: "tokens of external issuers (JWKS) are not accepted",
  },
  {
    key: "tcp.ipv6",
    reason:
      'the socket family follows tcp.address (write an IPv6 address such as "[::1]:8090")',
  },
  { key: "tcp.socket_migration", reason: NO_SHARDS },
  {
    key: "tcp.socket.override_defaults",
    reason: "custom TCP socket options are not applied",
  },
  { key: "quic.datagram_send_buffer_size", reason: NO_QUIC_OPTION },
  { key: "quic.initial_mtu", reason: NO_QUIC_OPTION },
  { key: "quic.send_window", reason: NO_QUIC_OPTION },
  { key: "quic.receive_window", reason: NO_QUIC_OPTION },
  {
    key: "quic.socket.override_defaults",
    reason: "custom QUIC socket options are not applied",
  },
  { key: "websocket.read_buffer_size", reason: NO_WS_OPTION },
  { key: "websocket.write_buffer_size", reason: NO_WS_OPTION },
  { key: "websocket.max_write_buffer_size", reason: NO_WS_OPTION },
  { key: "websocket.max_frame_size", reason: NO_WS_OPTION },
  {
    key: "websocket.accept_unmasked_frames",
    reason: "Deno's WebSocket server always requires masked client frames",
  },
  { key: "system.backup.path", reason: "backups are not implemented" },
  {
    key: "system.backup.compatibility.path",
    reason: "backups are not implemented",
  },
  {
    key: "system.state.max_file_operation_retries",
    reason: "state file operations are not retried",
  },
  {
    key: "system.state.retry_delay",
    reason: "state file operations are not retried",
  },
  {
    key: "system.runtime.path",
    reason: "the runtime directory is always <system.path>/runtime",
  },
  { key: "system.stream.path", reason: FIXED_LAYOUT },
  { key: "system.topic.path", reason: FIXED_LAYOUT },
  { key: "system.partition.path", reason: FIXED_LAYOUT },
  {
    key: "system.segment.cache_indexes",
    reason: "the indexes of every segment are held in memory",
    alsoAllowed: ["all"],
  },
  {
    key: "system.segment.archive_expired",
    reason: "expired segments are deleted, never archived",
  },
  {
    key: "system.recovery.recreate_missing_state",
    reason: "missing stream, topic or partition directories are not recreated",
  },
  {
    key: "system.memory_pool.enabled",
    reason: "there is no pooled allocator (Deno manages memory)",
  },
  {
    key: "system.memory_pool.size",
    reason: "there is no pooled allocator (Deno manages memory)",
  },
  {
    key: "system.memory_pool.bucket_capacity",
    reason: "there is no pooled allocator (Deno manages memory)",
  },
  { key: "system.sharding.cpu_allocation", reason: NO_SHARDS },
];

function camelCase(part: string): string {
  return part.replace(/_([a-z0-9])/g, (_, char: string) => char.toUpperCase());
}

function valueAt(config: ServerConfig, key: string): unknown {
  let node: unknown = config;
  for (const part of key.split(".")) {
    node = (node as Record<string, unknown> | undefined)?.[camelCase(part)];
  }
  return node;
}

/** A comparable, printable form (bigints as numbers, absent as `unset`). */
function shown(value: unknown): string {
  if (value === undefined) return "unset";
  return JSON.stringify(
    value,
    (_, v) => typeof v === "bigint" ? Number(v) : v,
  );
}

/**
 * Refuses a configuration that sets a {@linkcode FIXED_KEYS} key to anything but its default, or
 * turns telemetry on with the `grpc` transport or an endpoint that is not a URL.
 *
 * @param config The loaded configuration.
 * @throws {ConfigError} Naming the first such key, its value, the reason and the default.
 * @example Usage
 * ```ts ignore
 * import { loadConfig } from "./config.ts";
 * import { assertSupportedConfig } from "./config_support.ts";
 * assertSupportedConfig(await loadConfig());
 * ```
 */
export function assertSupportedConfig(config: ServerConfig): void {
  const defaults = defaultConfig();
  for (const { key, reason, alsoAllowed } of FIXED_KEYS) {
    const value = shown(valueAt(config, key));
    const fallback = shown(valueAt(defaults, key));
    if (value === fallback) continue;
    if (alsoAllowed?.some((allowed) => shown(allowed) === value)) continue;
    throw new ConfigError(
      `Unsupported configuration "${key}" = ${value}: ${reason}; remove the key or set it to its default (${fallback})`,
      { key, value: valueAt(config, key) },
    );
  }
  if (config.telemetry.enabled) {
    for (const signal of ["logs", "traces", "metrics"] as const) {
      const { transport, endpoint } = config.telemetry[signal];
      if (transport.toLowerCase() !== "http") {
        throw new ConfigError(
          `Unsupported configuration "telemetry.${signal}.transport" = "${transport}": only "http" (OTLP/HTTP) export is implemented; set it to "http"`,
          { key: `telemetry.${signal}.transport`, value: transport },
        );
      }
      if (!/^https?:$/.test(URL.parse(endpoint)?.protocol ?? "")) {
        throw new ConfigError(
          `Invalid configuration "telemetry.${signal}.endpoint" = "${endpoint}": expected an http(s) URL such as "http://localhost:4318/v1/${signal}"`,
          { key: `telemetry.${signal}.endpoint`, value: endpoint },
        );
      }
    }
  }
}
