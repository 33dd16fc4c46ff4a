/**
 * Slows down repeated login failures from one client address: after a few free attempts every further
 * attempt from that address waits an exponentially growing, bounded delay. Attempts are spaced out even
 * when they arrive on parallel connections; other addresses and other commands are never delayed.
 * @module
 */

/** Tuning of a {@linkcode LoginThrottle}. */
export interface LoginThrottleOptions {
  /** Failures that cost nothing. @default {3} */
  freeFailures?: number;
  /** Delay after the first paid failure, doubled for each further one. @default {250} */
  baseDelayMs?: number;
  /** Upper bound of one delay. @default {4000} */
  maxDelayMs?: number;
  /** Upper bound of the wait of one attempt, however many are queued. @default {16000} */
  maxWaitMs?: number;
  /** Failures are forgotten this long after the last one. @default {900000} */
  forgetAfterMs?: number;
  /** Addresses remembered at most (the oldest are dropped first). @default {10000} */
  maxEntries?: number;
  /** Clock in ms. @default {Date.now} */
  now?: () => number;
  /** How to wait. @default {setTimeout} */
  sleep?: (ms: number) => Promise<void>;
}

interface Entry {
  failures: number;
  /** Earliest start of the next attempt (ms). */
  nextAt: number;
  lastFailureAt: number;
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Per-address failure counter with bounded exponential back-off. */
export class LoginThrottle {
  #free: number;
  #base: number;
  #maxDelay: number;
  #maxWait: number;
  #forgetAfter: number;
  #maxEntries: number;
  #now: () => number;
  #sleep: (ms: number) => Promise<void>;
  #entries = new Map<string, Entry>();

  constructor(options: LoginThrottleOptions = {}) {
    this.#free = options.freeFailures ?? 3;
    this.#base = options.baseDelayMs ?? 250;
    this.#maxDelay = options.maxDelayMs ?? 4000;
    this.#maxWait = options.maxWaitMs ?? 16_000;
    this.#forgetAfter = options.forgetAfterMs ?? 15 * 60_000;
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? defaultSleep;
  }

  /** The delay imposed after `failures` consecutive failures. */
  delayFor(failures: number): number {
    if (failures < this.#free) return 0;
    const steps = Math.min(failures - this.#free, 30);
    return Math.min(this.#maxDelay, this.#base * 2 ** steps);
  }

  /** Remembered failures of `key` (0 when none or forgotten). */
  failures(key: string): number {
    return this.#entry(key)?.failures ?? 0;
  }

  #entry(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry && this.#now() - entry.lastFailureAt > this.#forgetAfter) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  /**
   * Waits until an attempt from `key` may proceed and reserves the slot, so that parallel attempts
   * are spaced by the current delay too.
   */
  async admit(key: string): Promise<void> {
    const entry = this.#entry(key);
    if (!entry) return;
    const delay = this.delayFor(entry.failures);
    if (delay === 0) return;
    const now = this.#now();
    const start = Math.min(Math.max(now, entry.nextAt), now + this.#maxWait);
    entry.nextAt = start + delay;
    if (start > now) await this.#sleep(start - now);
  }

  /** Records a failed attempt. */
  fail(key: string): void {
    const now = this.#now();
    const entry = this.#entry(key) ??
      { failures: 0, nextAt: now, lastFailureAt: now };
    entry.failures++;
    entry.lastFailureAt = now;
    entry.nextAt = Math.max(entry.nextAt, now + this.delayFor(entry.failures));
    // Re-insert so that the map stays ordered by last failure.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
  }

  /**
   * Records a successful attempt: one failure is forgiven. Not all of them, else knowing one password
   * would let a client reset its back-off between guesses on other accounts.
   */
  succeed(key: string): void {
    const entry = this.#entry(key);
    if (!entry) return;
    entry.failures--;
    if (entry.failures <= 0) this.#entries.delete(key);
  }

  /** Runs `attempt` for `key` after {@linkcode admit}; a throw counts as a failure, a result as a success. */
  async guard<T>(key: string, attempt: () => Promise<T>): Promise<T> {
    await this.admit(key);
    let result: T;
    try {
      result = await attempt();
    } catch (err) {
      this.fail(key);
      throw err;
    }
    this.succeed(key);
    return result;
  }
}

/** The host part of an `ip:port` or `[ipv6]:port` address (the whole string when there is no port). */
export function hostOf(address: string): string {
  if (address.startsWith("[")) {
    const end = address.indexOf("]");
    return end > 0 ? address.slice(1, end) : address;
  }
  const colon = address.lastIndexOf(":");
  return colon > 0 && address.indexOf(":") === colon
    ? address.slice(0, colon)
    : address;
}

const throttles = new WeakMap<object, LoginThrottle>();

/** The throttle shared by every transport of one server (keyed by its system object). */
export function loginThrottleOf(owner: object): LoginThrottle {
  let throttle = throttles.get(owner);
  if (!throttle) {
    throttle = new LoginThrottle();
    throttles.set(owner, throttle);
  }
  return throttle;
}
