/**
 * What the socket transports share: the `timeout` option check, deadlines, and for the pipelined
 * ones (TCP, WebSocket) the FIFO of requests awaiting their in-order answers, with one timer for
 * the oldest (binary.md §1.1–1.2).
 * @module
 */

import { IggyError } from "./protocol/mod.ts";
import { ConnectionError, TimeoutError } from "./errors.ts";

/**
 * Checks a `timeout` option: absent, or a positive number of milliseconds.
 *
 * @param timeout The option value.
 * @returns The same value.
 * @throws {RangeError} When it is not a positive finite number.
 */
export function checkTimeout(timeout: number | undefined): number | undefined {
  if (timeout !== undefined && !(Number.isFinite(timeout) && timeout > 0)) {
    throw new RangeError(
      `Timeout must be a positive number of milliseconds: ${timeout}`,
    );
  }
  return timeout;
}

/**
 * The `performance.now()` by which an answer must arrive.
 *
 * @param timeout Milliseconds, or undefined for no timeout.
 * @returns The deadline (Infinity without a timeout).
 */
export function deadlineOf(timeout: number | undefined): number {
  return timeout === undefined ? Infinity : performance.now() + timeout;
}

/**
 * The message of a caught value.
 *
 * @param err The caught value.
 * @returns Its message, or its string form.
 */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

interface Pending {
  resolve(payload: Uint8Array): void;
  reject(error: unknown): void;
  /** `performance.now()` by which the answer must arrive (Infinity without a timeout). */
  deadline: number;
}

/**
 * Requests waiting for answers that come in order. When the oldest one's deadline passes, it
 * rejects with {@linkcode TimeoutError} and `onTimeout` is called to close the connection.
 */
export class PendingQueue {
  #timeout: number | undefined;
  #onTimeout: (error: ConnectionError) => void;
  #pending: Pending[] = [];
  #head = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  /**
   * @param timeout Milliseconds to wait for each answer (none when undefined).
   * @param onTimeout Closes the connection after a request timed out.
   */
  constructor(
    timeout: number | undefined,
    onTimeout: (error: ConnectionError) => void,
  ) {
    this.#timeout = timeout;
    this.#onTimeout = onTimeout;
  }

  /**
   * Adds a request at the end of the queue.
   *
   * @returns Its answer's payload; rejects with its error status, a timeout or the close error.
   */
  push(): Promise<Uint8Array> {
    // Not Promise.withResolvers(): Node 20 lacks it.
    const promise = new Promise<Uint8Array>((resolve, reject) => {
      this.#pending.push({
        resolve,
        reject,
        deadline: deadlineOf(this.#timeout),
      });
    });
    if (this.#pending.length - this.#head === 1) this.#arm();
    return promise;
  }

  /**
   * Settles the oldest request with one answer frame.
   *
   * @param status The frame's status (0 is OK).
   * @param payload The frame's payload.
   * @returns The error to close the connection with when an error status answers no request (the
   * server's notice before it disconnects); otherwise undefined.
   */
  answer(status: number, payload: Uint8Array): ConnectionError | undefined {
    const request = this.#shift();
    if (request === undefined) {
      if (status === 0) return undefined;
      const cause = new IggyError(status);
      return new ConnectionError(
        `Connection closed by the server: ${cause.message}`,
        { cause },
      );
    }
    if (status === 0) request.resolve(payload);
    else request.reject(new IggyError(status));
    return undefined;
  }

  /**
   * Stops the timer and rejects every pending request; nothing is timed after this.
   *
   * @param error The rejection.
   */
  close(error: Error): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const pending = this.#pending.slice(this.#head);
    this.#pending = [];
    this.#head = 0;
    for (const request of pending) request.reject(error);
  }

  #shift(): Pending | undefined {
    if (this.#head >= this.#pending.length) return undefined;
    const request = this.#pending[this.#head]!;
    this.#head++;
    if (this.#head === this.#pending.length) {
      this.#pending = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#pending.length) {
      this.#pending = this.#pending.slice(this.#head);
      this.#head = 0;
    }
    this.#arm();
    return request;
  }

  /** (Re)arms the timer for the oldest pending request; answers come in order, so it expires first. */
  #arm(): void {
    if (this.#timeout === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const oldest = this.#pending[this.#head];
    if (oldest === undefined || this.#closed) return;
    const timeout = this.#timeout;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      const error = new TimeoutError(
        `No answer from the server within ${timeout} ms`,
      );
      const first = this.#shift();
      clearTimeout(this.#timer);
      first?.reject(error);
      this.#onTimeout(
        new ConnectionError("Connection closed after a request timed out", {
          cause: error,
        }),
      );
    }, Math.max(0, oldest.deadline - performance.now()));
  }
}
