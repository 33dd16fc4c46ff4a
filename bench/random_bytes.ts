/**
 * Random payloads for the bench.
 * @module
 */

/** Most bytes `crypto.getRandomValues` fills per call. */
const RANDOM_CHUNK = 65536;

/**
 * `n` random bytes. The bench sends random bytes, never a fresh zeroed buffer: a never-written
 * `new Uint8Array(n)` maps every page to the kernel's shared zero page, which is always in the
 * CPU cache, so copying it to a socket costs less than copying real data.
 * @param n how many
 * @returns a new buffer
 */
export function randomBytes(n: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n);
  for (let at = 0; at < n; at += RANDOM_CHUNK) {
    crypto.getRandomValues(out.subarray(at, Math.min(n, at + RANDOM_CHUNK)));
  }
  return out;
}
