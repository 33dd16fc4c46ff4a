/**
 * The transports' listeners, started all or nothing: certificates are loaded first, then every listener
 * is bound in one synchronous step (so none serves a request before all are bound: handlers only run
 * once the event loop turns), and a failure closes those already bound before it is reported.
 * @module
 */

import type { ServerConfig } from "./config.ts";
import { parseAddress } from "./config.ts";
import type { Logger } from "./logger.ts";
import type { System } from "./domain/system.ts";
import { TcpServer } from "./tcp/tcp_server.ts";
import { type HttpServer, startHttpServer } from "./http/http_server.ts";
import { QuicServer } from "./quic/quic_server.ts";
import { WebSocketServer } from "./websocket/ws_server.ts";
import { type CertificatePair, loadCertificate } from "./tls.ts";
import { bindError, envNameOf } from "./startup_error.ts";
import type { ConnectionGuard } from "./net/guard.ts";
import type { ConnectionMemory } from "./binary/handle_frame.ts";

/** The certificates of the TLS listeners that are on. */
export interface ListenerCertificates {
  tcp?: CertificatePair;
  quic?: CertificatePair;
  http?: CertificatePair;
  websocket?: CertificatePair;
}

/** The bound listeners. */
export interface Listeners {
  tcp?: TcpServer;
  quic?: QuicServer;
  http?: HttpServer;
  websocket?: WebSocketServer;
}

/**
 * The memory the binary transports serve requests in (storage's, chosen by `server.ts`): one per
 * connection for transports that serve one request at a time (TCP, TLS), and one shared by the
 * others (concurrent QUIC streams, WebSocket), which must lend nothing.
 */
export interface ListenerMemory {
  /** Makes the memory of one TCP or TLS connection. */
  perConnection: () => ConnectionMemory;
  /** The memory of every QUIC stream and WebSocket message. */
  shared: ConnectionMemory;
}

/** True when this Deno exposes its QUIC API (`--unstable-net`, or `"unstable": ["net"]` in deno.json). */
export function quicAvailable(): boolean {
  return typeof Deno.QuicEndpoint === "function";
}

/**
 * Whether QUIC is to be started: on in the config and available here. When the runtime lacks QUIC (such
 * as the bundled server run without `--unstable-net`), says so once and carries on without it.
 */
export function quicWanted(config: ServerConfig, logger: Logger): boolean {
  if (!config.quic.enabled) return false;
  if (quicAvailable()) return true;
  logger.warn(
    `QUIC is off: this Deno has no QUIC API without --unstable-net (run with it to serve QUIC, or set quic.enabled = false / ${
      envNameOf("quic.enabled")
    }=false to silence this)`,
  );
  return false;
}

/**
 * Loads (or generates) the certificate of every TLS listener that is on, before anything is bound.
 *
 * @throws {StartupError} When a certificate or key file is missing, unreadable or not PEM.
 */
export async function loadListenerCertificates(
  config: ServerConfig,
  options: { logger: Logger; quic: boolean },
): Promise<ListenerCertificates> {
  const { logger } = options;
  const certificates: ListenerCertificates = {};
  if (config.tcp.enabled && config.tcp.tls.enabled) {
    certificates.tcp = await loadCertificate(config.tcp.tls, {
      logger,
      listener: "tcp",
    });
  }
  if (options.quic) {
    certificates.quic = await loadCertificate(config.quic.certificate, {
      logger,
      listener: "quic",
      section: "quic.certificate",
      alwaysGenerate: true,
    });
  }
  if (config.http.enabled && config.http.tls.enabled) {
    certificates.http = await loadCertificate(
      { ...config.http.tls, selfSigned: false },
      { logger, listener: "http" },
    );
  }
  if (config.websocket.enabled && config.websocket.tls.enabled) {
    certificates.websocket = await loadCertificate(config.websocket.tls, {
      logger,
      listener: "websocket",
    });
  }
  return certificates;
}

/**
 * Binds every enabled listener, synchronously. On a failure the ones already bound are closed and a
 * {@linkcode StartupError} names the listener, its address and the key to change. The binary
 * transports share `guard` (connection limits, timeouts, counted logging; none when absent) and
 * serve requests in `memory`.
 */
export async function bindListeners(
  system: System,
  config: ServerConfig,
  certificates: ListenerCertificates,
  memory: ListenerMemory,
  guard?: ConnectionGuard,
): Promise<Listeners> {
  const listeners: Listeners = {};
  let failure: unknown;
  try {
    // No await in this block: nothing may serve before every listener is bound.
    if (config.tcp.enabled) {
      listeners.tcp = bind(
        "tcp",
        config.tcp.address,
        certificates.tcp,
        (a) =>
          TcpServer.listen(system, {
            ...a,
            tls: certificates.tcp,
            guard,
            limits: config.requestLimits,
            memory: memory.perConnection,
          }),
      );
    }
    if (certificates.quic) {
      const quic = config.quic;
      listeners.quic = bind(
        "quic",
        quic.address,
        certificates.quic,
        (a) =>
          QuicServer.listen(system, {
            ...a,
            ...certificates.quic!,
            keepAliveInterval: quic.keepAliveInterval,
            maxIdleTimeout: quic.maxIdleTimeout,
            maxConcurrentBidiStreams: quic.maxConcurrentBidiStreams,
            guard,
            limits: config.requestLimits,
            memory: memory.shared,
          }),
      );
    }
    if (config.websocket.enabled) {
      listeners.websocket = bind(
        "websocket",
        config.websocket.address,
        certificates.websocket,
        (a) =>
          WebSocketServer.listen(system, {
            ...a,
            tls: certificates.websocket,
            maxMessageSize: config.websocket.maxMessageSize,
            guard,
            limits: config.requestLimits,
            memory: memory.shared,
          }),
      );
    }
    if (config.http.enabled) {
      listeners.http = bind(
        "http",
        config.http.address,
        certificates.http,
        () =>
          startHttpServer(system, config, certificates.http, {
            log: guard?.forListener(system.logger.module("http")).log,
          }),
      );
    }
  } catch (err) {
    failure = err;
  }
  if (failure === undefined) return listeners;
  await closeListeners(listeners);
  throw failure;
}

/** Closes the given listeners (each stops accepting and finishes its in-flight work). */
export async function closeListeners(listeners: Listeners): Promise<void> {
  await listeners.http?.close();
  await Promise.all([
    listeners.tcp?.close(),
    listeners.quic?.close(),
    listeners.websocket?.close(),
  ]);
}

const CERTIFICATE_SECTIONS = {
  tcp: "tcp.tls",
  quic: "quic.certificate",
  http: "http.tls",
  websocket: "websocket.tls",
} as const;

function bind<T>(
  transport: keyof typeof CERTIFICATE_SECTIONS,
  address: string,
  tls: CertificatePair | undefined,
  listen: (address: { hostname: string; port: number }) => T,
): T {
  try {
    return listen(parseAddress(address));
  } catch (cause) {
    throw bindError(transport, {
      address,
      cause,
      certificateSection: tls ? CERTIFICATE_SECTIONS[transport] : undefined,
    });
  }
}
