/**
 * Replaces a small file atomically: write `<path>.tmp`, optionally fsync it, rename it over `path`
 * (and fsync the directory so the rename itself is durable). Readers see the old or the new content,
 * never a torn one.
 * @module
 */

import { dirname } from "node:path";

/** Suffix of the temporary file written before the rename. */
export const TMP_SUFFIX = ".tmp";

/**
 * Writes `bytes` to `path` atomically.
 * @param path the file to replace
 * @param bytes its new content
 * @param options `fsync`: make the content and the rename durable before resolving
 */
export async function writeFileAtomic(
  path: string,
  bytes: Uint8Array,
  options: { fsync?: boolean } = {},
): Promise<void> {
  const tmp = path + TMP_SUFFIX;
  const file = await Deno.open(tmp, {
    write: true,
    create: true,
    truncate: true,
  });
  try {
    let written = 0;
    while (written < bytes.length) {
      written += await file.write(bytes.subarray(written));
    }
    if (options.fsync) await file.syncData();
  } finally {
    file.close();
  }
  await Deno.rename(tmp, path);
  if (options.fsync) await syncDir(dirname(path));
}

async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await Deno.open(dir, { read: true });
    try {
      await handle.sync();
    } finally {
      handle.close();
    }
  } catch {
    // Not every platform lets a directory be opened and synced; the rename stands.
  }
}
