/**
 * The floor servers of the `ceiling` mode, run as a child process (as the real server is):
 * `deno run -A bench/scenarios/ceiling_server.ts <data dir>` prints `{"port":N}` and serves
 * Iggy-style frames (`[length u32][code u32][payload]` → `[status u32][length u32][payload]`):
 *
 * - `RAW_ACK` (1): read the payload, answer an empty OK (raw TCP send);
 * - `RAW_REPLY` (2): payload `[n u32]`, answer `n` bytes (raw TCP poll);
 * - `LOG_APPEND` (3): payload `[file u32][batch]`, append the batch to `<dir>/<file>.log`, answer
 *   an empty OK (bare log server send);
 * - `LOG_READ` (4): payload `[file u32][position u32][n u32]`, read `n` bytes of that file at
 *   `position` (in the page cache: just written), answer them (bare log server poll).
 *
 * Buffers are reused and each answer is one write: this is the least any Deno server pays.
 * @module
 */

import { randomBytes } from "../random_bytes.ts";

/** Request codes of the floor server. */
export const CeilingCode = {
  RawAck: 1,
  RawReply: 2,
  LogAppend: 3,
  LogRead: 4,
} as const;

const HEADER = 8;
const READ_BUFFER = 64 * 1024;

class Closed extends Error {}

/** Serves one connection until it closes. */
async function serve(conn: Deno.Conn, dir: string): Promise<void> {
  let buffer = new Uint8Array(READ_BUFFER);
  let start = 0;
  let end = 0;
  let reply = new Uint8Array(HEADER);
  const files = new Map<number, Deno.FsFile>();
  const readers = new Map<number, Deno.FsFile>();
  const ok = new Uint8Array(HEADER);
  async function need(n: number): Promise<void> {
    if (n > buffer.length) {
      const grown = new Uint8Array(n);
      grown.set(buffer.subarray(start, end));
      end -= start;
      start = 0;
      buffer = grown;
    }
    while (end - start < n) {
      if (start > 0) {
        buffer.copyWithin(0, start, end);
        end -= start;
        start = 0;
      }
      const got = await conn.read(buffer.subarray(end));
      if (got === null) throw new Closed();
      end += got;
    }
  }
  async function writeAll(bytes: Uint8Array): Promise<void> {
    for (let at = 0; at < bytes.length;) {
      at += await conn.write(bytes.subarray(at));
    }
  }
  try {
    while (true) {
      await need(HEADER);
      const view = new DataView(buffer.buffer, start, HEADER);
      const length = view.getUint32(0, true) - 4;
      const code = view.getUint32(4, true);
      start += HEADER;
      await need(length);
      const payload = buffer.subarray(start, start + length);
      start += length;
      const pv = new DataView(
        payload.buffer,
        payload.byteOffset,
        payload.byteLength,
      );
      switch (code) {
        case CeilingCode.RawAck:
          await writeAll(ok);
          break;
        case CeilingCode.RawReply: {
          const n = pv.getUint32(0, true);
          if (reply.length < HEADER + n) reply = randomBytes(HEADER + n);
          new DataView(reply.buffer).setUint32(4, n, true);
          await writeAll(reply.subarray(0, HEADER + n));
          break;
        }
        case CeilingCode.LogAppend: {
          const id = pv.getUint32(0, true);
          let file = files.get(id);
          if (!file) {
            file = await Deno.open(`${dir}/${id}.log`, {
              create: true,
              write: true,
              append: true,
            });
            files.set(id, file);
          }
          const batch = payload.subarray(4);
          for (let at = 0; at < batch.length;) {
            at += await file.write(batch.subarray(at));
          }
          await writeAll(ok);
          break;
        }
        case CeilingCode.LogRead: {
          const id = pv.getUint32(0, true);
          const position = pv.getUint32(4, true);
          const n = pv.getUint32(8, true);
          let file = readers.get(id);
          if (!file) {
            file = await Deno.open(`${dir}/${id}.log`, { read: true });
            readers.set(id, file);
          }
          if (reply.length < HEADER + n) reply = new Uint8Array(HEADER + n);
          await file.seek(position, Deno.SeekMode.Start);
          let got = 0;
          while (got < n) {
            const r = await file.read(reply.subarray(HEADER + got, HEADER + n));
            if (r === null) break;
            got += r;
          }
          new DataView(reply.buffer).setUint32(4, got, true);
          await writeAll(reply.subarray(0, HEADER + got));
          break;
        }
        default:
          throw new Error(`Unknown code ${code}`);
      }
    }
  } catch (err) {
    if (
      !(err instanceof Closed) && !(err instanceof Deno.errors.ConnectionReset)
    ) {
      console.error(String(err));
    }
  } finally {
    for (const f of [...files.values(), ...readers.values()]) f.close();
    try {
      conn.close();
    } catch {
      // Closed by the peer.
    }
  }
}

if (import.meta.main) {
  const dir = Deno.args[0] ??
    await Deno.makeTempDir({ prefix: "iggy_ceiling_" });
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  console.log(JSON.stringify({ port: (listener.addr as Deno.NetAddr).port }));
  for await (const conn of listener) {
    conn.setNoDelay(true);
    serve(conn, dir);
  }
}
