/**
 * The schema: every key and its value kind; it drives env names, unknown-key warnings and conversion.
 * @module
 */

/** The kind of value a key holds. */
export type Kind =
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
/** A key: its kind, with `?` when it may be absent. */
export type Leaf = Kind | `${Kind}?`;
/** A table of keys and sub-tables (`[Table]`: an array of tables). */
export interface Table {
  readonly [key: string]: Leaf | Table | readonly [Table];
}

const TLS: Table = {
  enabled: "bool",
  self_signed: "bool",
  cert_file: "string",
  key_file: "string",
};

/** Every key of the configuration and its kind. */
export const SCHEMA: Table = {
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
    secret: "string",
    lease_ttl: "duration",
    etcd: { endpoints: "string", timeout: "duration" },
    replication: {
      enabled: "bool",
      acks: "string",
      ack_timeout: "duration",
      max_lag: "duration",
      fsync: "bool",
    },
    node: {
      current: { name: "string", ip: "string", lead_partitions: "bool" },
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

/** Keys whose values are masked in messages. */
export const SECRET_KEYS = new Set([
  "http.jwt.encoding_secret",
  "http.jwt.decoding_secret",
  "system.encryption.key",
  "cluster.secret",
]);

/** True when `node` is a key, not a table. */
export function isLeaf(node: Leaf | Table | readonly [Table]): node is Leaf {
  return typeof node === "string";
}

/** The kind of a key, without the optional mark. */
export function leafKind(leaf: Leaf): Kind {
  return (leaf.endsWith("?") ? leaf.slice(0, -1) : leaf) as Kind;
}

/** A parsed TOML/JSON table before conversion. */
export type Raw = Record<string, unknown>;

/** True for a table (not an array, a date or null). */
export function isPlainObject(value: unknown): value is Raw {
  return typeof value === "object" && value !== null && !Array.isArray(value) &&
    !(value instanceof Date);
}
