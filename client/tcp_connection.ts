/**
 * The byte stream interface the TCP transport runs over (its own module so that the Node socket
 * adapter and the transport both depend on it, not on each other).
 * @module
 */

/**
 * The byte stream a `TcpTransport` runs over. `Deno.Conn` (TCP or TLS) has this shape,
 * and so has the adapter of a Node socket the transport opens outside Deno.
 *
 * @example Usage
 * ```ts ignore
 * import { TcpTransport, type TcpConnection } from "@iggy/client";
 *
 * const conn: TcpConnection = await Deno.connect({ hostname: "127.0.0.1", port: 8090 });
 * const transport = new TcpTransport(conn);
 * ```
 */
export interface TcpConnection {
  /**
   * Reads some bytes into `target`.
   *
   * @param target Where to put them.
   * @returns How many bytes were read (at least 1), or null at the end of the stream.
   */
  read(target: Uint8Array): Promise<number | null>;
  /**
   * Writes some of `bytes`; the caller keeps `bytes` unchanged until the answer to them arrives.
   *
   * @param bytes What to write.
   * @returns How many bytes were written (at least 1).
   */
  write(bytes: Uint8Array): Promise<number>;
  /** Closes the stream; a pending `read` then ends with null. */
  close(): void;
}
