/**
 * Server configuration: embedded defaults (`configs/server.toml`), an optional TOML or JSON file,
 * then `IGGY_*` environment overrides, then validation — the loading rules of Iggy 0.8.0.
 *
 * Units of the typed result: intervals and other durations are `number`s of **milliseconds**
 * (possibly fractional for sub-millisecond values), byte sizes are `number`s of bytes, expiries are
 * `bigint` microseconds (`u64::MAX` = never) and the max topic size is `bigint` bytes
 * (`u64::MAX` = unlimited).
 *
 * @module
 */

import { dirname, extname, isAbsolute, join, resolve } from "node:path";
import { parse as parseToml } from "smol-toml";
import defaultToml from "../configs/server.toml" with { type: "text" };
import {
  EXPIRY_SERVER_DEFAULT,
  MAX_TOPIC_SIZE_SERVER_DEFAULT,
  MAX_TOPIC_SIZE_UNLIMITED,
  parseByteSize,
  parseDuration,
  parseExpiry,
  parseMaxTopicSize,
} from "./config_values.ts";
import { LOG_FORMATS, type LogFormat, parseLogFilter } from "./logger.ts";
import {
  MAX_SEND_MESSAGES_SIZE_LIMIT,
  MIN_UNAUTHENTICATED_SIZE,
} from "./binary/request_limits.ts";
import { MAX_CONTROL_PAYLOAD } from "../client/protocol/mod.ts";

/** The default configuration text (the content of `configs/server.toml`), embedded at build time. */
export const DEFAULT_CONFIG_TOML: string = defaultToml;

/** Config file looked up in the working directory when `IGGY_CONFIG_PATH` is not set. */
export const DEFAULT_CONFIG_PATH = "configs/server.toml";

/** Largest allowed `system.segment.size`: 1 GiB. */
export const SEGMENT_MAX_SIZE_BYTES = 1024 * 1024 * 1024;

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

// ----------------------------------------------------------------------------------------------
// Typed configuration

/** TLS files of a listener. */
export interface TlsConfig {
  enabled: boolean;
  /** Generate a self-signed certificate when the files are missing. */
  selfSigned: boolean;
  certFile: string;
  keyFile: string;
}

/** `[http]` */
export interface HttpConfig {
  enabled: boolean;
  /** `host:port`; see {@linkcode parseAddress}. */
  address: string;
  /** Bytes. */
  maxRequestSize: number;
  webUi: boolean;
  cors: {
    enabled: boolean;
    allowedMethods: string[];
    allowedOrigins: string[];
    allowedHeaders: string[];
    exposedHeaders: string[];
    allowCredentials: boolean;
    allowPrivateNetwork: boolean;
  };
  jwt: {
    algorithm: string;
    issuer: string;
    audience: string;
    validIssuers: string[];
    validAudiences: string[];
    /** Microseconds; `u64::MAX` = never. */
    accessTokenExpiry: bigint;
    /** Milliseconds. */
    clockSkew: number;
    /** Milliseconds. */
    notBefore: number;
    encodingSecret: string;
    decodingSecret: string;
    useBase64Secret: boolean;
    trustedIssuers: {
      issuer: string;
      audience: string;
      jwksUrl: string;
      userId: number;
    }[];
  };
  metrics: { enabled: boolean; endpoint: string };
  tls: { enabled: boolean; certFile: string; keyFile: string };
}

/** `[tcp]` */
export interface TcpConfig {
  enabled: boolean;
  address: string;
  ipv6: boolean;
  socketMigration: boolean;
  tls: TlsConfig;
  socket: {
    overrideDefaults: boolean;
    /** Bytes. */
    recvBufferSize: number;
    /** Bytes. */
    sendBufferSize: number;
    keepalive: boolean;
    nodelay: boolean;
    /** Milliseconds. */
    linger: number;
  };
}

/** `[quic]` */
export interface QuicConfig {
  enabled: boolean;
  address: string;
  maxConcurrentBidiStreams: number;
  /** Bytes. */
  datagramSendBufferSize: number;
  /** Bytes. */
  initialMtu: number;
  /** Bytes. */
  sendWindow: number;
  /** Bytes. */
  receiveWindow: number;
  /** Milliseconds. */
  keepAliveInterval: number;
  /** Milliseconds. */
  maxIdleTimeout: number;
  certificate: { selfSigned: boolean; certFile: string; keyFile: string };
  socket: {
    overrideDefaults: boolean;
    recvBufferSize: number;
    sendBufferSize: number;
    keepalive: boolean;
  };
}

/** `[websocket]` (optional sizes are `undefined` when unset). */
export interface WebSocketConfig {
  enabled: boolean;
  address: string;
  readBufferSize?: number;
  writeBufferSize?: number;
  maxWriteBufferSize?: number;
  maxMessageSize?: number;
  maxFrameSize?: number;
  acceptUnmaskedFrames: boolean;
  tls: TlsConfig;
}

/** `[connections]`: limits and timeouts of the binary transports (TCP, QUIC, WebSocket). */
export interface ConnectionsConfig {
  /** Connections open at once over TCP, QUIC and WebSocket together; 0 = no limit. */
  maxConnections: number;
  /** Connections open at once from one IP address; 0 = no limit. */
  maxConnectionsPerIp: number;
  /** Milliseconds without a complete request after which a connection is closed; 0 = never. */
  idleTimeout: number;
  /** Milliseconds a TLS or QUIC handshake may take; 0 = no deadline. */
  handshakeTimeout: number;
}

/**
 * `[request_limits]`: payload caps of the binary transports (TCP, TLS, QUIC, WebSocket), checked on
 * the frame header before the payload is read; the pre-login cap also bounds the HTTP login bodies.
 */
export interface RequestLimitsConfig {
  /** Bytes: largest request payload read before login. */
  maxUnauthenticatedSize: number;
  /** Bytes: largest SendMessages payload after login. */
  maxSendMessagesSize: number;
}

/** How many segment indexes stay in memory. */
export type CacheIndexes = "all" | "open_segment" | "none";

/** `[system]` */
export interface SystemConfig {
  /** Data root, as written (relative paths are relative to the working directory). */
  path: string;
  backup: { path: string; compatibility: { path: string } };
  state: {
    enforceFsync: boolean;
    /** Fold the metadata log into a new snapshot after this many entries. */
    snapshotEntries: number;
    maxFileOperationRetries: number;
    retryDelay: number;
  };
  runtime: { path: string };
  logging: {
    path: string;
    /** Level directives: `info`, or `info,tcp=debug` (per module). */
    level: string;
    /** Line format of stderr and the log file. */
    format: LogFormat;
    fileEnabled: boolean;
    maxFileSize: number;
    maxTotalSize: number;
    rotationCheckInterval: number;
    retention: number;
    sysinfoPrintInterval: number;
  };
  encryption: { enabled: boolean; key: string };
  compression: { allowOverride: boolean; defaultAlgorithm: string };
  stream: { path: string };
  topic: {
    path: string;
    /** Bytes; `u64::MAX` = unlimited. */
    maxSize: bigint;
    /** Microseconds; `u64::MAX` = never. */
    messageExpiry: bigint;
  };
  partition: {
    path: string;
    enforceFsync: boolean;
    validateChecksum: boolean;
    messagesRequiredToSave: number;
    /** Bytes. */
    sizeOfMessagesRequiredToSave: number;
  };
  segment: {
    /** Bytes. */
    size: number;
    cacheIndexes: CacheIndexes;
    archiveExpired: boolean;
  };
  messageDeduplication: {
    enabled: boolean;
    /** 0 = unbounded. */
    maxEntries: number;
    /** Milliseconds; 0 = entries never expire. */
    expiry: number;
  };
  /** `[system.cache]`: bytes all partition read caches may hold together (0 = no cache). */
  cache: { size: number };
  recovery: { recreateMissingState: boolean };
  memoryPool: { enabled: boolean; size: number; bucketCapacity: number };
  sharding: { cpuAllocation: string };
}

/** A peer node of `[cluster]`; a missing port means the current node's port. */
export interface ClusterNodeConfig {
  name: string;
  ip: string;
  ports: { tcp?: number; quic?: number; http?: number; websocket?: number };
}

/** `[login]`: password workers and the login throttle (not an Iggy 0.8.0 section). */
export interface LoginConfig {
  /** argon2id workers; 0 = from the CPU count. */
  workers: number;
  /** Password checks waiting for a worker at most; past it a login fails at once. */
  queueSize: number;
  /** Milliseconds a verified password is remembered (in memory, as an HMAC); 0 = never. */
  verifiedCache: number;
  throttle: {
    freeFailures: number;
    addressFreeFailures: number;
    /** Milliseconds. */
    baseDelay: number;
    /** Milliseconds. */
    maxDelay: number;
    /** Milliseconds. */
    maxWait: number;
    maxInFlightPerAddress: number;
    /** Milliseconds. */
    forgetAfter: number;
  };
}

/** The whole typed server configuration. Durations are milliseconds unless noted. */
export interface ServerConfig {
  consumerGroup: {
    rebalancingTimeout: number;
    rebalancingCheckInterval: number;
  };
  dataMaintenance: { messages: { cleanerEnabled: boolean; interval: number } };
  http: HttpConfig;
  tcp: TcpConfig;
  quic: QuicConfig;
  websocket: WebSocketConfig;
  connections: ConnectionsConfig;
  requestLimits: RequestLimitsConfig;
  messageSaver: { enabled: boolean; enforceFsync: boolean; interval: number };
  personalAccessToken: {
    maxTokensPerUser: number;
    cleaner: { enabled: boolean; interval: number };
  };
  heartbeat: { enabled: boolean; interval: number };
  login: LoginConfig;
  telemetry: {
    enabled: boolean;
    serviceName: string;
    logs: { transport: string; endpoint: string };
    traces: { transport: string; endpoint: string };
    /** Not in Iggy 0.8.0: where the metrics are pushed (OTLP) when telemetry is enabled. */
    metrics: { transport: string; endpoint: string; interval: number };
  };
  system: SystemConfig;
  cluster: {
    enabled: boolean;
    name: string;
    node: {
      current: { name: string; ip: string };
      others: ClusterNodeConfig[];
    };
  };
}

// ----------------------------------------------------------------------------------------------
// Schema: every key, its value kind; drives env names, unknown-key warnings and conversion.

type Kind =
  | "bool"
  | "string"
  | "uint"
  | "port"
  | "duration"
  | "byteSize"
  | "expiry"
  | "maxTopicSize"
  | "strings"
  | "cacheIndexes";
type Leaf = Kind | `${Kind}?`;
interface Table {
  readonly [key: string]: Leaf | Table | readonly [Table];
}

const TLS: Table = {
  enabled: "bool",
  self_signed: "bool",
  cert_file: "string",
  key_file: "string",
};

const SCHEMA: Table = {
  consumer_group: {
    rebalancing_timeout: "duration",
    rebalancing_check_interval: "duration",
  },
  data_maintenance: {
    messages: { cleaner_enabled: "bool", interval: "duration" },
  },
  http: {
    enabled: "bool",
    address: "string",
    max_request_size: "byteSize",
    web_ui: "bool",
    cors: {
      enabled: "bool",
      allowed_methods: "strings",
      allowed_origins: "strings",
      allowed_headers: "strings",
      exposed_headers: "strings",
      allow_credentials: "bool",
      allow_private_network: "bool",
    },
    jwt: {
      algorithm: "string",
      issuer: "string",
      audience: "string",
      valid_issuers: "strings",
      valid_audiences: "strings",
      access_token_expiry: "expiry",
      clock_skew: "duration",
      not_before: "duration",
      encoding_secret: "string",
      decoding_secret: "string",
      use_base64_secret: "bool",
      trusted_issuers: [{
        issuer: "string",
        audience: "string",
        jwks_url: "string",
        user_id: "uint?",
      }],
    },
    metrics: { enabled: "bool", endpoint: "string" },
    tls: { enabled: "bool", cert_file: "string", key_file: "string" },
  },
  tcp: {
    enabled: "bool",
    address: "string",
    ipv6: "bool",
    socket_migration: "bool",
    tls: TLS,
    socket: {
      override_defaults: "bool",
      recv_buffer_size: "byteSize",
      send_buffer_size: "byteSize",
      keepalive: "bool",
      nodelay: "bool",
      linger: "duration",
    },
  },
  quic: {
    enabled: "bool",
    address: "string",
    max_concurrent_bidi_streams: "uint",
    datagram_send_buffer_size: "byteSize",
    initial_mtu: "byteSize",
    send_window: "byteSize",
    receive_window: "byteSize",
    keep_alive_interval: "duration",
    max_idle_timeout: "duration",
    certificate: {
      self_signed: "bool",
      cert_file: "string",
      key_file: "string",
    },
    socket: {
      override_defaults: "bool",
      recv_buffer_size: "byteSize",
      send_buffer_size: "byteSize",
      keepalive: "bool",
    },
  },
  websocket: {
    enabled: "bool",
    address: "string",
    read_buffer_size: "byteSize?",
    write_buffer_size: "byteSize?",
    max_write_buffer_size: "byteSize?",
    max_message_size: "byteSize?",
    max_frame_size: "byteSize?",
    accept_unmasked_frames: "bool",
    tls: TLS,
  },
  connections: {
    max_connections: "uint",
    max_connections_per_ip: "uint",
    idle_timeout: "duration",
    handshake_timeout: "duration",
  },
  request_limits: {
    max_unauthenticated_size: "byteSize",
    max_send_messages_size: "byteSize",
  },
  message_saver: {
    enabled: "bool",
    enforce_fsync: "bool",
    interval: "duration",
  },
  personal_access_token: {
    max_tokens_per_user: "uint",
    cleaner: { enabled: "bool", interval: "duration" },
  },
  heartbeat: { enabled: "bool", interval: "duration" },
  login: {
    workers: "uint",
    queue_size: "uint",
    verified_cache: "duration",
    throttle: {
      free_failures: "uint",
      address_free_failures: "uint",
      base_delay: "duration",
      max_delay: "duration",
      max_wait: "duration",
      max_in_flight_per_address: "uint",
      forget_after: "duration",
    },
  },
  telemetry: {
    enabled: "bool",
    service_name: "string",
    logs: { transport: "string", endpoint: "string" },
    traces: { transport: "string", endpoint: "string" },
    metrics: { transport: "string", endpoint: "string", interval: "duration" },
  },
  system: {
    path: "string",
    backup: { path: "string", compatibility: { path: "string" } },
    state: {
      enforce_fsync: "bool",
      snapshot_entries: "uint",
      max_file_operation_retries: "uint",
      retry_delay: "duration",
    },
    runtime: { path: "string" },
    logging: {
      path: "string",
      level: "string",
      format: "string",
      file_enabled: "bool",
      max_file_size: "byteSize",
      max_total_size: "byteSize",
      rotation_check_interval: "duration",
      retention: "duration",
      sysinfo_print_interval: "duration",
    },
    encryption: { enabled: "bool", key: "string" },
    compression: { allow_override: "bool", default_algorithm: "string" },
    stream: { path: "string" },
    topic: {
      path: "string",
      max_size: "maxTopicSize",
      message_expiry: "expiry",
    },
    partition: {
      path: "string",
      enforce_fsync: "bool",
      validate_checksum: "bool",
      messages_required_to_save: "uint",
      size_of_messages_required_to_save: "byteSize",
    },
    segment: {
      size: "byteSize",
      cache_indexes: "cacheIndexes",
      archive_expired: "bool",
    },
    message_deduplication: {
      enabled: "bool",
      max_entries: "uint",
      expiry: "duration",
    },
    cache: { size: "byteSize" },
    recovery: { recreate_missing_state: "bool" },
    memory_pool: { enabled: "bool", size: "byteSize", bucket_capacity: "uint" },
    sharding: { cpu_allocation: "string" },
  },
  cluster: {
    enabled: "bool",
    name: "string",
    node: {
      current: { name: "string", ip: "string" },
      others: [{
        name: "string",
        ip: "string",
        ports: {
          tcp: "port?",
          quic: "port?",
          http: "port?",
          websocket: "port?",
        },
      }],
    },
  },
};

const SECRET_KEYS = new Set([
  "http.jwt.encoding_secret",
  "http.jwt.decoding_secret",
  "system.encryption.key",
]);

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

function isLeaf(node: Leaf | Table | readonly [Table]): node is Leaf {
  return typeof node === "string";
}

function leafKind(leaf: Leaf): Kind {
  return (leaf.endsWith("?") ? leaf.slice(0, -1) : leaf) as Kind;
}

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

// ----------------------------------------------------------------------------------------------
// Loading

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

type Raw = Record<string, unknown>;

function isPlainObject(value: unknown): value is Raw {
  return typeof value === "object" && value !== null && !Array.isArray(value) &&
    !(value instanceof Date);
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

function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + cost,
      );
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** Up to three known names close to `unknown`, nearest first. */
function similarNames(unknown: string, known: Iterable<string>): string[] {
  const scored: [string, number][] = [];
  for (const name of known) {
    const distance = levenshtein(unknown.toLowerCase(), name.toLowerCase());
    const threshold = Math.max(
      3,
      Math.floor(Math.max(unknown.length, name.length) * 3 / 10),
    );
    if (distance <= threshold) scored.push([name, distance]);
  }
  return scored.sort((a, b) => a[1] - b[1]).slice(0, 3).map(([name]) => name);
}

/** Builds the override tree from `IGGY_*` variables, recording their origins. */
function envOverrides(
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
 * import { loadConfig } from "./config.ts";
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

// ----------------------------------------------------------------------------------------------
// Conversion

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

function fail(
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

function convertTable(
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

// ----------------------------------------------------------------------------------------------
// Validation

const JWT_ALGORITHMS = new Set([
  "HS256",
  "HS384",
  "HS512",
  "RS256",
  "RS384",
  "RS512",
]);
const HTTP_METHODS = new Set([
  "GET",
  "POST",
  "PUT",
  "DELETE",
  "HEAD",
  "OPTIONS",
  "CONNECT",
  "PATCH",
  "TRACE",
]);

function validateConfig(
  config: ServerConfig,
  raw: Raw,
  origins: Map<string, string>,
): void {
  const rawAt = (key: string): unknown => {
    let node: unknown = raw;
    for (
      const part of key.split(/\.|\[(\d+)\]/).filter((p) =>
        p !== undefined && p !== ""
      )
    ) {
      node = isPlainObject(node) || Array.isArray(node)
        ? (node as Raw)[part]
        : undefined;
    }
    return node;
  };
  const check = (ok: boolean, key: string, problem: string): void => {
    if (!ok) fail(key, rawAt(key), origins, problem);
  };
  const { system } = config;

  // Topic defaults.
  check(
    system.topic.maxSize !== MAX_TOPIC_SIZE_SERVER_DEFAULT,
    "system.topic.max_size",
    "cannot be server_default in the server config",
  );
  check(
    system.topic.maxSize === MAX_TOPIC_SIZE_UNLIMITED ||
      system.topic.maxSize >= BigInt(system.segment.size),
    "system.topic.max_size",
    `must be at least system.segment.size (${system.segment.size} B) or "unlimited"`,
  );
  check(
    system.topic.messageExpiry !== EXPIRY_SERVER_DEFAULT,
    "system.topic.message_expiry",
    "cannot be server_default in the server config",
  );
  check(
    !config.http.enabled ||
      config.http.jwt.accessTokenExpiry !== EXPIRY_SERVER_DEFAULT,
    "http.jwt.access_token_expiry",
    "cannot be server_default when HTTP is enabled",
  );

  // Segment.
  check(
    system.segment.size <= SEGMENT_MAX_SIZE_BYTES,
    "system.segment.size",
    `must be at most 1 GiB (${SEGMENT_MAX_SIZE_BYTES} B)`,
  );
  check(
    system.segment.size % 512 === 0,
    "system.segment.size",
    "must be a multiple of 512 B",
  );
  check(
    system.state.snapshotEntries >= 1,
    "system.state.snapshot_entries",
    "must be at least 1",
  );
  check(
    system.partition.messagesRequiredToSave >= 1,
    "system.partition.messages_required_to_save",
    "must be at least 1",
  );

  check(
    !system.messageDeduplication.enabled ||
      system.messageDeduplication.maxEntries > 0 ||
      system.messageDeduplication.expiry > 0,
    "system.message_deduplication.max_entries",
    "max_entries and expiry cannot both be 0 (an unbounded window) when deduplication is enabled",
  );

  // Background tasks.
  check(
    !config.messageSaver.enabled || config.messageSaver.interval > 0,
    "message_saver.interval",
    "must be above 0 when the message saver is enabled",
  );
  check(
    !config.dataMaintenance.messages.cleanerEnabled ||
      config.dataMaintenance.messages.interval > 0,
    "data_maintenance.messages.interval",
    "must be above 0 when the cleaner is enabled",
  );
  check(
    config.personalAccessToken.maxTokensPerUser > 0,
    "personal_access_token.max_tokens_per_user",
    "must be above 0",
  );
  check(
    !config.personalAccessToken.cleaner.enabled ||
      config.personalAccessToken.cleaner.interval > 0,
    "personal_access_token.cleaner.interval",
    "must be above 0 when the cleaner is enabled",
  );
  check(
    !config.heartbeat.enabled || config.heartbeat.interval > 0,
    "heartbeat.interval",
    "must be above 0 when heartbeat is enabled",
  );
  check(
    config.login.throttle.maxInFlightPerAddress > 0,
    "login.throttle.max_in_flight_per_address",
    "must be above 0",
  );
  check(
    config.login.throttle.maxDelay >= config.login.throttle.baseDelay,
    "login.throttle.max_delay",
    "must not be below login.throttle.base_delay",
  );
  check(
    config.consumerGroup.rebalancingCheckInterval > 0,
    "consumer_group.rebalancing_check_interval",
    "must be above 0",
  );

  // Request size caps.
  const limits = config.requestLimits;
  check(
    limits.maxUnauthenticatedSize >= MIN_UNAUTHENTICATED_SIZE &&
      limits.maxUnauthenticatedSize <= MAX_CONTROL_PAYLOAD,
    "request_limits.max_unauthenticated_size",
    `must be between ${MIN_UNAUTHENTICATED_SIZE} B and ${MAX_CONTROL_PAYLOAD} B (10 MiB)`,
  );
  check(
    limits.maxSendMessagesSize >= MIN_UNAUTHENTICATED_SIZE &&
      limits.maxSendMessagesSize <= MAX_SEND_MESSAGES_SIZE_LIMIT,
    "request_limits.max_send_messages_size",
    `must be between ${MIN_UNAUTHENTICATED_SIZE} B and ${MAX_SEND_MESSAGES_SIZE_LIMIT} B (1 GiB)`,
  );

  // Logging.
  const logging = system.logging;
  check(
    logging.level.trim() !== "",
    "system.logging.level",
    "must not be empty",
  );
  try {
    parseLogFilter(logging.level);
  } catch (cause) {
    const problem = (cause as Error).message;
    fail(
      "system.logging.level",
      rawAt("system.logging.level"),
      origins,
      problem[0]!.toLowerCase() + problem.slice(1),
      cause,
    );
  }
  check(
    (LOG_FORMATS as readonly string[]).includes(logging.format),
    "system.logging.format",
    `must be one of ${LOG_FORMATS.map((f) => `"${f}"`).join(", ")}`,
  );
  check(
    logging.retention >= 1000,
    "system.logging.retention",
    "must be at least 1 s",
  );
  check(
    logging.rotationCheckInterval >= 1000,
    "system.logging.rotation_check_interval",
    "must be at least 1 s",
  );
  check(
    logging.maxTotalSize === 0 || logging.maxFileSize <= logging.maxTotalSize,
    "system.logging.max_total_size",
    `must be at least system.logging.max_file_size (${logging.maxFileSize} B) or 0`,
  );

  // Memory pool.
  const pool = system.memoryPool;
  if (pool.enabled) {
    check(
      pool.size >= 512 * 1024 * 1024,
      "system.memory_pool.size",
      "must be at least 512 MiB when the pool is enabled",
    );
    check(
      pool.size % 4096 === 0,
      "system.memory_pool.size",
      "must be a multiple of 4096 B",
    );
    check(
      pool.bucketCapacity >= 128,
      "system.memory_pool.bucket_capacity",
      "must be at least 128",
    );
    check(
      (pool.bucketCapacity & (pool.bucketCapacity - 1)) === 0,
      "system.memory_pool.bucket_capacity",
      "must be a power of 2",
    );
  }

  // Enumerations.
  check(
    JWT_ALGORITHMS.has(config.http.jwt.algorithm),
    "http.jwt.algorithm",
    `must be one of ${[...JWT_ALGORITHMS].join(", ")}`,
  );
  config.http.cors.allowedMethods.forEach((method, index) =>
    check(
      HTTP_METHODS.has(method.toUpperCase()),
      `http.cors.allowed_methods[${index}]`,
      `must be one of ${[...HTTP_METHODS].join(", ")}`,
    )
  );
  check(
    /^(none|gzip)$/i.test(system.compression.defaultAlgorithm),
    "system.compression.default_algorithm",
    'must be "none" or "gzip"',
  );
  for (const signal of ["logs", "traces", "metrics"] as const) {
    check(
      /^(grpc|http)$/i.test(config.telemetry[signal].transport),
      `telemetry.${signal}.transport`,
      'must be "grpc" or "http"',
    );
  }

  // Addresses.
  for (const transport of ["http", "tcp", "quic", "websocket"] as const) {
    const key = `${transport}.address`;
    try {
      parseAddress(config[transport].address);
    } catch (cause) {
      fail(key, rawAt(key), origins, (cause as Error).message, cause);
    }
  }

  // Encryption.
  if (system.encryption.enabled) {
    let length = -1;
    try {
      length = atob(system.encryption.key).length;
    } catch {
      // not base64
    }
    check(
      length === 32,
      "system.encryption.key",
      "must be the base64 of exactly 32 bytes when encryption is enabled",
    );
  }

  // Telemetry.
  if (config.telemetry.enabled) {
    check(
      config.telemetry.serviceName.trim() !== "",
      "telemetry.service_name",
      "must not be empty when telemetry is enabled",
    );
    check(
      config.telemetry.logs.endpoint !== "",
      "telemetry.logs.endpoint",
      "must not be empty when telemetry is enabled",
    );
    check(
      config.telemetry.traces.endpoint !== "",
      "telemetry.traces.endpoint",
      "must not be empty when telemetry is enabled",
    );
    check(
      config.telemetry.metrics.endpoint !== "",
      "telemetry.metrics.endpoint",
      "must not be empty when telemetry is enabled",
    );
    check(
      config.telemetry.metrics.interval >= 100,
      "telemetry.metrics.interval",
      "must be at least 100 ms when telemetry is enabled",
    );
  }

  // Sharding.
  validateCpuAllocation(
    system.sharding.cpuAllocation,
    (ok, problem) => check(ok, "system.sharding.cpu_allocation", problem),
  );

  // Cluster.
  const cluster = config.cluster;
  if (cluster.enabled) {
    check(
      cluster.name.trim() !== "",
      "cluster.name",
      "must not be empty when the cluster is enabled",
    );
    check(
      cluster.node.current.name.trim() !== "",
      "cluster.node.current.name",
      "must not be empty",
    );
    const names = new Set([cluster.node.current.name]);
    const endpoints = new Set<string>();
    cluster.node.others.forEach((node, index) => {
      const at = `cluster.node.others[${index}]`;
      check(node.name.trim() !== "", `${at}.name`, "must not be empty");
      check(
        !names.has(node.name),
        `${at}.name`,
        "duplicates another node name",
      );
      names.add(node.name);
      check(node.ip.trim() !== "", `${at}.ip`, "must not be empty");
      for (const transport of ["tcp", "quic", "http", "websocket"] as const) {
        const port = node.ports[transport];
        if (port === undefined) continue;
        check(port !== 0, `${at}.ports.${transport}`, "must not be 0");
        const endpoint = `${node.ip}:${transport}:${port}`;
        check(
          !endpoints.has(endpoint),
          `${at}.ports.${transport}`,
          `port conflict: ${node.ip}:${port} is already used`,
        );
        endpoints.add(endpoint);
      }
    });
  }
}

function validateCpuAllocation(
  value: string,
  check: (ok: boolean, problem: string) => void,
): void {
  const cores = navigator.hardwareConcurrency;
  if (value === "all" || value.startsWith("numa:")) return;
  const range = /^(\d+)\.\.(\d+)$/.exec(value);
  if (range !== null) {
    const start = Number(range[1]);
    const end = Number(range[2]);
    check(start < end, "the range start must be below its end");
    check(end <= cores, `the range exceeds the ${cores} available CPU cores`);
    return;
  }
  if (/^\d+$/.test(value)) {
    const count = Number(value);
    check(
      count >= 1 && count <= cores,
      `the count must be between 1 and the ${cores} available CPU cores`,
    );
    return;
  }
  check(
    false,
    'expected "all", a count, a range "<start>..<end>" or "numa:..."',
  );
}

// ----------------------------------------------------------------------------------------------
// Helpers for the server

/**
 * Splits a `host:port` bind address (IPv6 hosts in brackets: `[::1]:8090`).
 *
 * @param address The address from the config.
 * @returns The host name (without brackets) and the port.
 * @throws {RangeError} If the address has no valid port.
 * @example Usage
 * ```ts
 * import { parseAddress } from "./config.ts";
 * parseAddress("127.0.0.1:8090"); // { hostname: "127.0.0.1", port: 8090 }
 * ```
 */
export function parseAddress(
  address: string,
): { hostname: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:\[\]]+)):([0-9]{1,5})$/.exec(
    address.trim(),
  );
  const port = match === null ? NaN : Number(match[3]);
  if (match === null || port > 65535) {
    throw new RangeError(
      `Invalid address "${address}": expected "host:port" (IPv6 as "[::1]:port")`,
    );
  }
  return { hostname: match[1] ?? match[2]!, port };
}

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
