/**
 * The server log file: `<system.path>/<system.logging.path>/iggy-server.log`, rotated into
 * `iggy-server.log.1`, `.2`, ... (`.1` newest, as Iggy's rolling appender names them) by size
 * (before a line would take it past `max_file_size`) and by time (every
 * `rotation_check_interval`, when not empty; Iggy rotates hourly, the default interval). Each
 * check then sweeps: rotated files older than `retention` are deleted, then the oldest ones while
 * all the log files together exceed `max_total_size`.
 *
 * Every file operation here (write, rename, remove) is a synchronous Deno call on the one
 * JavaScript thread, and this process is the only writer, so a rotation can never interleave with
 * a write or a sweep: there is no window in which a line goes to a renamed file or a sweep deletes
 * a file that was just renamed. Lines are written at once (no buffer to lose in a crash) and not
 * fsynced: an fsync per line costs milliseconds, and stderr carries every line as well.
 *
 * @module
 */

import { join } from "node:path";

/** Name of the active log file; rotated files add `.1`, `.2`, ... */
export const LOG_FILE_NAME = "iggy-server.log";

/** Most rotated files kept, whatever the sizes (as Iggy). */
const MAX_ROTATED_FILES = 1000;

/** Options of {@linkcode LogFile.open}. */
export interface LogFileOptions {
  /** Directory of the log files (created if missing). */
  dir: string;
  /** Rotate before the active file would exceed this many bytes; 0 = one unbounded file. */
  maxFileSize: number;
  /** Bytes all log files may take together (oldest rotated files go first); 0 = unlimited. */
  maxTotalSize: number;
  /** Milliseconds a rotated file is kept. */
  retention: number;
  /** Milliseconds between sweeps. */
  rotationCheckInterval: number;
  /** Told about each sweep that removed files. */
  onSweep?: (removed: string[]) => void;
}

const encoder = new TextEncoder();

/** The rotation index of `name` (`iggy-server.log.3` -> 3), or undefined for other files. */
function rotatedIndex(name: string): number | undefined {
  if (!name.startsWith(`${LOG_FILE_NAME}.`)) return undefined;
  const suffix = name.slice(LOG_FILE_NAME.length + 1);
  return /^[1-9][0-9]*$/.test(suffix) ? Number(suffix) : undefined;
}

/** A size-rotated log file with retention. */
export class LogFile {
  /** Path of the active file. */
  readonly path: string;
  #options: LogFileOptions;
  #maxRotated: number;
  #file: Deno.FsFile;
  #size: number;
  #timer: ReturnType<typeof setInterval>;
  #closed = false;

  private constructor(options: LogFileOptions) {
    this.#options = options;
    this.#maxRotated = rotatedFilesLimit(
      options.maxTotalSize,
      options.maxFileSize,
    );
    Deno.mkdirSync(options.dir, { recursive: true });
    this.path = join(options.dir, LOG_FILE_NAME);
    this.#file = Deno.openSync(this.path, { create: true, append: true });
    this.#size = this.#file.statSync().size;
    this.#timer = setInterval(
      () => this.check(),
      options.rotationCheckInterval,
    );
    Deno.unrefTimer(this.#timer);
  }

  /**
   * Opens (or creates) the log file in `options.dir`, sweeps once and starts the periodic sweep.
   *
   * @param options Directory, sizes and intervals.
   * @returns The open log file.
   * @throws {Deno.errors.PermissionDenied} Or another file-system error if the directory or file cannot be created.
   */
  static open(options: LogFileOptions): LogFile {
    const file = new LogFile(options);
    file.#sweepAndReport();
    return file;
  }

  /**
   * Appends one line (a newline is added), rotating first when the line would take the file past
   * `maxFileSize`. Never throws: on a write error (disk full) the line is dropped, as on stderr.
   *
   * @param line The formatted line.
   */
  write(line: string): void {
    if (this.#closed) return;
    const bytes = encoder.encode(line + "\n");
    try {
      const max = this.#options.maxFileSize;
      if (max > 0 && this.#size > 0 && this.#size + bytes.length > max) {
        this.#rotate();
      }
      let written = 0;
      while (written < bytes.length) {
        written += this.#file.writeSync(bytes.subarray(written));
      }
      this.#size += bytes.length;
    } catch {
      // Disk full or the directory removed: keep serving, stderr still has the line.
    }
  }

  /** Shifts `.N` to `.N+1` (dropping those past the limit), the active file to `.1`, reopens. */
  #rotate(): void {
    const { dir } = this.#options;
    const indices: number[] = [];
    for (const entry of Deno.readDirSync(dir)) {
      const index = rotatedIndex(entry.name);
      if (entry.isFile && index !== undefined) indices.push(index);
    }
    indices.sort((a, b) => b - a);
    for (const index of indices) {
      const from = join(dir, `${LOG_FILE_NAME}.${index}`);
      if (index >= this.#maxRotated) Deno.removeSync(from);
      else Deno.renameSync(from, join(dir, `${LOG_FILE_NAME}.${index + 1}`));
    }
    this.#file.close();
    try {
      Deno.renameSync(this.path, join(dir, `${LOG_FILE_NAME}.1`));
      this.#size = 0;
    } finally {
      // Renamed or not, lines keep going to the active path.
      this.#file = Deno.openSync(this.path, { create: true, append: true });
    }
  }

  /**
   * The periodic check (every `rotationCheckInterval`): rotates the active file unless it is
   * empty, then sweeps. Never throws.
   */
  check(): void {
    if (this.#closed) return;
    try {
      if (this.#size > 0) this.#rotate();
    } catch {
      // Not rotatable now (directory gone, no space): the next check tries again.
    }
    this.#sweepAndReport();
  }

  /**
   * Deletes rotated files past `retention`, then the oldest rotated files while all log files
   * exceed `maxTotalSize`.
   *
   * @param now The current time in milliseconds. @default Date.now()
   * @returns The names of the removed files.
   */
  sweep(now: number = Date.now()): string[] {
    const { dir, retention, maxTotalSize } = this.#options;
    const rotated: { name: string; modified: number; size: number }[] = [];
    let total = this.#size;
    for (const entry of Deno.readDirSync(dir)) {
      if (!entry.isFile || rotatedIndex(entry.name) === undefined) continue;
      let info: Deno.FileInfo;
      try {
        info = Deno.statSync(join(dir, entry.name));
      } catch {
        continue;
      }
      total += info.size;
      rotated.push({
        name: entry.name,
        modified: info.mtime?.getTime() ?? now,
        size: info.size,
      });
    }
    rotated.sort((a, b) => a.modified - b.modified);
    const removed: string[] = [];
    for (const file of rotated) {
      const expired = now - file.modified > retention;
      const overBudget = maxTotalSize > 0 && total > maxTotalSize;
      if (!expired && !overBudget) continue;
      try {
        Deno.removeSync(join(dir, file.name));
        removed.push(file.name);
        total -= file.size;
      } catch {
        // Not removable now: the next sweep tries again.
      }
    }
    return removed;
  }

  #sweepAndReport(): void {
    try {
      const removed = this.sweep();
      if (removed.length > 0) this.#options.onSweep?.(removed);
    } catch {
      // The directory vanished: nothing to sweep.
    }
  }

  /** Stops the sweep and closes the file. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.#file.close();
  }
}

/** Rotated files to keep: as many as fit in the total size, at least 1 and at most 1000. */
function rotatedFilesLimit(maxTotalSize: number, maxFileSize: number): number {
  if (maxTotalSize === 0 || maxFileSize === 0) return MAX_ROTATED_FILES;
  return Math.min(
    MAX_ROTATED_FILES,
    Math.max(1, Math.floor(maxTotalSize / maxFileSize) - 1),
  );
}
