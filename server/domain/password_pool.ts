/**
 * Runs argon2id off the event loop: a small pool of Web Workers with a bounded queue. Past the queue
 * a job fails at once with {@linkcode ErrorCode.LoginQueueFull}, so a flood of logins costs neither
 * memory nor the latency of every other request.
 * @module
 */

import { ErrorCode, IggyError } from "../../client/protocol/errors.ts";
import { PASSWORD_WORKER_BASE64 } from "./_password_worker_source.ts";
import type { PasswordAnswer, PasswordJob } from "./password_worker.ts";

/** Sizing of a {@linkcode PasswordPool}. */
export interface PasswordPoolOptions {
  /** Workers at most (started on demand). @default {defaultPasswordWorkers()} */
  workers?: number;
  /** Jobs waiting for a worker at most; 0 = none wait. @default {256} */
  queueSize?: number;
  /** Jobs a worker runs before it is replaced (see {@linkcode DEFAULT_JOBS_PER_WORKER}). */
  jobsPerWorker?: number;
}

/**
 * Default of {@linkcode PasswordPoolOptions.jobsPerWorker}. hash-wasm instantiates a fresh
 * WebAssembly memory for every argon2id run (19 MiB, touched in full) and the worker's garbage
 * collector lets hundreds of MiB of them pile up before it frees any. Ending a worker frees them all
 * at once, so each worker is replaced after a few runs. (Handing a finished run's instances to the
 * next one would keep the memory, but hash-wasm's argon2id instance is not reusable: its results
 * come out wrong.) Starting a worker blocks the event loop for a few to a few tens of ms.
 */
export const DEFAULT_JOBS_PER_WORKER = 4;

/** Default of {@linkcode PasswordPoolOptions.queueSize}. */
export const DEFAULT_PASSWORD_QUEUE_SIZE = 256;

/**
 * The default worker count: one less than the CPU count (the event loop keeps a core), at least 1
 * and at most 4 (each worker holds argon2id's 19 MiB, and logins are not the server's main work).
 * @returns the worker count for this machine
 */
export function defaultPasswordWorkers(): number {
  const cores = navigator.hardwareConcurrency || 1;
  return Math.min(4, Math.max(1, cores - 1));
}

type JobInput =
  | { op: "hash"; password: string }
  | { op: "verify"; password: string; hash: string };

interface Pending {
  job: PasswordJob;
  resolve: (value: string | boolean) => void;
  reject: (err: Error) => void;
}

const WORKER_URL = `data:text/javascript;base64,${PASSWORD_WORKER_BASE64}`;

/** A pool of password workers with a bounded queue of jobs. */
export class PasswordPool {
  readonly #maxWorkers: number;
  readonly #queueSize: number;
  readonly #jobsPerWorker: number;
  readonly #jobs = new WeakMap<Worker, number>();
  readonly #idle: Worker[] = [];
  readonly #busy = new Map<Worker, Pending>();
  readonly #queue: Pending[] = [];
  #nextId = 0;
  #closed = false;

  constructor(options: PasswordPoolOptions = {}) {
    this.#maxWorkers = Math.max(1, options.workers || defaultPasswordWorkers());
    this.#queueSize = Math.max(
      0,
      options.queueSize ?? DEFAULT_PASSWORD_QUEUE_SIZE,
    );
    this.#jobsPerWorker = Math.max(
      1,
      options.jobsPerWorker ?? DEFAULT_JOBS_PER_WORKER,
    );
  }

  /** Workers the pool may run. */
  get size(): number {
    return this.#maxWorkers;
  }

  /** Jobs waiting for a worker now. */
  get queued(): number {
    return this.#queue.length;
  }

  /**
   * Hashes `password` with argon2id and a random salt.
   * @returns the PHC string
   * @throws {IggyError} `LoginQueueFull` when the queue is full
   */
  hash(password: string): Promise<string> {
    return this.#submit({ op: "hash", password }) as Promise<string>;
  }

  /**
   * Verifies `password` against an argon2id PHC string (false for a malformed hash).
   * @throws {IggyError} `LoginQueueFull` when the queue is full
   */
  verify(password: string, hash: string): Promise<boolean> {
    return this.#submit({ op: "verify", password, hash }) as Promise<boolean>;
  }

  /**
   * Starts every worker not running yet, rather than on demand: starting one blocks the event loop
   * for a few to a few tens of ms, better paid at start-up than during a burst of logins.
   */
  prestart(): void {
    if (this.#closed) return;
    for (let worker = this.#spawn(); worker; worker = this.#spawn()) {
      this.#idle.push(worker);
    }
  }

  /** Stops every worker; pending and later jobs fail. */
  close(): void {
    this.#closed = true;
    const closed = new IggyError(
      ErrorCode.Disconnected,
      "password pool closed",
    );
    for (const worker of [...this.#idle, ...this.#busy.keys()]) {
      worker.terminate();
    }
    for (const pending of [...this.#busy.values(), ...this.#queue]) {
      pending.reject(closed);
    }
    this.#idle.length = 0;
    this.#busy.clear();
    this.#queue.length = 0;
  }

  #submit(input: JobInput): Promise<string | boolean> {
    if (this.#closed) {
      return Promise.reject(
        new IggyError(ErrorCode.Disconnected, "password pool closed"),
      );
    }
    const { promise, resolve, reject } = Promise.withResolvers<
      string | boolean
    >();
    const pending = { job: { ...input, id: this.#nextId++ }, resolve, reject };
    const worker = this.#idle.pop() ?? this.#spawn();
    if (worker) this.#start(worker, pending);
    else if (this.#queue.length < this.#queueSize) this.#queue.push(pending);
    else {
      reject(
        new IggyError(
          ErrorCode.LoginQueueFull,
          `${this.#queue.length} password checks already wait for ${this.#maxWorkers} workers`,
        ),
      );
    }
    return promise;
  }

  #spawn(): Worker | undefined {
    if (this.#busy.size + this.#idle.length >= this.#maxWorkers) {
      return undefined;
    }
    const worker = new Worker(WORKER_URL, {
      type: "module",
      name: "iggy-password",
    });
    worker.onmessage = (event: MessageEvent<PasswordAnswer>) =>
      this.#answered(worker, event.data);
    worker.onerror = (event) => {
      event.preventDefault();
      this.#crashed(worker, event.message);
    };
    return worker;
  }

  #start(worker: Worker, pending: Pending): void {
    this.#jobs.set(worker, (this.#jobs.get(worker) ?? 0) + 1);
    this.#busy.set(worker, pending);
    worker.postMessage(pending.job);
  }

  #answered(worker: Worker, answer: PasswordAnswer): void {
    const pending = this.#busy.get(worker);
    if (!pending || pending.job.id !== answer.id) return;
    this.#busy.delete(worker);
    if ("error" in answer) {
      pending.reject(new Error(`Password worker failed: ${answer.error}`));
    } else pending.resolve(answer.value);
    this.#next(worker);
  }

  #crashed(worker: Worker, message: string): void {
    worker.terminate();
    const pending = this.#busy.get(worker);
    this.#busy.delete(worker);
    pending?.reject(new Error(`Password worker crashed: ${message}`));
    // A fresh worker takes over the queue.
    const next = this.#queue.length > 0 ? this.#spawn() : undefined;
    if (next) this.#next(next);
  }

  #next(worker: Worker): void {
    if ((this.#jobs.get(worker) ?? 0) >= this.#jobsPerWorker) {
      worker.terminate();
      if (this.#queue.length === 0) return;
      worker = this.#spawn()!;
    }
    const pending = this.#queue.shift();
    if (pending) this.#start(worker, pending);
    else this.#idle.push(worker);
  }
}
