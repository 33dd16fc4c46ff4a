/**
 * The QUIC listener of the binary protocol (binary.md §1.4): no ALPN, one client-opened bidirectional
 * stream per request, a session per connection, streams served concurrently.
 * @module
 */

import { ErrorCode, FRAME_HEADER_SIZE } from "../../client/protocol/mod.ts";
import {
  isAuthenticated,
  type RequestLimits,
} from "../binary/request_limits.ts";
import {
  type Answer,
  answerFrame,
  parseRequestHeader,
} from "../binary/framing.ts";
import {
  type BinaryContext,
  type ConnectionMemory,
  handleFrame,
  type ListenerContext,
  listenerContext,
  refuseOversized,
} from "../binary/handle_frame.ts";
import type { System } from "../domain/system.ts";
import { clientIdOf, formatAddress, Session } from "../binary/session.ts";
import {
  ConnectionGuard,
  type ListenerGuard,
  NO_CONNECTION_LIMITS,
} from "../net/guard.ts";
import { DeadlineExceeded, withDeadline } from "../net/idle.ts";

/** Transport code of QUIC clients. */
export const QUIC_TRANSPORT = 2;

/**
 * Milliseconds a connection stays open after its last answer when the server closes it (shutdown,
 * stale or removed client), unless the client closes first. Closing a QUIC connection drops what
 * the peer has not received yet, and a finished stream's delivery cannot be awaited in Deno (the
 * send stream's close only queues the FIN), so the close waits this long for the answers to land.
 */
const CLOSE_LINGER_MS = 1000;

/**
 * Request streams a connection may have in flight before it has logged in (a client needs one or
 * two); one more closes the connection.
 */
export const MAX_UNAUTHENTICATED_STREAMS = 8;

/** Options of {@linkcode QuicServer.listen}. */
export interface QuicServerOptions {
  hostname: string;
  port: number;
  /** PEM certificate chain. */
  cert: string;
  /** PEM private key. */
  key: string;
  /** Milliseconds between keep-alive packets. */
  keepAliveInterval?: number;
  /** Milliseconds of silence before a connection is dropped. */
  maxIdleTimeout?: number;
  /** Per-connection limit of open client streams. */
  maxConcurrentBidiStreams?: number;
  /** Connection limits, idle and handshake timeouts, counted logging. @default no limits */
  guard?: ConnectionGuard;
  /** Request payload caps (`[request_limits]`); the defaults when absent. */
  limits?: RequestLimits;
  /**
   * The memory of the requests, shared by the streams of every connection (which run
   * concurrently): storage's fresh memory, wired in by `server.ts`.
   */
  memory: ConnectionMemory;
}

/** Why a stream is dropped without an answer. */
class DropStream extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DropStream";
  }
}

/** One QUIC connection: its binary context and the streams in flight. */
interface Connection {
  conn: Deno.QuicConn;
  session: Session;
  ctx: BinaryContext;
  inFlight: Set<Promise<void>>;
  streams: ReadableStreamDefaultReader<Deno.QuicBidirectionalStream>;
  done: Promise<void>;
  /** `performance.now()` when the last answer was handed to QUIC (its stream finished). */
  lastAnswer: number;
  /** Why the server closes the connection, sent in the close frame. */
  closeReason: string;
  /** Gives back its place among the open connections and stops the idle watch. */
  release: () => void;
}

/** Accepts QUIC connections and serves every request stream on its own task. */
export class QuicServer {
  readonly #system: System;
  readonly #endpoint: Deno.QuicEndpoint;
  readonly #listener: Deno.QuicListener;
  readonly #guard: ListenerGuard;
  readonly #connections = new Set<Connection>();
  readonly #handshakes = new Set<Promise<void>>();
  readonly #stopped = Promise.withResolvers<null>();
  readonly #binary: ListenerContext;
  readonly #memory: ConnectionMemory;
  #pendingIncoming: Promise<void> = Promise.resolve();
  #accepting: Promise<void>;
  #closing = false;

  private constructor(
    system: System,
    endpoint: Deno.QuicEndpoint,
    listener: Deno.QuicListener,
    guard: ListenerGuard,
    options: QuicServerOptions,
  ) {
    this.#system = system;
    this.#binary = listenerContext(system, {
      module: "quic",
      log: guard.log,
      limits: options.limits,
    });
    this.#memory = options.memory;
    this.#endpoint = endpoint;
    this.#listener = listener;
    this.#guard = guard;
    this.#accepting = this.#acceptLoop();
  }

  /**
   * Binds a UDP endpoint and starts accepting (no ALPN, TLS 1.3).
   *
   * @param system The running system.
   * @param options Address, certificate and transport parameters.
   * @returns The running listener.
   */
  static listen(system: System, options: QuicServerOptions): QuicServer {
    if (typeof Deno.QuicEndpoint !== "function") {
      throw new Error(
        "QUIC needs Deno's --unstable-net flag (or set quic.enabled = false)",
      );
    }
    const endpoint = new Deno.QuicEndpoint({
      hostname: options.hostname,
      port: options.port,
    });
    let listener: Deno.QuicListener;
    try {
      listener = endpoint.listen({
        cert: options.cert,
        key: options.key,
        alpnProtocols: [],
        keepAliveInterval: options.keepAliveInterval || undefined,
        maxIdleTimeout: options.maxIdleTimeout || undefined,
        maxConcurrentBidirectionalStreams: options.maxConcurrentBidiStreams,
        maxConcurrentUnidirectionalStreams: 0,
      });
    } catch (err) {
      endpoint.close();
      throw err;
    }
    const guard = (options.guard ?? new ConnectionGuard(NO_CONNECTION_LIMITS))
      .forListener(system.logger.module("quic"));
    return new QuicServer(system, endpoint, listener, guard, options);
  }

  /** The bound UDP address. */
  get addr(): Deno.NetAddr {
    return this.#endpoint.addr;
  }

  async #acceptLoop(): Promise<void> {
    while (true) {
      let incoming: Deno.QuicIncoming | null;
      // `listener.stop()` does not wake a pending `incoming()` (Deno 2.9), so the wait races a signal.
      const next = this.#listener.incoming();
      this.#pendingIncoming = next.then((late) => {
        if (this.#closing) late.refuse();
      }, () => {});
      try {
        incoming = await Promise.race([next, this.#stopped.promise]);
      } catch (err) {
        if (!this.#closing) {
          this.#system.logger.module("quic").warn("QUIC accept failed", {
            error: String(err),
          });
        }
        return;
      }
      if (incoming === null) return;
      if (this.#guard.limiter.full) {
        // Refused before the handshake: the client sees CONNECTION_REFUSED.
        this.#guard.log.warn("Connection refused", {
          transport: "quic",
          reason: "too many connections",
        });
        incoming.refuse();
        continue;
      }
      // Handshakes run on their own tasks: a failing one must not stop the loop.
      const handshake = this.#handshake(incoming).finally(() =>
        this.#handshakes.delete(handshake)
      );
      this.#handshakes.add(handshake);
    }
  }

  async #handshake(incoming: Deno.QuicIncoming): Promise<void> {
    // Note: in Deno 2.9 reading `incoming.remoteAddr` invalidates the incoming connection, so the
    // address is taken from the accepted connection.
    let conn: Deno.QuicConn;
    const accepted = Promise.resolve(incoming.accept());
    try {
      conn = await withDeadline(accepted, this.#guard.handshakeTimeout);
    } catch (err) {
      if (err instanceof DeadlineExceeded) {
        // A handshake that ends after all is closed at once.
        accepted.then((late) => late.close({ closeCode: 0, reason: "" }))
          .catch(() => {});
      }
      this.#guard.log.info("QUIC handshake failed", { error: String(err) });
      return;
    }
    // QUIC addresses come without a `transport` field.
    const address = formatAddress({ ...conn.remoteAddr, transport: "udp" });
    if (this.#closing) {
      conn.close({ closeCode: 0, reason: "server shutting down" });
      return;
    }
    const admission = this.#guard.admit(address, conn.remoteAddr.hostname);
    if ("refused" in admission) {
      conn.close({
        closeCode: ErrorCode.CannotEstablishConnection,
        reason: admission.refused,
      });
      return;
    }
    const session = new Session(clientIdOf(address), QUIC_TRANSPORT, address);
    const connection: Connection = {
      conn,
      session,
      ctx: { ...this.#binary, session, memory: this.#memory },
      inFlight: new Set(),
      streams: conn.incomingBidirectionalStreams.getReader(),
      done: Promise.resolve(),
      lastAnswer: -Infinity,
      closeReason: "",
      release: () => {},
    };
    const unwatch = this.#guard.watchIdle(
      address,
      () => session.lastHeartbeat,
      () => conn.close({ closeCode: 0, reason: "idle timeout" }),
    );
    connection.release = () => {
      unwatch();
      admission.slot.release();
    };
    // Stop taking streams: #serve then finishes the ones in flight and closes after the linger.
    session.onClose = () => {
      connection.closeReason = "client removed";
      connection.streams.cancel().catch(() => {});
    };
    this.#connections.add(connection);
    this.#system.addClient(session);
    this.#system.logger.module("quic").debug("QUIC client connected", {
      address,
      clientId: session.clientId,
    });
    connection.done = this.#serve(connection);
  }

  async #serve(connection: Connection): Promise<void> {
    const { conn, session, streams, inFlight } = connection;
    try {
      while (!session.stale) {
        const next = await streams.read();
        if (next.done) break;
        if (
          inFlight.size >= MAX_UNAUTHENTICATED_STREAMS &&
          !isAuthenticated(this.#system, session)
        ) {
          // Each stream in flight may hold up to the pre-login cap: bound their number too.
          this.#guard.log.warn(
            "Closing QUIC connection: too many streams before login",
            { client: session.address, streams: inFlight.size + 1 },
          );
          connection.closeReason = "too many streams before login";
          conn.close({ closeCode: 0, reason: connection.closeReason });
          break;
        }
        const task = this.#serveStream(connection, next.value).finally(() =>
          inFlight.delete(task)
        );
        inFlight.add(task);
      }
    } catch {
      // the connection closed (by the peer, an idle timeout or the server)
    }
    await Promise.allSettled([...inFlight]);
    connection.release();
    this.#system.removeClient(session);
    this.#connections.delete(connection);
    await linger(connection);
    try {
      conn.close({
        closeCode: 0,
        reason: this.#closing ? "server shutting down" : connection.closeReason,
      });
    } catch {
      // already closed
    }
    this.#system.logger.module("quic").debug("QUIC client disconnected", {
      address: session.address,
    });
  }

  async #serveStream(
    connection: Connection,
    stream: Deno.QuicBidirectionalStream,
  ): Promise<void> {
    const { session } = connection;
    const reader = stream.readable.getReader();
    const writer = stream.writable.getWriter();
    try {
      const answer = await answerStream(connection.ctx, reader);
      await writer.write(answerFrame(answer));
      await writer.close();
      connection.lastAnswer = performance.now();
      if (answer.close) session.onClose?.();
    } catch (err) {
      if (err instanceof DropStream) {
        this.#guard.log.warn("Dropping QUIC stream", {
          client: session.address,
          reason: err.message,
        });
      } else {
        this.#system.logger.module("quic").debug("QUIC stream failed", {
          client: session.address,
          error: String(err),
        });
      }
      await writer.abort().catch(() => {});
    } finally {
      await reader.cancel().catch(() => {});
      reader.releaseLock();
    }
  }

  /**
   * Stops accepting connections and streams, waits for the requests in flight, then closes every
   * connection and the endpoint.
   */
  async close(): Promise<void> {
    this.#closing = true;
    this.#stopped.resolve(null);
    try {
      this.#listener.stop();
    } catch {
      // already stopped
    }
    await this.#accepting;
    await Promise.allSettled([...this.#handshakes]);
    const done: Promise<void>[] = [];
    for (const connection of this.#connections) {
      await connection.streams.cancel().catch(() => {});
      done.push(connection.done);
    }
    await Promise.allSettled(done);
    this.#endpoint.close({ closeCode: 0, reason: "server shutting down" });
    await this.#pendingIncoming;
  }
}

/**
 * Waits until the connection's last answer is {@linkcode CLOSE_LINGER_MS} old or the peer closes,
 * whichever comes first.
 */
async function linger(connection: Connection): Promise<void> {
  const wait = connection.lastAnswer + CLOSE_LINGER_MS - performance.now();
  if (!(wait > 0)) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    connection.conn.closed.catch(() => {}),
    new Promise((resolve) => timer = setTimeout(resolve, wait)),
  ]);
  clearTimeout(timer);
}

/** Reads one request frame from a stream and answers it through the binary layer. */
async function answerStream(
  ctx: BinaryContext,
  reader: ReadableStreamDefaultReader<Uint8Array>,
): Promise<Answer> {
  const input = new StreamInput(reader);
  const header = parseRequestHeader(await input.read(FRAME_HEADER_SIZE));
  if (!header) throw new DropStream("invalid frame length");
  const refused = refuseOversized(ctx, header);
  if (refused) return refused;
  return handleFrame(ctx, header, await input.read(header.payloadLength));
}

/**
 * Reads exact byte counts from a QUIC receive stream, keeping views of whole chunks when it can.
 * A count larger than the chunk at hand is gathered chunk by chunk and copied once at the end, so
 * a header announcing a large payload costs nothing until its bytes arrive (a logged-in client may
 * open thousands of streams).
 */
class StreamInput {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  #pending: Uint8Array = new Uint8Array(0);

  constructor(reader: ReadableStreamDefaultReader<Uint8Array>) {
    this.#reader = reader;
  }

  async read(n: number): Promise<Uint8Array> {
    if (this.#pending.length === 0 && n > 0) {
      const next = await this.#reader.read();
      if (next.done) throw new DropStream(`stream ended before ${n} bytes`);
      this.#pending = next.value;
    }
    if (this.#pending.length >= n) {
      const out = this.#pending.subarray(0, n);
      this.#pending = this.#pending.subarray(n);
      return out;
    }
    const parts = [this.#pending];
    let at = this.#pending.length;
    this.#pending = new Uint8Array(0);
    while (at < n) {
      const next = await this.#reader.read();
      if (next.done) {
        throw new DropStream(`stream ended after ${at} of ${n} bytes`);
      }
      const take = Math.min(n - at, next.value.length);
      parts.push(next.value.subarray(0, take));
      at += take;
      if (take < next.value.length) this.#pending = next.value.subarray(take);
    }
    const out = new Uint8Array(n);
    at = 0;
    for (const part of parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }
}
