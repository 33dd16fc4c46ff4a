/**
 * A client logged in as the default root user over TCP, without reconnection (a test that restarts
 * the server wants to see the connection go).
 * @module
 */

import { type ConnectOptions, IggyClient } from "../../mod.ts";
import type { TestServer } from "../_server.ts";

/** Connects to `server` over TCP as `iggy`/`iggy`, with `reconnect: false` and `options`. */
export function connectRoot(
  server: TestServer,
  options: ConnectOptions = {},
): Promise<IggyClient> {
  return IggyClient.connect({
    ...server.tcp,
    username: "iggy",
    password: "iggy",
    reconnect: false,
    ...options,
  });
}
