/**
 * The message log of one partition: its segments in one directory, appends that stamp and
 * store a batch, reads by offset, time lookups, and retention (binary.md §6.5, §6.8).
 * @module
 */

import {
  INDEX_ENTRY_SIZE,
  MESSAGE_HEADER_SIZE,
  MessageField,
  stampMessages,
} from "./stamp.ts";
import type { RequestMemory } from "./message_memory.ts";
import { indexPath, parseSegmentFileName } from "./paths.ts";
import { Segment } from "./segment.ts";
import type { SegmentInfo, StorageLogger } from "./segment.ts";
import type { CacheBudget, CacheCharge } from "./cache_budget.ts";

export type { SegmentInfo, StorageLogger } from "./segment.ts";

/** Options of {@linkcode PartitionLog.open}. */
export interface PartitionLogOptions {
  /** Soft segment size in bytes (`system.segment.size`): roll once the active one reaches it. */
  segmentSize: number;
  /** fsync both files after every append (`system.partition.enforce_fsync`). */
  enforceFsync: boolean;
  /** Verify message checksums while loading (`system.partition.validate_checksum`). @default {false} */
  validateChecksum?: boolean;
  /** Receives recovery notices; nothing is thrown for a torn tail. */
  logger?: StorageLogger;
  /** Bytes of recently appended batches of the active segment kept in memory for reads. @default {8388608} */
  cacheBytes?: number;
  /** A budget shared with the caches of other partitions (`system.cache.size`); none by default. */
  cacheBudget?: CacheBudget;
  /**
   * Without `enforceFsync`: fsync once this many appended messages are not yet fsynced
   * (`system.partition.messages_required_to_save`); 0 = never on a count. @default {0}
   */
  saveMessages?: number;
  /**
   * Without `enforceFsync`: fsync once this many appended bytes are not yet fsynced
   * (`system.partition.size_of_messages_required_to_save`); 0 = never on a size. @default {0}
   */
  saveBytes?: number;
}

/** Options of {@linkcode PartitionLog.append}. */
export interface AppendOptions {
  /**
   * The memory `messages` was received in: stamped in place when it lends them, and kept by the
   * read cache only when it does not (a lent batch is reused by the next request).
   */
  memory?: RequestMemory;
  /**
   * The caller gives `messages` up (never modifies it after the call), so the read cache may
   * keep it; a batch that is only lent is not cached (reads of it go to the file).
   * @default {true when a memory is given that does not lend messages, false otherwise}
   */
  transfer?: boolean;
}

/** Result of {@linkcode PartitionLog.read}. */
export interface ReadResult {
  /** Offset of the first returned message. */
  firstOffset: bigint;
  /** Number of messages returned. */
  count: number;
  /** Stored frames, back to back across chunks; one chunk per segment touched. */
  chunks: Uint8Array[];
}

/** A caller of {@linkcode PartitionLog.syncAppended}: waits until the log is durable to `target`. */
interface DurableWaiter {
  target: bigint;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** Stored frames of one segment, as a replica copies them (see {@linkcode PartitionLog.readForReplica}). */
export interface ReplicaChunk {
  /** Start offset of the leader's segment the frames lie in. */
  segmentStart: bigint;
  /** Number of frames. */
  count: number;
  /** The frames, back to back, as stored. */
  bytes: Uint8Array;
}

/** What {@linkcode PartitionLog.readForReplica} answers: stored frames and where the log starts. */
export interface ReplicaRead extends ReplicaChunk {
  /**
   * The log's first offset (its first segment's start) at the read: a replica drops its sealed
   * segments wholly below it, and a replica whose log ends below it starts again there.
   */
  logStart: bigint;
}

/**
 * Fills the index entries of stored frames (relative offset, end position, timestamp) and checks
 * that they are whole and numbered from `firstOffset`.
 */
function fillReplicaIndex(
  bytes: Uint8Array,
  count: number,
  at: {
    firstOffset: bigint;
    segmentStartOffset: bigint;
    basePosition: number;
    index: Uint8Array;
  },
): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const iv = new DataView(
    at.index.buffer,
    at.index.byteOffset,
    at.index.byteLength,
  );
  const relative = Number(at.firstOffset - at.segmentStartOffset);
  // Offsets as two u32 halves, compared without a bigint per message (offsets < 2^53).
  const first = Number(at.firstOffset);
  let pos = 0;
  for (let k = 0; k < count; k++) {
    if (pos + MESSAGE_HEADER_SIZE > bytes.length) {
      throw new RangeError(`Replica frame ${k} is cut short`);
    }
    const offset = view.getUint32(pos + MessageField.Offset, true) +
      view.getUint32(pos + MessageField.Offset + 4, true) * 0x1_0000_0000;
    if (offset !== first + k) {
      throw new RangeError(
        `Replica frame ${k} has offset ${offset}, expected ${first + k}`,
      );
    }
    const end = pos + MESSAGE_HEADER_SIZE +
      view.getUint32(pos + MessageField.PayloadLength, true) +
      view.getUint32(pos + MessageField.UserHeadersLength, true);
    if (end > bytes.length) {
      throw new RangeError(`Replica frame ${k} is cut short`);
    }
    const e = k * INDEX_ENTRY_SIZE;
    iv.setUint32(e, relative + k, true);
    iv.setUint32(e + 4, at.basePosition + end, true);
    // The timestamp, copied as two u32 halves.
    iv.setUint32(
      e + 8,
      view.getUint32(pos + MessageField.Timestamp, true),
      true,
    );
    iv.setUint32(
      e + 12,
      view.getUint32(pos + MessageField.Timestamp + 4, true),
      true,
    );
    pos = end;
  }
  if (pos !== bytes.length) {
    throw new RangeError(`Replica chunk has ${bytes.length - pos} extra bytes`);
  }
}

const DEFAULT_CACHE_BYTES = 8 * 1024 * 1024;
const MAX_POSITION = 0xffff_ffff;

/**
 * Recently appended batches of the active segment, by their start position in the `.log`.
 * Only batches handed over (`keep`) are cached, without a copy; they are never modified, so views
 * into them stay valid after eviction. A lent batch (a connection's reused request buffer) is not
 * copied: reading it back from the OS page cache measured faster than copying every batch into
 * user memory, so the cache is cleared and the reads go to the file.
 */
class TailCache {
  #limit: number;
  #budget: CacheBudget | undefined;
  #starts: number[] = [];
  #chunks: Uint8Array[] = [];
  #charges: (CacheCharge | undefined)[] = [];
  #head = 0;
  #bytes = 0;

  constructor(limit: number, budget: CacheBudget | undefined) {
    this.#limit = limit;
    this.#budget = budget;
  }

  /** Bytes held. */
  get bytes(): number {
    return this.#bytes;
  }

  clear(): void {
    for (let i = this.#head; i < this.#charges.length; i++) {
      const charge = this.#charges[i];
      if (charge && this.#budget) this.#budget.release(charge);
    }
    this.#starts = [];
    this.#chunks = [];
    this.#charges = [];
    this.#head = 0;
    this.#bytes = 0;
  }

  /** Drops the oldest chunk; `release` gives its charge back to the budget. */
  #dropHead(release: boolean): void {
    const head = this.#head;
    this.#bytes -= this.#chunks[head]!.length;
    const charge = this.#charges[head];
    if (release && charge) this.#budget!.release(charge);
    this.#chunks[head] = EMPTY;
    this.#charges[head] = undefined;
    this.#head++;
  }

  /** Adds the batch stored at `[start, start + bytes.length)` if `keep`; otherwise empties the cache. */
  add(start: number, bytes: Uint8Array, keep: boolean): void {
    if (!keep || bytes.length > this.#limit) {
      this.clear();
      return;
    }
    let charge: CacheCharge | undefined;
    if (this.#budget) {
      // The budget may evict our oldest chunks (in order) before it accepts this one.
      charge = this.#budget.charge(bytes.length, () => this.#dropHead(false));
      if (!charge) {
        this.clear();
        return;
      }
    }
    this.#starts.push(start);
    this.#chunks.push(bytes);
    this.#charges.push(charge);
    this.#bytes += bytes.length;
    while (this.#bytes > this.#limit) this.#dropHead(true);
    if (this.#head > 1024 && this.#head * 2 > this.#starts.length) {
      this.#starts = this.#starts.slice(this.#head);
      this.#chunks = this.#chunks.slice(this.#head);
      this.#charges = this.#charges.slice(this.#head);
      this.#head = 0;
    }
  }

  /**
   * Returns bytes `[start, end)` when all of them are cached: a view when they lie in one batch,
   * else a copy into `allocate(end - start)`.
   */
  get(start: number, end: number, allocate: Allocate): Uint8Array | undefined {
    const starts = this.#starts;
    if (this.#head >= starts.length || start < starts[this.#head]!) {
      return undefined;
    }
    // last entry whose start <= start
    let lo = this.#head;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (starts[mid]! <= start) lo = mid;
      else hi = mid - 1;
    }
    const first = this.#chunks[lo]!;
    const firstStart = starts[lo]!;
    if (end <= firstStart + first.length) {
      return first.subarray(start - firstStart, end - firstStart);
    }
    const lastIdx = starts.length - 1;
    if (end > starts[lastIdx]! + this.#chunks[lastIdx]!.length) {
      return undefined;
    }
    const out = allocate(end - start);
    let at = 0;
    for (let i = lo; at < out.length; i++) {
      const chunk = this.#chunks[i]!;
      const from = i === lo ? start - firstStart : 0;
      const to = Math.min(chunk.length, end - starts[i]!);
      out.set(chunk.subarray(from, to), at);
      at += to - from;
    }
    return out;
  }
}

const EMPTY = new Uint8Array(0);

/** Hands out a buffer of exactly `size` bytes for read results (e.g. a connection's reused memory). */
export type Allocate = (size: number) => Uint8Array;

function newBuffer(size: number): Uint8Array {
  return new Uint8Array(size);
}

/**
 * The segments of one partition directory. Appends and reads are serialised.
 * @example Usage
 * ```ts ignore
 * await initHashing();
 * const log = await PartitionLog.open(dir, { segmentSize: 1 << 30, enforceFsync: false });
 * await log.append(section, count, BigInt(Date.now()) * 1000n);
 * const { chunks } = await log.read(0n, 10);
 * await log.close();
 * ```
 */
export class PartitionLog {
  /** The partition directory. */
  readonly dir: string;

  #segments: Segment[];
  #segmentSize: number;
  #enforceFsync: boolean;
  #cache: TailCache;
  #cacheEnabled: boolean;
  #saveMessages: number;
  #saveBytes: number;
  #unsavedMessages = 0;
  #unsavedBytes = 0;
  /** The threshold fsync running in the background, if any. */
  #syncing: Promise<void> | undefined;
  #syncAgain = false;
  /** Every message below this offset is fsynced (see {@linkcode PartitionLog.durableOffset}). */
  #durable: bigint;
  /** Callers of {@linkcode PartitionLog.syncAppended} waiting for the log to be durable to `target`. */
  #durableWaiters: DurableWaiter[] = [];
  #logger: StorageLogger | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;
  #purges = 0;
  /**
   * Set while this node leads the partition's replicas: appended batches that are only lent
   * are copied into the read cache, so that the followers' fetches find them in memory.
   */
  copyTailForReplicas = false;

  private constructor(
    dir: string,
    segments: Segment[],
    options: PartitionLogOptions,
  ) {
    this.dir = dir;
    this.#segments = segments;
    this.#segmentSize = options.segmentSize;
    this.#enforceFsync = options.enforceFsync;
    const cacheBytes = options.cacheBytes ?? DEFAULT_CACHE_BYTES;
    this.#cacheEnabled = cacheBytes > 0 && options.cacheBudget?.limit !== 0;
    this.#cache = new TailCache(cacheBytes, options.cacheBudget);
    // What a load finds counts as on disk (it survived whatever ended the last run).
    this.#durable = this.nextOffset;
    this.#saveMessages = options.saveMessages ?? 0;
    this.#saveBytes = options.saveBytes ?? 0;
    this.#logger = options.logger;
  }

  /**
   * Opens (creating when needed) the partition directory `dir` and loads its segments,
   * recovering a torn tail of each (logged through `options.logger`).
   * @throws {Error} on I/O errors other than a torn tail
   */
  static async open(
    dir: string,
    options: PartitionLogOptions,
  ): Promise<PartitionLog> {
    if (!(options.segmentSize > 0)) {
      throw new RangeError(`Invalid segment size "${options.segmentSize}"`);
    }
    const log = options.logger ?? (() => {});
    await Deno.mkdir(dir, { recursive: true });
    const starts = new Set<bigint>();
    const withLog = new Set<bigint>();
    for await (const entry of Deno.readDir(dir)) {
      if (!entry.isFile) continue;
      const parsed = parseSegmentFileName(entry.name);
      if (parsed) starts.add(parsed.startOffset);
      if (parsed?.kind === "log") withLog.add(parsed.startOffset);
    }
    const sorted = [...starts].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    // A segment delete removes the `.log` first: an `.index` alone below the newest segment is
    // what a delete cut short left, and the segment stays deleted.
    while (sorted.length > 1 && !withLog.has(sorted[0]!)) {
      const start = sorted.shift()!;
      log(`Index ${indexPath(dir, start)} of a deleted segment removed`);
      await Deno.remove(indexPath(dir, start)).catch(() => {});
    }
    const segments: Segment[] = [];
    for (const start of sorted) {
      segments.push(
        await Segment.load(dir, start, {
          validateChecksum: options.validateChecksum,
          logger: options.logger,
        }),
      );
    }
    // Sealed segments overlapping the next one are cut; empty sealed ones are removed.
    for (let i = 0; i + 1 < segments.length; i++) {
      const seg = segments[i]!;
      const next = segments[i + 1]!;
      if (seg.nextOffset > next.startOffset) {
        log(
          `Segment ${seg.logPath} overlaps ${next.logPath}: cut to ${
            next.startOffset - seg.startOffset
          } messages`,
        );
        await seg.truncateTo(Number(next.startOffset - seg.startOffset));
      }
    }
    for (let i = segments.length - 2; i >= 0; i--) {
      const seg = segments[i]!;
      if (seg.count === 0) {
        log(`Segment ${seg.logPath} is empty and sealed: deleted`);
        await seg.delete();
        segments.splice(i, 1);
      }
    }
    if (segments.length === 0) segments.push(await Segment.create(dir, 0n));
    await segments[segments.length - 1]!.openForAppend();
    return new PartitionLog(dir, segments, options);
  }

  get #active(): Segment {
    return this.#segments[this.#segments.length - 1]!;
  }

  /** Offset the next appended message gets. */
  get nextOffset(): bigint {
    return this.#active.nextOffset;
  }

  /** Offset of the oldest retained message (the first segment's start). */
  get firstOffset(): bigint {
    return this.#segments[0]!.startOffset;
  }

  /** Highest offset ever assigned, 0 when nothing was ever appended. */
  get currentOffset(): bigint {
    const next = this.nextOffset;
    return next > 0n ? next - 1n : 0n;
  }

  /** Retained messages. */
  get messagesCount(): bigint {
    let n = 0;
    for (const seg of this.#segments) n += seg.count;
    return BigInt(n);
  }

  /** Bytes of retained messages (sum of `.log` sizes). */
  get sizeBytes(): bigint {
    let n = 0;
    for (const seg of this.#segments) n += seg.size;
    return BigInt(n);
  }

  /** How many times the log was purged (offsets started again at 0) since it was opened. */
  get purges(): number {
    return this.#purges;
  }

  /** Number of segments, the active one included. */
  get segmentsCount(): number {
    return this.#segments.length;
  }

  /** True when no message is retained (none appended, or all deleted). */
  get isEmpty(): boolean {
    for (const seg of this.#segments) if (seg.count > 0) return false;
    return true;
  }

  /** Messages appended and not yet handed to an fsync (always 0 with `enforceFsync`). */
  get unsavedMessages(): number {
    return this.#unsavedMessages;
  }

  /** Bytes held by this log's read cache. */
  get cachedBytes(): number {
    return this.#cache.bytes;
  }

  /** Statistics of every segment, oldest first; the last is the active one. */
  get segments(): SegmentInfo[] {
    return this.#segments.map((seg) => seg.info);
  }

  #run<T>(op: () => Promise<T>, whenClosed = false): Promise<T> {
    const result = this.#queue.then(() => {
      if (this.#closed && !whenClosed) {
        throw new Error(`Partition log ${this.dir} is closed`);
      }
      return op();
    });
    this.#queue = result.catch(() => {});
    return result;
  }

  /**
   * Stamps `count` validated message frames (offsets from {@linkcode PartitionLog.nextOffset},
   * `timestamp`, ids, checksums) and stores them: one write to the `.log`, one to the `.index`.
   * The bytes of `messages` are modified in place; they are not retained.
   * @param messages the message section of a send batch (frames back to back)
   * @param count the number of frames
   * @param timestamp server time in µs, stamped on every message
   * @param options the memory `messages` lies in, or whether the caller hands it over (see
   *   {@linkcode AppendOptions})
   * @throws {RangeError} when the frames do not fit `messages`
   * @throws {StaleMemoryError} when `messages` is a view of request memory since released
   */
  append(
    messages: Uint8Array,
    count: number,
    timestamp: bigint,
    options: AppendOptions = {},
  ): Promise<void> {
    return this.#run(async () => {
      if (count <= 0) return;
      let seg = this.#active;
      if (seg.count > 0 && seg.size + messages.length > MAX_POSITION) {
        await this.#roll();
        seg = this.#active;
      }
      if (messages.length > MAX_POSITION) {
        throw new RangeError(
          `Batch of ${messages.length} bytes exceeds the segment position range`,
        );
      }
      const basePosition = seg.size;
      stampMessages(messages, count, {
        firstOffset: seg.nextOffset,
        timestamp,
        basePosition,
        segmentStartOffset: seg.startOffset,
        index: seg.reserveIndex(count),
        memory: options.memory,
      });
      await seg.append(messages, count, this.#enforceFsync);
      if (this.#cacheEnabled) {
        const given = options.transfer ??
          (options.memory !== undefined && !options.memory.lends(messages));
        if (!given && this.copyTailForReplicas) {
          // Followers fetch this batch right away: one copy here beats each of them reading it
          // back from the file (a seek, a read and a new buffer per follower).
          this.#cache.add(basePosition, messages.slice(), true);
        } else {
          this.#cache.add(basePosition, messages, given);
        }
      }
      if (this.#enforceFsync) this.#markDurable(seg.nextOffset);
      else this.#noteUnsaved(count, messages.length);
      if (seg.size >= this.#segmentSize) await this.#roll();
    });
  }

  async #sync(): Promise<void> {
    await this.#syncing;
    await this.#active.sync();
    this.#unsavedMessages = 0;
    this.#unsavedBytes = 0;
    this.#markDurable(this.nextOffset);
  }

  /**
   * The offset below which every message is fsynced on this node (what a replica counts toward
   * an acknowledgement with `cluster.replication.fsync`). Messages found at load count as
   * synced; with `enforce_fsync` it is the log end.
   */
  get durableOffset(): bigint {
    return this.#durable;
  }

  /**
   * Resolves once every message appended before the call is fsynced. Starts (or joins) the
   * background fsync, which holds up no append or read; callers meanwhile share one fsync.
   * Rejects when that fsync fails.
   */
  syncAppended(): Promise<void> {
    const target = this.nextOffset;
    if (target <= this.#durable) return Promise.resolve();
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    this.#durableWaiters.push({ target, resolve, reject });
    this.#syncInBackground();
    return promise;
  }

  /** Everything below `offset` is fsynced: answers the waiters it covers. */
  #markDurable(offset: bigint): void {
    if (offset > this.#durable) this.#durable = offset;
    if (this.#durableWaiters.length === 0) return;
    this.#durableWaiters = this.#durableWaiters.filter((w) => {
      if (w.target > this.#durable) return true;
      w.resolve();
      return false;
    });
  }

  /** An fsync meant to cover `offset` failed: its waiters learn it. */
  #failDurable(offset: bigint, err: unknown): void {
    this.#durableWaiters = this.#durableWaiters.filter((w) => {
      if (w.target > offset) return true;
      w.reject(err);
      return false;
    });
  }

  /** Counts an append not fsynced, and starts the threshold fsync when one is due. */
  #noteUnsaved(count: number, bytes: number): void {
    this.#unsavedMessages += count;
    this.#unsavedBytes += bytes;
    if (
      (this.#saveMessages > 0 &&
        this.#unsavedMessages >= this.#saveMessages) ||
      (this.#saveBytes > 0 && this.#unsavedBytes >= this.#saveBytes)
    ) {
      // Not awaited: without enforce_fsync an acknowledgement never promised an fsync.
      this.#syncInBackground();
    }
  }

  /**
   * Starts an fsync of the active segment without waiting for it; one runs at a time, and a
   * request made meanwhile runs once more after it. The counters restart now.
   */
  #syncInBackground(): void {
    this.#unsavedMessages = 0;
    this.#unsavedBytes = 0;
    if (this.#syncing) {
      this.#syncAgain = true;
      return;
    }
    const seg = this.#active;
    this.#syncing = (async () => {
      do {
        this.#syncAgain = false;
        // Everything before this segment was fsynced when it was sealed (see #roll).
        const covered = seg.nextOffset;
        try {
          await seg.syncLog();
          this.#markDurable(covered);
        } catch (err) {
          this.#logger?.(`Cannot fsync ${seg.logPath}: ${err}`);
          this.#failDurable(covered, err);
        }
      } while (this.#syncAgain);
      this.#syncing = undefined;
    })();
  }

  async #roll(): Promise<void> {
    const old = this.#active;
    await this.#syncing;
    // By what is durable, not by the unsaved counters: those restart when a background fsync
    // starts (also one that then fails) and at a truncation, and a segment sealed unsynced
    // would later count as durable (see #syncInBackground).
    if (this.#durable < old.nextOffset) await this.#sync();
    const seg = await Segment.create(this.dir, old.nextOffset);
    await seg.openForAppend();
    old.close();
    this.#segments.push(seg);
    this.#cache.clear();
  }

  /**
   * Reads up to `count` stored messages from `max(startOffset, firstOffset)`.
   * @returns the frames as one contiguous chunk per segment touched; count 0 past the end
   */
  read(
    startOffset: bigint,
    count: number,
    allocate: Allocate = newBuffer,
  ): Promise<ReadResult> {
    return this.#run(async () => {
      const segments = this.#segments;
      let offset = startOffset < this.firstOffset
        ? this.firstOffset
        : startOffset;
      const result: ReadResult = { firstOffset: offset, count: 0, chunks: [] };
      if (count <= 0 || offset >= this.nextOffset) return result;

      // last segment whose start <= offset
      let lo = 0;
      let hi = segments.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >>> 1;
        if (segments[mid]!.startOffset <= offset) lo = mid;
        else hi = mid - 1;
      }
      let remaining = count;
      const activeIdx = segments.length - 1;
      for (let i = lo; i < segments.length && remaining > 0; i++) {
        const seg = segments[i]!;
        if (offset < seg.startOffset) offset = seg.startOffset; // gap in offsets
        const k = Number(offset - seg.startOffset);
        if (k >= seg.count) continue;
        const n = Math.min(remaining, seg.count - k);
        const start = seg.startPositionAt(k);
        const end = seg.endPositionAt(k + n - 1);
        let chunk = i === activeIdx && this.#cacheEnabled
          ? this.#cache.get(start, end, allocate)
          : undefined;
        if (!chunk) {
          try {
            chunk = await seg.read(start, end, allocate);
          } finally {
            if (i !== activeIdx) seg.closeReader();
          }
        }
        if (result.count === 0) result.firstOffset = offset;
        result.chunks.push(chunk);
        result.count += n;
        remaining -= n;
        offset += BigInt(n);
      }
      return result;
    });
  }

  /**
   * Reads stored frames from `offset` for a replica: at most `maxMessages` and (beyond the first
   * message) `maxBytes`, never across a segment boundary, so that the replica can seal its
   * segments where this log sealed them. An `offset` below the first retained one (segments
   * deleted since) reads from the first segment's start: the replica starts again there.
   * @returns the start offset of the segment the frames lie in, the frames and their count (0
   *   at or past the end), and the log's first offset
   */
  readForReplica(
    offset: bigint,
    options: { maxMessages: number; maxBytes: number },
  ): Promise<ReplicaRead> {
    return this.#run(() => {
      const segments = this.#segments;
      const logStart = segments[0]!.startOffset;
      const from = offset < logStart ? logStart : offset;
      // The last segment starting at or before `from` (a sealed one ends where the next starts).
      let i = segments.length - 1;
      while (i > 0 && segments[i]!.startOffset > from) i--;
      const seg = segments[i]!;
      const k = Number(from - seg.startOffset);
      if (k >= seg.count) {
        return Promise.resolve({
          segmentStart: seg.startOffset,
          count: 0,
          bytes: EMPTY,
          logStart,
        });
      }
      return this.#replicaChunk(seg, k, options, i, logStart);
    });
  }

  async #replicaChunk(
    seg: Segment,
    k: number,
    options: { maxMessages: number; maxBytes: number },
    at: number,
    logStart: bigint,
  ): Promise<ReplicaRead> {
    const start = seg.startPositionAt(k);
    let n = 1;
    const most = Math.min(options.maxMessages, seg.count - k);
    while (n < most && seg.endPositionAt(k + n) - start <= options.maxBytes) {
      n++;
    }
    const end = seg.endPositionAt(k + n - 1);
    const active = at === this.#segments.length - 1;
    let bytes = active && this.#cacheEnabled
      ? this.#cache.get(start, end, newBuffer)
      : undefined;
    if (!bytes) {
      try {
        bytes = await seg.read(start, end);
      } finally {
        if (!active) seg.closeReader();
      }
    }
    return { segmentStart: seg.startOffset, count: n, bytes, logStart };
  }

  /**
   * Appends frames another node's log stored (a replica's copy): byte for byte, offsets,
   * timestamps and checksums as they are, in a new segment when `segmentStart` is past the
   * active one's start (the leader sealed its segment there; also for a chunk of no frames).
   * Never rolls on size by itself.
   * @throws {RangeError} when the frames do not continue this log or are not whole
   */
  appendReplica(
    chunk: ReplicaChunk,
    fsync: boolean,
  ): Promise<void> {
    return this.#run(async () => {
      const { bytes, count, segmentStart } = chunk;
      // The leader sealed its segment here (an empty chunk seals too: its new segment is empty).
      if (segmentStart > this.#active.startOffset) {
        if (segmentStart !== this.nextOffset) {
          throw new RangeError(
            `Replica segment ${segmentStart} does not start at the log end ${this.nextOffset}`,
          );
        }
        await this.#roll();
      }
      if (count <= 0) return;
      // Before the index grows for them: a count the bytes cannot hold (every frame has its
      // header) would otherwise reserve up to 64 GiB of index first.
      if (count > bytes.length / MESSAGE_HEADER_SIZE) {
        throw new RangeError(
          `Replica chunk of ${bytes.length} bytes cannot hold ${count} frames`,
        );
      }
      const seg = this.#active;
      const basePosition = seg.size;
      const index = seg.reserveIndex(count);
      fillReplicaIndex(bytes, count, {
        firstOffset: seg.nextOffset,
        segmentStartOffset: seg.startOffset,
        basePosition,
        index,
      });
      const synced = fsync || this.#enforceFsync;
      await seg.append(bytes, count, synced);
      if (synced) this.#markDurable(seg.nextOffset);
      else this.#noteUnsaved(count, bytes.length);
      if (this.#cacheEnabled) this.#cache.add(basePosition, bytes, true);
    });
  }

  /**
   * Removes every message at `offset` and after (a replica whose tail the new leader does not
   * have): later segments are deleted, the one holding `offset` is cut and becomes the active one.
   */
  truncateFrom(offset: bigint): Promise<void> {
    return this.#run(async () => {
      if (offset >= this.nextOffset) return;
      await this.#syncing;
      while (
        this.#segments.length > 1 &&
        this.#segments[this.#segments.length - 1]!.startOffset > offset
      ) {
        await this.#segments.pop()!.delete();
      }
      const seg = this.#active;
      const keep = offset < seg.startOffset
        ? 0
        : Number(offset - seg.startOffset);
      await seg.truncateTo(keep);
      await seg.openForAppend();
      this.#cache.clear();
      this.#unsavedMessages = 0;
      this.#unsavedBytes = 0;
      if (this.#durable > this.nextOffset) this.#durable = this.nextOffset;
    });
  }

  /**
   * Drops every segment and starts the log again, empty, at `offset` (a replica whose log ends
   * below its leader's first retained offset: everything it holds was deleted on the leader).
   * The new segment is created before the old ones go: a crash in between leaves them below it,
   * and the replica drops them with its next fetch.
   * @throws {RangeError} when `offset` is not past the log end
   */
  restartAt(offset: bigint): Promise<void> {
    return this.#run(async () => {
      if (offset <= this.nextOffset) {
        throw new RangeError(
          `Cannot restart the log at ${offset}: it ends at ${this.nextOffset}`,
        );
      }
      await this.#syncing;
      const seg = await Segment.create(this.dir, offset);
      await seg.openForAppend();
      this.#active.close();
      this.#segments.push(seg);
      this.#cache.clear();
      this.#unsavedMessages = 0;
      this.#unsavedBytes = 0;
      while (this.#segments.length > 1) {
        await this.#segments[0]!.delete();
        this.#segments.shift();
      }
      // Nothing below `offset` is left to fsync.
      this.#markDurable(offset);
    });
  }

  /**
   * Returns the offset of the first retained message whose server timestamp is `>= timestamp`,
   * or `undefined` when there is none.
   */
  offsetForTimestamp(timestamp: bigint): bigint | undefined {
    for (const seg of this.#segments) {
      if (seg.count === 0 || seg.lastTimestamp < timestamp) continue;
      const k = seg.findTimestamp(timestamp);
      if (k >= 0) return seg.startOffset + BigInt(k);
    }
    return undefined;
  }

  /**
   * Waits for pending appends; with `fsync`, also fsyncs the active segment when it holds
   * unsaved messages (a rolled segment is fsynced when it is sealed). Every append is
   * written to the `.log` before it resolves (it survives a crash of this process), so there is
   * no buffer to write here: "saving" means fsyncing (it survives a crash of the machine).
   */
  flush(fsync: boolean): Promise<void> {
    return this.#run(async () => {
      if (!fsync) return;
      await this.#syncing;
      if (this.#unsavedMessages > 0) await this.#sync();
    });
  }

  /** Waits for pending operations and closes every file; later calls (but `close` and `remove`) throw. */
  close(): Promise<void> {
    return this.#run(async () => {
      await this.#syncing;
      this.#closeAll();
    }, true);
  }

  #closeAll(): void {
    for (const seg of this.#segments) seg.close();
    this.#cache.clear();
    this.#closed = true;
  }

  /**
   * Deletes every segment and starts again at offset 0 with one empty segment.
   * @param takeAway removes the whole directory (stored offsets included) in one atomic step,
   * e.g. a rename into the trash, so that a crash never leaves a half-purged partition. It is
   * called once this log's files are closed; its directory may be a parent shared with other
   * partitions. When it rejects, nothing is purged and the log carries on. Without it, the
   * segments are deleted one by one.
   */
  purge(takeAway?: (dir: string) => Promise<unknown>): Promise<void> {
    return this.#run(async () => {
      await this.#syncing;
      if (takeAway) {
        for (const seg of this.#segments) seg.close();
        try {
          await takeAway(this.dir);
        } catch (err) {
          await this.#active.openForAppend(); // nothing was purged: carry on as before
          throw err;
        }
        // A crash right here leaves no directory: the start recreates it empty, purged.
        await Deno.mkdir(this.dir, { recursive: true });
      } else {
        for (const seg of this.#segments) await seg.delete();
      }
      this.#cache.clear();
      this.#unsavedMessages = 0;
      this.#unsavedBytes = 0;
      const seg = await Segment.create(this.dir, 0n);
      await seg.openForAppend();
      this.#segments = [seg];
      this.#purges++;
      this.#durable = 0n;
      const purged = new Error(`Partition log ${this.dir} was purged`);
      for (const w of this.#durableWaiters.splice(0)) w.reject(purged);
    });
  }

  /**
   * Deletes up to `count` of the oldest sealed segments (never the active one). Offsets are
   * not renumbered; {@linkcode PartitionLog.firstOffset} moves.
   * @param count the most segments to delete
   * @param keepFrom keep every segment holding an offset `>= keepFrom` (lowest stored consumer offset)
   * @returns how many segments were deleted
   */
  deleteOldestSegments(count: number, keepFrom?: bigint): Promise<number> {
    return this.#run(async () => {
      let deleted = 0;
      while (deleted < count && this.#segments.length > 1) {
        const seg = this.#segments[0]!;
        if (
          keepFrom !== undefined && seg.count > 0 && keepFrom < seg.nextOffset
        ) {
          break;
        }
        await seg.delete();
        this.#segments.shift();
        deleted++;
      }
      return deleted;
    });
  }

  /**
   * Deletes the oldest sealed segments (never the active one) for as long as `predicate`
   * accepts the oldest remaining one. Offsets are not renumbered.
   * @param predicate sees the statistics of the oldest segment; true deletes it
   * @returns how many segments were deleted
   */
  deleteOldestSegmentsWhile(
    predicate: (info: SegmentInfo) => boolean,
  ): Promise<number> {
    return this.#run(async () => {
      let deleted = 0;
      while (this.#segments.length > 1 && predicate(this.#segments[0]!.info)) {
        await this.#segments[0]!.delete();
        this.#segments.shift();
        deleted++;
      }
      return deleted;
    });
  }

  /** Closes the log and deletes the whole partition directory. */
  remove(): Promise<void> {
    return this.#run(async () => {
      await this.#syncing;
      this.#closeAll();
      await Deno.remove(this.dir, { recursive: true });
    }, true);
  }
}
