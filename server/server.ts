/**
 * Starts a configured server: opens the data directory, starts the enabled transports and the background
 * tasks, and stops it all cleanly.
 * @module
 */

import { resolve } from "node:path";
import type { ServerConfig } from "./config.ts";
import { parseAddress } from "./config.ts";
import type { Logger } from "./logger.ts";
import { type ClusterOptions, System } from "./domain/system.ts";
import { TcpServer } from "./tcp/tcp_server.ts";
import { type HttpServer, startHttpServer } from "./http/http_server.ts";
import { QuicServer } from "./quic/quic_server.ts";
import { WebSocketServer } from "./websocket/ws_server.ts";
import { type CertificatePair, loadCertificate } from "./tls.ts";
import { deleteExpiredTokens } from "./commands/tokens.ts";
import { U64_MAX } from "./config_values.ts";
import { dataOptions, startRetentionCleaner } from "./data_management.ts";
import { metricsOf } from "./metrics.ts";
import { startSysinfo } from "./sysinfo.ts";

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

/** Starts the server described by `config`. */
export async function startServer(
  config: ServerConfig,
  options: StartOptions,
): Promise<RunningServer> {
  const { logger } = options;
  const dataDir = resolve(config.system.path);
  if (options.fresh) {
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
  await Deno.remove(`${dataDir}/runtime`, { recursive: true }).catch(() => {});
  await Deno.mkdir(`${dataDir}/runtime`, { recursive: true });

  const system = await System.open({
    dataDir,
    segmentSize: config.system.segment.size,
    enforceFsync: config.system.partition.enforceFsync,
    validateChecksum: config.system.partition.validateChecksum,
    stateFsync: config.system.state.enforceFsync,
    topicDefaults: {
      messageExpiry: config.system.topic.messageExpiry === 0n
        ? U64_MAX
        : config.system.topic.messageExpiry,
      maxTopicSize: config.system.topic.maxSize === 0n
        ? U64_MAX
        : config.system.topic.maxSize,
    },
    maxTokensPerUser: config.personalAccessToken.maxTokensPerUser,
    root: options.root,
    logger,
    ...dataOptions(config),
    cluster: clusterOptions(config, options.follower ?? false),
  });

  // Certificates first, so a missing file stops the start before anything is bound.
  let tcpTls: CertificatePair | undefined;
  let quicTls: CertificatePair | undefined;
  let websocketTls: CertificatePair | undefined;
  try {
    if (config.tcp.enabled && config.tcp.tls.enabled) {
      tcpTls = await loadCertificate(config.tcp.tls, {
        logger,
        listener: "tcp",
      });
    }
    if (config.quic.enabled) {
      quicTls = await loadCertificate(config.quic.certificate, {
        logger,
        listener: "quic",
        alwaysGenerate: true,
      });
    }
    if (config.websocket.enabled && config.websocket.tls.enabled) {
      websocketTls = await loadCertificate(config.websocket.tls, {
        logger,
        listener: "websocket",
      });
    }
  } catch (err) {
    await system.close();
    throw err;
  }

  let tcp: TcpServer | undefined;
  if (config.tcp.enabled) {
    const address = parseAddress(config.tcp.address);
    tcp = TcpServer.listen(system, {
      hostname: address.hostname,
      port: address.port,
      tls: tcpTls,
    });
    system.listeners.tcp = { hostname: tcp.addr.hostname, port: tcp.addr.port };
    logger.info(
      tcpTls ? "TCP server listening (TLS)" : "TCP server listening",
      {
        address: formatBound(system.listeners.tcp),
      },
    );
  }

  let quic: QuicServer | undefined;
  if (config.quic.enabled && quicTls) {
    const address = parseAddress(config.quic.address);
    quic = QuicServer.listen(system, {
      hostname: address.hostname,
      port: address.port,
      ...quicTls,
      keepAliveInterval: config.quic.keepAliveInterval,
      maxIdleTimeout: config.quic.maxIdleTimeout,
      maxConcurrentBidiStreams: config.quic.maxConcurrentBidiStreams,
    });
    system.listeners.quic = {
      hostname: quic.addr.hostname,
      port: quic.addr.port,
    };
    logger.info("QUIC server listening", {
      address: formatBound(system.listeners.quic),
    });
  }

  let websocket: WebSocketServer | undefined;
  if (config.websocket.enabled) {
    const address = parseAddress(config.websocket.address);
    websocket = WebSocketServer.listen(system, {
      hostname: address.hostname,
      port: address.port,
      tls: websocketTls,
      maxMessageSize: config.websocket.maxMessageSize,
    });
    system.listeners.websocket = {
      hostname: websocket.addr.hostname,
      port: websocket.addr.port,
    };
    logger.info(
      websocketTls
        ? "WebSocket server listening (TLS)"
        : "WebSocket server listening",
      { address: formatBound(system.listeners.websocket) },
    );
  }

  let http: HttpServer | undefined;
  if (config.http.enabled) {
    http = await startHttpServer(system, config);
    system.listeners.http = http.addr;
    logger.info(
      config.http.tls.enabled
        ? "HTTP API listening (TLS)"
        : "HTTP API listening",
      { address: formatBound(http.addr) },
    );
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
      sysinfo.stop();
      metrics.eventLoop.stop();
      await http?.close();
      await cleaner?.stop();
      await Promise.all([tcp?.close(), quic?.close(), websocket?.close()]);
      await system.close();
      logger.info("Server stopped");
    },
  };
}
