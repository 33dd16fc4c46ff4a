/**
 * The WebSocket transport (binary.md §1.5): each request is one binary message holding the TCP
 * request frame, answered in order by one binary message holding the TCP response frame. It uses
 * only the web-standard `WebSocket`, so the SDK runs in browsers as well as in Deno.
 * @module
 */

import { FRAME_HEADER_SIZE, IggyError } from "./protocol/mod.ts";
import { ConnectionError, TimeoutError } from "./errors.ts";
import type { Transport } from "./transport.ts";

/** Options of {@linkcode WebSocketTransport.connect}. */
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
   * (the browser, or Deno's trust store: `--cert` / `DENO_CERT` for a self-signed one).
   * @default {false}
   */
  secure?: boolean;
  /**
   * Milliseconds to wait for each answer; on expiry the request rejects with
   * {@linkcode TimeoutError} and the socket is closed. No timeout when absent.
   */
  timeout?: number;
}

interface Pending {
  resolve(payload: Uint8Array): void;
  reject(error: unknown): void;
  deadline: number;
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
  #timeout: number | undefined;
  #pending: Pending[] = [];
  #closed = false;
  #closeError: ConnectionError | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #socketClosed: Promise<void>;

  /**
   * Opens a WebSocket and waits until it is open.
   *
   * @param options Where to connect and how.
   * @returns The connected transport.
   * @throws {ConnectionError} When the socket cannot be opened.
   */
  static async connect(
    options: WebSocketTransportOptions = {},
  ): Promise<WebSocketTransport> {
    const url = options.url ?? webSocketUrl(options);
    let socket: WebSocket;
    try {
      socket = new WebSocket(url);
    } catch (cause) {
      throw new ConnectionError(
        `Cannot connect to "${url}": ${errorText(cause)}`,
        { cause },
      );
    }
    socket.binaryType = "arraybuffer";
    await new Promise<void>((resolve, reject) => {
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
    return new WebSocketTransport(socket, { timeout: options.timeout });
  }

  /**
   * Wraps an open WebSocket (with `binaryType = "arraybuffer"`); the transport owns it from now on.
   *
   * @param socket The open socket.
   * @param options `timeout`: milliseconds to wait for each answer (none when absent).
   */
  constructor(socket: WebSocket, options: { timeout?: number } = {}) {
    if (
      options.timeout !== undefined &&
      !(Number.isFinite(options.timeout) && options.timeout > 0)
    ) {
      throw new RangeError(
        `Timeout must be a positive number of milliseconds: ${options.timeout}`,
      );
    }
    this.#socket = socket;
    this.#timeout = options.timeout;
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

  /** True once the transport is closed. */
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
   */
  request(code: number, payload: Uint8Array): Promise<Uint8Array> {
    if (this.#closed) {
      return Promise.reject(
        this.#closeError ?? new ConnectionError("Connection is closed"),
      );
    }
    const frame = new Uint8Array(FRAME_HEADER_SIZE + payload.length);
    const view = new DataView(frame.buffer);
    view.setUint32(0, 4 + payload.length, true);
    view.setUint32(4, code, true);
    frame.set(payload, FRAME_HEADER_SIZE);
    const { promise, resolve, reject } = Promise.withResolvers<Uint8Array>();
    const deadline = this.#timeout === undefined
      ? Infinity
      : performance.now() + this.#timeout;
    this.#pending.push({ resolve, reject, deadline });
    if (this.#pending.length === 1) this.#armTimer();
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
    const request = this.#pending.shift();
    this.#armTimer();
    if (request === undefined) {
      // An answer to no request: the server's "disconnected" notice before it closes.
      if (status !== 0) {
        const cause = new IggyError(status);
        this.#shutdown(
          new ConnectionError(
            `Connection closed by the server: ${cause.message}`,
            { cause },
          ),
        );
      }
      return;
    }
    if (status === 0) {
      request.resolve(new Uint8Array(data, FRAME_HEADER_SIZE));
    } else request.reject(new IggyError(status));
  }

  #armTimer(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const oldest = this.#pending[0];
    if (this.#timeout === undefined || oldest === undefined || this.#closed) {
      return;
    }
    const timeout = this.#timeout;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      const error = new TimeoutError(
        `No answer from the server within ${timeout} ms`,
      );
      this.#pending.shift()?.reject(error);
      this.#shutdown(
        new ConnectionError("Connection closed after a request timed out", {
          cause: error,
        }),
      );
    }, Math.max(0, oldest.deadline - performance.now()));
  }

  #shutdown(error: ConnectionError): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeError = error;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    try {
      if (
        this.#socket.readyState === WebSocket.OPEN ||
        this.#socket.readyState === WebSocket.CONNECTING
      ) this.#socket.close(1000);
    } catch {
      // already closing
    }
    const pending = this.#pending;
    this.#pending = [];
    for (const request of pending) request.reject(error);
  }
}

function webSocketUrl(options: WebSocketTransportOptions): string {
  const hostname = options.hostname ?? "127.0.0.1";
  const host = hostname.includes(":") && !hostname.startsWith("[")
    ? `[${hostname}]`
    : hostname;
  return `${options.secure ? "wss" : "ws"}://${host}:${options.port ?? 8092}/`;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
