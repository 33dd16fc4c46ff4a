/**
 * The file of revoked access-token ids (`<data>/state/tokens`): a map of token id (`jti`) to expiry
 * (Unix seconds), written in the metadata's JSON encoding ({@link ../state/json.ts}).
 *
 * Servers before this format wrote the same map as MessagePack; {@linkcode loadRevokedTokens} still
 * reads such a file (the next revocation rewrites it as JSON), so an upgrade keeps revocations.
 * @module
 */

import { parseState, stringifyState } from "../state/json.ts";

/**
 * Reads the revoked ids whose expiry is after `now`. A missing file is an empty set; a corrupt one
 * too, as it only loses revocations of tokens that will expire anyway.
 * @param path the file
 * @param now Unix seconds
 * @returns token id → expiry
 */
export function loadRevokedTokens(
  path: string,
  now: number,
): Map<string, number> {
  const revoked = new Map<string, number>();
  let bytes: Uint8Array;
  try {
    bytes = Deno.readFileSync(path);
  } catch {
    return revoked;
  }
  let entries: [string, number][];
  try {
    entries = bytes[0] === 0x7b // "{"
      ? Object.entries(
        parseState<Record<string, number>>(new TextDecoder().decode(bytes)),
      )
      : decodeLegacyMap(bytes);
  } catch {
    return revoked;
  }
  for (const [jti, exp] of entries) {
    if (typeof exp === "number" && exp > now) revoked.set(jti, exp);
  }
  return revoked;
}

/**
 * Replaces the file with `revoked` (write a temp file, rename it over).
 * @param path the file
 * @param revoked token id → expiry
 */
export async function saveRevokedTokens(
  path: string,
  revoked: ReadonlyMap<string, number>,
): Promise<void> {
  const tmp = `${path}.tmp`;
  await Deno.writeTextFile(tmp, stringifyState(Object.fromEntries(revoked)));
  await Deno.rename(tmp, path);
}

/**
 * Reads the MessagePack map the old format held: string keys, unsigned integer (or float64)
 * values. Anything else throws, as a corrupt file does.
 */
function decodeLegacyMap(bytes: Uint8Array): [string, number][] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = new TextDecoder("utf-8", { fatal: true });
  let at = 0;
  function take(n: number): number {
    if (at + n > bytes.length) throw new RangeError("Truncated MessagePack");
    const start = at;
    at += n;
    return start;
  }
  function u8(): number {
    return view.getUint8(take(1));
  }
  function size(fix: number, mask: number, lead: number, wide: number[]) {
    if ((lead & ~mask) === fix) return lead & mask;
    const width = wide.indexOf(lead);
    if (width === 0) return view.getUint8(take(1));
    if (width === 1) return view.getUint16(take(2));
    if (width === 2) return view.getUint32(take(4));
    throw new TypeError(`Unexpected MessagePack byte ${lead}`);
  }
  function str(): string {
    const length = size(0xa0, 0x1f, u8(), [0xd9, 0xda, 0xdb]);
    const start = take(length);
    return text.decode(bytes.subarray(start, start + length));
  }
  function num(): number {
    const lead = u8();
    if (lead <= 0x7f) return lead;
    if (lead === 0xcc) return view.getUint8(take(1));
    if (lead === 0xcd) return view.getUint16(take(2));
    if (lead === 0xce) return view.getUint32(take(4));
    if (lead === 0xcf) return Number(view.getBigUint64(take(8)));
    if (lead === 0xcb) return view.getFloat64(take(8));
    throw new TypeError(`Unexpected MessagePack byte ${lead}`);
  }
  const count = size(0x80, 0x0f, u8(), [-1, 0xde, 0xdf]);
  const entries: [string, number][] = [];
  for (let i = 0; i < count; i++) entries.push([str(), num()]);
  return entries;
}
