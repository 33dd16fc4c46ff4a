/**
 * A transport wrapper that reopens a dropped connection with back-off and logs in again.
 * @module
 */

import {
  CommandCode,
  ErrorCode,
  FRAME_HEADER_SIZE,
  IggyError,
} from "./protocol/mod.ts";
import { ConnectionError } from "./errors.ts";
import { isConnectionFailure } from "./_retry.ts";
import {
  type ConnectionStatus,
  type Logger,
  SILENT_LOGGER,
  StatusHub,
} from "./status.ts";
import type { Transport } from "./transport.ts";

/**
 * Reconnection settings of {@linkcode ReconnectingTransport}.
 *
 * @example Usage
 * ```ts ignore
 * const transport = await ReconnectingTransport.open(() => TcpTransport.connect({ port: 8090 }), {
 *   retries: Infinity,
 *   heartbeatIntervalMs: 5000,
 * });
 * ```
 */
export interface ReconnectingTransportOptions {
  /**
   * Attempts per reconnection before giving up (the transport then closes); `Infinity` never
   * gives up (the connection string's `reconnection_retries=unlimited`).
   * @default {20}
   */
  retries?: number;
  /**
   * Milliseconds before the second attempt (the first is immediate); doubled after each failed
   * attempt, up to `maxDelayMs`, with ±20 % jitter.
   * @default {100}
   */
  delayMs?: number;
  /**
   * Upper bound of the delay between attempts, in milliseconds.
   * @default {5000}
   */
  maxDelayMs?: number;
  /**
   * Milliseconds that must pass after a connection was opened before it is replaced (the
   * connection string's `reestablish_after`): a connection that drops sooner waits out the rest.
   * @default {0}
   */
  reestablishAfterMs?: number;
  /**
   * Send a Ping at this interval, in milliseconds, so that a lost connection is noticed (and
   * replaced) while the client is idle (the connection string's `heartbeat_interval`). None when
   * absent.
   */
  heartbeatIntervalMs?: number;
  /** Where to write what happens to the connection; nothing is logged when absent. */
  logger?: Logger;
}

/**
 * Wraps transports opened by `open`: when the connection drops, the request that was in flight
 * rejects with {@linkcode ConnectionError} (it is not resent here, since it may have taken effect;
 * {@linkcode IggyProducer} retries its sends), and the next request reopens the connection,
 * retrying with exponential back-off, and replays the last successful login (user name or personal
 * access token) and joins again the consumer groups it had joined (and not left with the same
 * identifiers) before it is sent. A logout forgets the login. A login the server refuses after a
 * reconnection (the user was deleted or deactivated, the password changed, the token expired) ends
 * reconnection at once; other errors are tried again.
 * {@linkcode ReconnectingTransport.close} stops for good. {@linkcode ReconnectingTransport.status}
 * reports each step.
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
  #reestablishAfter: number;
  #logger: Logger;
  #statuses = new StatusHub();
  #current: Transport;
  #openedAt = Date.now();
  /** The transport whose loss was already reported. */
  #reported: Transport | undefined;
  #reconnecting: Promise<Transport> | undefined;
  #login: { code: number; payload: Uint8Array } | undefined;
  /** JoinConsumerGroup payloads of the groups this connection is in, keyed by their bytes. */
  #groups = new Map<string, Uint8Array>();
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #wakeUp: (() => void) | undefined;
  #closed = false;

  /**
   * Opens the first connection.
   *
   * @param open Opens a new connected transport.
   * @param options Retry count and back-off.
   * @returns The wrapper.
   * @throws {ConnectionError} When the first connection cannot be opened.
   *
   * @example Usage
   * ```ts ignore
   * const transport = await ReconnectingTransport.open(
   *   () => TcpTransport.connect({ port: 8090 }),
   *   { retries: 5, delayMs: 200, logger: console },
   * );
   * const client = new IggyClient(transport);
   * ```
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
   * @throws {RangeError} When a count or a delay is negative.
   *
   * @example Usage
   * ```ts ignore
   * const open = () => TcpTransport.connect({ port: 8090 });
   * const transport = new ReconnectingTransport(await open(), open, { retries: 5 });
   * const client = new IggyClient(transport);
   * ```
   */
  constructor(
    current: Transport,
    open: () => Promise<Transport>,
    options: ReconnectingTransportOptions = {},
  ) {
    this.#current = current;
    this.#open = open;
    this.#retries = options.retries ?? 20;
    this.#delay = options.delayMs ?? 100;
    this.#maxDelay = Math.max(options.maxDelayMs ?? 5000, this.#delay);
    this.#reestablishAfter = options.reestablishAfterMs ?? 0;
    this.#logger = options.logger ?? SILENT_LOGGER;
    if (
      !(this.#retries >= 0) || !(this.#delay >= 0) ||
      !(this.#reestablishAfter >= 0)
    ) {
      throw new RangeError(
        "Reconnect retries, delays and intervals must not be negative",
      );
    }
    const heartbeat = options.heartbeatIntervalMs;
    if (heartbeat !== undefined) {
      if (!(heartbeat > 0)) {
        throw new RangeError(
          `Heartbeat interval must be positive: ${heartbeat}`,
        );
      }
      this.#heartbeat = setInterval(() => this.#beat(), heartbeat);
      unrefTimer(this.#heartbeat);
    }
  }

  /**
   * True once closed by the caller, or after reconnection gave up.
   *
   * @example Usage
   * ```ts ignore
   * console.log(transport.closed); // true once closed or given up
   * ```
   */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * The connection's status changes from now on, until it closes (see {@linkcode ConnectionStatus}).
   * Each call is a separate subscription; leaving its loop unsubscribes.
   *
   * @returns The statuses, as an async iterator.
   *
   * @example Usage
   * ```ts ignore
   * for await (const status of transport.status()) console.log(status.type);
   * ```
   */
  status(): AsyncIterableIterator<ConnectionStatus> {
    return this.#statuses.subscribe();
  }

  /**
   * Sends one command, reconnecting first when the connection dropped; see
   * {@linkcode Transport.request}.
   *
   * @param code The command code.
   * @param payload The encoded request payload.
   * @returns The OK response payload.
   * @throws {ConnectionError} When the connection drops or cannot be reopened.
   *
   * @example Usage
   * ```ts ignore
   * await transport.request(CommandCode.Ping, new Uint8Array());
   * ```
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
   *
   * @example Usage
   * ```ts ignore
   * await transport.requestFrame(new Uint8Array([4, 0, 0, 0, 1, 0, 0, 0])); // a ping
   * ```
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

  #call(
    code: number,
    payload: Uint8Array,
    send: (transport: Transport) => Promise<Uint8Array>,
  ): Promise<Uint8Array> {
    if (this.#closed) {
      return Promise.reject(new ConnectionError("Connection is closed"));
    }
    const transport = this.#current;
    if (transport.closed) return this.#callAfterReconnect(code, payload, send);
    if (!isSessionCommand(code)) {
      // The hot path (sends, polls) adds nothing: a loss shows on the next call or heartbeat.
      return send(transport);
    }
    return send(transport).then((answer) => {
      this.#remember(code, payload);
      return answer;
    });
  }

  async #callAfterReconnect(
    code: number,
    payload: Uint8Array,
    send: (transport: Transport) => Promise<Uint8Array>,
  ): Promise<Uint8Array> {
    this.#lost(this.#current);
    const answer = await send(await this.#reconnect());
    if (isSessionCommand(code)) this.#remember(code, payload);
    return answer;
  }

  /**
   * Keeps what a new connection must repeat: the last login (a logout forgets it) and the groups
   * joined (a leave with the same identifiers forgets one).
   */
  #remember(code: number, payload: Uint8Array): void {
    if (code === CommandCode.JoinConsumerGroup) {
      this.#groups.set(String(payload), payload.slice());
    } else if (code === CommandCode.LeaveConsumerGroup) {
      this.#groups.delete(String(payload));
    } else if (code === CommandCode.LogoutUser) {
      this.#login = undefined;
    } else {
      this.#login = { code, payload: payload.slice() };
    }
  }

  /** Joins again the groups the lost connection was in; a group that is gone is forgotten. */
  async #rejoin(transport: Transport): Promise<void> {
    for (const [key, payload] of this.#groups) {
      try {
        await transport.request(CommandCode.JoinConsumerGroup, payload);
      } catch (err) {
        if (!(err instanceof IggyError) || isConnectionFailure(err)) throw err;
        this.#groups.delete(key);
        this.#logger.warn(
          `Iggy consumer group not joined again after reconnecting: ${err.message}`,
          err,
        );
      }
    }
  }

  /** Reports the loss of `transport` once. */
  #lost(transport: Transport): void {
    if (this.#reported === transport) return;
    this.#reported = transport;
    this.#logger.warn("Iggy connection lost");
    this.#statuses.emit({ type: "disconnected" });
  }

  /**
   * Closes the current connection and stops reconnecting.
   *
   * @returns When the connection is closed.
   *
   * @example Usage
   * ```ts ignore
   * await transport.close();
   * ```
   */
  async close(): Promise<void> {
    if (!this.#closed) this.#finish(undefined);
    await this.#current.close();
  }

  /** Stops for good: no more heartbeats or attempts; the status subscriptions end. */
  #finish(error: unknown): void {
    this.#closed = true;
    clearInterval(this.#heartbeat);
    this.#wakeUp?.();
    this.#statuses.emit({ type: "closed", error });
    this.#statuses.end();
  }

  /** A heartbeat: a Ping that also notices (and replaces) a connection lost while idle. */
  #beat(): void {
    if (this.#closed || this.#reconnecting) return;
    this.request(CommandCode.Ping, new Uint8Array()).catch((error) => {
      this.#logger.debug("Iggy heartbeat failed", error);
    });
  }

  #reconnect(): Promise<Transport> {
    this.#reconnecting ??= this.#attempts().finally(() => {
      this.#reconnecting = undefined;
    });
    return this.#reconnecting;
  }

  async #attempts(): Promise<Transport> {
    // A connection replaced too soon after it was opened waits out `reestablishAfterMs` first.
    let delay = Math.max(
      0,
      this.#openedAt + this.#reestablishAfter - Date.now(),
    );
    let backOff = this.#delay;
    let last: unknown;
    let attempt = 0;
    for (; attempt <= this.#retries && !this.#closed; attempt++) {
      if (attempt > 0) {
        delay = jitter(backOff);
        backOff = Math.min(backOff * 2, this.#maxDelay);
      }
      this.#statuses.emit({
        type: "reconnecting",
        attempt: attempt + 1,
        delayMs: delay,
        error: last,
      });
      this.#logger.debug(
        `Iggy reconnection attempt ${attempt + 1} in ${delay} ms`,
      );
      if (delay > 0) await this.#sleep(delay);
      if (this.#closed) break;
      let transport: Transport | undefined;
      try {
        transport = await this.#open();
        if (this.#login) {
          await transport.request(this.#login.code, this.#login.payload);
        }
        await this.#rejoin(transport);
        if (this.#closed) {
          await transport.close();
          break;
        }
        this.#current = transport;
        this.#openedAt = Date.now();
        this.#statuses.emit({ type: "reconnected", attempts: attempt + 1 });
        this.#logger.info(
          `Iggy connection reopened after ${attempt + 1} attempt(s)`,
        );
        return transport;
      } catch (err) {
        last = err;
        await transport?.close().catch(() => {});
        if (err instanceof IggyError && LOGIN_REFUSED.has(err.code)) {
          // The server refused the credentials themselves: trying again cannot help.
          const error = new ConnectionError(
            `Cannot log in again after reconnecting: ${err.message}`,
            { cause: err },
          );
          this.#logger.error(error.message, err);
          this.#finish(error);
          throw error;
        }
      }
    }
    const error = new ConnectionError(
      this.#closed && attempt <= this.#retries
        ? "Connection is closed"
        : `Cannot reconnect after ${attempt} attempts`,
      { cause: last },
    );
    if (!this.#closed) {
      this.#logger.error(error.message, last);
      this.#finish(error);
    }
    throw error;
  }

  /** Waits `ms`, or less when closed meanwhile. */
  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      this.#wakeUp = done;
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
    });
  }
}

/**
 * Answers to a replayed login that end reconnection: the credentials are no longer good. Any other
 * failure (a busy or throttling server, a lost connection) is tried again after the back-off.
 */
const LOGIN_REFUSED: ReadonlySet<number> = new Set([
  ErrorCode.ResourceNotFound,
  ErrorCode.Unauthenticated,
  ErrorCode.Unauthorized,
  ErrorCode.InvalidCredentials,
  ErrorCode.InvalidUsername,
  ErrorCode.InvalidPassword,
  ErrorCode.UserInactive,
  ErrorCode.InvalidPersonalAccessToken,
  ErrorCode.PersonalAccessTokenExpired,
]);

/** Login, logout, joining and leaving groups: what a new connection must repeat (or forget). */
function isSessionCommand(code: number): boolean {
  return code === CommandCode.LoginUser ||
    code === CommandCode.LoginWithPersonalAccessToken ||
    code === CommandCode.LogoutUser ||
    code === CommandCode.JoinConsumerGroup ||
    code === CommandCode.LeaveConsumerGroup;
}

/** `ms` ± 20 %, so that many clients of one restarted server do not come back in step. */
function jitter(ms: number): number {
  return Math.round(ms * (0.8 + 0.4 * Math.random()));
}

/** Lets the process exit while only this timer is left (Deno and Node). */
function unrefTimer(timer: ReturnType<typeof setInterval>): void {
  const deno = (globalThis as { Deno?: { unrefTimer(id: number): void } }).Deno;
  if (typeof timer === "number") deno?.unrefTimer(timer);
  else (timer as { unref?: () => void }).unref?.();
}
