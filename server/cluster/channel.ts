/**
 * The node-to-node channel: a TCP connection between two nodes of one cluster that carries
 * forwarded binary commands. Clients cannot use it: it listens on its own port (advertised in
 * etcd, not to clients), and a connection must first prove it knows the cluster secret.
 *
 * ```text
 * handshake   server -> client  challenge (32 random bytes)
 *             client -> server  HMAC-SHA256(cluster.secret, challenge ‖ cluster name) (32 bytes)
 *             (a wrong answer closes the connection)
 * request     [length u32][request id u32][user id u32][code u32][metadata index u32]
 *             [incarnation length u8][user incarnation][payload]
 * response    [length u32][request id u32][status u32][payload]   status 0 = OK, else an Iggy code
 * ```
 * `length` counts the bytes after it. Requests on one connection are answered as they finish
 * (matched by id), so one connection per pair of nodes carries every forwarded request. The
 * metadata index is the last entry the sending node had applied: the receiver applies at least
 * that far before running the command, so a client that created a topic through one node can
 * use it at once through any node. The user id and incarnation name the client's user: the receiver
 * runs the command as that user only while it is the same user (not a later one at a reused id).
 * @module
 */

import { ErrorCode, IggyError } from "../../client/protocol/errors.ts";
import type { Logger } from "../logger.ts";
import { AcceptBackoff, pause } from "../net/backoff.ts";

const CHALLENGE_SIZE = 32;
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const HANDSHAKE_TIMEOUT_MS = 5000;
/** A connection's read buffer once it carries frames. */
const READ_BUFFER_SIZE = 64 * 1024;
/** Larger forwarded frames are refused (a SendMessages batch is far below it). */
const MAX_FRAME = 128 * 1024 * 1024;

/** An error status the peer answered (it was reached: the request did not get lost). */
export class PeerError extends IggyError {}

/** The user a forwarded command runs as (`incarnation` empty for a node's own requests). */
export interface Caller {
  userId: number;
  incarnation: string;
}

/** The caller of a node's own requests (partition figures): no user. */
export const NODE_CALLER: Caller = { userId: 0, incarnation: "" };

/** Longest user incarnation the channel carries (a UUID is 36 bytes). */
const MAX_INCARNATION = 255;

/**
 * Runs a forwarded command as `caller`, once metadata entry `metadataIndex` is applied, and
 * returns the OK payload, or throws an Iggy error.
 */
export type ForwardedHandler = (
  caller: Caller,
  code: number,
  payload: Uint8Array,
  metadataIndex: number,
) => Promise<Uint8Array[]>;

async function proof(
  secret: string,
  clusterName: string,
  challenge: Uint8Array,
): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const name = encoder.encode(clusterName);
  const data = new Uint8Array(challenge.length + name.length);
  data.set(challenge);
  data.set(name, challenge.length);
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, data));
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Reads exactly `size` bytes, or `undefined` at end of stream. */
class FrameReader {
  readonly #conn: Deno.TcpConn;
  /**
   * Starts with room for the handshake only, so that a connection that never proves the secret
   * costs a few bytes; grows to {@linkcode READ_BUFFER_SIZE} on a larger read or a full one.
   */
  #buffer = new Uint8Array(2 * CHALLENGE_SIZE);
  #start = 0;
  #end = 0;

  constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
  }

  async read(size: number): Promise<Uint8Array | undefined> {
    if (size > READ_BUFFER_SIZE) return this.#readLarge(size);
    if (size > this.#buffer.length) this.#grow();
    while (this.#end - this.#start < size) {
      if (this.#start > 0) {
        this.#buffer.copyWithin(0, this.#start, this.#end);
        this.#end -= this.#start;
        this.#start = 0;
      }
      const free = this.#buffer.length - this.#end;
      const n = await this.#conn.read(this.#buffer.subarray(this.#end));
      if (n === null) return undefined;
      this.#end += n;
      if (n === free) this.#grow();
    }
    const out = this.#buffer.slice(this.#start, this.#start + size);
    this.#start += size;
    return out;
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

  /**
   * A read larger than the buffer (a batch of frames): what is buffered, then the rest read
   * straight into the result, so the bytes are copied once, not into a grown buffer and out again.
   */
  async #readLarge(size: number): Promise<Uint8Array | undefined> {
    const out = new Uint8Array(size);
    let at = this.#end - this.#start;
    out.set(this.#buffer.subarray(this.#start, this.#end));
    this.#start = this.#end = 0;
    while (at < size) {
      const n = await this.#conn.read(out.subarray(at));
      if (n === null) return undefined;
      at += n;
    }
    return out;
  }

  /** A frame `[length u32][body]`: the body. */
  async frame(): Promise<Uint8Array | undefined> {
    const header = await this.read(4);
    if (!header) return undefined;
    const length = new DataView(header.buffer).getUint32(0, true);
    if (length > MAX_FRAME || length < 8) {
      throw new IggyError(ErrorCode.InvalidCommand, "bad node channel frame");
    }
    return this.read(length);
  }
}

async function writeAll(
  conn: Deno.TcpConn,
  chunks: Uint8Array[],
): Promise<void> {
  for (const chunk of chunks) {
    let at = 0;
    while (at < chunk.length) at += await conn.write(chunk.subarray(at));
  }
}

/** Chunks up to this size are copied behind the frame header (one write); larger ones go as they are. */
const COALESCE_LIMIT = 16 * 1024;

/**
 * Writes whole frames to one connection, one after the other: a frame's writes never
 * interleave with another's, even when the socket takes a large chunk in several writes.
 */
class FrameWriter {
  readonly #conn: Deno.TcpConn;
  #writing: Promise<void> = Promise.resolve();

  constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
  }

  /**
   * Queues a frame: `head` then `chunks`. Small chunks are copied behind the head; a large one
   * (a batch of stored frames) is written from where it lies, without a copy.
   */
  write(head: Uint8Array, chunks: Uint8Array[]): Promise<void> {
    const parts = coalesce(head, chunks);
    const done = this.#writing.then(() => writeAll(this.#conn, parts));
    this.#writing = done.catch(() => {});
    return done;
  }
}

/** `head` and `chunks` as few buffers: runs of small chunks joined, large ones left alone. */
function coalesce(head: Uint8Array, chunks: Uint8Array[]): Uint8Array[] {
  const parts: Uint8Array[] = [];
  let run: Uint8Array[] = [head];
  let runSize = head.length;
  const flush = () => {
    if (run.length === 1) parts.push(run[0]!);
    else {
      const joined = new Uint8Array(runSize);
      let at = 0;
      for (const chunk of run) {
        joined.set(chunk, at);
        at += chunk.length;
      }
      parts.push(joined);
    }
    run = [];
    runSize = 0;
  };
  for (const chunk of chunks) {
    if (chunk.length > COALESCE_LIMIT) {
      if (run.length > 0) flush();
      parts.push(chunk);
    } else {
      run.push(chunk);
      runSize += chunk.length;
    }
  }
  if (run.length > 0) flush();
  return parts;
}

/** Options of {@linkcode NodeChannelServer.listen}. */
export interface NodeChannelServerOptions {
  hostname: string;
  /** 0 = any free port. */
  port: number;
  secret: string;
  clusterName: string;
  handle: ForwardedHandler;
  logger: Logger;
}

/** The listening side of the channel. */
export class NodeChannelServer {
  /** The bound address. */
  readonly addr: Deno.NetAddr;
  readonly #listener: Deno.TcpListener;
  readonly #options: NodeChannelServerOptions;
  readonly #conns = new Set<Deno.TcpConn>();
  readonly #closed = Promise.withResolvers<void>();
  #accepting: Promise<void>;

  private constructor(
    listener: Deno.TcpListener,
    options: NodeChannelServerOptions,
  ) {
    this.#listener = listener;
    this.addr = listener.addr as Deno.NetAddr;
    this.#options = options;
    this.#accepting = this.#accept();
  }

  /** Binds the channel's listener and starts accepting nodes. */
  static listen(options: NodeChannelServerOptions): NodeChannelServer {
    const listener = Deno.listen({
      hostname: options.hostname,
      port: options.port,
    });
    return new NodeChannelServer(listener, options);
  }

  async #accept(): Promise<void> {
    const backoff = new AcceptBackoff();
    for (;;) {
      let conn: Deno.TcpConn;
      try {
        conn = await this.#listener.accept();
      } catch (err) {
        if (
          err instanceof Deno.errors.BadResource ||
          err instanceof Deno.errors.Interrupted
        ) return; // closed
        // E.g. out of file descriptors: the connection stays queued; wait rather than spin or stop.
        const wait = backoff.next();
        this.#options.logger.warn("Node channel accept failed", {
          error: String(err),
          retryMs: wait,
        });
        if (await pause(wait, this.#closed.promise)) return;
        continue;
      }
      backoff.reset();
      this.#conns.add(conn);
      this.#serve(conn).catch(() => {}).finally(() => {
        this.#conns.delete(conn);
        try {
          conn.close();
        } catch {
          // Already closed.
        }
      });
    }
  }

  async #serve(conn: Deno.TcpConn): Promise<void> {
    const { secret, clusterName, handle, logger } = this.#options;
    conn.setNoDelay(true);
    const challenge = crypto.getRandomValues(new Uint8Array(CHALLENGE_SIZE));
    await writeAll(conn, [challenge]);
    const reader = new FrameReader(conn);
    const writer = new FrameWriter(conn);
    const timer = setTimeout(() => conn.close(), HANDSHAKE_TIMEOUT_MS);
    const answer = await reader.read(32).finally(() => clearTimeout(timer));
    if (
      !answer ||
      !sameBytes(answer, await proof(secret, clusterName, challenge))
    ) {
      logger.warn("Refused a node channel connection: wrong cluster secret", {
        address: addressOf(conn.remoteAddr),
      });
      return;
    }
    for (;;) {
      const body = await reader.frame();
      if (!body) return;
      const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
      const requestId = view.getUint32(0, true);
      const code = view.getUint32(8, true);
      const metadataIndex = view.getUint32(12, true);
      const incarnationEnd = 17 + (body[16] ?? 0);
      if (body.length < incarnationEnd) {
        throw new IggyError(ErrorCode.InvalidCommand, "bad node channel frame");
      }
      const caller = {
        userId: view.getUint32(4, true),
        incarnation: decoder.decode(body.subarray(17, incarnationEnd)),
      };
      const payload = body.subarray(incarnationEnd);
      handle(caller, code, payload, metadataIndex).then(
        (chunks) => respond(writer, requestId, 0, chunks),
        (err) =>
          respond(
            writer,
            requestId,
            err instanceof IggyError ? err.code : ErrorCode.Error,
            [],
          ),
      ).catch(() => {});
    }
  }

  /** Stops accepting and closes every node connection. */
  async close(): Promise<void> {
    this.#closed.resolve();
    this.#listener.close();
    await this.#accepting;
    for (const conn of this.#conns) {
      try {
        conn.close();
      } catch {
        // Already closed.
      }
    }
  }
}

function addressOf(addr: Deno.Addr): string {
  return "hostname" in addr ? `${addr.hostname}:${addr.port}` : String(addr);
}

function respond(
  writer: FrameWriter,
  requestId: number,
  status: number,
  chunks: Uint8Array[],
): Promise<void> {
  let size = 0;
  for (const chunk of chunks) size += chunk.length;
  const header = new Uint8Array(12);
  const view = new DataView(header.buffer);
  view.setUint32(0, 8 + size, true);
  view.setUint32(4, requestId, true);
  view.setUint32(8, status, true);
  return writer.write(header, chunks);
}

/** The connecting side: one connection to one peer node. */
export class NodeChannel {
  readonly #conn: Deno.TcpConn;
  readonly #pending = new Map<number, PromiseWithResolvers<Uint8Array>>();
  #nextId = 1;
  readonly #writer: FrameWriter;
  #closed = false;

  private constructor(conn: Deno.TcpConn, reader: FrameReader) {
    this.#conn = conn;
    this.#writer = new FrameWriter(conn);
    this.#readLoop(reader).catch((err) => this.#fail(err));
  }

  /**
   * Connects to a peer's channel and answers its challenge.
   * @throws {IggyError} 11001 `ShardCommunicationError` when the peer cannot be reached
   */
  static async connect(
    address: { hostname: string; port: number },
    options: { secret: string; clusterName: string; timeoutMs?: number },
  ): Promise<NodeChannel> {
    const timeout = AbortSignal.timeout(options.timeoutMs ?? 3000);
    let conn: Deno.TcpConn | undefined;
    // The timeout covers the handshake too: a peer whose kernel accepts the connection but
    // whose process never answers (paused, hung) would otherwise keep this connect waiting.
    const closeOnTimeout = () => conn?.close();
    try {
      conn = await Deno.connect({ ...address, signal: timeout });
      timeout.addEventListener("abort", closeOnTimeout, { once: true });
      conn.setNoDelay(true);
      const reader = new FrameReader(conn);
      const challenge = await reader.read(CHALLENGE_SIZE);
      if (!challenge) throw new Error("the peer closed the connection");
      await writeAll(conn, [
        await proof(options.secret, options.clusterName, challenge),
      ]);
      timeout.removeEventListener("abort", closeOnTimeout);
      return new NodeChannel(conn, reader);
    } catch (err) {
      timeout.removeEventListener("abort", closeOnTimeout);
      try {
        conn?.close();
      } catch {
        // Already closed (by the timeout).
      }
      throw new IggyError(
        ErrorCode.ShardCommunicationError,
        `cannot reach node ${address.hostname}:${address.port}: ${
          err instanceof Error ? err.message : String(err)
        }`,
        { cause: err },
      );
    }
  }

  /** True once the connection has failed or been closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Sends one command to run on the peer as `caller`.
   * @returns the OK payload
   * @throws {IggyError} the peer's status, or 11001 when the connection fails
   */
  request(
    caller: Caller,
    code: number,
    payload: Uint8Array,
    metadataIndex = 0,
  ): Promise<Uint8Array> {
    if (this.#closed) {
      return Promise.reject(
        new IggyError(
          ErrorCode.ShardCommunicationError,
          "node channel closed",
        ),
      );
    }
    const incarnation = encoder.encode(caller.incarnation);
    if (incarnation.length > MAX_INCARNATION) {
      return Promise.reject(
        new IggyError(ErrorCode.InvalidCommand, "user incarnation too long"),
      );
    }
    const id = this.#nextId;
    this.#nextId = (this.#nextId + 1) >>> 0 || 1;
    const pending = Promise.withResolvers<Uint8Array>();
    this.#pending.set(id, pending);
    const head = new Uint8Array(21 + incarnation.length);
    const view = new DataView(head.buffer);
    view.setUint32(0, head.length - 4 + payload.length, true);
    view.setUint32(4, id, true);
    view.setUint32(8, caller.userId, true);
    view.setUint32(12, code, true);
    view.setUint32(16, metadataIndex, true);
    head[20] = incarnation.length;
    head.set(incarnation, 21);
    // A large payload (a forwarded batch) is written from where it lies, not copied again.
    this.#writer.write(head, [payload]).catch((err) => this.#fail(err));
    return pending.promise;
  }

  async #readLoop(reader: FrameReader): Promise<void> {
    for (;;) {
      const body = await reader.frame();
      if (!body) throw new Error("the peer closed the connection");
      const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
      const pending = this.#pending.get(view.getUint32(0, true));
      if (!pending) continue;
      this.#pending.delete(view.getUint32(0, true));
      const status = view.getUint32(4, true);
      if (status === 0) pending.resolve(body.subarray(8));
      else pending.reject(new PeerError(status));
    }
  }

  #fail(err: unknown): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch {
      // Already closed.
    }
    for (const pending of this.#pending.values()) {
      pending.reject(
        new IggyError(
          ErrorCode.ShardCommunicationError,
          `node channel failed: ${
            err instanceof Error ? err.message : String(err)
          }`,
        ),
      );
    }
    this.#pending.clear();
  }

  /** Closes the connection; pending requests fail. */
  close(): void {
    this.#fail(new Error("closed"));
  }
}
