/**
 * Stored consumer and consumer-group offsets of a partition (binary.md §6.8): one file per
 * consumer under `offsets/consumers/<key>` or `offsets/groups/<group_id>`, holding the offset
 * as 8 bytes u64 little-endian.
 * @module
 */

import { join } from "node:path";
import { offsetPath, offsetsDir } from "./paths.ts";
import { writeFileAtomic } from "./atomic_file.ts";
import { mkdir, remove } from "./fault.ts";

/** Which offsets directory: regular consumers or consumer groups. */
export type OffsetKind = "consumers" | "groups";

/** The stored offsets of one partition. */
export interface StoredOffsets {
  /** Consumer key (numeric id, or XXH32 of a string id) → offset. */
  consumers: Map<number, bigint>;
  /** Consumer group id → offset. */
  groups: Map<number, bigint>;
}

const KEY_PATTERN = /^\d{1,10}$/;

/** Per-file chain, so that writes to one offset file never interleave and the last call wins. */
const pending = new Map<string, Promise<void>>();

function serialise(path: string, op: () => Promise<void>): Promise<void> {
  const prev = pending.get(path) ?? Promise.resolve();
  const next = prev.then(op, op);
  const tail = next.catch(() => {});
  pending.set(path, tail);
  tail.then(() => {
    if (pending.get(path) === tail) pending.delete(path);
  });
  return next;
}

async function loadKind(
  dir: string,
  kind: OffsetKind,
): Promise<Map<number, bigint>> {
  const out = new Map<number, bigint>();
  const kindDir = join(offsetsDir(dir), kind);
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(kindDir));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return out;
    throw err;
  }
  for (const entry of entries) {
    if (!entry.isFile || !KEY_PATTERN.test(entry.name)) continue;
    const key = Number(entry.name);
    if (key > 0xffff_ffff) continue;
    const bytes = await Deno.readFile(join(kindDir, entry.name));
    if (bytes.length !== 8) continue;
    out.set(
      key,
      new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true),
    );
  }
  return out;
}

/**
 * Reads every stored offset of the partition in `dir`. Missing directories give empty maps;
 * files with another name or size (such as a leftover temp file) are skipped.
 * @param dir the partition directory
 */
export async function loadOffsets(dir: string): Promise<StoredOffsets> {
  const [consumers, groups] = await Promise.all([
    loadKind(dir, "consumers"),
    loadKind(dir, "groups"),
  ]);
  return { consumers, groups };
}

/**
 * Stores one offset atomically (temp file, then rename over the old one). Concurrent calls for
 * the same file run in call order.
 * @param dir the partition directory
 * @param kind "consumers" or "groups"
 * @param key the consumer key or group id (u32)
 * @param offset the offset (u64)
 * @param options `fsync`: fsync the temp file before the rename (default false)
 */
export function storeOffset(
  dir: string,
  kind: OffsetKind,
  key: number,
  offset: bigint,
  options: { fsync?: boolean } = {},
): Promise<void> {
  const path = offsetPath(dir, kind, key);
  return serialise(path, async () => {
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setBigUint64(0, offset, true);
    await mkdir(join(offsetsDir(dir), kind));
    await writeFileAtomic(path, bytes, options);
  });
}

/**
 * Deletes one stored offset; a missing file is not an error.
 * @returns whether a file was deleted
 */
export async function deleteOffset(
  dir: string,
  kind: OffsetKind,
  key: number,
): Promise<boolean> {
  const path = offsetPath(dir, kind, key);
  let deleted = false;
  await serialise(path, async () => {
    deleted = await remove(path);
  });
  return deleted;
}

/** Deletes every stored offset of the partition in `dir` (the whole `offsets` directory). */
export async function deleteAllOffsets(dir: string): Promise<void> {
  await remove(offsetsDir(dir), { recursive: true });
}
