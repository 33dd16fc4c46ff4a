/**
 * The TCP (and TLS) listener of the binary protocol.
 * @module
 */

import { ErrorCode } from "../../client/protocol/mod.ts";
import type { RequestLimits } from "../binary/request_limits.ts";
import type { System } from "../domain/system.ts";
import { clientIdOf, formatAddress, Session } from "../binary/session.ts";
import {
  type ConnectionMemory,
  type ListenerContext,
  listenerContext,
} from "../binary/handle_frame.ts";
import {
  type ConnectionControl,
  serveConnection,
  writeError,
} from "./connection.ts";
import {
  ConnectionGuard,
  ipOf,
  type ListenerGuard,
  NO_CONNECTION_LIMITS,
} from "../net/guard.ts";
import type { ConnectionSlot } from "../net/limits.ts";
import { DeadlineExceeded, withDeadline } from "../net/idle.ts";
import { AcceptBackoff, pause } from "../net/backoff.ts";
import { Refusals } from "./refusal.ts";

/** After every this many accepted connections the accept loop gives other work a macrotask turn. */
const ACCEPT_SLICE = 32;

/** Transport code of TCP and TLS clients. */
export const TCP_TRANSPORT = 1;

/** Options of {@linkcode TcpServer.listen}. */
export interface TcpServerOptions {
  hostname: string;
  port: number;
  /** PEM certificate and key: TLS only on this port when set. */
  tls?: { cert: string; key: string };
  /** Connection limits, idle and handshake timeouts, counted logging. @default no limits */
  guard?: ConnectionGuard;
  /** Request payload caps (`[request_limits]`); the defaults when absent. */
  limits?: RequestLimits;
  /** Makes the memory of one connection (storage's, wired in by `server.ts`). */
  memory: () => ConnectionMemory;
}

/** Accepts binary-protocol connections and serves each one with its own session. */
export class TcpServer {
  readonly #system: System;
  readonly #listener: Deno.Listener;
  readonly #connections = new Map<Deno.Conn, ConnectionControl>();
  readonly #served = new Set<Promise<void>>();
  readonly #guard: ListenerGuard;
  readonly #refusals = new Refusals();
  /** TLS connections whose handshake is in progress (closed at once on shutdown). */
  readonly #handshaking = new Set<Deno.Conn>();
  readonly #stopped = Promise.withResolvers<void>();
  readonly #binary: ListenerContext;
  readonly #memory: () => ConnectionMemory;
  #accepting: Promise<void>;

  private constructor(
    system: System,
    listener: Deno.Listener,
    guard: ListenerGuard,
    options: TcpServerOptions,
  ) {
    this.#system = system;
    this.#listener = listener;
    this.#guard = guard;
    this.#binary = listenerContext(system, {
      module: "tcp",
      log: guard.log,
      limits: options.limits,
    });
    this.#memory = options.memory;
    this.#accepting = this.#acceptLoop();
  }

  /** Binds and starts accepting. */
  static listen(system: System, options: TcpServerOptions): TcpServer {
    const listener = options.tls
      ? Deno.listenTls({
        hostname: options.hostname,
        port: options.port,
        cert: options.tls.cert,
        key: options.tls.key,
      })
      : Deno.listen({ hostname: options.hostname, port: options.port });
    const guard = (options.guard ?? new ConnectionGuard(NO_CONNECTION_LIMITS))
      .forListener(system.logger.module("tcp"));
    return new TcpServer(system, listener, guard, options);
  }

  /** The bound address. */
  get addr(): Deno.NetAddr {
    return this.#listener.addr as Deno.NetAddr;
  }

  async #acceptLoop(): Promise<void> {
    const backoff = new AcceptBackoff();
    let burst = 0;
    while (true) {
      // A burst of connections (a fleet reconnecting) is taken in slices, with a macrotask turn
      // between them, so that clients already connected are answered meanwhile.
      if (++burst % ACCEPT_SLICE === 0) {
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
      let conn: Deno.Conn;
      try {
        conn = await this.#listener.accept();
      } catch (err) {
        if (
          err instanceof Deno.errors.BadResource ||
          err instanceof Deno.errors.Interrupted
        ) return;
        // Typically "too many open files": the connection stays queued and an immediate retry
        // fails the same way, so wait (doubling, capped) instead of spinning.
        const wait = backoff.next();
        this.#guard.log.warn("Accept failed", {
          error: String(err),
          retryMs: wait,
        });
        if (await pause(wait, this.#stopped.promise)) return;
        continue;
      }
      backoff.reset();
      const address = formatAddress(conn.remoteAddr);
      const admission = this.#guard.admit(address, ipOf(conn.remoteAddr));
      if ("refused" in admission) {
        this.#refusals.refuse(conn);
        continue;
      }
      try {
        if ("setNoDelay" in conn) (conn as Deno.TcpConn).setNoDelay(true);
      } catch {
        // TLS connections may not expose it before the handshake.
      }
      const served = this.#serve(conn, address, admission.slot).finally(() =>
        this.#served.delete(served)
      );
      this.#served.add(served);
    }
  }

  /**
   * Runs the TLS handshake of `conn`; false (and `conn` closed) when it fails or overruns the
   * deadline. Deno cannot abort a server-side handshake: closing `conn` early would leave its
   * socket open in the runtime, uncounted, until the client completes or gives up. So a late
   * handshake is logged at the deadline but keeps its place among the connections (bounding how
   * many a client can leave hanging) until it ends; then it is closed.
   */
  async #handshake(conn: Deno.TlsConn, address: string): Promise<boolean> {
    this.#handshaking.add(conn);
    const handshake = conn.handshake();
    try {
      await withDeadline(handshake, this.#guard.handshakeTimeout);
      return true;
    } catch (err) {
      if (err instanceof DeadlineExceeded) {
        this.#guard.log.info("TLS handshake timed out", {
          client: address,
          timeoutMs: this.#guard.handshakeTimeout,
        });
        await handshake.catch(() => {});
      } else {
        this.#guard.log.info("TLS handshake failed", {
          client: address,
          error: String(err),
        });
      }
      try {
        conn.close();
      } catch {
        // already closed
      }
      return false;
    } finally {
      this.#handshaking.delete(conn);
    }
  }

  /** Completes the TLS handshake if any, then serves requests until the connection ends. */
  async #serve(
    conn: Deno.Conn,
    address: string,
    slot: ConnectionSlot,
  ): Promise<void> {
    try {
      if (
        "handshake" in conn &&
        !await this.#handshake(conn as Deno.TlsConn, address)
      ) return;
      const session = new Session(clientIdOf(address), TCP_TRANSPORT, address);
      session.onClose = () => conn.close();
      const control: ConnectionControl = { busy: false, stopping: false };
      this.#connections.set(conn, control);
      this.#system.logger.module("tcp").debug("Client connected", {
        address,
        clientId: session.clientId,
      });
      const unwatch = this.#guard.watchIdle(
        address,
        () => session.lastHeartbeat,
        () => conn.close(),
      );
      try {
        await serveConnection(
          { ...this.#binary, session, memory: this.#memory() },
          conn,
          control,
        );
      } finally {
        unwatch();
        this.#connections.delete(conn);
        this.#system.logger.module("tcp").debug("Client disconnected", {
          address,
        });
      }
    } finally {
      slot.release();
    }
  }

  /**
   * Stops accepting; idle clients are told they are disconnected (status 8) and closed at once, busy ones
   * right after their in-flight request is answered.
   */
  async close(): Promise<void> {
    try {
      this.#listener.close();
    } catch {
      // already closed
    }
    this.#stopped.resolve();
    await this.#accepting;
    for (const conn of this.#handshaking) {
      try {
        conn.close();
      } catch {
        // already closed
      }
    }
    for (const [conn, control] of this.#connections) {
      control.stopping = true;
      if (control.busy) continue;
      await writeError(conn, ErrorCode.Disconnected).catch(() => {});
      try {
        conn.close();
      } catch {
        // already closed
      }
    }
    await Promise.allSettled([...this.#served]);
    await this.#refusals.settled();
  }
}
