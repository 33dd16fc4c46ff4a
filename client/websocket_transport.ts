/**
 * The WebSocket transport (binary.md §1.5): each request is one binary message holding the TCP
 * request frame, answered in order by one binary message holding the TCP response frame. It uses
 * only the web-standard `WebSocket`, so it runs in browsers, Deno and Node 22+ (Node 20 has no
 * global `WebSocket`: there `connect` fails with a `ConnectionError`; use TCP or HTTP).
 * @module
 */

import {
  encodeRequest,
  FRAME_HEADER_SIZE,
  isWholeRequestFrame,
} from "./protocol/mod.ts";
import { ConnectionError } from "./errors.ts";
import type { Transport } from "./transport.ts";
import { checkTimeout, errorText, PendingQueue } from "./_pending.ts";

/**
 * Options of {@linkcode WebSocketTransport.connect}.
 *
 * @example Usage
 * ```ts ignore
 * const transport = await WebSocketTransport.connect({ hostname: "127.0.0.1", port: 8092, secure: false });
 * ```
 */
export interface WebSocketTransportOptions {
  /** The full `ws://` or `wss://` URL; when set, `hostname`, `port` and `secure` are ignored. */
  url?: string;
  /**
   * The server host name or IP address.
   * @default {"127.0.0.1"}
   */
  hostname?: string;
  /**
   * The server port.
   * @default {8092}
   */
  port?: number;
  /**
   * Use `wss://` (the server's `[websocket.tls]`). The certificate is verified by the platform
   * (the browser, or Deno's trust store: `--cert` / `DENO_CERT` for a self-signed one) unless
   * `caCerts` is set.
   * @default {false}
   */
  secure?: boolean;
  /**
   * PEM certificates trusted for `wss://` on top of the platform's (e.g. a self-signed server
   * certificate); the URL's host must match the certificate. Deno only (a `Deno.HttpClient` passed
   * to `WebSocket`): elsewhere a non-empty list rejects with {@linkcode ConnectionError}.
   */
  caCerts?: string[];
  /**
   * Milliseconds to wait for each answer; on expiry the request rejects with
   * {@linkcode TimeoutError} and the socket is closed. No timeout when absent.
   */
  timeout?: number;
}

/**
 * A {@linkcode Transport} over one WebSocket, pipelined like TCP: the server answers in order.
 *
 * @example Usage
 * ```ts ignore
 * import { IggyClient, WebSocketTransport } from "@iggy/client";
 *
 * const transport = await WebSocketTransport.connect({ url: "ws://127.0.0.1:8092" });
 * const client = new IggyClient(transport);
 * await client.login("iggy", "iggy");
 * await client.close();
 * ```
 */
export class WebSocketTransport implements Transport {
  #socket: WebSocket;
  #pending: PendingQueue;
  #closed = false;
  #closeError: ConnectionError | undefined;
  #socketClosed: Promise<void>;

  /**
   * Opens a WebSocket and waits until it is open.
   *
   * @param options Where to connect and how.
   * @returns The connected transport.
   * @throws {ConnectionError} When the socket cannot be opened.
   *
   * @example Usage
   * ```ts ignore
   * const transport = await WebSocketTransport.connect({ hostname: "127.0.0.1", port: 8092 });
   * const client = new IggyClient(transport);
   * ```
   */
  static async connect(
    options: WebSocketTransportOptions = {},
  ): Promise<WebSocketTransport> {
    const url = options.url ?? webSocketUrl(options);
    let socket: WebSocket;
    let client: Deno.HttpClient | undefined;
    try {
      if (typeof WebSocket === "undefined") {
        throw new Error(
          "this runtime has no global WebSocket (Node before 22); use TCP or HTTP",
        );
      }
      client = trustClient(options.caCerts);
      socket = client ? new WebSocket(url, { client }) : new WebSocket(url);
    } catch (cause) {
      client?.close();
      throw new ConnectionError(
        `Cannot connect to "${url}": ${errorText(cause)}`,
        { cause },
      );
    }
    socket.binaryType = "arraybuffer";
    const opened = new Promise<void>((resolve, reject) => {
      socket.onopen = () => resolve();
      socket.onerror = (event) =>
        reject(
          new ConnectionError(
            `Cannot connect to "${url}": ${
              (event as ErrorEvent).message || "connection failed"
            }`,
          ),
        );
      socket.onclose = (event) =>
        reject(
          new ConnectionError(
            `Cannot connect to "${url}": closed (${event.code})`,
          ),
        );
    });
    try {
      await opened;
    } catch (err) {
      client?.close();
      throw err;
    }
    const transport = new WebSocketTransport(socket, {
      timeout: options.timeout,
    });
    // The HTTP client carrying the CA lives as long as the socket.
    if (client) transport.#socketClosed.then(() => client.close());
    return transport;
  }

  /**
   * Wraps an open WebSocket (with `binaryType = "arraybuffer"`); the transport owns it from now on.
   *
   * @param socket The open socket.
   * @param options `timeout`: milliseconds to wait for each answer (none when absent).
   *
   * @example Usage
   * ```ts ignore
   * const socket = new WebSocket("ws://127.0.0.1:8092");
   * socket.binaryType = "arraybuffer";
   * await new Promise((resolve) => socket.onopen = resolve);
   * const client = new IggyClient(new WebSocketTransport(socket));
   * ```
   */
  constructor(socket: WebSocket, options: { timeout?: number } = {}) {
    this.#pending = new PendingQueue(
      checkTimeout(options.timeout),
      (error) => this.#shutdown(error),
    );
    this.#socket = socket;
    socket.binaryType = "arraybuffer";
    socket.onmessage = (event) => this.#onMessage(event.data);
    socket.onerror = () => {};
    this.#socketClosed = new Promise((resolve) => {
      if (socket.readyState === WebSocket.CLOSED) resolve();
      socket.onclose = (event) => {
        this.#shutdown(
          new ConnectionError(
            `Connection closed by the server (${event.code}${
              event.reason ? `: ${event.reason}` : ""
            })`,
          ),
        );
        resolve();
      };
    });
    if (socket.readyState !== WebSocket.OPEN) {
      this.#shutdown(new ConnectionError("WebSocket is not open"));
    }
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
   * Sends one command as one binary message; see {@linkcode Transport.request}.
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
      return Promise.reject(
        this.#closeError ?? new ConnectionError("Connection is closed"),
      );
    }
    return this.#sendFrame(encodeRequest(code, payload));
  }

  /**
   * Sends one whole request frame as one binary message, without framing the payload again; see
   * {@linkcode Transport.requestFrame}.
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
      return Promise.reject(
        this.#closeError ?? new ConnectionError("Connection is closed"),
      );
    }
    return this.#sendFrame(frame);
  }

  #sendFrame(frame: Uint8Array): Promise<Uint8Array> {
    const promise = this.#pending.push();
    try {
      this.#socket.send(frame);
    } catch (cause) {
      this.#shutdown(
        new ConnectionError(`Cannot send to the server: ${errorText(cause)}`, {
          cause,
        }),
      );
    }
    return promise;
  }

  /**
   * Closes the socket; pending requests reject with {@linkcode ConnectionError}.
   *
   * @returns When the socket is closed.
   *
   * @example Usage
   * ```ts ignore
   * await transport.close();
   * ```
   */
  async close(): Promise<void> {
    this.#shutdown(new ConnectionError("Connection closed by the client"));
    await this.#socketClosed;
  }

  #onMessage(data: unknown): void {
    if (!(data instanceof ArrayBuffer) || data.byteLength < FRAME_HEADER_SIZE) {
      this.#shutdown(new ConnectionError("Malformed message from the server"));
      return;
    }
    const view = new DataView(data);
    const status = view.getUint32(0, true);
    const length = view.getUint32(4, true);
    if (data.byteLength !== FRAME_HEADER_SIZE + length) {
      this.#shutdown(new ConnectionError("Malformed answer from the server"));
      return;
    }
    // An error answering no request is the server's "disconnected" notice before it closes.
    const error = this.#pending.answer(
      status,
      new Uint8Array(data, FRAME_HEADER_SIZE),
    );
    if (error) this.#shutdown(error);
  }

  #shutdown(error: ConnectionError): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeError = error;
    try {
      if (
        this.#socket.readyState === WebSocket.OPEN ||
        this.#socket.readyState === WebSocket.CONNECTING
      ) this.#socket.close(1000);
    } catch {
      // already closing
    }
    this.#pending.close(error);
  }
}

/** A `Deno.HttpClient` trusting `caCerts`, or `undefined` when there are none. */
function trustClient(
  caCerts: string[] | undefined,
): Deno.HttpClient | undefined {
  if (caCerts === undefined || caCerts.length === 0) return undefined;
  if (
    typeof Deno === "undefined" || typeof Deno.createHttpClient !== "function"
  ) {
    throw new Error(
      "caCerts needs Deno (Deno.createHttpClient); elsewhere the platform verifies wss://",
    );
  }
  return Deno.createHttpClient({ caCerts });
}

function webSocketUrl(options: WebSocketTransportOptions): string {
  const hostname = options.hostname ?? "127.0.0.1";
  const host = hostname.includes(":") && !hostname.startsWith("[")
    ? `[${hostname}]`
    : hostname;
  return `${options.secure ? "wss" : "ws"}://${host}:${options.port ?? 8092}/`;
}
