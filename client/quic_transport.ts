/**
 * The QUIC transport (binary.md §1.4): every request opens its own bidirectional stream, writes the
 * TCP request frame, finishes, and reads one response frame to the end of the stream. No ALPN is
 * offered, as Iggy's server configures none. Deno only (Node and browsers have no QUIC client
 * API): needs Deno's `--unstable-net`; elsewhere `connect` fails with a `ConnectionError`.
 * @module
 */

import {
  encodeRequest,
  FRAME_HEADER_SIZE,
  IggyError,
  isWholeRequestFrame,
} from "./protocol/mod.ts";
import { ConnectionError, TimeoutError } from "./errors.ts";
import type { Transport } from "./transport.ts";
import { checkTimeout, deadlineOf, errorText } from "./_pending.ts";

/**
 * Options of {@linkcode QuicTransport.connect}.
 *
 * @example Usage
 * ```ts ignore
 * const transport = await QuicTransport.connect({
 *   hostname: "localhost",
 *   port: 8080,
 *   caCerts: [await Deno.readTextFile("ca.pem")],
 * });
 * ```
 */
export interface QuicTransportOptions {
  /**
   * The server host name or IP address.
   * @default {"127.0.0.1"}
   */
  hostname?: string;
  /**
   * The server UDP port.
   * @default {8080}
   */
  port?: number;
  /**
   * The name the server certificate is verified against. Iggy's generated certificates are made for
   * `localhost`, which is also the Rust client's default.
   * @default {`hostname`, or `"localhost"` when `hostname` is an IP address}
   */
  serverName?: string;
  /**
   * Extra trusted root certificates (PEM). QUIC always verifies the server certificate: pass the
   * server's certificate here when it is self-signed, or run Deno with
   * `--unsafely-ignore-certificate-errors` (Iggy's default QUIC certificate is random per start).
   */
  caCerts?: string[];
  /**
   * Milliseconds to wait for each answer; on expiry the request rejects with
   * {@linkcode TimeoutError} and its stream is abandoned (the connection stays usable). No timeout
   * when absent.
   */
  timeout?: number;
  /**
   * Run requests concurrently, each on its own stream as soon as it is made; they may then complete
   * out of order (the server serves streams concurrently). By default requests are sent one at a
   * time, so they take effect in the order they are made, as over TCP.
   * @default {false}
   */
  concurrent?: boolean;
  /**
   * Milliseconds between keep-alive packets.
   * @default {5000}
   */
  keepAliveInterval?: number;
  /**
   * Milliseconds of silence after which the connection is considered lost.
   * @default {10000}
   */
  maxIdleTimeout?: number;
}

/**
 * A {@linkcode Transport} over one QUIC connection, one stream per request; Deno only. Requests
 * go one at a time by default (in order, like TCP); with `concurrent: true` they run in parallel
 * streams.
 *
 * @example Usage
 * ```ts ignore
 * import { IggyClient, QuicTransport } from "@iggy/client";
 *
 * const cert = await Deno.readTextFile("iggy_cert.pem");
 * const transport = await QuicTransport.connect({ port: 8080, caCerts: [cert] });
 * const client = new IggyClient(transport);
 * await client.login("iggy", "iggy");
 * await client.close();
 * ```
 */
export class QuicTransport implements Transport {
  #conn: Deno.QuicConn;
  #timeout: number | undefined;
  #concurrent: boolean;
  #tail: Promise<unknown> = Promise.resolve();
  #closed = false;
  #closeError: ConnectionError | undefined;
  #inFlight = new Set<(error: Error) => void>();

  /**
   * Opens a QUIC connection (TLS 1.3, no ALPN) and wraps it.
   *
   * @param options Where to connect and how.
   * @returns The connected transport.
   * @throws {ConnectionError} When the connection or the handshake fails, or outside Deno.
   *
   * @example Usage
   * ```ts ignore
   * const transport = await QuicTransport.connect({ hostname: "localhost", port: 8080, caCerts: [pem] });
   * const client = new IggyClient(transport);
   * ```
   */
  static async connect(
    options: QuicTransportOptions = {},
  ): Promise<QuicTransport> {
    const hostname = options.hostname ?? "127.0.0.1";
    const port = options.port ?? 8080;
    let conn: Deno.QuicConn;
    try {
      if (typeof Deno === "undefined") {
        throw new Error(
          "QUIC is supported in Deno only (Deno.connectQuic); in Node use TCP (iggy://, " +
            "iggy+tls://), WebSocket or HTTP",
        );
      }
      if (typeof Deno.connectQuic !== "function") {
        throw new Error("QUIC needs Deno's --unstable-net flag");
      }
      conn = await Deno.connectQuic({
        hostname,
        port,
        serverName: options.serverName ??
          (isIpAddress(hostname) ? "localhost" : hostname),
        alpnProtocols: [],
        caCerts: options.caCerts,
        keepAliveInterval: options.keepAliveInterval ?? 5000,
        maxIdleTimeout: options.maxIdleTimeout ?? 10_000,
        zeroRtt: false,
      });
    } catch (cause) {
      throw new ConnectionError(
        `Cannot connect over QUIC to "${hostname}:${port}": ${
          errorText(cause)
        }`,
        { cause },
      );
    }
    return new QuicTransport(conn, {
      timeout: options.timeout,
      concurrent: options.concurrent,
    });
  }

  /**
   * Wraps an open QUIC connection; the transport owns it from now on.
   *
   * @param conn The connection.
   * @param options `timeout`: milliseconds to wait for each answer (none when absent);
   * `concurrent`: see {@linkcode QuicTransportOptions.concurrent}.
   *
   * @example Usage
   * ```ts ignore
   * // QuicTransport.connect() opens the connection; to wrap one opened by hand:
   * const conn = await Deno.connectQuic({
   *   hostname: "127.0.0.1",
   *   port: 8080,
   *   serverName: "localhost",
   *   alpnProtocols: [],
   *   caCerts: [pem],
   * });
   * const client = new IggyClient(new QuicTransport(conn, { timeout: 5000 }));
   * ```
   */
  constructor(
    conn: Deno.QuicConn,
    options: { timeout?: number; concurrent?: boolean } = {},
  ) {
    this.#timeout = checkTimeout(options.timeout);
    this.#conn = conn;
    this.#concurrent = options.concurrent ?? false;
    conn.closed.then(
      (info) =>
        this.#shutdown(
          new ConnectionError(
            `Connection closed by the server${
              info.reason ? `: ${info.reason}` : ""
            }`,
          ),
        ),
      (cause) =>
        this.#shutdown(
          new ConnectionError(`Connection lost: ${errorText(cause)}`, {
            cause,
          }),
        ),
    );
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
   * Sends one command on a new stream (after the previous answer unless `concurrent`); see
   * {@linkcode Transport.request}.
   *
   * @param code The command code.
   * @param payload The encoded request payload.
   * @returns The OK response payload.
   * @throws {IggyError} On a non-zero status.
   * @throws {ConnectionError} When the connection is or becomes closed, or the server drops the stream.
   * @throws {TimeoutError} When the answer does not come within `timeout`.
   *
   * @example Usage
   * ```ts ignore
   * const answer = await transport.request(CommandCode.Ping, new Uint8Array());
   * ```
   */
  request(code: number, payload: Uint8Array): Promise<Uint8Array> {
    return this.#queue(encodeRequest(code, payload));
  }

  /**
   * Sends one whole request frame on its own stream, without framing the payload again; see
   * {@linkcode Transport.requestFrame}.
   *
   * @param frame `[length u32][code u32][payload]`, unchanged until the answer arrives.
   * @returns The OK response payload.
   * @throws {IggyError} On a non-zero status.
   * @throws {ConnectionError} When the connection is or becomes closed, or the server drops the stream.
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
    return this.#queue(frame);
  }

  #queue(frame: Uint8Array): Promise<Uint8Array> {
    const deadline = deadlineOf(this.#timeout);
    if (this.#concurrent) return this.#exchange(frame, deadline);
    const answer = this.#tail.then(() => this.#exchange(frame, deadline));
    this.#tail = answer.catch(() => {});
    return answer;
  }

  async #exchange(
    frame: Uint8Array,
    deadline: number,
  ): Promise<Uint8Array> {
    if (this.#closed) {
      throw this.#closeError ?? new ConnectionError("Connection is closed");
    }
    if (performance.now() >= deadline) {
      throw new TimeoutError(`No answer within ${this.#timeout} ms`);
    }
    const { promise: failed, reject: fail } = Promise.withResolvers<never>();
    failed.catch(() => {});
    this.#inFlight.add(fail);
    let timer: ReturnType<typeof setTimeout> | undefined;
    if (deadline !== Infinity) {
      const timeout = this.#timeout;
      timer = setTimeout(
        () => fail(new TimeoutError(`No answer within ${timeout} ms`)),
        deadline - performance.now(),
      );
    }
    let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
    let writer: WritableStreamDefaultWriter<Uint8Array> | undefined;
    try {
      const exchange = (async () => {
        const stream = await this.#conn.createBidirectionalStream();
        writer = stream.writable.getWriter();
        await writer.write(frame);
        await writer.close();
        reader = stream.readable.getReader();
        return await readAnswer(reader);
      })();
      exchange.catch(() => {});
      const answer = await Promise.race([exchange, failed]);
      if (answer.status !== 0) throw new IggyError(answer.status);
      return answer.payload;
    } catch (err) {
      if (
        err instanceof IggyError || err instanceof TimeoutError ||
        err instanceof ConnectionError
      ) {
        if (err instanceof TimeoutError) {
          // Give up on this stream only; the connection stays usable.
          reader?.cancel().catch(() => {});
          writer?.abort().catch(() => {});
        }
        throw err;
      }
      throw this.#closeError ?? new ConnectionError(
        `Request stream failed: ${errorText(err)}`,
        { cause: err },
      );
    } finally {
      clearTimeout(timer);
      this.#inFlight.delete(fail);
    }
  }

  /**
   * Closes the connection; pending requests reject with {@linkcode ConnectionError}.
   *
   * @returns When the connection is closed.
   *
   * @example Usage
   * ```ts ignore
   * await transport.close();
   * ```
   */
  async close(): Promise<void> {
    this.#shutdown(new ConnectionError("Connection closed by the client"));
    await this.#conn.closed.catch(() => {});
  }

  #shutdown(error: ConnectionError): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeError = error;
    try {
      this.#conn.close({ closeCode: 0, reason: "" });
    } catch {
      // already closed
    }
    for (const fail of this.#inFlight) fail(error);
    this.#inFlight.clear();
  }
}

/** Reads a stream to its end and parses the response frame it holds. */
async function readAnswer(
  reader: ReadableStreamDefaultReader<Uint8Array>,
): Promise<{ status: number; payload: Uint8Array }> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (true) {
    const next = await reader.read();
    if (next.done) break;
    chunks.push(next.value);
    size += next.value.length;
  }
  const frame = chunks.length === 1 ? chunks[0]! : new Uint8Array(size);
  if (chunks.length > 1) {
    let at = 0;
    for (const chunk of chunks) {
      frame.set(chunk, at);
      at += chunk.length;
    }
  }
  if (size < FRAME_HEADER_SIZE) {
    throw new ConnectionError(
      size === 0
        ? "The server dropped the request stream without an answer"
        : `Malformed answer of ${size} bytes`,
    );
  }
  const view = new DataView(frame.buffer, frame.byteOffset, size);
  const status = view.getUint32(0, true);
  const length = view.getUint32(4, true);
  if (size !== FRAME_HEADER_SIZE + length) {
    throw new ConnectionError(
      `Malformed answer: header says ${length} payload bytes, stream has ${
        size - FRAME_HEADER_SIZE
      }`,
    );
  }
  return { status, payload: frame.subarray(FRAME_HEADER_SIZE) };
}

function isIpAddress(hostname: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(hostname) || hostname.includes(":");
}
