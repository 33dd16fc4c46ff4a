/**
 * One segment of a partition: a `.log` of stored message frames and a `.index` of 16-byte
 * entries (binary.md §6.3, §6.8), with the index held in memory.
 *
 * A segment knows bytes and positions only; offsets, locking and rolling belong to
 * {@linkcode PartitionLog}.
 * @module
 */

import { indexPath, logPath } from "./paths.ts";
import {
  checksumMatches,
  INDEX_ENTRY_SIZE,
  MESSAGE_HEADER_SIZE,
  MessageField,
} from "./stamp.ts";

/** Receives recovery and validation notices. */
export type StorageLogger = (message: string) => void;

/** Options of {@linkcode Segment.load}. */
export interface SegmentLoadOptions {
  /** Verify every message checksum while loading (slow; mismatches are logged). */
  validateChecksum?: boolean;
  /** Receives recovery notices (truncations, rebuilt indexes, bad checksums). */
  logger?: StorageLogger;
}

/** Statistics of one segment. */
export interface SegmentInfo {
  /** Offset of the first message of the segment (also its file name). */
  startOffset: bigint;
  /** Offset of its last message; equals `startOffset` when the segment is empty. */
  endOffset: bigint;
  /** Messages stored in the segment. */
  messagesCount: number;
  /** Size of the `.log` file in bytes. */
  sizeBytes: number;
  /** Server timestamp (µs) of the last message, 0 when empty. */
  lastTimestamp: bigint;
}

const MIN_INDEX_CAPACITY = 256 * INDEX_ENTRY_SIZE;

/** Writes all of `bytes` to `file`, looping on partial writes. */
function writeAllSync(file: Deno.FsFile, bytes: Uint8Array): void {
  let written = 0;
  while (written < bytes.length) {
    written += file.writeSync(bytes.subarray(written));
  }
}

/** Returns the size of a file, or -1 when it does not exist. */
async function fileSize(path: string): Promise<number> {
  try {
    return (await Deno.stat(path)).size;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return -1;
    throw err;
  }
}

async function truncateFile(path: string, size: number): Promise<void> {
  await Deno.truncate(path, size);
}

/** One `.log` + `.index` pair and its in-memory index. */
export class Segment {
  /** Absolute offset of the first message (the file name). */
  readonly startOffset: bigint;
  /** Path of the `.log` file. */
  readonly logPath: string;
  /** Path of the `.index` file. */
  readonly indexPath: string;

  #count = 0;
  #size = 0;
  #index: Uint8Array;
  #indexView: DataView;
  #logWriter: Deno.FsFile | undefined;
  #indexWriter: Deno.FsFile | undefined;
  #reader: Deno.FsFile | undefined;

  private constructor(
    dir: string,
    startOffset: bigint,
    index: Uint8Array,
    count: number,
    size: number,
  ) {
    this.startOffset = startOffset;
    this.logPath = logPath(dir, startOffset);
    this.indexPath = indexPath(dir, startOffset);
    this.#index = index;
    this.#indexView = new DataView(
      index.buffer,
      index.byteOffset,
      index.byteLength,
    );
    this.#count = count;
    this.#size = size;
  }

  /**
   * Creates an empty segment (both files, truncated) starting at `startOffset` in `dir`.
   * @returns the segment, not yet open for appending
   */
  static async create(dir: string, startOffset: bigint): Promise<Segment> {
    const seg = new Segment(
      dir,
      startOffset,
      new Uint8Array(MIN_INDEX_CAPACITY),
      0,
      0,
    );
    await Deno.writeFile(seg.logPath, new Uint8Array(0));
    await Deno.writeFile(seg.indexPath, new Uint8Array(0));
    return seg;
  }

  /**
   * Loads a segment from disk, recovering a torn tail: a partial index entry, index entries
   * past the end of the `.log` or not in sequence, and `.log` bytes past the last indexed
   * message are cut off (and logged). A missing `.index` is rebuilt from the `.log`.
   */
  static async load(
    dir: string,
    startOffset: bigint,
    options: SegmentLoadOptions = {},
  ): Promise<Segment> {
    const log = options.logger ?? (() => {});
    const lp = logPath(dir, startOffset);
    const ip = indexPath(dir, startOffset);
    let logSize = await fileSize(lp);
    if (logSize < 0) {
      log(`Segment ${lp} is missing: created empty`);
      await Deno.writeFile(lp, new Uint8Array(0));
      logSize = 0;
    }
    let index: Uint8Array;
    if (await fileSize(ip) < 0) {
      index = await rebuildIndex(lp, logSize, startOffset);
      await Deno.writeFile(ip, index);
      log(
        `Index ${ip} was missing: rebuilt with ${
          index.length / INDEX_ENTRY_SIZE
        } entries`,
      );
    } else {
      index = await Deno.readFile(ip);
    }

    const view = new DataView(index.buffer, index.byteOffset, index.byteLength);
    const entries = Math.floor(index.length / INDEX_ENTRY_SIZE);
    let kept = 0;
    let prev = 0;
    while (kept < entries) {
      const e = kept * INDEX_ENTRY_SIZE;
      const rel = view.getUint32(e, true);
      const pos = view.getUint32(e + 4, true);
      if (rel !== kept || pos - prev < MESSAGE_HEADER_SIZE || pos > logSize) {
        break;
      }
      prev = pos;
      kept++;
    }
    if (kept * INDEX_ENTRY_SIZE !== index.length) {
      log(
        `Index ${ip}: ${index.length} bytes, kept ${kept} whole valid entries (${
          kept * INDEX_ENTRY_SIZE
        } bytes); truncated`,
      );
      await truncateFile(ip, kept * INDEX_ENTRY_SIZE);
    }
    if (logSize > prev) {
      // An append fsyncs only the `.log`: whole frames past the last index entry were written
      // (and maybe acknowledged) before a crash lost their index entries. Index them again.
      const tail = await indexLogTail(lp, {
        from: prev,
        size: logSize,
        firstEntry: kept,
        firstOffset: startOffset + BigInt(kept),
      });
      if (tail.entries > 0) {
        const whole = new Uint8Array((kept + tail.entries) * INDEX_ENTRY_SIZE);
        whole.set(index.subarray(0, kept * INDEX_ENTRY_SIZE));
        whole.set(tail.index, kept * INDEX_ENTRY_SIZE);
        await Deno.writeFile(ip, tail.index, { append: true });
        log(
          `Index ${ip}: ${tail.entries} entries for whole frames past its end added from the .log`,
        );
        index = whole;
        kept += tail.entries;
        prev = tail.end;
      }
    }
    if (logSize > prev) {
      log(
        `Log ${lp}: ${logSize} bytes, last indexed message ends at ${prev}; truncated`,
      );
      await truncateFile(lp, prev);
      logSize = prev;
    }
    const seg = new Segment(dir, startOffset, index, kept, logSize);
    if (options.validateChecksum && kept > 0) {
      const bad = await seg.#countBadChecksums();
      if (bad > 0) log(`Log ${lp}: ${bad} message(s) with a bad checksum`);
    }
    return seg;
  }

  /** Messages in the segment. */
  get count(): number {
    return this.#count;
  }

  /** Bytes in the `.log`. */
  get size(): number {
    return this.#size;
  }

  /** Offset the next message appended to this segment would get. */
  get nextOffset(): bigint {
    return this.startOffset + BigInt(this.#count);
  }

  /** Server timestamp of the last message, 0 when empty. */
  get lastTimestamp(): bigint {
    return this.#count === 0 ? 0n : this.timestampAt(this.#count - 1);
  }

  /** Statistics of the segment. */
  get info(): SegmentInfo {
    return {
      startOffset: this.startOffset,
      endOffset: this.#count === 0
        ? this.startOffset
        : this.startOffset + BigInt(this.#count - 1),
      messagesCount: this.#count,
      sizeBytes: this.#size,
      lastTimestamp: this.lastTimestamp,
    };
  }

  /** Byte position in the `.log` where message `k` (relative) ends. */
  endPositionAt(k: number): number {
    return this.#indexView.getUint32(k * INDEX_ENTRY_SIZE + 4, true);
  }

  /** Byte position in the `.log` where message `k` (relative) starts. */
  startPositionAt(k: number): number {
    return k === 0 ? 0 : this.endPositionAt(k - 1);
  }

  /** Server timestamp of message `k` (relative). */
  timestampAt(k: number): bigint {
    return this.#indexView.getBigUint64(k * INDEX_ENTRY_SIZE + 8, true);
  }

  /**
   * Returns the relative index of the first message whose timestamp is `>= timestamp`, or -1.
   */
  findTimestamp(timestamp: bigint): number {
    let lo = 0;
    let hi = this.#count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.timestampAt(mid) < timestamp) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.#count ? lo : -1;
  }

  /**
   * Returns a writable view of the in-memory index for the next `n` entries, growing it if
   * needed. Fill it, then call {@linkcode Segment.append}.
   */
  reserveIndex(n: number): Uint8Array {
    const start = this.#count * INDEX_ENTRY_SIZE;
    const need = start + n * INDEX_ENTRY_SIZE;
    if (need > this.#index.length) {
      let cap = Math.max(this.#index.length * 2, MIN_INDEX_CAPACITY);
      while (cap < need) cap *= 2;
      const grown = new Uint8Array(cap);
      grown.set(this.#index.subarray(0, start));
      this.#index = grown;
      this.#indexView = new DataView(grown.buffer);
    }
    return this.#index.subarray(start, need);
  }

  /** Opens the files for appending (the active segment). */
  async openForAppend(): Promise<void> {
    if (this.#logWriter) return;
    this.#logWriter = await Deno.open(this.logPath, {
      write: true,
      append: true,
    });
    try {
      this.#indexWriter = await Deno.open(this.indexPath, {
        write: true,
        append: true,
      });
    } catch (err) {
      this.#logWriter.close();
      this.#logWriter = undefined;
      throw err;
    }
  }

  /**
   * Appends `n` stamped messages whose index entries were filled in the view returned by
   * {@linkcode Segment.reserveIndex}: one write to the `.log`, one to the `.index`, then
   * fsync when asked. On failure both files are cut back and nothing is committed.
   */
  async append(messages: Uint8Array, n: number, fsync: boolean): Promise<void> {
    const logWriter = this.#logWriter;
    const indexWriter = this.#indexWriter;
    if (!logWriter || !indexWriter) {
      throw new Error(`Segment ${this.logPath} is not open for appending`);
    }
    const indexStart = this.#count * INDEX_ENTRY_SIZE;
    const indexBytes = this.#index.subarray(
      indexStart,
      indexStart + n * INDEX_ENTRY_SIZE,
    );
    try {
      // Synchronous writes: they copy into the page cache (no disk wait without fsync), and
      // a thread-pool round trip per file costs more than the copy itself for small batches.
      writeAllSync(logWriter, messages);
      writeAllSync(indexWriter, indexBytes);
      // The `.log` alone is made durable: a lost index tail is rebuilt from it at load (see
      // `load`), and one fsync per append instead of two is what a replica's ack waits for.
      if (fsync) await logWriter.syncData();
    } catch (err) {
      await Promise.allSettled([
        logWriter.truncate(this.#size),
        indexWriter.truncate(indexStart),
      ]);
      throw new Error(`Cannot append to segment ${this.logPath}`, {
        cause: err,
      });
    }
    this.#count += n;
    this.#size += messages.length;
  }

  /** Reads bytes `[start, end)` of the `.log`. */
  async read(
    start: number,
    end: number,
    allocate: (size: number) => Uint8Array = (size) => new Uint8Array(size),
  ): Promise<Uint8Array> {
    const buf = allocate(end - start);
    if (buf.length === 0) return buf;
    this.#reader ??= await Deno.open(this.logPath, { read: true });
    const reader = this.#reader;
    await reader.seek(start, Deno.SeekMode.Start);
    let got = 0;
    while (got < buf.length) {
      const n = await reader.read(buf.subarray(got));
      if (n === null) {
        throw new Error(
          `Unexpected end of ${this.logPath} at ${start + got} (need ${end})`,
        );
      }
      got += n;
    }
    return buf;
  }

  /** Fsyncs the `.log` only (a lost `.index` tail is rebuilt from it at load). */
  async syncLog(): Promise<void> {
    // A closed segment (sealed, or being truncated) cannot vouch for its tail: the caller must
    // not count it as fsynced.
    if (!this.#logWriter) {
      throw new Error(`Segment ${this.logPath} is not open for appending`);
    }
    await this.#logWriter.syncData();
  }

  /** Fsyncs both files when they are open for appending. */
  async sync(): Promise<void> {
    if (this.#logWriter && this.#indexWriter) {
      await Promise.all([
        this.#logWriter.syncData(),
        this.#indexWriter.syncData(),
      ]);
    }
  }

  /** Closes the read handle (kept open between reads otherwise). */
  closeReader(): void {
    this.#reader?.close();
    this.#reader = undefined;
  }

  /** Closes every open handle; the segment can be reopened with {@linkcode Segment.openForAppend}. */
  close(): void {
    this.closeReader();
    this.#logWriter?.close();
    this.#indexWriter?.close();
    this.#logWriter = undefined;
    this.#indexWriter = undefined;
  }

  /** Closes the segment and deletes both files. */
  async delete(): Promise<void> {
    this.close();
    for (const path of [this.logPath, this.indexPath]) {
      try {
        await Deno.remove(path);
      } catch (err) {
        if (!(err instanceof Deno.errors.NotFound)) throw err;
      }
    }
  }

  /**
   * Cuts the segment to its first `k` messages, in memory and on disk (for recovery when
   * segments overlap).
   */
  async truncateTo(k: number): Promise<void> {
    if (k >= this.#count) return;
    const size = this.startPositionAt(k);
    this.close();
    // The `.log` first: a crash before the `.index` is cut leaves entries past the `.log`'s
    // end, which `load` drops. The other way round, `load` would index the cut frames again
    // from the `.log` (see its tail recovery) and bring them back.
    await truncateFile(this.logPath, size);
    await truncateFile(this.indexPath, k * INDEX_ENTRY_SIZE);
    this.#count = k;
    this.#size = size;
  }

  async #countBadChecksums(): Promise<number> {
    let bad = 0;
    const bytes = await Deno.readFile(this.logPath);
    let start = 0;
    for (let k = 0; k < this.#count; k++) {
      const end = this.endPositionAt(k);
      if (!checksumMatches(bytes, start, end)) bad++;
      start = end;
    }
    return bad;
  }
}

/**
 * Index entries for the whole frames of `path` from byte `from` on, in sequence (offsets from
 * `firstOffset`) and with a matching checksum; stops at the first frame that is not.
 * @returns the entries (relative offsets from `firstEntry`), their count and where the last ends
 */
async function indexLogTail(
  path: string,
  at: { from: number; size: number; firstEntry: number; firstOffset: bigint },
): Promise<{ index: Uint8Array; entries: number; end: number }> {
  const file = await Deno.open(path, { read: true });
  let bytes: Uint8Array;
  try {
    await file.seek(at.from, Deno.SeekMode.Start);
    bytes = new Uint8Array(at.size - at.from);
    let got = 0;
    while (got < bytes.length) {
      const n = await file.read(bytes.subarray(got));
      if (n === null) break;
      got += n;
    }
    bytes = bytes.subarray(0, got);
  } finally {
    file.close();
  }
  const scan = indexFrames(bytes, {
    firstOffset: at.firstOffset,
    firstEntry: at.firstEntry,
    basePosition: at.from,
    checksums: true,
  });
  return { ...scan, end: at.from + scan.end };
}

/** Scans a `.log` frame by frame and builds its index; stops at the first torn frame. */
async function rebuildIndex(
  path: string,
  size: number,
  startOffset: bigint,
): Promise<Uint8Array> {
  const bytes = size > 0 ? await Deno.readFile(path) : new Uint8Array(0);
  return indexFrames(bytes, {
    firstOffset: startOffset,
    firstEntry: 0,
    basePosition: 0,
    checksums: false,
  }).index;
}

/**
 * Index entries of the frames at the start of `bytes` (which lie at `basePosition` of their
 * `.log`): whole, offsets in sequence from `firstOffset` and, with `checksums`, intact; stops
 * at the first frame that is not.
 */
function indexFrames(
  bytes: Uint8Array,
  at: {
    firstOffset: bigint;
    firstEntry: number;
    basePosition: number;
    checksums: boolean;
  },
): { index: Uint8Array; entries: number; end: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ends: number[] = [];
  const stamps: bigint[] = [];
  let pos = 0;
  while (pos + MESSAGE_HEADER_SIZE <= bytes.length) {
    const end = pos + MESSAGE_HEADER_SIZE +
      view.getUint32(pos + MessageField.PayloadLength, true) +
      view.getUint32(pos + MessageField.UserHeadersLength, true);
    if (end > bytes.length) break;
    const offset = view.getBigUint64(pos + MessageField.Offset, true);
    if (offset !== at.firstOffset + BigInt(ends.length)) break;
    if (at.checksums && !checksumMatches(bytes, pos, end)) break;
    ends.push(end);
    stamps.push(view.getBigUint64(pos + MessageField.Timestamp, true));
    pos = end;
  }
  const index = new Uint8Array(ends.length * INDEX_ENTRY_SIZE);
  const iv = new DataView(index.buffer);
  for (let k = 0; k < ends.length; k++) {
    iv.setUint32(k * INDEX_ENTRY_SIZE, at.firstEntry + k, true);
    iv.setUint32(k * INDEX_ENTRY_SIZE + 4, at.basePosition + ends[k]!, true);
    iv.setBigUint64(k * INDEX_ENTRY_SIZE + 8, stamps[k]!, true);
  }
  return { index, entries: ends.length, end: pos };
}
