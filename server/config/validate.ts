/**
 * Validation of the typed configuration: ranges, formats and the rules between keys.
 * @module
 */

import {
  EXPIRY_SERVER_DEFAULT,
  MAX_TOPIC_SIZE_SERVER_DEFAULT,
  MAX_TOPIC_SIZE_UNLIMITED,
} from "../config_values.ts";
import { LOG_FORMATS, parseLogFilter } from "../logger.ts";
import {
  MAX_SEND_MESSAGES_SIZE_LIMIT,
  MIN_UNAUTHENTICATED_SIZE,
} from "../binary/request_limits.ts";
import { MAX_CONTROL_PAYLOAD } from "../../client/protocol/mod.ts";
import { parseAddress } from "./address.ts";
import { fail } from "./convert.ts";
import { SEGMENT_MAX_SIZE_BYTES } from "./defaults.ts";
import { isPlainObject, type Raw } from "./schema.ts";
import type { ServerConfig } from "./types.ts";

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

/** Checks the values one by one and together; throws the {@linkcode ConfigError} of the first bad one. */
export function validateConfig(
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
    if (cluster.etcd.endpoints.trim() !== "") {
      for (const url of etcdEndpoints(cluster.etcd.endpoints)) {
        check(
          /^https?:\/\/[^/\s]+\/?$/.test(url),
          "cluster.etcd.endpoints",
          `"${url}" is not an http(s)://host:port URL`,
        );
      }
      check(
        cluster.secret.length >= 16,
        "cluster.secret",
        "must be at least 16 characters when etcd endpoints are set",
      );
      check(
        cluster.leaseTtl >= 1000,
        "cluster.lease_ttl",
        "must be at least 1s",
      );
      check(
        ["quorum", "all", "leader"].includes(cluster.replication.acks),
        "cluster.replication.acks",
        'must be "quorum", "all" or "leader"',
      );
      check(
        cluster.replication.ackTimeout >= 100,
        "cluster.replication.ack_timeout",
        "must be at least 100ms",
      );
      check(
        cluster.replication.maxLag >= 100,
        "cluster.replication.max_lag",
        "must be at least 100ms",
      );
      check(
        /^[A-Za-z0-9._-]+$/.test(cluster.name) &&
          /^[A-Za-z0-9._-]+$/.test(cluster.node.current.name),
        "cluster.name",
        "the cluster and node names may use letters, digits, '.', '_' and '-' (they are etcd keys)",
      );
    }
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

/** The URLs of `cluster.etcd.endpoints` (comma-separated). */
export function etcdEndpoints(value: string): string[] {
  return value.split(",").map((url) => url.trim()).filter((url) => url !== "");
}
