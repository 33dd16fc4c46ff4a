/**
 * The TCP (and TLS) listener of the binary protocol.
 * @module
 */

import { ErrorCode } from "../../client/protocol/mod.ts";
import type { System } from "../domain/system.ts";
import { Session } from "../commands/session.ts";
import { xxh32 } from "../storage/stamp.ts";
import {
  type ConnectionControl,
  serveConnection,
  writeError,
} from "./connection.ts";

/** Transport code of TCP and TLS clients. */
export const TCP_TRANSPORT = 1;

/** Formats a socket address as Rust prints it: `ip:port`, IPv6 in brackets. */
export function formatAddress(addr: Deno.Addr): string {
  if (addr.transport !== "tcp" && addr.transport !== "udp") {
    return String(addr.transport);
  }
  return addr.hostname.includes(":")
    ? `[${addr.hostname}]:${addr.port}`
    : `${addr.hostname}:${addr.port}`;
}

/** Client id of a connection: XXH32 of its address (binary.md §1.6). */
export function clientIdOf(address: string): number {
  return xxh32(new TextEncoder().encode(address));
}

/** Options of {@linkcode TcpServer.listen}. */
export interface TcpServerOptions {
  hostname: string;
  port: number;
  /** PEM certificate and key: TLS only on this port when set. */
  tls?: { cert: string; key: string };
}

/** Accepts binary-protocol connections and serves each one with its own session. */
export class TcpServer {
  readonly #system: System;
  readonly #listener: Deno.Listener;
  readonly #connections = new Map<Deno.Conn, ConnectionControl>();
  readonly #served = new Set<Promise<void>>();
  #accepting: Promise<void>;

  private constructor(system: System, listener: Deno.Listener) {
    this.#system = system;
    this.#listener = listener;
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
    return new TcpServer(system, listener);
  }

  /** The bound address. */
  get addr(): Deno.NetAddr {
    return this.#listener.addr as Deno.NetAddr;
  }

  async #acceptLoop(): Promise<void> {
    while (true) {
      let conn: Deno.Conn;
      try {
        conn = await this.#listener.accept();
      } catch (err) {
        if (
          err instanceof Deno.errors.BadResource ||
          err instanceof Deno.errors.Interrupted
        ) return;
        this.#system.logger.module("tcp").warn("Accept failed", {
          error: String(err),
        });
        continue;
      }
      try {
        if ("setNoDelay" in conn) (conn as Deno.TcpConn).setNoDelay(true);
      } catch {
        // TLS connections may not expose it before the handshake.
      }
      const address = formatAddress(conn.remoteAddr);
      const session = new Session(clientIdOf(address), TCP_TRANSPORT, address);
      session.onClose = () => conn.close();
      const control: ConnectionControl = { busy: false, stopping: false };
      this.#connections.set(conn, control);
      this.#system.logger.module("tcp").debug("Client connected", {
        address,
        clientId: session.clientId,
      });
      const served = serveConnection(this.#system, session, conn, control)
        .finally(() => {
          this.#connections.delete(conn);
          this.#served.delete(served);
          this.#system.logger.module("tcp").debug("Client disconnected", {
            address,
          });
        });
      this.#served.add(served);
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
    await this.#accepting;
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
  }
}
