/**
 * The HTTP listener: {@linkcode createHttpApp} on `Deno.serve`, HTTPS when `http.tls.enabled`.
 * @module
 */

import type { ServerConfig } from "../config.ts";
import { parseAddress } from "../config.ts";
import type { System } from "../domain/system.ts";
import { createHttpApp } from "./app.ts";
import { CountedLog } from "../net/counted_log.ts";
import { superviseServe } from "../net/supervised_serve.ts";

/** A listening HTTP API. */
export interface HttpServer {
  /** The bound address. */
  addr: { hostname: string; port: number };
  /** Stops accepting and waits for in-flight requests. */
  close(): Promise<void>;
}

/** Options of {@linkcode startHttpServer}. */
export interface StartHttpServerOptions {
  /** Where listener failures are logged. @default a counted log of the system's logger */
  log?: CountedLog;
}

/**
 * Binds the API on `http.address` and starts serving it; HTTPS with `tls` (the PEM pair of
 * `http.tls`, loaded beforehand so that a bad file fails the start before anything is bound). The
 * listener is restarted when its accept loop fails (see {@linkcode superviseServe}).
 */
export function startHttpServer(
  system: System,
  config: ServerConfig,
  tls?: { cert: string; key: string },
  options: StartHttpServerOptions = {},
): HttpServer {
  const { app } = createHttpApp(system, config);
  const address = parseAddress(config.http.address);
  const server = superviseServe(
    {
      hostname: address.hostname,
      port: address.port,
      onListen: () => {},
      ...(tls ?? {}),
    },
    app.fetch,
    {
      log: options.log ?? new CountedLog(system.logger.module("http")),
      listener: "http",
    },
  );
  const addr = server.addr;
  return {
    addr: { hostname: addr.hostname, port: addr.port },
    async close() {
      await server.shutdown();
    },
  };
}
