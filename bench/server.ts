/**
 * `--start-server`: runs `server/main.ts` in a child process on a temp data directory with every
 * listener on port 0, and reads the bound addresses from `runtime/current_config.toml`.
 * @module
 */

import { fileURLToPath } from "node:url";
import { parse as parseToml } from "smol-toml";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const START_DEADLINE_MS = 30_000;
const POLL_INTERVAL_MS = 20;
const STOP_GRACE_MS = 10_000;
/** Characters of the server's output kept for error messages. */
const LOG_LIMIT = 64 * 1024;

/** A server started by the bench. */
export interface BenchServer {
  /** The data directory. */
  dataDir: string;
  /** Bound `host:port` of each enabled transport (`tcp`, `quic`, `http`, `websocket`). */
  addresses: Record<string, string>;
  /** The server's log so far. */
  log(): string;
  /** Stops the server and removes the data directory (unless kept). */
  stop(): Promise<void>;
}

/**
 * Starts a server; resolves once it has written its bound addresses.
 * @param options `keepData` keeps the data directory; `env` adds environment variables.
 * @returns The running server.
 * @throws {Error} When it exits or does not come up within 30 s.
 */
export async function startBenchServer(
  options: { keepData?: boolean; env?: Record<string, string> } = {},
): Promise<BenchServer> {
  const dataDir = await Deno.makeTempDir({ prefix: "iggy_bench_" });
  const runtimeConfig = `${dataDir}/runtime/current_config.toml`;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "server/main.ts", "--with-default-root-credentials"],
    cwd: ROOT,
    env: {
      IGGY_SYSTEM_PATH: dataDir,
      IGGY_TCP_ADDRESS: "127.0.0.1:0",
      IGGY_QUIC_ADDRESS: "127.0.0.1:0",
      IGGY_HTTP_ADDRESS: "127.0.0.1:0",
      IGGY_WEBSOCKET_ADDRESS: "127.0.0.1:0",
      IGGY_SYSTEM_LOGGING_LEVEL: "warn",
      ...options.env,
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let log = "";
  const pipes = [
    collect(child.stdout, (text) => log = (log + text).slice(-LOG_LIMIT)),
    collect(child.stderr, (text) => log = (log + text).slice(-LOG_LIMIT)),
  ];
  let exit: Deno.CommandStatus | undefined;
  const exited = child.status.then((status) => exit = status);
  async function stop(): Promise<void> {
    if (exit === undefined) {
      try {
        child.kill("SIGTERM");
      } catch {
        // Already exited.
      }
      const timer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch {
          // Exited meanwhile.
        }
      }, STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    }
    await Promise.allSettled(pipes);
    if (!options.keepData) {
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    }
  }
  const deadline = performance.now() + START_DEADLINE_MS;
  while (true) {
    if (exit !== undefined) {
      await stop();
      throw new Error(`Server exited with code ${exit.code}:\n${log}`);
    }
    let config: Record<string, unknown> | undefined;
    try {
      config = parseToml(await Deno.readTextFile(runtimeConfig));
    } catch {
      // Not written yet, or written halfway: try again.
    }
    if (config?.tcp !== undefined) {
      const addresses: Record<string, string> = {};
      for (const name of ["tcp", "quic", "http", "websocket"]) {
        const section = config[name] as { address?: unknown } | undefined;
        if (typeof section?.address === "string") {
          addresses[name] = section.address;
        }
      }
      return { dataDir, addresses, log: () => log, stop };
    }
    if (performance.now() > deadline) {
      await stop();
      throw new Error(`Server did not start within ${START_DEADLINE_MS} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

async function collect(
  stream: ReadableStream<Uint8Array>,
  append: (text: string) => void,
): Promise<void> {
  const decoder = new TextDecoder();
  for await (const chunk of stream) {
    append(decoder.decode(chunk, { stream: true }));
  }
}
