/**
 * The metadata log file (`state/metadata.log`): appended records
 * `[u32 LE payload length][u32 LE XXH32 of the payload][payload]`, one per entry, the payload
 * being the entry's JSON ({@linkcode encodeEntry}).
 *
 * An append is one write (and an fsync when configured); when either fails, the file is cut back
 * to its last whole entry before anything else is appended, so a failed append leaves nothing.
 * At open, a torn or corrupt last record (a crash in the middle of an append) is cut off and
 * reported once; a bad record with more data after it is corruption that cannot be repaired
 * without losing entries, so the open fails with an error naming the file and the byte offset.
 * @module
 */

import { ErrorCode, IggyError } from "../../client/protocol/errors.ts";
import type { Logger } from "../logger.ts";
import { fsync, write } from "../storage/fault.ts";
import { xxh32 } from "../storage/stamp.ts";
import { decodeEntry, encodeEntry, type IndexedEntry } from "./entries.ts";

const HEADER_SIZE = 8;
/** Larger lengths are garbage, not entries. */
const MAX_PAYLOAD = 64 * 1024 * 1024;

/** What {@linkcode readRecords} found. */
export interface ReadRecords {
  entries: IndexedEntry[];
  /** Bytes of whole, valid records from the start. */
  validEnd: number;
  /** Why reading stopped before the end of the file, if it did. */
  problem?: "torn" | "corrupt";
}

function isZero(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b !== 0) return false;
  return true;
}

/**
 * Parses the records of a log file. A bad record that reaches the end of the file (or is
 * followed only by zeros) is `torn`; one followed by other data is `corrupt`.
 */
export function readRecords(bytes: Uint8Array): ReadRecords {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const entries: IndexedEntry[] = [];
  let at = 0;
  while (at < bytes.length) {
    const rest = bytes.length - at;
    const length = rest >= HEADER_SIZE ? view.getUint32(at, true) : -1;
    const end = at + HEADER_SIZE + length;
    let entry: IndexedEntry | undefined;
    if (length >= 0 && length <= MAX_PAYLOAD && end <= bytes.length) {
      const payload = bytes.subarray(at + HEADER_SIZE, end);
      if (xxh32(payload) === view.getUint32(at + 4, true)) {
        try {
          entry = decodeEntry(payload);
        } catch {
          // A checksummed record that does not decode is corrupt like a bad checksum.
        }
      }
    }
    if (!entry) {
      const after = length >= 0 && end > at && end <= bytes.length
        ? bytes.subarray(end)
        : new Uint8Array(0);
      const torn = isZero(after) || isZero(bytes.subarray(at));
      return { entries, validEnd: at, problem: torn ? "torn" : "corrupt" };
    }
    entries.push(entry);
    at = end;
  }
  return { entries, validEnd: at };
}

/** Options of {@linkcode MetadataLog.open}. */
export interface MetadataLogOptions {
  /** fsync after every append (`system.state.enforce_fsync`). */
  fsync: boolean;
  /** Where the repair of a torn tail is reported. */
  logger: Logger;
}

/** The append-only metadata log. Appends must not overlap (the caller serialises them). */
export class MetadataLog {
  /** The file. */
  readonly path: string;
  #file: Deno.FsFile;
  /** Bytes of whole entries. */
  #size: number;
  /** A failed append may have left bytes past `#size`. */
  #dirty = false;
  #fsync: boolean;

  private constructor(
    path: string,
    file: Deno.FsFile,
    size: number,
    fsync: boolean,
  ) {
    this.path = path;
    this.#file = file;
    this.#size = size;
    this.#fsync = fsync;
  }

  /**
   * Opens (creating) the log and reads its entries, cutting off a torn tail.
   * @throws {IggyError} 15 `StateFileCorrupted` when a record in the middle is corrupt
   */
  static async open(
    path: string,
    options: MetadataLogOptions,
  ): Promise<{ log: MetadataLog; entries: IndexedEntry[] }> {
    const file = await Deno.open(path, {
      read: true,
      write: true,
      create: true,
    });
    try {
      const bytes = await Deno.readFile(path);
      const read = readRecords(bytes);
      if (read.problem === "corrupt") {
        throw new IggyError(
          ErrorCode.StateFileCorrupted,
          `metadata log "${path}" has a corrupt record at byte ${read.validEnd} ` +
            `followed by more data; refusing to start. Restore the file, or truncate it to ` +
            `${read.validEnd} bytes to keep its first ${read.entries.length} entries`,
        );
      }
      if (read.problem === "torn") {
        await file.truncate(read.validEnd);
        options.logger.warn(
          "Metadata log had a torn last entry; recovered to the last whole entry",
          {
            path,
            droppedBytes: bytes.length - read.validEnd,
            entries: read.entries.length,
            lastIndex: read.entries.at(-1)?.index ?? null,
          },
        );
      }
      const log = new MetadataLog(path, file, read.validEnd, options.fsync);
      return { log, entries: read.entries };
    } catch (err) {
      file.close();
      throw err;
    }
  }

  /** Bytes of whole entries. */
  get size(): number {
    return this.#size;
  }

  /**
   * Appends one entry; durable (fsynced when configured) when this resolves. On failure the file
   * is cut back to its previous entries (now, or before the next append).
   */
  async append(indexed: IndexedEntry): Promise<void> {
    const payload = encodeEntry(indexed);
    const record = new Uint8Array(HEADER_SIZE + payload.length);
    const view = new DataView(record.buffer);
    view.setUint32(0, payload.length, true);
    view.setUint32(4, xxh32(payload), true);
    record.set(payload, HEADER_SIZE);
    await this.#cutBack();
    this.#dirty = true;
    try {
      await this.#file.seek(this.#size, Deno.SeekMode.Start);
      const target = { file: this.#file, path: this.path };
      await write(target, record);
      if (this.#fsync) await fsync(target);
    } catch (err) {
      await this.#cutBack().catch(() => {});
      throw err;
    }
    this.#dirty = false;
    this.#size += record.length;
  }

  /** Empties the log (its entries are in a snapshot now). */
  async reset(): Promise<void> {
    await this.#file.truncate(0);
    this.#size = 0;
    this.#dirty = false;
  }

  /** Closes the file. */
  close(): void {
    this.#file.close();
  }

  async #cutBack(): Promise<void> {
    if (!this.#dirty) return;
    await this.#file.truncate(this.#size);
    this.#dirty = false;
  }
}
