/**
 * What the domain knows of a connected client: who it is and how to let it go. Transports keep
 * their own session objects; they satisfy this handle.
 * @module
 */

/** A connected client as the domain and the command handlers see it. */
export interface ClientHandle {
  /** XXH32 of the remote address (binary.md §1.6). */
  readonly clientId: number;
  /** 1 TCP, 2 QUIC, 3 HTTP, 4 WebSocket. */
  readonly transport: number;
  /** Remote `ip:port`. */
  readonly address: string;
  /** The logged-in user, if any. */
  userId: number | undefined;
  /** The incarnation of the logged-in user: the handle is worth nothing for another user at its id. */
  userIncarnation: string | undefined;
  /** Last ping or request, ms since the epoch. */
  lastHeartbeat: number;
  /** Set once the server dropped this client (stale or its user deleted). */
  stale: boolean;
  /** Called by the server to close the connection (e.g. heartbeat expiry). */
  onClose: (() => void) | undefined;
  /**
   * True for a command another node of the cluster forwarded: it names its partition (chosen
   * on that node, where the client's group membership lives) and is never forwarded again.
   */
  readonly forwarded?: boolean;
}
