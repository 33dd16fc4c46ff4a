/**
 * The request loop of one stream connection (TCP or TLS): read a frame's header and payload, hand
 * them to the binary layer, write the answer — one request at a time, in order (binary.md §1.1–1.2).
 * @module
 */

import {
  CommandCode,
  ErrorCode,
  FRAME_HEADER_SIZE,
  writeResponseHeader,
} from "../../client/protocol/mod.ts";
import {
  type Answer,
  errorFrame,
  okFrame,
  parseRequestHeader,
} from "../binary/framing.ts";
import {
  type BinaryContext,
  handleFrame,
  refuseOversized,
} from "../binary/handle_frame.ts";
import { isAuthenticated } from "../binary/request_limits.ts";

/** What the loop needs from a connection (Deno.Conn and Deno.TlsConn fit). */
export interface ByteStream {
  read(buffer: Uint8Array): Promise<number | null>;
  write(bytes: Uint8Array): Promise<number>;
  close(): void;
}

const READ_BUFFER_SIZE = 64 * 1024;
/**
 * A connection starts with a small read buffer and moves to {@linkcode READ_BUFFER_SIZE} on its
 * first larger request or a read that fills the buffer: a thousand clients connecting at once then
 * cost 4 MiB rather than 64 MiB of zeroed memory (and the collection that follows).
 */
const INITIAL_READ_BUFFER_SIZE = 4 * 1024;
/** Answers up to this size are copied into one buffer and written with one call. */
const COALESCE_LIMIT = 256 * 1024;

class ConnectionClosed extends Error {
  constructor() {
    super("Connection closed");
    this.name = "ConnectionClosed";
  }
}

/** Buffered reader that hands out views for small reads and fills caller buffers for large ones. */
class FrameReader {
  #conn: ByteStream;
  #buffer = new Uint8Array(INITIAL_READ_BUFFER_SIZE);
  #start = 0;
  #end = 0;

  constructor(conn: ByteStream) {
    this.#conn = conn;
  }

  async #fill(): Promise<void> {
    if (this.#start === this.#end) {
      this.#start = 0;
      this.#end = 0;
    } else if (this.#start > 0) {
      this.#buffer.copyWithin(0, this.#start, this.#end);
      this.#end -= this.#start;
      this.#start = 0;
    }
    const free = this.#buffer.length - this.#end;
    const n = await this.#conn.read(this.#buffer.subarray(this.#end));
    if (n === null || n === 0) throw new ConnectionClosed();
    this.#end += n;
    if (n === free) this.#grow();
  }

  /** Moves to the full-size buffer (once), keeping the unread bytes. */
  #grow(): void {
    if (this.#buffer.length >= READ_BUFFER_SIZE) return;
    const buffer = new Uint8Array(READ_BUFFER_SIZE);
    buffer.set(this.#buffer.subarray(this.#start, this.#end));
    this.#end -= this.#start;
    this.#start = 0;
    this.#buffer = buffer;
  }

  /** A view of the next `n` bytes (n ≤ {@linkcode READ_BUFFER_SIZE}), valid until the next read. */
  async view(n: number): Promise<Uint8Array> {
    if (n > this.#buffer.length) this.#grow();
    while (this.#end - this.#start < n) await this.#fill();
    const out = this.#buffer.subarray(this.#start, this.#start + n);
    this.#start += n;
    return out;
  }

  /** Reads exactly `target.length` bytes into `target`. */
  async into(target: Uint8Array): Promise<void> {
    const buffered = Math.min(this.#end - this.#start, target.length);
    target.set(this.#buffer.subarray(this.#start, this.#start + buffered));
    this.#start += buffered;
    let at = buffered;
    while (at < target.length) {
      const n = await this.#conn.read(target.subarray(at));
      if (n === null || n === 0) throw new ConnectionClosed();
      at += n;
    }
  }
}

/** Lays an answer's chunks out as one frame when they are in its memory (see `AnswerArena`). */
export interface AnswerLayout {
  /** The whole frame, header bytes still to write, or `undefined`. */
  frameOf(chunks: Uint8Array[]): Uint8Array | undefined;
}

async function writeAll(conn: ByteStream, bytes: Uint8Array): Promise<void> {
  let at = 0;
  while (at < bytes.length) at += await conn.write(bytes.subarray(at));
}

/**
 * Writes an OK answer whose payload is `chunks`: one write when it is small (copied) or laid out
 * in `arena` (see {@linkcode AnswerLayout}), else one write per chunk.
 */
export async function writeAnswer(
  conn: ByteStream,
  chunks: Uint8Array[],
  arena?: AnswerLayout,
): Promise<void> {
  let length = 0;
  for (const chunk of chunks) length += chunk.length;
  const laidOut = length > COALESCE_LIMIT ? arena?.frameOf(chunks) : undefined;
  if (laidOut) {
    writeResponseHeader(laidOut, 0, length);
    await writeAll(conn, laidOut);
    return;
  }
  if (length <= COALESCE_LIMIT) {
    await writeAll(conn, okFrame(chunks));
    return;
  }
  const header = new Uint8Array(FRAME_HEADER_SIZE + chunks[0]!.length);
  writeResponseHeader(header, 0, length);
  header.set(chunks[0]!, FRAME_HEADER_SIZE);
  await writeAll(conn, header);
  for (let i = 1; i < chunks.length; i++) await writeAll(conn, chunks[i]!);
}

/** Writes an error answer `[code][0]`. */
export async function writeError(
  conn: ByteStream,
  code: number,
): Promise<void> {
  await writeAll(conn, errorFrame(code));
}

/** Lets a server stop a connection between requests (graceful shutdown). */
export interface ConnectionControl {
  /** True while a request is being handled. */
  busy: boolean;
  /** Set by the server: finish the current request, then say "disconnected" and close. */
  stopping: boolean;
}

/**
 * Serves requests on `conn` until it closes. A payload over its cap (`refuseOversized`: a few KiB
 * before login) is answered with an error code and the connection is closed unread (the bytes are
 * not drained), so the stream never desynchronises and no memory is spent on it.
 *
 * Requests are handled one at a time and each answer is written before the next request is read,
 * so the connection's memory (`ctx.memory`) is reused: send batches and large payloads are received
 * into its request buffer, and poll answers laid out in its answer regions.
 */
export async function serveConnection(
  ctx: BinaryContext,
  conn: ByteStream,
  control: ConnectionControl = { busy: false, stopping: false },
): Promise<void> {
  const { system, session, memory } = ctx;
  const reader = new FrameReader(conn);
  system.addClient(session);
  try {
    while (!session.stale && !control.stopping) {
      control.busy = false;
      const bytes = await reader.view(FRAME_HEADER_SIZE);
      control.busy = true;
      const header = parseRequestHeader(bytes);
      if (!header) {
        await writeError(conn, ErrorCode.InvalidCommand);
        continue;
      }
      const refused = refuseOversized(ctx, header);
      if (refused) {
        await write(conn, refused, memory);
        break;
      }
      const { code, payloadLength } = header;
      let payload: Uint8Array;
      // A SendMessages before login is refused unread by dispatch: it needs no request buffer.
      if (
        payloadLength > READ_BUFFER_SIZE ||
        (code === CommandCode.SendMessages && isAuthenticated(system, session))
      ) {
        payload = memory.request(payloadLength);
        await reader.into(payload);
      } else {
        payload = await reader.view(payloadLength);
      }
      const answer = await handleFrame(ctx, header, payload);
      await write(conn, answer, memory);
      if (answer.close) break;
    }
    if (control.stopping) await writeError(conn, ErrorCode.Disconnected);
  } catch (err) {
    if (!(err instanceof ConnectionClosed) && !isDisconnect(err)) {
      ctx.log.warn("Connection error", {
        client: session.address,
        error: String(err),
      });
    }
  } finally {
    system.removeClient(session);
    try {
      conn.close();
    } catch {
      // already closed
    }
  }
}

function write(
  conn: ByteStream,
  answer: Answer,
  layout: AnswerLayout,
): Promise<void> {
  return answer.status === 0
    ? writeAnswer(conn, answer.chunks, layout)
    : writeError(conn, answer.status);
}

function isDisconnect(err: unknown): boolean {
  return err instanceof Deno.errors.ConnectionReset ||
    err instanceof Deno.errors.BrokenPipe ||
    err instanceof Deno.errors.BadResource ||
    err instanceof Deno.errors.Interrupted ||
    err instanceof Deno.errors.NotConnected;
}
