/**
 * Small helpers shared by tests: the Iggy code a call fails with, byte searches, and the bytes of
 * every segment `.log` file under a data directory.
 */
import { join } from "node:path";
import { IggyError } from "../client/protocol/errors.ts";

/** The error code a call fails with, or 0 when it succeeds; rethrows anything but an `IggyError`. */
export async function codeOf(call: Promise<unknown>): Promise<number> {
  try {
    await call;
    return 0;
  } catch (err) {
    if (err instanceof IggyError) return err.code;
    throw err;
  }
}

/** Whether `needle` (bytes, or text as UTF-8) occurs in `haystack`. */
export function contains(
  haystack: Uint8Array,
  needle: Uint8Array | string,
): boolean {
  const bytes = typeof needle === "string"
    ? new TextEncoder().encode(needle)
    : needle;
  outer: for (let i = 0; i + bytes.length <= haystack.length; i++) {
    for (let j = 0; j < bytes.length; j++) {
      if (haystack[i + j] !== bytes[j]) continue outer;
    }
    return true;
  }
  return false;
}

/** Every `.log` file under `dir` (recursively), concatenated. */
export async function readLogs(dir: string): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) parts.push(await readLogs(path));
    else if (entry.name.endsWith(".log")) parts.push(await Deno.readFile(path));
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Re-checks `condition` every `intervalMs` until it holds; fails with `what` after `timeoutMs`.
 * For waiting on a condition instead of sleeping for a fixed time.
 */
export async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<void> {
  const { timeoutMs = 10_000, intervalMs = 10 } = options;
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) {
      throw new Error(`Timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
