/**
 * The server's metadata file (streams, topics, partitions, users, tokens, consumer groups) as
 * one JSON document, replaced atomically on every save. Bigints are encoded as
 * `{"$bigint":"123"}` and come back as bigints.
 * @module
 */

import { dirname } from "node:path";
import { writeFileAtomic } from "./atomic_file.ts";

const BIGINT_KEY = "$bigint";

function replacer(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? { [BIGINT_KEY]: value.toString() } : value;
}

function reviver(_key: string, value: unknown): unknown {
  if (
    value !== null && typeof value === "object" && !Array.isArray(value)
  ) {
    const record = value as Record<string, unknown>;
    const encoded = record[BIGINT_KEY];
    if (typeof encoded === "string" && Object.keys(record).length === 1) {
      return BigInt(encoded);
    }
  }
  return value;
}

/** Serialises a value to JSON, encoding bigints as `{"$bigint":"<decimal>"}`. */
export function stringifyState(state: unknown): string {
  return JSON.stringify(state, replacer);
}

/** Parses JSON written by {@linkcode stringifyState}, restoring bigints. */
export function parseState<T>(text: string): T {
  return JSON.parse(text, reviver) as T;
}

/** Options of {@linkcode StateStore.save}. */
export interface SaveOptions {
  /** fsync the temp file before the rename, and the directory after it. @default {true} */
  fsync?: boolean;
}

interface SaveJob {
  text: string;
  fsync: boolean;
  done: PromiseWithResolvers<void>;
}

/**
 * One JSON state file, written atomically (temp file, fsync, rename). Saves are serialised: a
 * save requested while another is being written waits for it, and saves queued behind the same
 * write are merged into one (the last state wins).
 * @example Usage
 * ```ts ignore
 * const store = await StateStore.open(`${dataDir}/state/metadata.json`);
 * const state = store.load<{ streams: unknown[] }>() ?? { streams: [] };
 * await store.save(state);
 * ```
 */
export class StateStore {
  /** Path of the state file. */
  readonly path: string;

  #text: string | undefined;
  #writing: Promise<void> = Promise.resolve();
  #next: SaveJob | undefined;

  private constructor(path: string, text: string | undefined) {
    this.path = path;
    this.#text = text;
  }

  /**
   * Opens the state file at `path`, creating its directory. A missing file means no state yet.
   * @throws {SyntaxError} when the file is not valid JSON
   */
  static async open(path: string): Promise<StateStore> {
    await Deno.mkdir(dirname(path), { recursive: true });
    let text: string | undefined;
    try {
      text = await Deno.readTextFile(path);
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
    if (text !== undefined) parseState(text); // fail at open on a corrupt file
    return new StateStore(path, text);
  }

  /** Returns a fresh copy of the last saved (or loaded) state, or `undefined` when there is none. */
  load<T>(): T | undefined {
    return this.#text === undefined ? undefined : parseState<T>(this.#text);
  }

  /**
   * Saves `state` (serialised at once, so later changes to it are not saved) atomically.
   * @returns when this state, or a later one, is on disk
   */
  save(state: unknown, options: SaveOptions = {}): Promise<void> {
    const text = stringifyState(state);
    const fsync = options.fsync ?? true;
    this.#text = text;
    const queued = this.#next;
    if (queued) {
      queued.text = text;
      queued.fsync ||= fsync;
      return queued.done.promise;
    }
    const job: SaveJob = { text, fsync, done: Promise.withResolvers<void>() };
    this.#next = job;
    this.#writing = this.#writing.then(async () => {
      if (this.#next === job) this.#next = undefined;
      try {
        await this.#write(job.text, job.fsync);
        job.done.resolve();
      } catch (err) {
        job.done.reject(err);
      }
    });
    return job.done.promise;
  }

  #write(text: string, fsync: boolean): Promise<void> {
    return writeFileAtomic(this.path, new TextEncoder().encode(text), {
      fsync,
    });
  }
}
