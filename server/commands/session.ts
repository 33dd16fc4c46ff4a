/**
 * A connection's identity: client id, transport, address and the logged-in user.
 * @module
 */

/** Per-connection state shared by every transport. */
export class Session {
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
  /**
   * True when the connection reuses its request buffer for the next request, so a handler must not
   * keep the payload (the log's cache copies it).
   */
  reusesRequestBuffer = false;
  /**
   * Memory for the answer of the current request (valid until the answer is written), for
   * transports that write each answer before reading the next request; new buffers otherwise.
   */
  allocateAnswer: ((size: number) => Uint8Array) | undefined;

  constructor(clientId: number, transport: number, address: string) {
    this.clientId = clientId;
    this.transport = transport;
    this.address = address;
  }
}
