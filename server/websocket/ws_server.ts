/**
 * The WebSocket listener of the binary protocol (binary.md §1.5): each binary message carries one TCP
 * request frame and is answered by one binary message carrying the TCP response frame.
 * @module
 */

import { ErrorCode, FRAME_HEADER_SIZE } from "../../client/protocol/mod.ts";
import type { RequestLimits } from "../binary/request_limits.ts";
import {
  answerFrame,
  errorFrame,
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
  ipOf,
  type ListenerGuard,
  NO_CONNECTION_LIMITS,
} from "../net/guard.ts";
import {
  type SupervisedServer,
  superviseServe,
} from "../net/supervised_serve.ts";

/** Transport code of WebSocket clients. */
export const WEBSOCKET_TRANSPORT = 4;

/** Close code for a message that is not a valid request frame (RFC 6455 "unsupported data"). */
const CLOSE_UNSUPPORTED = 1003;
/** Close code for a message over the size limit (RFC 6455 "message too big"). */
const CLOSE_TOO_BIG = 1009;
/** Close code on server shutdown (RFC 6455 "going away"). */
const CLOSE_GOING_AWAY = 1001;

/** Options of {@linkcode WebSocketServer.listen}. */
export interface WebSocketServerOptions {
  hostname: string;
  port: number;
  /** PEM certificate and key: WSS only on this port when set. */
  tls?: { cert: string; key: string };
  /** Largest accepted message in bytes (the protocol's own caps apply too). */
  maxMessageSize?: number;
  /**
   * Connection limits, idle timeout, counted logging. @default no limits
   *
   * They apply to upgraded sockets: before the upgrade the connection belongs to `Deno.serve`,
   * which offers no connection limit or timeout.
   */
  guard?: ConnectionGuard;
  /** Request payload caps (`[request_limits]`); the defaults when absent. */
  limits?: RequestLimits;
  /** The memory of the requests: storage's fresh memory, wired in by `server.ts`. */
  memory: ConnectionMemory;
}

/** One socket: its binary context, its queue of requests and whether one is being handled. */
interface Connection {
  socket: WebSocket;
  session: Session;
  ctx: BinaryContext;
  queue: Promise<void>;
  busy: boolean;
  stopping: boolean;
  closed: Promise<void>;
}

/** Accepts WebSocket upgrades and serves the binary protocol on each socket. */
export class WebSocketServer {
  readonly #system: System;
  readonly #server: SupervisedServer;
  readonly #connections = new Set<Connection>();
  readonly #maxMessageSize: number | undefined;
  readonly #guard: ListenerGuard;
  readonly #binary: ListenerContext;
  readonly #memory: ConnectionMemory;

  private constructor(system: System, options: WebSocketServerOptions) {
    this.#system = system;
    this.#memory = options.memory;
    this.#maxMessageSize = options.maxMessageSize;
    const guard = (options.guard ?? new ConnectionGuard(NO_CONNECTION_LIMITS))
      .forListener(system.logger.module("websocket"));
    this.#guard = guard;
    this.#binary = listenerContext(system, {
      module: "websocket",
      log: guard.log,
      limits: options.limits,
    });
    const handler = (request: Request, info: Deno.ServeHandlerInfo) =>
      this.#upgrade(request, info);
    const base = {
      hostname: options.hostname,
      port: options.port,
      onListen: () => {},
      onError: (err: unknown) => {
        guard.log.warn("WebSocket request failed", { error: String(err) });
        return new Response("Internal Server Error", { status: 500 });
      },
    };
    // Restarted when its accept loop fails (e.g. out of file descriptors).
    this.#server = superviseServe(
      options.tls
        ? { ...base, cert: options.tls.cert, key: options.tls.key }
        : base,
      handler,
      { log: guard.log, listener: "websocket" },
    );
  }

  /**
   * Binds and starts accepting upgrades on any path.
   *
   * @param system The running system.
   * @param options Address, optional TLS and the message size limit.
   * @returns The running listener.
   */
  static listen(
    system: System,
    options: WebSocketServerOptions,
  ): WebSocketServer {
    return new WebSocketServer(system, options);
  }

  /** The bound address. */
  get addr(): Deno.NetAddr {
    return this.#server.addr;
  }

  #upgrade(request: Request, info: Deno.ServeHandlerInfo): Response {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("Expected a WebSocket upgrade", {
        status: 426,
        headers: { upgrade: "websocket" },
      });
    }
    // The address must be read before the upgrade (afterwards Deno says "Request closed").
    const address = formatAddress(info.remoteAddr);
    const admission = this.#guard.admit(address, ipOf(info.remoteAddr));
    if ("refused" in admission) {
      return Response.json({
        id: ErrorCode.CannotEstablishConnection,
        code: "cannot_establish_connection",
        reason: `Connection refused: ${admission.refused}`,
        field: null,
      }, { status: 503 });
    }
    let unwatch = () => {};
    const release = () => {
      unwatch();
      admission.slot.release();
    };
    let upgrade: ReturnType<typeof Deno.upgradeWebSocket>;
    try {
      upgrade = Deno.upgradeWebSocket(request, { idleTimeout: 0 });
    } catch (err) {
      release();
      throw err;
    }
    const { socket, response } = upgrade;
    socket.binaryType = "arraybuffer";
    const session = new Session(
      clientIdOf(address),
      WEBSOCKET_TRANSPORT,
      address,
    );
    let resolveClosed!: () => void;
    const connection: Connection = {
      socket,
      session,
      ctx: { ...this.#binary, session, memory: this.#memory },
      queue: Promise.resolve(),
      busy: false,
      stopping: false,
      closed: new Promise((resolve) => resolveClosed = resolve),
    };
    session.onClose = () => closeSocket(socket, 1000, "client removed");
    socket.onopen = () => {
      unwatch = this.#guard.watchIdle(
        address,
        () => session.lastHeartbeat,
        () => closeSocket(socket, 1000, "idle timeout"),
      );
      this.#connections.add(connection);
      this.#system.addClient(session);
      this.#system.logger.module("websocket").debug(
        "WebSocket client connected",
        {
          address,
          clientId: session.clientId,
        },
      );
    };
    socket.onmessage = (event) => {
      connection.queue = connection.queue.then(() =>
        this.#onMessage(connection, event.data)
      );
    };
    socket.onerror = () => {};
    socket.onclose = () => {
      release();
      connection.queue.catch(() => {}).finally(() => {
        this.#system.removeClient(session);
        this.#connections.delete(connection);
        this.#system.logger.module("websocket").debug(
          "WebSocket client disconnected",
          {
            address,
          },
        );
        resolveClosed();
      });
    };
    return response;
  }

  async #onMessage(connection: Connection, data: unknown): Promise<void> {
    const { socket, session } = connection;
    if (socket.readyState !== WebSocket.OPEN || session.stale) return;
    if (!(data instanceof ArrayBuffer)) {
      return this.#reject(
        connection,
        CLOSE_UNSUPPORTED,
        "text message instead of a binary frame",
      );
    }
    if (
      this.#maxMessageSize !== undefined &&
      data.byteLength > this.#maxMessageSize
    ) {
      return this.#reject(connection, CLOSE_TOO_BIG, "message too big");
    }
    const message = new Uint8Array(data);
    if (message.length < FRAME_HEADER_SIZE) {
      return this.#reject(
        connection,
        CLOSE_UNSUPPORTED,
        `message of ${message.length} bytes is shorter than a frame header`,
      );
    }
    const header = parseRequestHeader(message);
    if (
      !header || header.payloadLength !== message.length - FRAME_HEADER_SIZE
    ) {
      return this.#reject(
        connection,
        CLOSE_UNSUPPORTED,
        `frame length does not match the message size ${message.length}`,
      );
    }
    // Deno has buffered the whole message by now (up to its own 64 MiB limit); the caps still
    // keep an oversized request from being decoded or stored.
    const refused = refuseOversized(connection.ctx, header);
    if (refused) {
      send(socket, answerFrame(refused));
      closeSocket(socket, CLOSE_TOO_BIG, "request too large");
      return;
    }
    connection.busy = true;
    try {
      const answer = await handleFrame(
        connection.ctx,
        header,
        message.subarray(FRAME_HEADER_SIZE),
      );
      send(socket, answerFrame(answer));
      if (answer.close) closeSocket(socket, 1000, "client removed");
    } finally {
      connection.busy = false;
    }
    if (connection.stopping) this.#sayGoodbye(connection);
  }

  #reject(connection: Connection, code: number, reason: string): void {
    this.#guard.log.warn("Closing WebSocket connection: invalid message", {
      client: connection.session.address,
      reason,
    });
    closeSocket(connection.socket, code, reason);
  }

  #sayGoodbye(connection: Connection): void {
    send(connection.socket, errorFrame(ErrorCode.Disconnected));
    closeSocket(connection.socket, CLOSE_GOING_AWAY, "server shutting down");
  }

  /**
   * Stops accepting; idle sockets are told they are disconnected (status 8) and closed at once, busy ones
   * right after their in-flight request is answered.
   */
  async close(): Promise<void> {
    const closed: Promise<void>[] = [];
    for (const connection of this.#connections) {
      connection.stopping = true;
      closed.push(connection.closed);
      if (!connection.busy) this.#sayGoodbye(connection);
    }
    await Promise.allSettled(closed);
    await this.#server.shutdown();
  }
}

function send(socket: WebSocket, frame: Uint8Array): void {
  if (socket.readyState === WebSocket.OPEN) socket.send(frame);
}

function closeSocket(socket: WebSocket, code: number, reason: string): void {
  try {
    if (
      socket.readyState === WebSocket.OPEN ||
      socket.readyState === WebSocket.CONNECTING
    ) socket.close(code, reason);
  } catch {
    // already closing
  }
}
