/**
 * The HTTP listener: {@linkcode createHttpApp} on `Deno.serve`, HTTPS when `http.tls.enabled`.
 * @module
 */

import type { ServerConfig } from "../config.ts";
import { parseAddress } from "../config.ts";
import type { System } from "../domain/system.ts";
import { createHttpApp } from "./app.ts";

/** A listening HTTP API. */
export interface HttpServer {
  /** The bound address. */
  addr: { hostname: string; port: number };
  /** Stops accepting and waits for in-flight requests. */
  close(): Promise<void>;
}

/**
 * Binds the API on `http.address` and starts serving it; HTTPS with `tls` (the PEM pair of
 * `http.tls`, loaded beforehand so that a bad file fails the start before anything is bound).
 */
export function startHttpServer(
  system: System,
  config: ServerConfig,
  tls?: { cert: string; key: string },
): HttpServer {
  const { app } = createHttpApp(system, config);
  const address = parseAddress(config.http.address);
  const server = Deno.serve({
    hostname: address.hostname,
    port: address.port,
    onListen: () => {},
    ...(tls ?? {}),
  }, app.fetch);
  const addr = server.addr as Deno.NetAddr;
  return {
    addr: { hostname: addr.hostname, port: addr.port },
    async close() {
      await server.shutdown();
    },
  };
}
