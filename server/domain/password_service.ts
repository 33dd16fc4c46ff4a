/**
 * Password checks as the handlers use them: argon2id on the {@linkcode PasswordPool}, with two ways to
 * avoid repeating a verification without weakening it:
 * - identical verifications in flight share one argon2id run;
 * - a successful verification is remembered for a while, as a MAC (keyed BLAKE3) under a key that
 *   lives only in this process, of the stored hash and the password. Only a right password can hit it, and a new
 *   password (a new hash, with a new salt) never does. Nothing of it is persisted.
 *
 * Callers throttle attempts before they get here (see `login_throttle.ts`), so a remembered success
 * is not an oracle that skips the throttle.
 * @module
 */

import { createBLAKE3, type IHasher } from "hash-wasm";
import { PasswordPool, type PasswordPoolOptions } from "./password_pool.ts";

/** Options of a {@linkcode PasswordService}. */
export interface PasswordServiceOptions extends PasswordPoolOptions {
  /** How long a verified password is remembered, ms; 0 = not at all. @default {600000} */
  verifiedTtlMs?: number;
  /** Verified passwords remembered at most (oldest dropped first). @default {10000} */
  verifiedMaxEntries?: number;
  /** Clock in ms. @default {Date.now} */
  now?: () => number;
}

/** Default of {@linkcode PasswordServiceOptions.verifiedTtlMs}: 10 minutes. */
export const DEFAULT_VERIFIED_TTL_MS = 10 * 60_000;

/** Hashing and verification of passwords, off the event loop. */
export class PasswordService {
  readonly #pool: PasswordPool;
  readonly #key = crypto.getRandomValues(new Uint8Array(32));
  readonly #ttl: number;
  readonly #maxEntries: number;
  readonly #now: () => number;
  /** Credential digest → expiry (ms), in insertion order. */
  readonly #verified = new Map<string, number>();
  readonly #inFlight = new Map<string, Promise<boolean>>();
  #dummy: Promise<string> | undefined;
  /** Keyed BLAKE3 (WebAssembly): a few µs a digest, where `node:crypto`'s HMAC costs ~50 µs. */
  #mac: Promise<IHasher> | undefined;

  constructor(options: PasswordServiceOptions = {}) {
    this.#pool = new PasswordPool(options);
    this.#ttl = options.verifiedTtlMs ?? DEFAULT_VERIFIED_TTL_MS;
    this.#maxEntries = options.verifiedMaxEntries ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** The pool's worker count. */
  get workers(): number {
    return this.#pool.size;
  }

  /**
   * Hashes `password` with argon2id and a random salt.
   * @returns the PHC string
   * @throws {IggyError} `LoginQueueFull` when the pool's queue is full
   */
  hash(password: string): Promise<string> {
    return this.#pool.hash(password);
  }

  /**
   * Verifies `password` against a stored PHC string; an unknown user passes `undefined` and still
   * costs one verification (against a hash of a random password), so failures look alike.
   * @throws {IggyError} `LoginQueueFull` when the pool's queue is full
   */
  async verify(password: string, hash: string | undefined): Promise<boolean> {
    if (hash === undefined) {
      // Made on first use; a refused attempt (queue full) is not remembered.
      this.#dummy ??= this.#pool.hash(crypto.randomUUID()).catch((err) => {
        this.#dummy = undefined;
        throw err;
      });
      await this.#pool.verify(password, await this.#dummy);
      return false;
    }
    const key = await this.credentialKey(password, hash);
    if (this.#isVerified(key)) return true;
    let check = this.#inFlight.get(key);
    if (!check) {
      check = this.#pool.verify(password, hash).finally(() =>
        this.#inFlight.delete(key)
      );
      this.#inFlight.set(key, check);
    }
    const ok = await check;
    if (ok) this.#remember(key);
    return ok;
  }

  /**
   * A digest naming one (hash, password) pair, for coalescing identical checks; it reveals nothing
   * without this process's key.
   */
  async credentialKey(password: string, hash: string): Promise<string> {
    const mac = await (this.#mac ??= createBLAKE3(256, this.#key));
    // No await between init and digest: concurrent callers never interleave on the one hasher.
    mac.init();
    mac.update(hash);
    mac.update("\0");
    mac.update(password);
    return mac.digest("hex");
  }

  /** Starts the workers now (see {@linkcode PasswordPool.prestart}). */
  prestart(): void {
    this.#pool.prestart();
  }

  /** Stops the workers. */
  close(): void {
    this.#pool.close();
    this.#verified.clear();
  }

  #isVerified(key: string): boolean {
    const until = this.#verified.get(key);
    if (until === undefined) return false;
    if (until > this.#now()) return true;
    this.#verified.delete(key);
    return false;
  }

  #remember(key: string): void {
    if (this.#ttl <= 0) return;
    this.#verified.delete(key);
    this.#verified.set(key, this.#now() + this.#ttl);
    while (this.#verified.size > this.#maxEntries) {
      const oldest = this.#verified.keys().next().value;
      if (oldest === undefined) break;
      this.#verified.delete(oldest);
    }
  }
}
