/**
 * The TCP transport's byte stream outside Deno: a `node:net` socket (or a `node:tls` one for TLS)
 * behind the `read`/`write`/`close` shape of `Deno.Conn`. `node:net` and `node:tls` are loaded
 * with a dynamic `import()` on first use, so browsers and Deno never load them.
 * @module
 */

import type { Socket } from "node:net";
import type { TcpConnection } from "./tcp_connection.ts";

/** Where and how {@linkcode connectNodeSocket} connects. */
export interface NodeSocketOptions {
  hostname: string;
  port: number;
  /** TLS on the connection: extra trusted roots (PEM) and the name to verify (and send as SNI). */
  tls?: { caCerts?: string[]; hostname?: string };
}

/** Received bytes beyond this stop the socket from reading until the transport catches up. */
const HIGH_WATER = 1024 * 1024;
/** A paused socket reads again once the queue is below this. */
const LOW_WATER = 256 * 1024;

/**
 * Opens a TCP connection with `node:net` (with `setNoDelay`), or a TLS one with `node:tls`
 * verifying the server certificate against the default roots plus `tls.caCerts`.
 *
 * @param options Where to connect and how.
 * @returns The connected stream.
 * @throws {Error} When the runtime has no `node:net`, or the connection or the handshake fails.
 */
export async function connectNodeSocket(
  options: NodeSocketOptions,
): Promise<TcpConnection> {
  const { hostname, port, tls: tlsOptions } = options;
  let net: typeof import("node:net");
  try {
    net = await import("node:net");
  } catch (cause) {
    throw new Error(
      "TCP needs Deno, or a runtime with node:net such as Node; " +
        "browsers can use the WebSocket or HTTP transport",
      { cause },
    );
  }
  let socket: Socket;
  let ready: string;
  if (tlsOptions) {
    const tls = await import("node:tls");
    const name = tlsOptions.hostname ?? hostname;
    socket = tls.connect({
      host: hostname,
      port,
      // SNI carries host names only (RFC 6066); an IP address is still verified below.
      servername: net.isIP(name) === 0 ? name : undefined,
      ca: tlsOptions.caCerts
        ? [...tls.rootCertificates, ...tlsOptions.caCerts]
        : undefined,
      checkServerIdentity: (_host, cert) => tls.checkServerIdentity(name, cert),
    });
    ready = "secureConnect";
  } else {
    socket = net.connect({ host: hostname, port });
    ready = "connect";
  }
  await new Promise<void>((resolve, reject) => {
    function onReady(): void {
      socket.off("error", onError);
      resolve();
    }
    function onError(err: Error): void {
      socket.off(ready, onReady);
      socket.destroy();
      reject(err);
    }
    socket.once(ready, onReady);
    socket.once("error", onError);
  });
  socket.setNoDelay(true);
  return new NodeConnection(socket);
}

/** A connected Node socket as a {@linkcode TcpConnection}: one reader, one writer at a time. */
class NodeConnection implements TcpConnection {
  #socket: Socket;
  #chunks: Uint8Array[] = [];
  /** Bytes of `#chunks[0]` already read. */
  #offset = 0;
  #queued = 0;
  #paused = false;
  #ended = false;
  #error: Error | undefined;
  #wakeReader: (() => void) | undefined;
  #wakeWriter: (() => void) | undefined;

  constructor(socket: Socket) {
    this.#socket = socket;
    socket.on("data", (chunk: Uint8Array) => {
      this.#chunks.push(chunk);
      this.#queued += chunk.length;
      if (this.#queued >= HIGH_WATER && !this.#paused) {
        this.#paused = true;
        socket.pause();
      }
      this.#wake();
    });
    socket.on("end", () => {
      this.#ended = true;
      this.#wake();
    });
    socket.on("error", (err: Error) => {
      this.#error ??= err;
      this.#wake();
    });
    socket.on("close", () => {
      this.#ended = true;
      this.#wake();
    });
    socket.on("drain", () => this.#wake());
  }

  async read(target: Uint8Array): Promise<number | null> {
    while (this.#queued === 0) {
      if (this.#error) throw this.#error;
      if (this.#ended) return null;
      await new Promise<void>((resolve) => this.#wakeReader = resolve);
    }
    let n = 0;
    while (n < target.length && this.#queued > 0) {
      const chunk = this.#chunks[0]!;
      const take = Math.min(chunk.length - this.#offset, target.length - n);
      target.set(chunk.subarray(this.#offset, this.#offset + take), n);
      n += take;
      this.#offset += take;
      this.#queued -= take;
      if (this.#offset === chunk.length) {
        this.#chunks.shift();
        this.#offset = 0;
      }
    }
    if (this.#paused && this.#queued < LOW_WATER && !this.#ended) {
      this.#paused = false;
      this.#socket.resume();
    }
    return n;
  }

  async write(bytes: Uint8Array): Promise<number> {
    if (this.#error) throw this.#error;
    if (this.#ended || this.#socket.destroyed) {
      throw new Error("Socket is closed");
    }
    // `false` is back-pressure, not a failure: the bytes are queued; wait until the socket drains.
    if (this.#socket.write(bytes)) return bytes.length;
    while (this.#socket.writableNeedDrain) {
      if (this.#error) throw this.#error;
      if (this.#ended || this.#socket.destroyed) {
        throw new Error("Socket closed before its queued bytes were written");
      }
      await new Promise<void>((resolve) => this.#wakeWriter = resolve);
    }
    return bytes.length;
  }

  close(): void {
    this.#ended = true;
    this.#chunks = [];
    this.#queued = 0;
    this.#socket.destroy();
    this.#wake();
  }

  #wake(): void {
    const reader = this.#wakeReader;
    const writer = this.#wakeWriter;
    this.#wakeReader = undefined;
    this.#wakeWriter = undefined;
    reader?.();
    writer?.();
  }
}
