/**
 * Test harness: runs the real server (`server/main.ts`) in a child process on a temp data directory
 * with every listener on port 0, and reads the bound addresses from `runtime/current_config.toml`.
 *
 * ```ts ignore
 * await using server = await startServer();
 * const client = await connect({ ...server.tcp, username: "iggy", password: "iggy" });
 * ```
 * @module
 */

import { fileURLToPath } from "node:url";
import { parse as parseToml } from "smol-toml";
import { type ConnectOptions, IggyClient } from "../mod.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const START_DEADLINE_MS = 20_000;
const POLL_INTERVAL_MS = 20;
const STOP_GRACE_MS = 10_000;

/** A bound listener address. */
export interface ServerAddress {
  hostname: string;
  port: number;
}

/** Options of {@linkcode startServer}. */
export interface StartServerOptions {
  /** Extra environment variables (override the harness defaults). */
  env?: Record<string, string>;
  /** Use this data directory (not removed on dispose); a fresh temp dir when absent. */
  dataDir?: string;
  /** Extra command-line arguments after `--with-default-root-credentials`. */
  args?: string[];
  /**
   * A command that runs the server in turn and execs it (so the pid stays the server's), e.g.
   * `["prlimit", "--nofile=256:256", "--"]`.
   */
  wrapper?: string[];
  /** The script to run, relative to the repository root (e.g. a bundle). @default {"server/main.ts"} */
  entry?: string;
}

/** A running server child process. */
export class TestServer {
  /** The data directory (`IGGY_SYSTEM_PATH`). */
  readonly dataDir: string;
  /** The environment the server runs with (harness defaults plus `options.env`). */
  readonly env: Record<string, string>;
  /** TCP listener of the current run. */
  tcp: ServerAddress = { hostname: "127.0.0.1", port: 0 };
  /** QUIC listener of the current run, if enabled. */
  quic?: ServerAddress;
  /** HTTP listener of the current run, if enabled. */
  http?: ServerAddress;
  /** WebSocket listener of the current run, if enabled. */
  websocket?: ServerAddress;

  #args: string[];
  #wrapper: string[];
  /** The script the server runs (see {@linkcode StartServerOptions.entry}). */
  entry = "server/main.ts";
  #ownsDataDir: boolean;
  #child: Deno.ChildProcess | undefined;
  #pipes: Promise<unknown>[] = [];
  #stderr = "";
  #stdout = "";

  constructor(
    dataDir: string,
    ownsDataDir: boolean,
    env: Record<string, string>,
    args: string[],
    wrapper: string[] = [],
  ) {
    this.dataDir = dataDir;
    this.#ownsDataDir = ownsDataDir;
    this.env = env;
    this.#args = args;
    this.#wrapper = wrapper;
  }

  /** The process id of the running server, if it runs. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Everything the server wrote to stderr (its log), across runs. */
  stderr(): string {
    return this.#stderr;
  }

  /** Everything the server wrote to stdout, across runs. */
  stdout(): string {
    return this.#stdout;
  }

  /** True while the child process runs. */
  get running(): boolean {
    return this.#child !== undefined;
  }

  /** Spawns the server and waits until it has written its bound addresses. */
  start(): Promise<void> {
    return this.#start({});
  }

  async #start(overrides: Record<string, string>): Promise<void> {
    if (this.#child) throw new Error("Server is already running");
    const runtimeConfig = `${this.dataDir}/runtime/current_config.toml`;
    await Deno.remove(runtimeConfig).catch(() => {});
    const [program, ...wrapperArgs] = [...this.#wrapper, Deno.execPath()];
    const child = new Deno.Command(program!, {
      args: [
        ...wrapperArgs,
        "run",
        "-A",
        this.entry,
        "--with-default-root-credentials",
        ...this.#args,
      ],
      cwd: ROOT,
      env: { ...this.env, ...overrides },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#child = child;
    this.#pipes = [
      collect(child.stderr, (text) => this.#stderr += text),
      collect(child.stdout, (text) => this.#stdout += text),
    ];
    const exited = child.status.then((status) => status);
    let config: Record<string, unknown>;
    try {
      config = await waitForConfig(runtimeConfig, exited);
    } catch (err) {
      await this.kill("SIGKILL").catch(() => {});
      throw new Error(
        `Server did not start: ${(err as Error).message}\n${this.#stderr}`,
        { cause: err },
      );
    }
    this.tcp = addressOf(config.tcp) ?? { hostname: "127.0.0.1", port: 0 };
    this.quic = addressOf(config.quic);
    this.http = addressOf(config.http);
    this.websocket = addressOf(config.websocket);
  }

  /**
   * Sends `signal` and waits for the process to exit.
   *
   * @returns The exit status, or `undefined` when it was not running.
   */
  async kill(
    signal: Deno.Signal = "SIGTERM",
  ): Promise<Deno.CommandStatus | undefined> {
    const child = this.#child;
    if (!child) return undefined;
    try {
      child.kill(signal);
    } catch {
      // Already exited.
    }
    // A server that does not stop within the grace period is killed, so a shutdown bug cannot hang
    // the test run; the log says so.
    let timer: ReturnType<typeof setTimeout> | undefined;
    if (signal !== "SIGKILL") {
      timer = setTimeout(() => {
        this.#stderr +=
          `[harness] no exit ${STOP_GRACE_MS} ms after ${signal}: SIGKILL\n`;
        try {
          child.kill("SIGKILL");
        } catch {
          // Exited meanwhile.
        }
      }, STOP_GRACE_MS);
    }
    const status = await child.status;
    clearTimeout(timer);
    await Promise.allSettled(this.#pipes);
    this.#child = undefined;
    return status;
  }

  /**
   * Stops the server (SIGTERM) if it runs, then starts it again on the same data directory, on the
   * ports of the previous run when they can be bound again (so clients can reconnect), else on
   * fresh ones.
   */
  async restart(): Promise<void> {
    const previous: Record<string, string> = {};
    if (this.running) {
      const listeners = {
        TCP: this.tcp,
        QUIC: this.quic,
        HTTP: this.http,
        WEBSOCKET: this.websocket,
      };
      for (const [name, address] of Object.entries(listeners)) {
        if (address === undefined || address.port === 0) continue;
        const host = address.hostname.includes(":")
          ? `[${address.hostname}]`
          : address.hostname;
        previous[`IGGY_${name}_ADDRESS`] = `${host}:${address.port}`;
      }
    }
    await this.kill("SIGTERM");
    try {
      await this.#start(previous);
    } catch (err) {
      if (Object.keys(previous).length === 0) throw err;
      // A port was taken meanwhile: any free port will do.
      await this.#start({});
    }
  }

  /** Stops the server and removes the data directory if the harness created it. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.kill("SIGTERM");
    if (this.#ownsDataDir) {
      await Deno.remove(this.dataDir, { recursive: true }).catch(() => {});
    }
  }
}

/**
 * Starts a server on a fresh temp data directory (unless `dataDir` is given), with TCP, QUIC, HTTP and
 * WebSocket on `127.0.0.1:0`.
 *
 * @param options Extra env, a data directory, extra arguments.
 * @returns The running server; dispose it with `await using`.
 */
export async function startServer(
  options: StartServerOptions = {},
): Promise<TestServer> {
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ??
    await Deno.makeTempDir({ prefix: "iggy_test_" });
  const env: Record<string, string> = {
    IGGY_SYSTEM_PATH: dataDir,
    IGGY_TCP_ADDRESS: "127.0.0.1:0",
    IGGY_QUIC_ADDRESS: "127.0.0.1:0",
    IGGY_HTTP_ADDRESS: "127.0.0.1:0",
    IGGY_WEBSOCKET_ADDRESS: "127.0.0.1:0",
    ...options.env,
  };
  const server = new TestServer(
    dataDir,
    ownsDataDir,
    env,
    options.args ?? [],
    options.wrapper,
  );
  if (options.entry) server.entry = options.entry;
  try {
    await server.start();
  } catch (err) {
    if (ownsDataDir) {
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    }
    throw err;
  }
  return server;
}

async function collect(
  stream: ReadableStream<Uint8Array>,
  append: (text: string) => void,
): Promise<void> {
  const decoder = new TextDecoder();
  for await (const chunk of stream) {
    append(decoder.decode(chunk, { stream: true }));
  }
  append(decoder.decode());
}

/** Polls for the runtime config until it lists a TCP address, the process exits, or the deadline passes. */
async function waitForConfig(
  path: string,
  exited: Promise<Deno.CommandStatus>,
): Promise<Record<string, unknown>> {
  let exit: Deno.CommandStatus | undefined;
  exited.then((status) => exit = status);
  const deadline = performance.now() + START_DEADLINE_MS;
  while (true) {
    if (exit !== undefined) {
      throw new Error(`Server exited with code ${exit.code}`);
    }
    try {
      const config = parseToml(await Deno.readTextFile(path));
      if (config.tcp !== undefined) return config;
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
    if (performance.now() > deadline) {
      throw new Error(`No ${path} after ${START_DEADLINE_MS} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

function addressOf(section: unknown): ServerAddress | undefined {
  if (typeof section !== "object" || section === null) return undefined;
  const address = (section as { address?: unknown }).address;
  if (typeof address !== "string") return undefined;
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(address);
  if (!match) throw new Error(`Bad address in runtime config: "${address}"`);
  return { hostname: match[1]!, port: Number(match[2]) };
}

/**
 * A client of `server` logged in as the default root user (`iggy`/`iggy`) over TCP, without
 * reconnection (a test that kills or restarts the server wants to see the connection go), with
 * `options` on top.
 */
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
