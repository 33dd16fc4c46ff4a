/**
 * Replaces a small file atomically: write `<path>.tmp`, optionally fsync it, rename it over `path`
 * (and fsync the directory so the rename itself is durable). Readers see the old or the new content,
 * never a torn one. Every step goes through the fault layer ({@link ./fault.ts}).
 * @module
 */

import { dirname } from "node:path";
import { fsync, fsyncDir, rename, write } from "./fault.ts";

/** Suffix of the temporary file written before the rename. */
export const TMP_SUFFIX = ".tmp";

/**
 * Writes `bytes` to `path` atomically. On a failure before the rename the temp file is removed
 * (best effort) and `path` keeps its old content.
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
  try {
    const file = await Deno.open(tmp, {
      write: true,
      create: true,
      truncate: true,
    });
    try {
      await write({ file, path: tmp }, bytes);
      if (options.fsync) await fsync({ file, path: tmp });
    } finally {
      file.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await Deno.remove(tmp).catch(() => {});
    throw err;
  }
  if (options.fsync) await fsyncDir(dirname(path));
}
