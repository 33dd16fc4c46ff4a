/**
 * A transport wrapper that reopens a dropped connection with back-off and logs in again.
 * @module
 */

import { CommandCode, FRAME_HEADER_SIZE } from "./protocol/mod.ts";
import { ConnectionError } from "./errors.ts";
import type { Transport } from "./transport.ts";

/** Reconnection settings of {@linkcode ReconnectingTransport}. */
export interface ReconnectingTransportOptions {
  /**
   * Attempts per reconnection before giving up (the transport then closes).
   * @default {5}
   */
  retries?: number;
  /**
   * Milliseconds before the first retry; doubled after each failed attempt.
   * @default {100}
   */
  delayMs?: number;
  /**
   * Upper bound of the delay between attempts, in milliseconds.
   * @default {5000}
   */
  maxDelayMs?: number;
}

/**
 * Wraps transports opened by `open`: when the connection drops, the request that was in flight
 * rejects with {@linkcode ConnectionError} (it is not resent, since it may have taken effect), and
 * the next request reopens the connection, retrying with exponential back-off, and replays the last
 * successful login (user name or personal access token) before it is sent. A logout forgets the
 * login. {@linkcode ReconnectingTransport.close} stops for good.
 *
 * @example Usage
 * ```ts ignore
 * import { IggyClient, ReconnectingTransport, TcpTransport } from "@iggy/client";
 *
 * const transport = await ReconnectingTransport.open(
 *   () => TcpTransport.connect({ port: 8090 }),
 *   { retries: 10 },
 * );
 * const client = new IggyClient(transport);
 * await client.login("iggy", "iggy"); // replayed after every reconnection
 * ```
 */
export class ReconnectingTransport implements Transport {
  #open: () => Promise<Transport>;
  #retries: number;
  #delay: number;
  #maxDelay: number;
  #current: Transport;
  #reconnecting: Promise<Transport> | undefined;
  #login: { code: number; payload: Uint8Array } | undefined;
  #closed = false;

  /**
   * Opens the first connection.
   *
   * @param open Opens a new connected transport.
   * @param options Retry count and back-off.
   * @returns The wrapper.
   * @throws {ConnectionError} When the first connection cannot be opened.
   */
  static async open(
    open: () => Promise<Transport>,
    options: ReconnectingTransportOptions = {},
  ): Promise<ReconnectingTransport> {
    return new ReconnectingTransport(await open(), open, options);
  }

  /**
   * Wraps an open transport.
   *
   * @param current The connected transport.
   * @param open Opens a replacement when it drops.
   * @param options Retry count and back-off.
   */
  constructor(
    current: Transport,
    open: () => Promise<Transport>,
    options: ReconnectingTransportOptions = {},
  ) {
    this.#current = current;
    this.#open = open;
    this.#retries = options.retries ?? 5;
    this.#delay = options.delayMs ?? 100;
    this.#maxDelay = options.maxDelayMs ?? 5000;
    if (!(this.#retries >= 0) || !(this.#delay >= 0)) {
      throw new RangeError("Reconnect retries and delay must not be negative");
    }
  }

  /** True once closed by the caller, or after reconnection gave up. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Sends one command, reconnecting first when the connection dropped; see
   * {@linkcode Transport.request}.
   *
   * @param code The command code.
   * @param payload The encoded request payload.
   * @returns The OK response payload.
   * @throws {ConnectionError} When the connection drops or cannot be reopened.
   */
  request(code: number, payload: Uint8Array): Promise<Uint8Array> {
    return this.#call(
      code,
      payload,
      (transport) => transport.request(code, payload),
    );
  }

  /**
   * Sends one whole request frame, reconnecting first when the connection dropped; see
   * {@linkcode Transport.requestFrame}. Transports without `requestFrame` get
   * `request(code, frame.subarray(8))`.
   *
   * @param frame `[length u32][code u32][payload]`, unchanged until the answer arrives.
   * @returns The OK response payload.
   * @throws {ConnectionError} When the connection drops or cannot be reopened.
   * @throws {RangeError} When the frame is shorter than its 8-byte header.
   */
  requestFrame(frame: Uint8Array): Promise<Uint8Array> {
    if (frame.length < FRAME_HEADER_SIZE) {
      return Promise.reject(
        new RangeError("Request frame is shorter than its header"),
      );
    }
    const code = new DataView(frame.buffer, frame.byteOffset, 8).getUint32(
      4,
      true,
    );
    const payload = frame.subarray(FRAME_HEADER_SIZE);
    return this.#call(
      code,
      payload,
      (transport) =>
        transport.requestFrame
          ? transport.requestFrame(frame)
          : transport.request(code, payload),
    );
  }

  async #call(
    code: number,
    payload: Uint8Array,
    send: (transport: Transport) => Promise<Uint8Array>,
  ): Promise<Uint8Array> {
    if (this.#closed) throw new ConnectionError("Connection is closed");
    const transport = this.#current.closed
      ? await this.#reconnect()
      : this.#current;
    const answer = await send(transport);
    if (
      code === CommandCode.LoginUser ||
      code === CommandCode.LoginWithPersonalAccessToken
    ) {
      this.#login = { code, payload: payload.slice() };
    } else if (code === CommandCode.LogoutUser) {
      this.#login = undefined;
    }
    return answer;
  }

  /**
   * Closes the current connection and stops reconnecting.
   *
   * @returns When the connection is closed.
   */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#current.close();
  }

  #reconnect(): Promise<Transport> {
    this.#reconnecting ??= this.#attempts().finally(() => {
      this.#reconnecting = undefined;
    });
    return this.#reconnecting;
  }

  async #attempts(): Promise<Transport> {
    let delay = this.#delay;
    let last: unknown;
    for (let attempt = 0; attempt <= this.#retries; attempt++) {
      if (this.#closed) break;
      if (attempt > 0) {
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, this.#maxDelay);
      }
      let transport: Transport | undefined;
      try {
        transport = await this.#open();
        if (this.#login) {
          await transport.request(this.#login.code, this.#login.payload);
        }
        if (this.#closed) {
          await transport.close();
          break;
        }
        this.#current = transport;
        return transport;
      } catch (err) {
        last = err;
        await transport?.close().catch(() => {});
      }
    }
    this.#closed = true;
    throw new ConnectionError(
      `Cannot reconnect after ${this.#retries + 1} attempts`,
      { cause: last },
    );
  }
}
