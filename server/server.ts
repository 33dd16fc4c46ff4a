/**
 * Starts a configured server: opens the data directory, starts the enabled transports and the background
 * tasks, and stops it all cleanly.
 * @module
 */

import { resolve } from "node:path";
import { IggyError } from "../client/protocol/errors.ts";
import type { ServerConfig } from "./config.ts";
import { displayConfig, parseAddress } from "./config.ts";
import type { Logger } from "./logger.ts";
import {
  type ClusterOptions,
  System,
  type SystemOptions,
} from "./domain/system.ts";
import type { TcpServer } from "./tcp/tcp_server.ts";
import type { HttpServer } from "./http/http_server.ts";
import type { QuicServer } from "./quic/quic_server.ts";
import type { WebSocketServer } from "./websocket/ws_server.ts";
import {
  bindListeners,
  type Listeners,
  loadListenerCertificates,
  quicWanted,
} from "./listeners.ts";
import { keyHint, reasonOf, StartupError } from "./startup_error.ts";
import { startConnectionGuard } from "./net/guard.ts";
import { deleteExpiredTokens } from "./commands/tokens.ts";
import { U64_MAX } from "./config_values.ts";
import { dataOptions, startRetentionCleaner } from "./data_management.ts";
import {
  etcdClusterWanted,
  joinCluster,
  type JoinedCluster,
  joiningHooks,
} from "./cluster/join.ts";
import { metricsOf } from "./metrics.ts";
import { startSysinfo } from "./sysinfo.ts";
import { FRESH_MEMORY, MessageMemory } from "./storage/message_memory.ts";

/** Options of {@linkcode startServer} that do not come from the config file. */
export interface StartOptions {
  logger: Logger;
  /** Root credentials for a fresh data directory. */
  root: { username: string; password: string };
  /** Delete the data directory first. */
  fresh?: boolean;
  /** `--follower`: report this node as a follower in the cluster metadata (cluster enabled only). */
  follower?: boolean;
}

/** The `[cluster]` section and the configured transport ports, as GetClusterMetadata needs them. */
function clusterOptions(
  config: ServerConfig,
  follower: boolean,
): ClusterOptions {
  const tcp = parseAddress(config.tcp.address);
  return {
    enabled: config.cluster.enabled,
    name: config.cluster.name,
    current: config.cluster.node.current,
    others: config.cluster.node.others,
    tcpHost: tcp.hostname,
    ports: {
      tcp: tcp.port,
      quic: parseAddress(config.quic.address).port,
      http: parseAddress(config.http.address).port,
      websocket: parseAddress(config.websocket.address).port,
    },
    follower,
  };
}

/** `[login]` as the system takes it. */
function loginOptions(config: ServerConfig): SystemOptions["login"] {
  const { login } = config;
  return {
    passwords: {
      workers: login.workers,
      queueSize: login.queueSize,
      verifiedTtlMs: login.verifiedCache,
    },
    throttle: {
      freeFailures: login.throttle.freeFailures,
      addressFreeFailures: login.throttle.addressFreeFailures,
      baseDelayMs: login.throttle.baseDelay,
      maxDelayMs: login.throttle.maxDelay,
      maxWaitMs: login.throttle.maxWait,
      maxInFlightPerAddress: login.throttle.maxInFlightPerAddress,
      forgetAfterMs: login.throttle.forgetAfter,
    },
  };
}

/** A running server. */
export interface RunningServer {
  system: System;
  tcp?: TcpServer;
  http?: HttpServer;
  quic?: QuicServer;
  websocket?: WebSocketServer;
  /** Stops accepting, finishes in-flight requests, flushes and closes everything. */
  close(): Promise<void>;
}

function formatBound(addr: { hostname: string; port: number }): string {
  return addr.hostname.includes(":")
    ? `[${addr.hostname}]:${addr.port}`
    : `${addr.hostname}:${addr.port}`;
}

/** Writes `runtime/current_config.toml` with the bound addresses, as Iggy does. */
async function writeRuntimeConfig(
  dataDir: string,
  system: System,
): Promise<void> {
  const lines: string[] = [];
  for (const [name, addr] of Object.entries(system.listeners)) {
    if (addr) lines.push(`[${name}]`, `address = "${formatBound(addr)}"`, "");
  }
  const path = `${dataDir}/runtime/current_config.toml`;
  await Deno.writeTextFile(`${path}.tmp`, lines.join("\n"));
  await Deno.rename(`${path}.tmp`, path);
}

function every(
  ms: number,
  task: () => Promise<unknown> | unknown,
  logger: Logger,
): ReturnType<typeof setInterval> {
  return setInterval(async () => {
    try {
      await task();
    } catch (err) {
      logger.error("Background task failed", { error: String(err) });
    }
  }, ms);
}

const OS_ERRORS: (new (...args: never[]) => Error)[] = Object.values(
  Deno.errors,
);

/**
 * Rethrows an operating-system error met while preparing or opening the data directory (permission
 * denied, not a directory, read-only file system...) as a {@linkcode StartupError} naming `system.path`,
 * and an Iggy error (a corrupt metadata file) with its own message; other errors pass unchanged.
 */
export function dataDirectoryError(
  dataDir: string,
): (err: unknown) => never {
  return (err) => {
    // A corrupt metadata file (its message names it) or a metadata write that failed at start.
    if (err instanceof IggyError) {
      throw new StartupError(`Cannot open the data directory: ${err.message}`, {
        key: "system.path",
        cause: err,
      });
    }
    if (!OS_ERRORS.some((type) => err instanceof type)) throw err;
    throw new StartupError(
      `Cannot use the data directory "${dataDir}": ${reasonOf(err)}; change ${
        keyHint("system.path")
      } or fix its permissions`,
      { key: "system.path", cause: err },
    );
  };
}

/**
 * Starts the server described by `config`.
 *
 * @throws {StartupError} When a listener cannot be bound, a certificate cannot be loaded or the data
 * directory cannot be used; nothing is left running then.
 */
export async function startServer(
  config: ServerConfig,
  options: StartOptions,
): Promise<RunningServer> {
  const { logger } = options;
  const dataDir = resolve(config.system.path);
  // Certificates first: a bad file stops the start before the data directory is touched.
  const certificates = await loadListenerCertificates(config, {
    logger,
    quic: quicWanted(config, logger),
  });
  if (options.fresh) {
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
  await Deno.remove(`${dataDir}/runtime`, { recursive: true }).catch(() => {});
  await Deno.mkdir(`${dataDir}/runtime`, { recursive: true })
    .catch(dataDirectoryError(dataDir));

  const system = await System.open({
    dataDir,
    segmentSize: config.system.segment.size,
    enforceFsync: config.system.partition.enforceFsync,
    validateChecksum: config.system.partition.validateChecksum,
    stateFsync: config.system.state.enforceFsync,
    snapshotEvery: config.system.state.snapshotEntries,
    topicDefaults: {
      messageExpiry: config.system.topic.messageExpiry === 0n
        ? U64_MAX
        : config.system.topic.messageExpiry,
      maxTopicSize: config.system.topic.maxSize === 0n
        ? U64_MAX
        : config.system.topic.maxSize,
    },
    maxTokensPerUser: config.personalAccessToken.maxTokensPerUser,
    login: loginOptions(config),
    root: options.root,
    logger,
    ...dataOptions(config),
    cluster: clusterOptions(config, options.follower ?? false),
    clusterMode: etcdClusterWanted(config),
    snapshot: {
      logDir: resolve(dataDir, config.system.logging.path),
      config: displayConfig(config),
    },
  }).catch(dataDirectoryError(dataDir));

  // One policy for every binary transport: limits count their connections together.
  const guard = startConnectionGuard(config.connections, logger);
  let listeners: Listeners;
  try {
    // A cluster node serves no change before it has joined (see joiningHooks()).
    if (etcdClusterWanted(config)) system.cluster = joiningHooks();
    // Storage's memory, handed to the binary transports: TCP and TLS connections serve one
    // request at a time in memory of their own; QUIC streams and WebSocket messages get new buffers.
    const memory = {
      perConnection: () => new MessageMemory(),
      shared: FRESH_MEMORY,
    };
    listeners = await bindListeners(
      system,
      config,
      certificates,
      memory,
      guard,
    );
  } catch (err) {
    guard.close();
    await system.close();
    throw err;
  }
  const { tcp, quic, websocket, http } = listeners;
  if (tcp) {
    system.listeners.tcp = { hostname: tcp.addr.hostname, port: tcp.addr.port };
    logger.info(
      config.tcp.tls.enabled
        ? "TCP server listening (TLS)"
        : "TCP server listening",
      { address: formatBound(system.listeners.tcp) },
    );
  }
  if (quic) {
    system.listeners.quic = {
      hostname: quic.addr.hostname,
      port: quic.addr.port,
    };
    logger.info("QUIC server listening", {
      address: formatBound(system.listeners.quic),
    });
  }
  if (websocket) {
    system.listeners.websocket = {
      hostname: websocket.addr.hostname,
      port: websocket.addr.port,
    };
    logger.info(
      config.websocket.tls.enabled
        ? "WebSocket server listening (TLS)"
        : "WebSocket server listening",
      { address: formatBound(system.listeners.websocket) },
    );
  }
  if (http) {
    system.listeners.http = http.addr;
    logger.info(
      config.http.tls.enabled
        ? "HTTP API listening (TLS)"
        : "HTTP API listening",
      { address: formatBound(http.addr) },
    );
  }

  let cluster: JoinedCluster | undefined;
  if (etcdClusterWanted(config)) {
    try {
      cluster = await joinCluster(system, config, {
        logger: logger.module("cluster"),
        root: options.root,
      });
    } catch (err) {
      await http?.close();
      await Promise.all([tcp?.close(), quic?.close(), websocket?.close()]);
      await system.close();
      throw err;
    }
  }

  const timers: ReturnType<typeof setInterval>[] = [];
  if (config.personalAccessToken.cleaner.enabled) {
    timers.push(
      every(
        config.personalAccessToken.cleaner.interval,
        () => deleteExpiredTokens({ system }),
        logger,
      ),
    );
  }
  if (config.heartbeat.enabled) {
    const limit = config.heartbeat.interval * 1.2;
    timers.push(every(config.heartbeat.interval, () => {
      const now = Date.now();
      for (const session of system.clients.values()) {
        if (now - session.lastHeartbeat > limit) {
          logger.info("Removing stale client", { address: session.address });
          session.stale = true;
          system.removeClient(session);
          session.onClose?.();
        }
      }
    }, logger));
  }
  if (config.messageSaver.enabled) {
    timers.push(every(config.messageSaver.interval, async () => {
      for (const stream of system.streams.values()) {
        for (const topic of stream.topics.values()) {
          for (const partition of topic.partitions) {
            await partition.log.flush(config.messageSaver.enforceFsync);
          }
        }
      }
    }, logger));
  }

  const cleaner = config.dataMaintenance.messages.cleanerEnabled
    ? startRetentionCleaner(system, {
      interval: config.dataMaintenance.messages.interval,
      logger: logger.module("retention"),
    })
    : undefined;
  const metrics = metricsOf(system);
  metrics.eventLoop.start();
  const sysinfo = startSysinfo(system, {
    interval: config.system.logging.sysinfoPrintInterval,
    logger,
  });

  await writeRuntimeConfig(dataDir, system);

  return {
    system,
    tcp,
    http,
    quic,
    websocket,
    async close() {
      for (const timer of timers) clearInterval(timer);
      await cluster?.stop();
      sysinfo.stop();
      metrics.eventLoop.stop();
      await http?.close();
      await cleaner?.stop();
      await Promise.all([tcp?.close(), quic?.close(), websocket?.close()]);
      guard.close();
      await system.close();
      logger.info("Server stopped");
    },
  };
}
