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
 * Starts the API on `http.address`. Reads the TLS cert/key files when TLS is on (missing files fail
 * the start, as Iggy does).
 */
export async function startHttpServer(
  system: System,
  config: ServerConfig,
): Promise<HttpServer> {
  const { app } = createHttpApp(system, config);
  const address = parseAddress(config.http.address);
  const tls = config.http.tls.enabled
    ? {
      cert: await Deno.readTextFile(config.http.tls.certFile),
      key: await Deno.readTextFile(config.http.tls.keyFile),
    }
    : {};
  const server = Deno.serve({
    hostname: address.hostname,
    port: address.port,
    onListen: () => {},
    ...tls,
  }, app.fetch);
  const addr = server.addr as Deno.NetAddr;
  return {
    addr: { hostname: addr.hostname, port: addr.port },
    async close() {
      await server.shutdown();
    },
  };
}
