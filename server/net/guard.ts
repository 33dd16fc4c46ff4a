/**
 * One place for the connection policy of the binary transports: limits, idle sweeping, the
 * handshake deadline, and counted logging of what clients (or the environment) can repeat.
 * @module
 */

import type { Logger } from "../logger.ts";
import { CountedLog } from "./counted_log.ts";
import { IdleSweeper, sweepInterval } from "./idle.ts";
import {
  type Admission,
  ConnectionLimiter,
  fitToFileLimit,
  openFileLimit,
} from "./limits.ts";

/** The `[connections]` settings, in milliseconds for times. */
export interface ConnectionPolicy {
  /** Connections open at once over TCP, QUIC and WebSocket together; 0 = no limit. */
  maxConnections: number;
  /** Connections open at once from one IP address; 0 = no limit. */
  maxConnectionsPerIp: number;
  /** A connection that completes no request for this long is closed; 0 = never. */
  idleTimeout: number;
  /** A TLS or QUIC handshake that takes longer is given up; 0 = no deadline. */
  handshakeTimeout: number;
}

/** No limits and no timeouts: what a listener uses when it is given no guard. */
export const NO_CONNECTION_LIMITS: ConnectionPolicy = {
  maxConnections: 0,
  maxConnectionsPerIp: 0,
  idleTimeout: 0,
  handshakeTimeout: 0,
};

/**
 * Applies a {@linkcode ConnectionPolicy} for every listener of a server: one connection count, one
 * idle sweep. Each listener takes its view with {@linkcode ConnectionGuard.forListener}, which logs
 * to the listener's module logger. {@linkcode ConnectionGuard.start} runs one timer that sweeps idle
 * connections and writes pending log counts; without it the guard is passive (limits and counted
 * logging still work).
 *
 * @example Usage
 * ```ts
 * import { createLogger } from "../logger.ts";
 * import { ConnectionGuard } from "./guard.ts";
 * const guard = new ConnectionGuard({
 *   maxConnections: 100,
 *   maxConnectionsPerIp: 10,
 *   idleTimeout: 60_000,
 *   handshakeTimeout: 10_000,
 * });
 * const tcp = guard.forListener(createLogger("off"));
 * const admission = tcp.admit("10.0.0.1:5000", "10.0.0.1");
 * if ("slot" in admission) admission.slot.release();
 * guard.close();
 * ```
 */
export class ConnectionGuard {
  /** The open-connection counts. */
  readonly limiter: ConnectionLimiter;
  /** Milliseconds a TLS or QUIC handshake may take (0 = no deadline). */
  readonly handshakeTimeout: number;
  readonly #idle: IdleSweeper;
  readonly #logs = new Set<CountedLog>();
  #timer: ReturnType<typeof setInterval> | undefined;

  /** @param policy Limits and timeouts. */
  constructor(policy: ConnectionPolicy) {
    this.limiter = new ConnectionLimiter(policy);
    this.handshakeTimeout = policy.handshakeTimeout;
    this.#idle = new IdleSweeper(policy.idleTimeout);
  }

  /**
   * The guard as one listener uses it, logging (counted) to `logger`.
   *
   * @param logger The listener's logger (its module's).
   * @returns The listener's view.
   */
  forListener(logger: Logger): ListenerGuard {
    const log = new CountedLog(logger);
    this.#logs.add(log);
    return new ListenerGuard(this, log, this.#idle);
  }

  /**
   * Starts the timer that closes idle connections and writes log counts.
   *
   * @returns This guard.
   */
  start(): this {
    if (this.#timer !== undefined) return this;
    const timeout = this.#idle.timeoutMs;
    this.#timer = setInterval(
      () => this.tick(),
      timeout > 0 ? sweepInterval(timeout) : 1000,
    );
    // Housekeeping alone must not keep the process alive.
    Deno.unrefTimer(this.#timer);
    return this;
  }

  /**
   * What the timer does: closes idle connections and writes the log counts whose window ended.
   *
   * @param now The current time, ms since the epoch. @default Date.now()
   */
  tick(now: number = Date.now()): void {
    this.#idle.sweep(now);
    for (const log of this.#logs) log.flush(now);
  }

  /** Stops the timer and writes the counts still pending. */
  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    for (const log of this.#logs) log.flush(Infinity);
  }
}

/** One listener's view of a {@linkcode ConnectionGuard}: shared limits, its own counted log. */
export class ListenerGuard {
  /** Counted logging for client mistakes and repeated failures, to the listener's logger. */
  readonly log: CountedLog;
  readonly #guard: ConnectionGuard;
  readonly #idle: IdleSweeper;

  /**
   * @param guard The server's guard.
   * @param log The listener's counted log.
   * @param idle The guard's idle sweeper.
   */
  constructor(guard: ConnectionGuard, log: CountedLog, idle: IdleSweeper) {
    this.#guard = guard;
    this.log = log;
    this.#idle = idle;
  }

  /** The server's open-connection counts. */
  get limiter(): ConnectionLimiter {
    return this.#guard.limiter;
  }

  /** Milliseconds a TLS or QUIC handshake may take (0 = no deadline). */
  get handshakeTimeout(): number {
    return this.#guard.handshakeTimeout;
  }

  /**
   * Takes a place for a new connection, logging a refusal (counted).
   *
   * @param address The client's `ip:port`.
   * @param ip The client's IP address.
   * @returns A slot to release when the connection ends, or the refusal reason.
   */
  admit(address: string, ip: string): Admission {
    const admission = this.#guard.limiter.admit(ip);
    if ("refused" in admission) {
      this.log.warn("Connection refused", {
        client: address,
        reason: admission.refused,
      });
    }
    return admission;
  }

  /**
   * Closes the connection once it completes no request for the idle timeout (logged, counted).
   *
   * @param address The client's `ip:port`, for the log.
   * @param lastActive When it last completed a request, ms since the epoch.
   * @param close Closes it.
   * @returns Stops watching (call it when the connection ends).
   */
  watchIdle(
    address: string,
    lastActive: () => number,
    close: () => void,
  ): () => void {
    return this.#idle.watch({
      lastActive,
      close: () => {
        this.log.info("Closing idle connection", {
          client: address,
          idleMs: Date.now() - lastActive(),
        });
        close();
      },
    });
  }
}

/**
 * The IP address of a peer, the key of the per-address limit.
 *
 * @param addr The remote address of a connection.
 * @returns Its hostname (an IP address for TCP and UDP), else the transport name.
 */
export function ipOf(addr: Deno.Addr): string {
  return "hostname" in addr ? addr.hostname : addr.transport;
}

/**
 * Creates the server's guard and starts its timer. A total limit above what the open-file limit
 * allows is lowered (see {@linkcode fitToFileLimit}), with a warning.
 *
 * @param policy The `[connections]` settings.
 * @param logger The server's logger.
 * @returns The running guard; {@linkcode ConnectionGuard.close} it on shutdown.
 */
export function startConnectionGuard(
  policy: ConnectionPolicy,
  logger: Logger,
): ConnectionGuard {
  const fileLimit = openFileLimit();
  const maxConnections = fitToFileLimit(policy.maxConnections, fileLimit);
  if (maxConnections < policy.maxConnections) {
    logger.warn("Connection limit lowered to fit the open-file limit", {
      configured: policy.maxConnections,
      openFileLimit: fileLimit,
      maxConnections,
    });
  }
  return new ConnectionGuard({ ...policy, maxConnections }).start();
}
