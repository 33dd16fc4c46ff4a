/**
 * Start-up reconciliation of the live tree (`<root>/streams/...`) with the metadata: the metadata
 * decides, the directories follow.
 *
 * - A directory at an id level (`streams/<id>`, `topics/<id>`, `partitions/<id>`) that no entry
 *   names is moved to the trash: it is the leftover of a delete (or a create) a crash cut short,
 *   and a later create at that id must never adopt it.
 * - An entry whose directory is missing gets an empty one, and a warning says so.
 *
 * Nothing here makes the start fail: an entry that cannot be fixed is logged and left as it is
 * (a later create at that id still refuses to adopt it, see `Trash.prepareFreshDirectory`).
 * @module
 */

import { join } from "node:path";
import { partitionDir, streamDir, topicDir } from "./paths.ts";
import type { Trash, TrashLogger } from "./trash.ts";

/** What the metadata names: stream id → topic id → partition ids. */
export type ExpectedLayout = ReadonlyMap<
  number,
  ReadonlyMap<number, readonly number[]>
>;

/** Options of {@linkcode reconcileDataDir}. */
export interface ReconcileOptions {
  /** Where unexpected directories go. */
  trash: Trash;
  /** Receives one line per directory moved or recreated, and per failure. */
  logger: TrashLogger & {
    error(message: string, fields?: Record<string, unknown>): void;
  };
}

/** What {@linkcode reconcileDataDir} did. */
export interface ReconcileReport {
  /** Paths moved to the trash (no entry named them). */
  trashed: string[];
  /** Paths created empty (an entry named them, they were missing). */
  recreated: string[];
  /** Paths that could not be fixed (logged). */
  failed: string[];
}

/**
 * Makes the live tree of `root` match `layout`: unnamed id directories to the trash, missing
 * ones recreated empty. Never throws for what it finds on disk.
 * @param root the data directory
 * @param layout the ids the metadata names
 * @param options the trash and the logger
 * @returns what was moved, recreated, or could not be fixed
 */
export async function reconcileDataDir(
  root: string,
  layout: ExpectedLayout,
  options: ReconcileOptions,
): Promise<ReconcileReport> {
  const report: ReconcileReport = { trashed: [], recreated: [], failed: [] };
  const run = new Reconciler(options, report);
  await run.level(join(root, "streams"), new Set(layout.keys()), "stream");
  for (const [streamId, topics] of layout) {
    const dir = streamDir(root, streamId);
    if (!await run.ensure(dir, "stream")) continue;
    await run.level(join(dir, "topics"), new Set(topics.keys()), "topic");
    for (const [topicId, partitions] of topics) {
      const tdir = topicDir(root, streamId, topicId);
      if (!await run.ensure(tdir, "topic")) continue;
      await run.level(
        join(tdir, "partitions"),
        new Set(partitions),
        "partition",
      );
      for (const partitionId of partitions) {
        await run.ensure(
          partitionDir(root, streamId, topicId, partitionId),
          "partition",
        );
      }
    }
  }
  return report;
}

class Reconciler {
  #options: ReconcileOptions;
  #report: ReconcileReport;

  constructor(options: ReconcileOptions, report: ReconcileReport) {
    this.#options = options;
    this.#report = report;
  }

  /** Trashes every entry of `dir` whose name is not one of `expected`; a missing `dir` is fine. */
  async level(dir: string, expected: Set<number>, kind: string): Promise<void> {
    let names: string[];
    try {
      names = (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name);
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) this.#fail(dir, err);
      return;
    }
    for (const name of names.sort()) {
      if (/^(0|[1-9]\d{0,9})$/.test(name) && expected.has(Number(name))) {
        continue;
      }
      const path = join(dir, name);
      try {
        await this.#options.trash.moveToTrash(path, `orphan-${kind}-${name}`);
        this.#report.trashed.push(path);
        this.#options.logger.warn(
          `Orphan ${kind} directory moved to the trash: no metadata entry names it`,
          { path },
        );
      } catch (err) {
        this.#fail(path, err);
      }
    }
  }

  /** Creates `dir` when missing (logged). @returns false when it is still missing */
  async ensure(dir: string, kind: string): Promise<boolean> {
    try {
      const info = await Deno.stat(dir);
      if (info.isDirectory) return true;
      // A file where a directory belongs: nothing names a file, so it goes to the trash.
      await this.#options.trash.moveToTrash(dir, `orphan-${kind}-file`);
      this.#report.trashed.push(dir);
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) {
        this.#fail(dir, err);
        return false;
      }
    }
    try {
      await Deno.mkdir(dir, { recursive: true });
    } catch (err) {
      this.#fail(dir, err);
      return false;
    }
    this.#report.recreated.push(dir);
    this.#options.logger.warn(
      `Missing ${kind} directory recreated empty: its data is lost`,
      { path: dir },
    );
    return true;
  }

  #fail(path: string, err: unknown): void {
    this.#report.failed.push(path);
    this.#options.logger.error("Cannot reconcile a data directory", {
      path,
      error: String(err),
    });
  }
}
