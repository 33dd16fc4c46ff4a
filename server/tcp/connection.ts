/**
 * The binary request loop of one stream connection (TCP or TLS): read the 8-byte header, check the length,
 * read the payload, dispatch, write the answer — one request at a time, in order (binary.md §1.1–1.2).
 * @module
 */

import { isIoError, storageError } from "../storage/io_errors.ts";
import {
  CommandCode,
  ErrorCode,
  FRAME_HEADER_SIZE,
  IggyError,
  writeResponseHeader,
} from "../../client/protocol/mod.ts";
import type { System } from "../domain/system.ts";
import type { Logger } from "../logger.ts";
import type { Session } from "../commands/session.ts";
import { dispatch } from "../commands/table.ts";
import { errorFrame, okFrame } from "../frames.ts";
import { createMessageBuffer } from "../storage/stamp.ts";
import {
  checkRequestSize,
  DEFAULT_REQUEST_LIMITS,
  isAuthenticated,
  type RequestLimits,
} from "../binary/request_limits.ts";

/** What the loop needs from a connection (Deno.Conn and Deno.TlsConn fit). */
export interface ByteStream {
  read(buffer: Uint8Array): Promise<number | null>;
  write(bytes: Uint8Array): Promise<number>;
  close(): void;
}

const READ_BUFFER_SIZE = 64 * 1024;
/** Answers up to this size are copied into one buffer and written with one call. */
const COALESCE_LIMIT = 256 * 1024;
/** Bytes kept free in front of an answer arena's regions for the headers of a frame. */
const ANSWER_PREFIX = 64;

class ConnectionClosed extends Error {
  constructor() {
    super("Connection closed");
    this.name = "ConnectionClosed";
  }
}

/** Buffered reader that hands out views for small reads and fills caller buffers for large ones. */
class FrameReader {
  #conn: ByteStream;
  #buffer = new Uint8Array(READ_BUFFER_SIZE);
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
    const n = await this.#conn.read(this.#buffer.subarray(this.#end));
    if (n === null || n === 0) throw new ConnectionClosed();
    this.#end += n;
  }

  /** A view of the next `n` bytes (n ≤ the buffer size), valid until the next read. */
  async view(n: number): Promise<Uint8Array> {
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

/**
 * Memory for answers, reused from request to request: regions handed out during one request stay
 * valid until the next `reset()`, which comes after the answer was written.
 */
export class AnswerArena {
  #buffer = new Uint8Array(0);
  #used = 0;

  reset(): void {
    // The first region starts after room for the frame header and a small answer header.
    this.#used = Math.min(ANSWER_PREFIX, this.#buffer.length);
  }

  /**
   * The whole answer frame as one view when `chunks` are small header chunks followed by regions
   * of this arena laid back to back from its first one: the small chunks are copied in front of
   * them, and the frame header's 8 bytes are left for the caller. Undefined otherwise.
   */
  frameOf(chunks: Uint8Array[]): Uint8Array | undefined {
    const buffer = this.#buffer;
    const first = buffer.byteOffset + ANSWER_PREFIX;
    let k = 0;
    let small = 0;
    while (k < chunks.length && chunks[k]!.buffer !== buffer.buffer) {
      small += chunks[k]!.length;
      k++;
    }
    if (
      k === chunks.length || chunks[k]!.byteOffset !== first ||
      FRAME_HEADER_SIZE + small > ANSWER_PREFIX
    ) return undefined;
    let end = first;
    for (let i = k; i < chunks.length; i++) {
      const chunk = chunks[i]!;
      if (chunk.buffer !== buffer.buffer || chunk.byteOffset !== end) {
        return undefined;
      }
      end += chunk.length;
    }
    let at = ANSWER_PREFIX - small;
    for (let i = 0; i < k; i++) {
      buffer.set(chunks[i]!, at);
      at += chunks[i]!.length;
    }
    return buffer.subarray(
      ANSWER_PREFIX - small - FRAME_HEADER_SIZE,
      end - buffer.byteOffset,
    );
  }

  allocate(size: number): Uint8Array {
    if (this.#used + size > this.#buffer.length) {
      // Regions already handed out keep the old buffer alive; later ones use a bigger one.
      this.#buffer = new Uint8Array(
        Math.max(ANSWER_PREFIX + size, 2 * this.#buffer.length, 1 << 20),
      );
      this.#used = ANSWER_PREFIX;
    }
    const out = this.#buffer.subarray(this.#used, this.#used + size);
    this.#used += size;
    return out;
  }
}

async function writeAll(conn: ByteStream, bytes: Uint8Array): Promise<void> {
  let at = 0;
  while (at < bytes.length) at += await conn.write(bytes.subarray(at));
}

/**
 * Writes an OK answer whose payload is `chunks`: one write when it is small (copied) or laid out
 * in `arena` (see {@linkcode AnswerArena.frameOf}), else one write per chunk.
 */
export async function writeAnswer(
  conn: ByteStream,
  chunks: Uint8Array[],
  arena?: AnswerArena,
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

/** Maps anything a handler threw to an Iggy error code, logging unexpected failures. */
export function errorCodeOf(
  system: System,
  err: unknown,
  code: number,
): number {
  if (err instanceof IggyError) return err.code;
  if (isIoError(err)) {
    // A storage failure no handler mapped: one WARN line, the generic I/O code.
    return storageError(err, {
      code: ErrorCode.IoError,
      logger: system.logger,
      fields: { command: code },
    }).code;
  }
  system.logger.module("tcp").error("Command failed", {
    code,
    error: err instanceof Error ? err.stack ?? err.message : String(err),
  });
  return ErrorCode.Error;
}

/** Lets a server stop a connection between requests (graceful shutdown). */
export interface ConnectionControl {
  /** True while a request is being handled. */
  busy: boolean;
  /** Set by the server: finish the current request, then say "disconnected" and close. */
  stopping: boolean;
  /** Where connection errors are logged (a counted log); the system's logger when absent. */
  log?: Pick<Logger, "warn">;
}

/**
 * Serves requests on `conn` until it closes. A payload over its cap ({@linkcode checkRequestSize}:
 * a few KiB before login) is answered with an error code and the connection is closed unread (the
 * bytes are not drained), so the stream never desynchronises and no memory is spent on it.
 */
export async function serveConnection(
  system: System,
  session: Session,
  conn: ByteStream,
  control: ConnectionControl = { busy: false, stopping: false },
  limits: RequestLimits = DEFAULT_REQUEST_LIMITS,
): Promise<void> {
  const reader = new FrameReader(conn);
  // Requests are handled one at a time and each answer is written before the next request is
  // read, so the request buffer of a send and the memory of an answer are reused: a fresh 1 MB
  // buffer per batch costs more (page faults, zeroing, GC) than everything else but the copies.
  // Large payloads land in memory the stamping reads in place; made on the first one, so idle and
  // control-only connections do not pay for it.
  let requestBuffer: ((size: number) => Uint8Array) | undefined;
  const answers = new AnswerArena();
  session.reusesRequestBuffer = true;
  session.allocateAnswer = (size) => answers.allocate(size);
  system.addClient(session);
  try {
    while (!session.stale && !control.stopping) {
      control.busy = false;
      const header = await reader.view(FRAME_HEADER_SIZE);
      control.busy = true;
      const view = new DataView(
        header.buffer,
        header.byteOffset,
        FRAME_HEADER_SIZE,
      );
      const length = view.getUint32(0, true);
      const code = view.getUint32(4, true);
      if (length < 4) {
        await writeError(conn, ErrorCode.InvalidCommand);
        continue;
      }
      const payloadLength = length - 4;
      const authenticated = isAuthenticated(system, session);
      const refused = checkRequestSize(limits, {
        code,
        payloadLength,
        authenticated,
      });
      if (refused) {
        // A client mistake: the counted log when the listener has one.
        (control.log ?? system.logger.module("tcp")).warn(
          "Closing connection: oversized payload",
          { client: session.address, code, reason: refused.reason },
        );
        await writeError(conn, refused.status);
        break;
      }
      let payload: Uint8Array;
      // A SendMessages before login is refused unread by dispatch: it needs no message buffer.
      if (
        (code === CommandCode.SendMessages && authenticated) ||
        payloadLength > READ_BUFFER_SIZE
      ) {
        requestBuffer ??= createMessageBuffer();
        payload = requestBuffer(payloadLength);
        await reader.into(payload);
      } else {
        payload = await reader.view(payloadLength);
      }
      session.lastHeartbeat = Date.now();
      answers.reset();
      let chunks: Uint8Array[];
      try {
        chunks = await dispatch({ system, session }, code, payload);
      } catch (err) {
        const status = errorCodeOf(system, err, code);
        await writeError(conn, status);
        if (
          status === ErrorCode.StaleClient ||
          status === ErrorCode.ClientNotFound
        ) break;
        continue;
      }
      await writeAnswer(conn, chunks, answers);
    }
    if (control.stopping) await writeError(conn, ErrorCode.Disconnected);
  } catch (err) {
    if (!(err instanceof ConnectionClosed) && !isDisconnect(err)) {
      (control.log ?? system.logger.module("tcp")).warn("Connection error", {
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

function isDisconnect(err: unknown): boolean {
  return err instanceof Deno.errors.ConnectionReset ||
    err instanceof Deno.errors.BrokenPipe ||
    err instanceof Deno.errors.BadResource ||
    err instanceof Deno.errors.Interrupted ||
    err instanceof Deno.errors.NotConnected;
}
