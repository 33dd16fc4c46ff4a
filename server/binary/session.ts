/**
 * A connection's identity on the binary protocol (and of an HTTP request): client id, transport,
 * address and the logged-in user.
 * @module
 */

import type { ClientHandle } from "../domain/client.ts";
import { xxh32 } from "../storage/stamp.ts";

/** Per-connection state; the domain and the handlers see it as a {@linkcode ClientHandle}. */
export class Session implements ClientHandle {
  /** XXH32 of the remote address (binary.md §1.6). */
  readonly clientId: number;
  /** 1 TCP, 2 QUIC, 3 HTTP, 4 WebSocket. */
  readonly transport: number;
  /** Remote `ip:port`. */
  readonly address: string;
  /** The logged-in user, if any. */
  userId: number | undefined;
  /** The incarnation of the logged-in user: the session is worth nothing for another user at its id. */
  userIncarnation: string | undefined;
  /** Last ping or request, ms since the epoch. */
  lastHeartbeat: number = Date.now();
  /** Set once the server dropped this client (stale or its user deleted). */
  stale = false;
  /** Called by the server to close the connection (e.g. heartbeat expiry). */
  onClose: (() => void) | undefined;
  /** True for a command another cluster node forwarded (see {@linkcode ClientHandle.forwarded}). */
  forwarded = false;

  /**
   * @param clientId XXH32 of the address ({@linkcode clientIdOf}); 0 for HTTP.
   * @param transport The transport code.
   * @param address Remote `ip:port`.
   */
  constructor(clientId: number, transport: number, address: string) {
    this.clientId = clientId;
    this.transport = transport;
    this.address = address;
  }
}

/**
 * Formats a socket address as Rust prints it: `ip:port`, IPv6 in brackets.
 *
 * @param addr A TCP or UDP address (others print as their transport name).
 * @returns The address text.
 */
export function formatAddress(addr: Deno.Addr): string {
  if (addr.transport !== "tcp" && addr.transport !== "udp") {
    return String(addr.transport);
  }
  return addr.hostname.includes(":")
    ? `[${addr.hostname}]:${addr.port}`
    : `${addr.hostname}:${addr.port}`;
}

/**
 * Client id of a connection: XXH32 of its address (binary.md §1.6).
 *
 * @param address The address as {@linkcode formatAddress} prints it.
 * @returns The client id.
 */
export function clientIdOf(address: string): number {
  return xxh32(new TextEncoder().encode(address));
}
