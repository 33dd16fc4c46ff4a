/**
 * Slows down login guessing without holding up anyone else. Two kinds of keys, both within one
 * client address (so nothing done from one address ever delays a login from another; an IPv6
 * address counts by its /64, see {@linkcode throttleKeyOf}):
 * - the address and username pair: a few free failures, then an exponentially growing, bounded delay;
 *   attempts in flight count as failures until they end, so parallel connections cannot slip
 *   guesses for one user past the delay;
 * - the address alone: at most `maxInFlightPerAddress` attempts verified at once, and more free
 *   failures (several users may share an address) before the same delay, which an attempt takes
 *   once it holds a slot, so guesses spread over many usernames slow down as soon as they fail.
 *
 * An attempt that would wait longer than `maxWaitMs` is refused with `TooManyLoginAttempts` instead
 * of queueing.
 * @module
 */

import { ErrorCode, IggyError } from "../../client/protocol/errors.ts";

/** Tuning of a {@linkcode LoginThrottle}. */
export interface LoginThrottleOptions {
  /** Failures of one address and username that cost nothing. @default {3} */
  freeFailures?: number;
  /** Failures of one address (any username) that cost nothing. @default {10} */
  addressFreeFailures?: number;
  /** Delay after the first paid failure, doubled for each further one. @default {250} */
  baseDelayMs?: number;
  /** Upper bound of one delay. @default {4000} */
  maxDelayMs?: number;
  /** An attempt that would wait longer is refused at once. @default {16000} */
  maxWaitMs?: number;
  /** Attempts of one address verified at once; the others wait their turn. @default {8} */
  maxInFlightPerAddress?: number;
  /** Failures are forgotten this long after the last one. @default {900000} */
  forgetAfterMs?: number;
  /** Keys remembered at most (the least recently failed are dropped first). @default {10000} */
  maxEntries?: number;
  /** Clock in ms. @default {Date.now} */
  now?: () => number;
  /** How to wait. @default {setTimeout} */
  sleep?: (ms: number) => Promise<void>;
}

interface Counter {
  failures: number;
  lastFailureAt: number;
  /** Earliest start of the next paid attempt (ms). */
  nextAt: number;
  /** Attempts admitted or waiting, not yet ended. */
  inFlight: number;
}

interface AddressCounter extends Counter {
  /** Attempts holding one of the address's verification slots. */
  active: number;
  /** Attempts waiting for a slot, first come first served. */
  slotWaiters: (() => void)[];
}

/** An admitted attempt; call {@linkcode LoginTicket.end} exactly once. */
export interface LoginTicket {
  /** Records the outcome: a failure is counted, a success forgives one failure. */
  end(success: boolean): void;
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function tooMany(waitMs: number): IggyError {
  return new IggyError(
    ErrorCode.TooManyLoginAttempts,
    `retry in ${Math.ceil(waitMs / 1000)} s`,
  );
}

function pairKey(host: string, username: string): string {
  return `${host}\n${username}`;
}

/** Per-address and per-(address, username) failure counters with bounded back-off. */
export class LoginThrottle {
  #free: number;
  #addressFree: number;
  #base: number;
  #maxDelay: number;
  #maxWait: number;
  #maxInFlight: number;
  #forgetAfter: number;
  #maxEntries: number;
  #now: () => number;
  #sleep: (ms: number) => Promise<void>;
  #entries = new Map<string, AddressCounter>();

  constructor(options: LoginThrottleOptions = {}) {
    this.#free = options.freeFailures ?? 3;
    this.#addressFree = options.addressFreeFailures ?? 10;
    this.#base = options.baseDelayMs ?? 250;
    this.#maxDelay = options.maxDelayMs ?? 4000;
    this.#maxWait = options.maxWaitMs ?? 16_000;
    this.#maxInFlight = Math.max(1, options.maxInFlightPerAddress ?? 8);
    this.#forgetAfter = options.forgetAfterMs ?? 15 * 60_000;
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? defaultSleep;
  }

  /** The delay imposed after `failures` failures when `free` of them cost nothing. */
  delayFor(failures: number, free: number = this.#free): number {
    if (failures < free) return 0;
    const steps = Math.min(failures - free, 30);
    return Math.min(this.#maxDelay, this.#base * 2 ** steps);
  }

  /** Remembered failures of `host`, or of `host` with `username` (0 when none or forgotten). */
  failures(host: string, username?: string): number {
    const key = username === undefined ? host : pairKey(host, username);
    return this.#entry(key, false)?.failures ?? 0;
  }

  /**
   * Waits until an attempt of `username` from `host` may proceed; the attempt counts as in flight
   * (a failure, for the delays of later attempts) until its ticket ends.
   * @throws {IggyError} `TooManyLoginAttempts` when it would wait longer than `maxWaitMs`
   */
  async admit(host: string, username: string): Promise<LoginTicket> {
    const now = this.#now();
    const address = this.#entry(host, true)!;
    const pair = this.#entry(pairKey(host, username), true)!;
    const pairDelay = this.delayFor(pair.failures + pair.inFlight);
    const start = pairDelay > 0 ? Math.max(now, pair.nextAt) : now;
    if (start - now > this.#maxWait) throw tooMany(start - now);
    if (pairDelay > 0) pair.nextAt = start + pairDelay;
    pair.inFlight++;
    address.inFlight++;
    try {
      if (start > now) await this.#sleep(start - now);
      await this.#takeSlot(address);
      await this.#addressBackOff(address);
    } catch (err) {
      pair.inFlight--;
      address.inFlight--;
      throw err;
    }
    let ended = false;
    return {
      end: (success) => {
        if (ended) return;
        ended = true;
        pair.inFlight--;
        address.inFlight--;
        this.#releaseSlot(address);
        const keys = [[host, address], [pairKey(host, username), pair]];
        for (const [key, counter] of keys as [string, Counter][]) {
          if (success) this.#forgive(key, counter);
          else this.#fail(key, counter);
        }
      },
    };
  }

  /**
   * The address's own back-off, applied once an attempt holds one of its slots, from the failures
   * known by then: its in-flight attempts are bounded by the slots rather than counted as failures,
   * so that many users behind one address can log in at once, while guesses spread over many
   * usernames still slow down as soon as they fail. Refuses (and frees the slot) past `maxWaitMs`.
   */
  async #addressBackOff(address: AddressCounter): Promise<void> {
    const delay = this.delayFor(address.failures, this.#addressFree);
    if (delay === 0) return;
    const now = this.#now();
    const start = Math.max(now, address.nextAt);
    if (start - now > this.#maxWait) {
      this.#releaseSlot(address);
      throw tooMany(start - now);
    }
    address.nextAt = start + delay;
    if (start > now) await this.#sleep(start - now);
  }

  /**
   * Runs `attempt` for `username` from `host` after {@linkcode admit}; a throw counts as a failure,
   * a result as a success.
   */
  async guard<T>(
    host: string,
    username: string,
    attempt: () => Promise<T>,
  ): Promise<T> {
    const ticket = await this.admit(host, username);
    let result: T;
    try {
      result = await attempt();
    } catch (err) {
      ticket.end(false);
      throw err;
    }
    ticket.end(true);
    return result;
  }

  #entry(key: string, create: boolean): AddressCounter | undefined {
    let entry = this.#entries.get(key);
    if (
      entry && entry.failures > 0 &&
      this.#now() - entry.lastFailureAt > this.#forgetAfter
    ) {
      entry.failures = 0;
    }
    if (!entry && create) {
      entry = {
        failures: 0,
        lastFailureAt: 0,
        nextAt: 0,
        inFlight: 0,
        active: 0,
        slotWaiters: [],
      };
      this.#entries.set(key, entry);
    }
    return entry;
  }

  async #takeSlot(address: AddressCounter): Promise<void> {
    if (address.active < this.#maxInFlight) {
      address.active++;
      return;
    }
    // The slot is handed over by #releaseSlot, so `active` stays as it is.
    await new Promise<void>((resolve) => address.slotWaiters.push(resolve));
  }

  #releaseSlot(address: AddressCounter): void {
    const next = address.slotWaiters.shift();
    if (next) next();
    else address.active--;
  }

  #fail(key: string, counter: Counter): void {
    const now = this.#now();
    counter.failures++;
    counter.lastFailureAt = now;
    const free = key.includes("\n") ? this.#free : this.#addressFree;
    counter.nextAt = Math.max(
      counter.nextAt,
      now + this.delayFor(counter.failures, free),
    );
    // Re-insert so that the map stays ordered by last failure, then drop the idle oldest.
    this.#entries.delete(key);
    this.#entries.set(key, counter as AddressCounter);
    this.#evict();
  }

  #forgive(key: string, counter: Counter): void {
    if (counter.failures > 0) counter.failures--;
    if (counter.failures === 0 && counter.inFlight === 0) {
      this.#entries.delete(key);
    }
  }

  #evict(): void {
    if (this.#entries.size <= this.#maxEntries) return;
    for (const [key, entry] of this.#entries) {
      if (this.#entries.size <= this.#maxEntries) break;
      if (entry.inFlight === 0) this.#entries.delete(key);
    }
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

/** Expands an IPv6 address (no brackets, no zone) to its 8 groups, or undefined when it is not one. */
function ipv6Groups(host: string): number[] | undefined {
  const halves = host.split("::");
  if (halves.length > 2) return undefined;
  const parse = (part: string) => part === "" ? [] : part.split(":");
  const head = parse(halves[0]!);
  const tail = halves.length === 2 ? parse(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return undefined;
  const groups = [...head, ...Array(missing).fill("0"), ...tail].map((g) =>
    /^[0-9a-f]{1,4}$/i.test(g) ? parseInt(g, 16) : NaN
  );
  return groups.some(Number.isNaN) ? undefined : groups;
}

/**
 * The throttle's key for a client address: the IPv4 host (also of an IPv4-mapped IPv6 address),
 * or the /64 prefix of an IPv6 one, since one client commonly holds a whole /64.
 */
export function throttleKeyOf(address: string): string {
  const host = hostOf(address);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(host);
  if (mapped) return mapped[1]!;
  if (!host.includes(":")) return host;
  const groups = ipv6Groups(host.split("%")[0]!);
  if (!groups) return host;
  return `${groups.slice(0, 4).map((g) => g.toString(16)).join(":")}::/64`;
}
