/**
 * Server configuration: embedded defaults (`configs/server.toml`), an optional TOML or JSON file,
 * then `IGGY_*` environment overrides, then validation — the loading rules of Iggy 0.8.0.
 *
 * Units of the typed result: intervals and other durations are `number`s of **milliseconds**
 * (possibly fractional for sub-millisecond values), byte sizes are `number`s of bytes, expiries are
 * `bigint` microseconds (`u64::MAX` = never) and the max topic size is `bigint` bytes
 * (`u64::MAX` = unlimited).
 *
 * The entry of `config/`, one file per job: `types.ts` (the typed result), `schema.ts` (every key
 * and its kind), `defaults.ts` (the embedded `configs/server.toml`), `env.ts` (`IGGY_*` overrides),
 * `convert.ts` (raw to typed), `validate.ts` (ranges and rules), `load.ts` (the layers, in order).
 * A new key goes in `types.ts` and `schema.ts` (its env name follows), with its rules in
 * `validate.ts` and its default in `configs/server.toml`.
 *
 * @module
 */

export { parseAddress } from "./config/address.ts";
export {
  DEFAULT_CONFIG_PATH,
  DEFAULT_CONFIG_TOML,
  defaultConfig,
  SEGMENT_MAX_SIZE_BYTES,
} from "./config/defaults.ts";
export { displayConfig } from "./config/display.ts";
export { configEnvNames } from "./config/env.ts";
export { ConfigError } from "./config/errors.ts";
export { loadConfig, type LoadConfigOptions } from "./config/load.ts";
export { etcdEndpoints } from "./config/validate.ts";
export type {
  CacheIndexes,
  ClusterNodeConfig,
  ConnectionsConfig,
  HttpConfig,
  LoginConfig,
  QuicConfig,
  RequestLimitsConfig,
  ServerConfig,
  SystemConfig,
  TcpConfig,
  TlsConfig,
  WebSocketConfig,
} from "./config/types.ts";
