/**
 * The metadata store: the model, the log its changes are appended to, and the snapshot the log
 * is folded into every `snapshotEvery` entries and on close. One change at a time:
 * {@linkcode MetadataStore.exclusive} serialises validation, append and application.
 *
 * Open = read the snapshot (`state/metadata.json`), then apply the log entries after it
 * (`state/metadata.log`) in order.
 * @module
 */

import { ErrorCode, IggyError } from "../../client/protocol/errors.ts";
import type { Logger } from "../logger.ts";
import { applyEntry } from "./apply.ts";
import type { MetadataEntry } from "./entries.ts";
import { MetadataLog } from "./metadata_log.ts";
import { emptyModel, type MetadataModel } from "./model.ts";
import { readSnapshot, writeSnapshot } from "./snapshot.ts";

/** Default of {@linkcode MetadataStoreOptions.snapshotEvery}. */
export const DEFAULT_SNAPSHOT_EVERY = 1000;

/** Options of {@linkcode MetadataStore.open}. */
export interface MetadataStoreOptions {
  /** fsync every appended entry (`system.state.enforce_fsync`). */
  fsync: boolean;
  /** Fold the log into a new snapshot after this many entries. @default {1000} */
  snapshotEvery?: number;
  /** Where recovery notices and snapshot failures are reported. */
  logger: Logger;
}

/** The metadata, durable in a log plus a snapshot. */
export class MetadataStore {
  /** The current metadata (the snapshot plus every applied entry). */
  readonly model: MetadataModel;
  /** Whether the open found any metadata (a snapshot, or entries in the log). */
  readonly found: boolean;
  readonly #snapshotPath: string;
  readonly #log: MetadataLog;
  readonly #snapshotEvery: number;
  readonly #logger: Logger;
  /** Index of the last applied entry. */
  #lastIndex: number;
  /** Entries in the log since the last snapshot. */
  #unsnapshotted: number;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(
    snapshotPath: string,
    log: MetadataLog,
    model: MetadataModel,
    lastIndex: number,
    unsnapshotted: number,
    found: boolean,
    options: MetadataStoreOptions,
  ) {
    this.#snapshotPath = snapshotPath;
    this.#log = log;
    this.model = model;
    this.#lastIndex = lastIndex;
    this.#unsnapshotted = unsnapshotted;
    this.#snapshotEvery = options.snapshotEvery ?? DEFAULT_SNAPSHOT_EVERY;
    this.#logger = options.logger;
    this.found = found;
  }

  /**
   * Opens the store in `stateDir`: snapshot, then the log entries after it.
   * @throws {IggyError} 15 `StateFileCorrupted` naming the file when the snapshot or the middle of the log is corrupt
   */
  static async open(
    stateDir: string,
    options: MetadataStoreOptions,
  ): Promise<MetadataStore> {
    await Deno.mkdir(stateDir, { recursive: true });
    const snapshotPath = `${stateDir}/metadata.json`;
    await Deno.remove(`${snapshotPath}.tmp`).catch(() => {});
    const snapshot = await readSnapshot(snapshotPath);
    const model = snapshot?.model ?? emptyModel();
    let lastIndex = snapshot?.lastIndex ?? 0;
    const logPath = `${stateDir}/metadata.log`;
    const { log, entries } = await MetadataLog.open(logPath, options);
    let replayed = 0;
    for (const { index, entry } of entries) {
      if (index <= lastIndex) continue; // already in the snapshot
      if (index !== lastIndex + 1) {
        log.close();
        throw new IggyError(
          ErrorCode.StateFileCorrupted,
          `metadata log "${logPath}" jumps from entry ${lastIndex} to ${index}; refusing to start`,
        );
      }
      applyEntry(model, entry);
      lastIndex = index;
      replayed++;
    }
    if (replayed > 0) {
      options.logger.info("Replayed the metadata log", {
        entries: replayed,
        lastIndex,
      });
    }
    return new MetadataStore(
      snapshotPath,
      log,
      model,
      lastIndex,
      entries.length,
      snapshot !== undefined || entries.length > 0,
      options,
    );
  }

  /** Index of the last applied entry. */
  get lastIndex(): number {
    return this.#lastIndex;
  }

  /**
   * Runs `change` after every earlier one has finished, so that what it validates against
   * memory still holds when its entry is appended and applied.
   */
  exclusive<T>(change: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(change);
    this.#queue = result.catch(() => {});
    return result;
  }

  /**
   * Makes `entry` durable, then applies it to {@linkcode MetadataStore.model}. Call inside
   * {@linkcode MetadataStore.exclusive}.
   * @throws the append's error, with the model and the log unchanged
   */
  async commit(entry: MetadataEntry): Promise<void> {
    const index = this.#lastIndex + 1;
    await this.#log.append({ index, entry });
    this.#lastIndex = index;
    this.#unsnapshotted++;
    applyEntry(this.model, entry);
  }

  /**
   * Folds the log into a new snapshot when `snapshotEvery` entries have accumulated (or
   * always, with `force`). A failure is reported and changes nothing: the log keeps the entries.
   */
  async snapshotIfDue(force = false): Promise<void> {
    if (this.#unsnapshotted === 0) return;
    if (!force && this.#unsnapshotted < this.#snapshotEvery) return;
    try {
      await writeSnapshot(this.#snapshotPath, {
        model: this.model,
        lastIndex: this.#lastIndex,
      });
    } catch (err) {
      this.#logger.warn(
        "Cannot write the metadata snapshot; the log keeps the entries",
        {
          path: this.#snapshotPath,
          error: err instanceof Error ? err.message : String(err),
        },
      );
      return;
    }
    this.#unsnapshotted = 0;
    // Entries up to lastIndex are in the snapshot; if this fails they are skipped at open.
    await this.#log.reset().catch(() => {});
  }

  /** Writes a final snapshot and closes the log. */
  close(): Promise<void> {
    return this.exclusive(async () => {
      await this.snapshotIfDue(true);
      this.#log.close();
    });
  }
}
