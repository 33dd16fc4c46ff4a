/** Builds valid message sections for storage tests. */

/** Builds `count` frames; message i has payload `payload(i)` and the given id (0 = let the server pick). */
export function buildSection(
  count: number,
  options: {
    payload?: (i: number) => Uint8Array;
    id?: (i: number) => bigint;
    headers?: (i: number) => Uint8Array;
  } = {},
): Uint8Array {
  const payloads: Uint8Array[] = [];
  const headers: Uint8Array[] = [];
  let size = 0;
  for (let i = 0; i < count; i++) {
    const p = options.payload?.(i) ?? new TextEncoder().encode(`message-${i}`);
    const h = options.headers?.(i) ?? new Uint8Array(0);
    payloads.push(p);
    headers.push(h);
    size += 64 + p.length + h.length;
  }
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let pos = 0;
  for (let i = 0; i < count; i++) {
    const p = payloads[i]!;
    const h = headers[i]!;
    const id = options.id?.(i) ?? 0n;
    view.setBigUint64(pos + 8, id & 0xffff_ffff_ffff_ffffn, true);
    view.setBigUint64(pos + 16, id >> 64n, true);
    view.setBigUint64(pos + 40, 1_700_000_000_000_000n + BigInt(i), true);
    view.setUint32(pos + 48, h.length, true);
    view.setUint32(pos + 52, p.length, true);
    out.set(p, pos + 64);
    out.set(h, pos + 64 + p.length);
    pos += 64 + p.length + h.length;
  }
  return out;
}

/** A stored message frame, parsed. */
export interface ParsedFrame {
  checksum: bigint;
  id: Uint8Array;
  offset: bigint;
  timestamp: bigint;
  originTimestamp: bigint;
  payload: Uint8Array;
  userHeaders: Uint8Array;
  /** bytes [8, end) the checksum covers */
  covered: Uint8Array;
}

/** Splits chunks of stored frames into messages. */
export function parseFrames(chunks: Uint8Array[]): ParsedFrame[] {
  const out: ParsedFrame[] = [];
  for (const chunk of chunks) {
    const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let pos = 0;
    while (pos < chunk.length) {
      const headersLength = view.getUint32(pos + 48, true);
      const payloadLength = view.getUint32(pos + 52, true);
      const end = pos + 64 + payloadLength + headersLength;
      if (end > chunk.length) throw new Error(`Torn frame at ${pos}`);
      out.push({
        checksum: view.getBigUint64(pos, true),
        id: chunk.slice(pos + 8, pos + 24),
        offset: view.getBigUint64(pos + 24, true),
        timestamp: view.getBigUint64(pos + 32, true),
        originTimestamp: view.getBigUint64(pos + 40, true),
        payload: chunk.slice(pos + 64, pos + 64 + payloadLength),
        userHeaders: chunk.slice(pos + 64 + payloadLength, end),
        covered: chunk.slice(pos + 8, end),
      });
      pos = end;
    }
  }
  return out;
}

/** Decodes a payload as text. */
export function text(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}
