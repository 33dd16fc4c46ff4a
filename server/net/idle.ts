/**
 * Idle and handshake time limits: connections that complete no request for a while are closed, and
 * handshakes that do not finish in time are given up.
 * @module
 */

/** A connection the sweeper watches. */
export interface IdleWatch {
  /** When the connection last completed a request, ms since the epoch. */
  lastActive(): number;
  /** Closes the connection because it was idle. */
  close(): void;
}

/**
 * Closes connections whose last complete request is older than the timeout. It has no timer of its
 * own: the owner calls {@linkcode IdleSweeper.sweep} periodically (see {@linkcode sweepInterval}).
 *
 * @example Usage
 * ```ts
 * import { IdleSweeper } from "./idle.ts";
 * const sweeper = new IdleSweeper(60_000);
 * const stop = sweeper.watch({ lastActive: () => Date.now(), close: () => {} });
 * sweeper.sweep(); // 0: nothing idle
 * stop();
 * ```
 */
export class IdleSweeper {
  readonly #timeoutMs: number;
  readonly #watched = new Set<IdleWatch>();

  /** @param timeoutMs Idle time after which a connection is closed; 0 = never. */
  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
  }

  /** The idle timeout in milliseconds (0 = never). */
  get timeoutMs(): number {
    return this.#timeoutMs;
  }

  /**
   * Watches a connection until the returned function is called.
   *
   * @param watch How to read its activity and close it.
   * @returns Stops watching it.
   */
  watch(watch: IdleWatch): () => void {
    if (this.#timeoutMs === 0) return () => {};
    this.#watched.add(watch);
    return () => this.#watched.delete(watch);
  }

  /**
   * Closes (and stops watching) every connection idle for longer than the timeout.
   *
   * @param now The current time, ms since the epoch. @default Date.now()
   * @returns How many were closed.
   */
  sweep(now: number = Date.now()): number {
    let closed = 0;
    for (const watch of this.#watched) {
      if (now - watch.lastActive() <= this.#timeoutMs) continue;
      this.#watched.delete(watch);
      closed++;
      try {
        watch.close();
      } catch {
        // already closed
      }
    }
    return closed;
  }
}

/**
 * How often to sweep for an idle timeout: a tenth of it, between 50 ms and 1 s, so a connection is
 * closed at most 10 % (or 1 s) after its timeout.
 *
 * @param timeoutMs The idle timeout.
 * @returns The period in milliseconds.
 */
export function sweepInterval(timeoutMs: number): number {
  return Math.min(1000, Math.max(50, Math.floor(timeoutMs / 10)));
}

/** Thrown by {@linkcode withDeadline} when the time is up. */
export class DeadlineExceeded extends Error {
  /** @param ms The deadline that passed. */
  constructor(ms: number) {
    super(`Timed out after ${ms} ms`);
    this.name = "DeadlineExceeded";
  }
}

/**
 * Waits for `promise` at most `ms` milliseconds (0 = no deadline).
 *
 * @param promise The work (it is not cancelled on timeout: the caller closes what it belongs to).
 * @param ms The deadline.
 * @returns What the promise resolves to.
 * @throws {DeadlineExceeded} If the deadline passes first.
 */
export async function withDeadline<T>(
  promise: Promise<T>,
  ms: number,
): Promise<T> {
  if (ms === 0) return await promise;
  // A late failure of the abandoned work must not surface as an unhandled rejection.
  promise.catch(() => {});
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new DeadlineExceeded(ms)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
