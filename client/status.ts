/**
 * Connection status events and the logger hook: what a reconnecting connection reports about its
 * life, and where the SDK writes its diagnostics.
 * @module
 */

/**
 * A change in the life of a connection, as {@linkcode IggyClient.status} reports it, in this order:
 * `disconnected` when the connection is found lost, then one `reconnecting` per attempt, then
 * `reconnected` once a new connection is open (and logged in again), or `closed` when reconnection
 * gives up (with the last `error`) or the client is closed (without one).
 *
 * @example Usage
 * ```ts
 * import type { ConnectionStatus } from "@iggy/client";
 *
 * function describe(status: ConnectionStatus): string {
 *   switch (status.type) {
 *     case "disconnected":
 *       return "connection lost";
 *     case "reconnecting":
 *       return `attempt ${status.attempt} in ${status.delayMs} ms`;
 *     case "reconnected":
 *       return `back after ${status.attempts} attempt(s)`;
 *     case "closed":
 *       return status.error === undefined ? "closed" : "gave up";
 *   }
 * }
 * ```
 */
export type ConnectionStatus =
  | { type: "disconnected" }
  | { type: "reconnecting"; attempt: number; delayMs: number; error?: unknown }
  | { type: "reconnected"; attempts: number }
  | { type: "closed"; error?: unknown };

/**
 * Where the SDK writes diagnostics (connection lost, reconnection attempts, retried sends). `console`
 * fits; nothing is logged when no logger is given.
 *
 * @example Usage
 * ```ts ignore
 * import { connect } from "@iggy/client";
 *
 * await using client = await connect("iggy://iggy:iggy@127.0.0.1:8090", { logger: console });
 * ```
 */
export interface Logger {
  /**
   * Routine detail (each reconnection attempt).
   *
   * @param message What happened.
   * @param data Related values, such as the error.
   */
  debug(message: string, ...data: unknown[]): void;
  /**
   * A normal but notable event (reconnected).
   *
   * @param message What happened.
   * @param data Related values.
   */
  info(message: string, ...data: unknown[]): void;
  /**
   * Something went wrong and is being handled (connection lost, a send retried).
   *
   * @param message What happened.
   * @param data Related values, such as the error.
   */
  warn(message: string, ...data: unknown[]): void;
  /**
   * Something went wrong for good (reconnection gave up).
   *
   * @param message What happened.
   * @param data Related values, such as the error.
   */
  error(message: string, ...data: unknown[]): void;
}

/** A logger that drops everything. */
export const SILENT_LOGGER: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

/** Fans status events out to subscribers, each an async iterator with its own queue. */
export class StatusHub {
  #subscribers = new Set<Subscriber>();
  #ended = false;

  /** True once {@linkcode StatusHub.end} was called. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Queues `status` for every subscriber. */
  emit(status: ConnectionStatus): void {
    if (this.#ended) return;
    for (const subscriber of this.#subscribers) subscriber.push(status);
  }

  /** Ends every subscription after what is queued; later subscriptions end at once. */
  end(): void {
    this.#ended = true;
    for (const subscriber of this.#subscribers) subscriber.finish();
    this.#subscribers.clear();
  }

  /** A new subscription: the statuses emitted from now on. */
  subscribe(): AsyncIterableIterator<ConnectionStatus> {
    const subscriber = new Subscriber(() =>
      this.#subscribers.delete(subscriber)
    );
    if (this.#ended) subscriber.finish();
    else this.#subscribers.add(subscriber);
    return subscriber;
  }
}

class Subscriber implements AsyncIterableIterator<ConnectionStatus> {
  #queue: ConnectionStatus[] = [];
  #waiting: ((result: IteratorResult<ConnectionStatus>) => void) | undefined;
  #done = false;
  #unsubscribe: () => void;

  constructor(unsubscribe: () => void) {
    this.#unsubscribe = unsubscribe;
  }

  push(status: ConnectionStatus): void {
    if (this.#done) return;
    if (this.#waiting) {
      const resolve = this.#waiting;
      this.#waiting = undefined;
      resolve({ value: status, done: false });
    } else {
      this.#queue.push(status);
    }
  }

  finish(): void {
    this.#done = true;
    if (this.#waiting && this.#queue.length === 0) {
      const resolve = this.#waiting;
      this.#waiting = undefined;
      resolve({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<ConnectionStatus>> {
    const value = this.#queue.shift();
    if (value !== undefined) return Promise.resolve({ value, done: false });
    if (this.#done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.#waiting = resolve);
  }

  return(): Promise<IteratorResult<ConnectionStatus>> {
    this.#queue.length = 0;
    this.finish();
    this.#unsubscribe();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ConnectionStatus> {
    return this;
  }
}
