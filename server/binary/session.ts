/**
 * A binary (or HTTP) connection's identity: client id, transport, address and the logged-in user.
 * @module
 */

import type { ClientHandle } from "../domain/client.ts";

/** Per-connection state shared by every transport; the domain sees it as a {@linkcode ClientHandle}. */
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

  constructor(clientId: number, transport: number, address: string) {
    this.clientId = clientId;
    this.transport = transport;
    this.address = address;
  }
}
