/**
 * The TCP (and TLS over TCP) transport: binary frames over one connection, pipelined. In Deno the
 * connection is a `Deno.Conn`; elsewhere (Node) a `node:net` or `node:tls` socket, loaded lazily.
 *
 * Requests are written as soon as they are made, in order; the server answers them in order, so a
 * single reader loop resolves a FIFO of pending requests (binary.md §1.1–1.2).
 * @module
 */

import { FRAME_HEADER_SIZE, isWholeRequestFrame } from "./protocol/mod.ts";
import { ConnectionError } from "./errors.ts";
import type { Transport } from "./transport.ts";
import { checkTimeout, errorText, PendingQueue } from "./_pending.ts";
import { connectNodeSocket } from "./_node_socket.ts";
import type { TcpConnection } from "./tcp_connection.ts";

export type { TcpConnection } from "./tcp_connection.ts";

const READ_BUFFER_SIZE = 64 * 1024;
/** Frames up to this size are gathered into one write. */
const COALESCE_LIMIT = 64 * 1024;
const EMPTY = new Uint8Array(0);

/**
 * TLS settings of a {@linkcode TcpTransport}.
 *
 * @example Usage
 * ```ts ignore
 * const transport = await TcpTransport.connect({
 *   hostname: "10.0.0.5",
 *   port: 8090,
 *   tls: { hostname: "iggy.internal", caCerts: [await Deno.readTextFile("ca.pem")] },
 * });
 * ```
 */
export interface TlsOptions {
  /**
   * Extra trusted root certificates (PEM), e.g. a self-signed server certificate; they are added
   * to the platform's default roots.
   */
  caCerts?: string[];
  /**
   * The server name to verify the certificate against (and send as SNI).
   * @default {the `hostname` connected to}
   */
  hostname?: string;
}

/**
 * Options of {@linkcode TcpTransport.connect}.
 *
 * @example Usage
 * ```ts ignore
 * const transport = await TcpTransport.connect({ hostname: "iggy.example.com", port: 8090, tls: {}, timeout: 5000 });
 * ```
 */
export interface TcpTransportOptions {
  /**
   * The server host name or IP address.
   * @default {"127.0.0.1"}
   */
  hostname?: string;
  /**
   * The server TCP port.
   * @default {8090}
   */
  port?: number;
  /** Speak TLS on the connection (the server's `[tcp.tls]`); plain TCP when absent. */
  tls?: TlsOptions;
  /**
   * Milliseconds to wait for each answer; on expiry the request rejects with
   * {@linkcode TimeoutError} and the connection is closed. No timeout when absent.
   */
  timeout?: number;
}

/**
 * A {@linkcode Transport} over TCP, optionally with TLS. Runs in Deno (`Deno.connect`) and in Node
 * (`node:net`/`node:tls`); browsers have no TCP and use the WebSocket or HTTP transport.
 *
 * @example Usage
 * ```ts ignore
 * import { IggyClient, TcpTransport } from "@iggy/client";
 *
 * const transport = await TcpTransport.connect({ hostname: "127.0.0.1", port: 8090 });
 * const client = new IggyClient(transport);
 * await client.login("iggy", "iggy");
 * await client.close();
 * ```
 */
export class TcpTransport implements Transport {
  #conn: TcpConnection;
  #pending: PendingQueue;
  #outbox: Uint8Array[] = [];
  #writing = false;
  #closed = false;
  #reading: Promise<void>;
  #buffer = new Uint8Array(READ_BUFFER_SIZE);
  #start = 0;
  #end = 0;

  /**
   * Opens a TCP connection (with `setNoDelay`), upgrades it to TLS when `options.tls` is set, and
   * wraps it. Deno's `Deno.connect`/`Deno.startTls` are used when `Deno` exists; otherwise
   * `node:net`/`node:tls`.
   *
   * @param options Where to connect and how.
   * @returns The connected transport.
   * @throws {ConnectionError} When the connection or the TLS handshake fails.
   * @throws {RangeError} When `timeout` is not a positive number.
   *
   * @example Usage
   * ```ts ignore
   * const transport = await TcpTransport.connect({ hostname: "127.0.0.1", port: 8090, timeout: 5000 });
   * const client = new IggyClient(transport);
   * await client.login("iggy", "iggy");
   * ```
   */
  static async connect(
    options: TcpTransportOptions = {},
  ): Promise<TcpTransport> {
    const hostname = options.hostname ?? "127.0.0.1";
    const port = options.port ?? 8090;
    const timeout = checkTimeout(options.timeout);
    let conn: TcpConnection;
    try {
      conn = typeof Deno === "undefined"
        ? await connectNodeSocket({ hostname, port, tls: options.tls })
        : await connectDeno(hostname, port, options.tls);
    } catch (cause) {
      throw new ConnectionError(
        `Cannot connect to "${hostname}:${port}": ${errorText(cause)}`,
        { cause },
      );
    }
    return new TcpTransport(conn, { timeout });
  }

  /**
   * Wraps an open connection (TCP or TLS); the transport owns it from now on.
   *
   * @param conn The connection: a `Deno.Conn`, or any {@linkcode TcpConnection}.
   * @param options `timeout`: milliseconds to wait for each answer (none when absent).
   *
   * @example Usage
   * ```ts ignore
   * const conn = await Deno.connect({ hostname: "127.0.0.1", port: 8090 });
   * const client = new IggyClient(new TcpTransport(conn, { timeout: 5000 }));
   * ```
   */
  constructor(conn: TcpConnection, options: { timeout?: number } = {}) {
    this.#pending = new PendingQueue(
      checkTimeout(options.timeout),
      (error) => this.#shutdown(error),
    );
    this.#conn = conn;
    this.#reading = this.#readLoop();
  }

  /**
   * True once the transport is closed.
   *
   * @example Usage
   * ```ts ignore
   * console.log(transport.closed);
   * ```
   */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Sends one command; see {@linkcode Transport.request}.
   *
   * @param code The command code.
   * @param payload The encoded request payload.
   * @returns The OK response payload.
   * @throws {IggyError} On a non-zero status.
   * @throws {ConnectionError} When the connection is or becomes closed.
   * @throws {TimeoutError} When the answer does not come within `timeout`.
   *
   * @example Usage
   * ```ts ignore
   * const answer = await transport.request(CommandCode.Ping, new Uint8Array());
   * ```
   */
  request(code: number, payload: Uint8Array): Promise<Uint8Array> {
    if (this.#closed) {
      return Promise.reject(new ConnectionError("Connection is closed"));
    }
    const promise = this.#pending.push();
    const header = new Uint8Array(FRAME_HEADER_SIZE);
    const view = new DataView(header.buffer);
    view.setUint32(0, 4 + payload.length, true);
    view.setUint32(4, code, true);
    this.#outbox.push(header);
    if (payload.length > 0) this.#outbox.push(payload);
    if (!this.#writing) this.#flush();
    return promise;
  }

  /**
   * Sends one whole request frame as a single chunk (one write when it is larger than the
   * coalescing limit); see {@linkcode Transport.requestFrame}.
   *
   * @param frame `[length u32][code u32][payload]`, unchanged until the answer arrives.
   * @returns The OK response payload.
   * @throws {IggyError} On a non-zero status.
   * @throws {ConnectionError} When the connection is or becomes closed.
   * @throws {TimeoutError} When the answer does not come within `timeout`.
   * @throws {RangeError} When the frame's length field does not match its size.
   *
   * @example Usage
   * ```ts ignore
   * // [length u32][code u32][payload]: a ping frame
   * const frame = new Uint8Array([4, 0, 0, 0, 1, 0, 0, 0]);
   * await transport.requestFrame(frame);
   * ```
   */
  requestFrame(frame: Uint8Array): Promise<Uint8Array> {
    if (!isWholeRequestFrame(frame)) {
      return Promise.reject(
        new RangeError("Request frame length does not match its size"),
      );
    }
    if (this.#closed) {
      return Promise.reject(new ConnectionError("Connection is closed"));
    }
    const promise = this.#pending.push();
    this.#outbox.push(frame);
    if (!this.#writing) this.#flush();
    return promise;
  }

  /**
   * Closes the connection and rejects pending requests with {@linkcode ConnectionError}.
   *
   * @returns When the connection and its reader have stopped.
   *
   * @example Usage
   * ```ts ignore
   * await transport.close();
   * ```
   */
  async close(): Promise<void> {
    this.#shutdown(new ConnectionError("Connection closed by the client"));
    await this.#reading;
  }

  /** Closes once; rejects every pending request with `error`. */
  #shutdown(error: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#outbox = [];
    try {
      this.#conn.close();
    } catch {
      // Already closed by the peer.
    }
    this.#pending.close(error);
  }

  /** Writes queued frames in order, gathering small ones into one write. */
  async #flush(): Promise<void> {
    this.#writing = true;
    try {
      while (this.#outbox.length > 0 && !this.#closed) {
        const chunks = this.#outbox;
        this.#outbox = [];
        let i = 0;
        while (i < chunks.length) {
          let size = 0;
          let j = i;
          while (
            j < chunks.length && size + chunks[j]!.length <= COALESCE_LIMIT
          ) {
            size += chunks[j]!.length;
            j++;
          }
          if (j - i <= 1) {
            await this.#writeAll(chunks[i]!);
            i++;
            continue;
          }
          const joined = new Uint8Array(size);
          let at = 0;
          for (let k = i; k < j; k++) {
            joined.set(chunks[k]!, at);
            at += chunks[k]!.length;
          }
          await this.#writeAll(joined);
          i = j;
        }
      }
    } catch (cause) {
      this.#shutdown(
        new ConnectionError(`Cannot write to the server: ${errorText(cause)}`, {
          cause,
        }),
      );
    } finally {
      this.#writing = false;
    }
  }

  async #writeAll(bytes: Uint8Array): Promise<void> {
    let at = 0;
    while (at < bytes.length && !this.#closed) {
      at += await this.#conn.write(bytes.subarray(at));
    }
  }

  /** Reads answers until the connection ends, resolving pending requests in order. */
  async #readLoop(): Promise<void> {
    try {
      while (!this.#closed) {
        await this.#need(FRAME_HEADER_SIZE);
        const view = new DataView(
          this.#buffer.buffer,
          this.#start,
          FRAME_HEADER_SIZE,
        );
        const status = view.getUint32(0, true);
        const length = view.getUint32(4, true);
        this.#start += FRAME_HEADER_SIZE;
        const payload = length === 0 ? EMPTY : await this.#readPayload(length);
        const error = this.#pending.answer(status, payload);
        if (error) this.#shutdown(error);
      }
    } catch (cause) {
      this.#shutdown(
        cause instanceof ConnectionError ? cause : new ConnectionError(
          `Connection to the server failed: ${errorText(cause)}`,
          { cause },
        ),
      );
    }
  }

  /** Makes at least `n` (≤ buffer size) bytes available in the read buffer. */
  async #need(n: number): Promise<void> {
    while (this.#end - this.#start < n) {
      if (this.#start === this.#end) {
        this.#start = 0;
        this.#end = 0;
      } else if (this.#start > 0) {
        this.#buffer.copyWithin(0, this.#start, this.#end);
        this.#end -= this.#start;
        this.#start = 0;
      }
      const read = await this.#read(this.#buffer.subarray(this.#end));
      this.#end += read;
    }
  }

  /** Reads exactly `length` bytes into a new buffer: buffered bytes first, then straight from the socket. */
  async #readPayload(length: number): Promise<Uint8Array> {
    const payload = new Uint8Array(length);
    const buffered = Math.min(this.#end - this.#start, length);
    payload.set(this.#buffer.subarray(this.#start, this.#start + buffered));
    this.#start += buffered;
    let at = buffered;
    while (at < length) at += await this.#read(payload.subarray(at));
    return payload;
  }

  async #read(target: Uint8Array): Promise<number> {
    const n = await this.#conn.read(target);
    if (n === null) {
      throw new ConnectionError(
        this.#closed
          ? "Connection closed by the client"
          : "Connection closed by the server",
      );
    }
    return n;
  }
}

/** Opens a `Deno.Conn` with `setNoDelay`, upgraded to TLS (handshake done) when `tls` is set. */
async function connectDeno(
  hostname: string,
  port: number,
  tls: TlsOptions | undefined,
): Promise<Deno.Conn> {
  const tcp = await Deno.connect({ hostname, port, transport: "tcp" });
  tcp.setNoDelay(true);
  if (!tls) return tcp;
  const conn = await Deno.startTls(tcp, {
    hostname: tls.hostname ?? hostname,
    caCerts: tls.caCerts,
  });
  try {
    await conn.handshake();
  } catch (err) {
    conn.close();
    throw err;
  }
  return conn;
}
