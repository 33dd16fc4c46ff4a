/**
 * The trash area of the data directory (`<root>/trash/`): how deletes become atomic and final.
 *
 * A delete renames the directory out of the live tree into the trash in one `rename(2)` (atomic on
 * one filesystem, and the trash sits inside the data directory), so the live tree never shows a
 * half-deleted stream, topic or partition. The files are removed later, in the background, one at
 * a time and interruptibly; whatever a crash leaves in the trash is reclaimed at the next start.
 * Nothing ever reads the trash back: an id reused by a later create always starts empty.
 * @module
 */

import { basename, dirname, join } from "node:path";
import { rename } from "./fault.ts";

/** Name of the trash directory inside the data directory. */
export const TRASH_DIR_NAME = "trash";

/** Receives trash events: a directory moved, a reclaim failure. */
export interface TrashLogger {
  warn(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
}

/** Options of {@linkcode Trash.open}. */
export interface TrashOptions {
  /** Where moves of unexpected directories and reclaim failures are logged. */
  logger?: TrashLogger;
  /**
   * fsync the parent directories after a move, so the move survives a power loss too.
   * @default {true}
   */
  fsync?: boolean;
  /** Start reclaiming what an earlier run left in the trash at once. @default {true} */
  reclaim?: boolean;
}

const SILENT: TrashLogger = { warn() {}, info() {} };

function isNotFound(err: unknown): boolean {
  return err instanceof Deno.errors.NotFound;
}

/**
 * Whether anything is at `path` (any kind of entry; a dangling symlink counts).
 * @throws I/O errors other than "not found"
 */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/** fsyncs a directory so a rename in it is durable; skipped where a directory cannot be synced. */
async function syncDirectory(dir: string): Promise<void> {
  let handle: Deno.FsFile;
  try {
    handle = await Deno.open(dir, { read: true });
  } catch {
    return;
  }
  try {
    await handle.sync();
  } catch {
    // Not every platform syncs a directory; the rename stands.
  } finally {
    handle.close();
  }
}

/**
 * The trash of one data directory: atomic moves out of the live tree, background reclaim.
 * @example Usage
 * ```ts ignore
 * const trash = await Trash.open(dataDir, { logger });
 * await trash.moveToTrash(`${dataDir}/streams/3`, "stream 3"); // gone from the live tree
 * await trash.prepareFreshDirectory(`${dataDir}/streams/3`); // never adopt leftovers
 * await trash.close(); // stops the background reclaim
 * ```
 */
export class Trash {
  /** The trash directory (`<root>/trash`). */
  readonly dir: string;

  #logger: TrashLogger;
  #fsync: boolean;
  #sequence = 0;
  #reclaiming: Promise<void> | undefined;
  #reclaimAgain = false;
  #closed = false;

  private constructor(dir: string, options: TrashOptions) {
    this.dir = dir;
    this.#logger = options.logger ?? SILENT;
    this.#fsync = options.fsync ?? true;
  }

  /**
   * Opens (creating when needed) the trash of the data directory `root` and, unless
   * `options.reclaim` is false, starts reclaiming what it holds in the background.
   * @param root the data directory (`system.path`)
   * @param options logger, fsync, reclaim at open
   * @returns the trash
   * @throws {Deno.errors.PermissionDenied} and other I/O errors when the trash cannot be created
   */
  static async open(root: string, options: TrashOptions = {}): Promise<Trash> {
    const dir = join(root, TRASH_DIR_NAME);
    await Deno.mkdir(dir, { recursive: true });
    const trash = new Trash(dir, options);
    if (options.reclaim ?? true) trash.reclaim();
    return trash;
  }

  /**
   * Renames `path` into the trash (atomic), then starts reclaiming it in the background. Nothing
   * is left at `path` once this resolves.
   * @param path the directory (or file) to delete
   * @param label a short name for the trash entry, e.g. `stream-3`
   * @returns false when there was nothing at `path`
   * @throws I/O errors of the rename (the entry then stays where it was)
   */
  async moveToTrash(path: string, label = basename(path)): Promise<boolean> {
    const target = this.#entryName(label);
    try {
      // Through the fault layer, so tests can fail the one step a delete or purge hinges on.
      await rename(path, target);
    } catch (err) {
      if (isNotFound(err) && !(await pathExists(path))) return false;
      throw err;
    }
    if (this.#fsync) {
      await syncDirectory(dirname(path));
      await syncDirectory(this.dir);
    }
    this.reclaim();
    return true;
  }

  /**
   * {@linkcode Trash.moveToTrash} for a change that is already committed (or undone): a failure
   * is logged (WARN), not thrown, and the start-up reconcile moves what is left.
   * @param path the directory to delete
   * @param label a short name for the trash entry
   */
  async discard(path: string, label?: string): Promise<void> {
    try {
      await this.moveToTrash(path, label);
    } catch (err) {
      this.#logger.warn("Cannot move a deleted directory to the trash", {
        path,
        error: String(err),
      });
    }
  }

  /**
   * Makes sure nothing is at `path` before a create gives it a fresh id: a leftover found there
   * (of a delete a crash interrupted) is moved to the trash and logged once, never adopted.
   * The parent directories are created; `path` itself is not.
   * @param path the directory a create is about to make
   * @param label a short name for the log line and the trash entry
   * @returns true when a leftover was moved away
   */
  async prepareFreshDirectory(path: string, label: string): Promise<boolean> {
    await Deno.mkdir(dirname(path), { recursive: true });
    if (!(await pathExists(path))) return false;
    const moved = await this.moveToTrash(path, label);
    if (moved) {
      this.#logger.warn("Leftover directory at a fresh id moved to the trash", {
        path,
      });
    }
    return moved;
  }

  /**
   * Starts removing everything in the trash, in the background (one removal at a time, so the
   * server's own I/O goes first). A call while a pass runs makes it run once more.
   * @returns the pass in progress (never rejects; failures are logged and retried next pass)
   */
  reclaim(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (this.#reclaiming) {
      this.#reclaimAgain = true;
      return this.#reclaiming;
    }
    this.#reclaiming = (async () => {
      do {
        this.#reclaimAgain = false;
        await this.#reclaimPass();
      } while (this.#reclaimAgain && !this.#closed);
      this.#reclaiming = undefined;
    })();
    return this.#reclaiming;
  }

  /** Entries currently in the trash (not yet reclaimed). */
  async entries(): Promise<string[]> {
    const names: string[] = [];
    try {
      for await (const entry of Deno.readDir(this.dir)) names.push(entry.name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    return names.sort();
  }

  /** Stops the background reclaim after its current removal; the rest waits for the next start. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#reclaiming;
  }

  #entryName(label: string): string {
    const safe = label.replace(/[^A-Za-z0-9_.-]/g, "_");
    // The pid keeps names apart should two processes ever share a data directory by mistake.
    const unique = `${Date.now()}-${Deno.pid}-${this.#sequence++}`;
    return join(this.dir, `${unique}-${safe}`);
  }

  async #reclaimPass(): Promise<void> {
    let names: string[];
    try {
      names = await this.entries();
    } catch (err) {
      this.#logger.warn("Cannot list the trash", { error: String(err) });
      return;
    }
    for (const name of names) {
      if (this.#closed) return;
      try {
        await this.#removeTree(join(this.dir, name));
      } catch (err) {
        this.#logger.warn("Cannot reclaim a trash entry", {
          entry: name,
          error: String(err),
        });
      }
    }
  }

  /** Removes `path` entry by entry, stopping between two when the trash is closed. */
  async #removeTree(path: string): Promise<void> {
    let info: Deno.FileInfo;
    try {
      info = await Deno.lstat(path);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (info.isDirectory) {
      // Listed first: removing entries while a directory is being read may skip some.
      const children = await Array.fromAsync(Deno.readDir(path));
      for (const child of children) {
        if (this.#closed) return;
        await this.#removeTree(join(path, child.name));
      }
    }
    if (this.#closed) return;
    await Deno.remove(path).catch((err) => {
      if (!isNotFound(err)) throw err;
    });
  }
}
