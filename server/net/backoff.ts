/**
 * Back-off for a failing accept loop: when accepting fails (typically "too many open files"), the
 * pending connection stays queued and an immediate retry fails again, so the loop must wait.
 * @module
 */

/** First wait after a failed accept, in milliseconds. */
export const ACCEPT_BACKOFF_INITIAL_MS = 5;
/** Longest wait between two accept attempts, in milliseconds. */
export const ACCEPT_BACKOFF_MAX_MS = 1000;

/**
 * Exponential back-off, doubling from {@linkcode ACCEPT_BACKOFF_INITIAL_MS} up to
 * {@linkcode ACCEPT_BACKOFF_MAX_MS}, reset by a successful accept.
 *
 * @example Usage
 * ```ts
 * import { AcceptBackoff } from "./backoff.ts";
 * const backoff = new AcceptBackoff();
 * backoff.next(); // 5
 * backoff.next(); // 10
 * backoff.reset();
 * ```
 */
export class AcceptBackoff {
  #delay = 0;

  /** @returns Milliseconds to wait after one more failure. */
  next(): number {
    this.#delay = this.#delay === 0
      ? ACCEPT_BACKOFF_INITIAL_MS
      : Math.min(this.#delay * 2, ACCEPT_BACKOFF_MAX_MS);
    return this.#delay;
  }

  /** Forgets past failures (after a successful accept). */
  reset(): void {
    this.#delay = 0;
  }
}

/**
 * Sleeps `ms` milliseconds unless `stopped` settles first.
 *
 * @param ms How long.
 * @param stopped Settles when the waiting should end early.
 * @returns True when stopped early.
 */
export async function pause(
  ms: number,
  stopped: Promise<unknown>,
): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const slept = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([slept, stopped.then(() => true, () => true)]);
  } finally {
    clearTimeout(timer);
  }
}
