/**
 * Starts a server inside the test process on a fresh temp directory, with every listener on port 0
 * and the log lines captured, for transport tests that need to look at logs.
 * @module
 */

import { loadConfig } from "../../server/config.ts";
import { createLogger } from "../../server/logger.ts";
import { type RunningServer, startServer } from "../../server/server.ts";

/** A server running in this process. */
export interface InProcessServer extends AsyncDisposable {
  server: RunningServer;
  /** Every log line written so far. */
  logs: string[];
  dataDir: string;
}

/**
 * Starts a server with `env` applied over the test defaults (all transports on 127.0.0.1:0, HTTP off).
 */
export async function startInProcess(
  env: Record<string, string> = {},
): Promise<InProcessServer> {
  const dataDir = await Deno.makeTempDir({ prefix: "iggy_transport_test_" });
  const config = await loadConfig({
    env: {
      IGGY_SYSTEM_PATH: dataDir,
      IGGY_TCP_ADDRESS: "127.0.0.1:0",
      IGGY_QUIC_ADDRESS: "127.0.0.1:0",
      IGGY_WEBSOCKET_ADDRESS: "127.0.0.1:0",
      IGGY_HTTP_ADDRESS: "127.0.0.1:0",
      IGGY_HTTP_ENABLED: "false",
      ...env,
    },
    cwd: dataDir,
    onWarning: () => {},
  });
  const logs: string[] = [];
  const logger = createLogger("debug", { write: (line) => logs.push(line) });
  const server = await startServer(config, {
    logger,
    root: { username: "iggy", password: "iggy" },
  });
  return {
    server,
    logs,
    dataDir,
    async [Symbol.asyncDispose]() {
      await server.close();
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    },
  };
}
