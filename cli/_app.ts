/**
 * What every command needs: the merged options (program, then command), the printer, the home
 * directory and a connected, logged-in client. Credentials come from `-u/-p` (or
 * `IGGY_USERNAME`/`IGGY_PASSWORD`; a missing password is prompted for without echo), `-t`, the
 * context's login session, then the context's own credentials.
 * @module
 */

import type { Command } from "commander";
import { Option } from "commander";
import {
  Aes256GcmEncryptor,
  connect,
  type ConnectOptions,
  ErrorCode,
  type IggyClient,
  IggyError,
  parseConnectionString,
} from "../mod.ts";
import { IggyHome } from "./_home.ts";
import type { ContextConfig } from "./_home.ts";
import { Output, OUTPUT_MODES, type OutputMode } from "./_output.ts";
import {
  connectionString,
  type Credentials,
  resolveTarget,
  type Target,
  type TargetOptions,
  TRANSPORT_NAMES,
} from "./_target.ts";
import { UsageError } from "./_errors.ts";

/** The options every command accepts (program-level ones before the command). */
export interface GlobalOptions extends TargetOptions {
  /** `-u, --username`. */
  username?: string;
  /** `-p, --password`. */
  password?: string;
  /** `-t, --token`. */
  token?: string;
  /** `-n, --token-name`: a token stored by `pat create --store-token`. */
  tokenName?: string;
  /** `-d, --debug`: append a trace of each command to this file. */
  debug?: string;
  /** `--context`: use this context instead of the active one. */
  context?: string;
  /** `-q, --quiet`. */
  quiet?: boolean;
  /** `--output`. */
  output?: OutputMode;
  /** `-l, --list-mode` of list commands (Iggy's name for table/list). */
  listMode?: OutputMode;
  /** `--tls-ca-file`: PEM of the CA to trust. */
  tlsCaFile?: string;
  /** `--tls-domain`: the certificate name to expect. */
  tlsDomain?: string;
  /** `--tcp-tls-domain` (Iggy's name of `--tls-domain`). */
  tcpTlsDomain?: string;
  /** `--quic-server-name` (Iggy's name of `--tls-domain` for QUIC). */
  quicServerName?: string;
  /** `--encryption-key`: base64 AES-256 key for client-side encryption. */
  encryptionKey?: string;
  /** `--{tcp,quic,websocket}-reconnection-max-retries`. */
  tcpReconnectionMaxRetries?: string;
  quicReconnectionMaxRetries?: string;
  websocketReconnectionMaxRetries?: string;
  /** `--{tcp,quic,websocket}-reconnection-interval`. */
  tcpReconnectionInterval?: string;
  quicReconnectionInterval?: string;
  websocketReconnectionInterval?: string;
}

/** Streams and terminal facts, replaceable in tests. */
export interface AppIo {
  /** Reads all of standard input. */
  readStdin(): Promise<string>;
  /** Whether standard input is a terminal (password prompts are possible). */
  stdinIsTerminal(): boolean;
  /** Asks for a secret without echoing it. */
  promptSecret(message: string): Promise<string>;
}

/** The real terminal. */
export const DENO_IO: AppIo = {
  async readStdin(): Promise<string> {
    return await new Response(Deno.stdin.readable).text();
  },
  stdinIsTerminal(): boolean {
    return Deno.stdin.isTerminal();
  },
  async promptSecret(message: string): Promise<string> {
    const { default: password } = await import("@inquirer/password");
    return await password({ message, mask: false });
  },
};

/** Iggy's QUIC and HTTP tuning options, accepted without effect. */
const IGNORED_TUNING_OPTIONS = [
  "http-retries",
  "quic-client-address",
  "quic-max-concurrent-bidi-streams",
  "quic-datagram-send-buffer-size",
  "quic-initial-mtu",
  "quic-send-window",
  "quic-receive-window",
  "quic-response-buffer-size",
  "quic-keep-alive-interval",
  "quic-max-idle-timeout",
];

/**
 * Adds the program-level options (Iggy CLI's names) to the root command.
 *
 * @param program The root command.
 * @returns The same command.
 */
export function addGlobalOptions(program: Command): Command {
  program
    .addOption(
      new Option("--transport <transport>", "transport to use").choices(
        TRANSPORT_NAMES,
      ),
    )
    .option(
      "--server-address <address>",
      "server address (host:port, or the API URL for http) for the chosen transport",
    )
    .option("--tcp-server-address <address>", "TCP server address")
    .option("--tcp-tls-enabled", "use TLS over TCP")
    .option("--quic-server-address <address>", "QUIC server address")
    .option("--websocket-server-address <address>", "WebSocket server address")
    .option("--http-api-url <url>", "HTTP API URL")
    .option(
      "--tls-ca-file <path>",
      "PEM file of the CA that signed the server certificate (TLS, QUIC, WSS)",
    )
    .option(
      "--insecure",
      "skip TLS certificate checks (TLS, QUIC, WSS, HTTPS); prefer --tls-ca-file",
    )
    .option(
      "--tls-domain <name>",
      "server name to check the certificate against (default: localhost for IPs)",
    )
    .option("--tcp-tls-domain <name>", "same as --tls-domain (Iggy's name)")
    .option("--quic-server-name <name>", "same as --tls-domain, for QUIC")
    .option(
      "--encryption-key <base64>",
      "AES-256-GCM key (base64 of 32 bytes): encrypt sent payloads, decrypt polled ones",
    )
    .option(
      "--tcp-reconnection-max-retries <n>",
      "reconnection attempts after a lost connection",
    )
    .option(
      "--tcp-reconnection-interval <duration>",
      "pause between reconnection attempts (e.g. 1s)",
    )
    .option(
      "--quic-reconnection-max-retries <n>",
      "as --tcp-reconnection-max-retries",
    )
    .option(
      "--quic-reconnection-interval <duration>",
      "as --tcp-reconnection-interval",
    )
    .option(
      "--websocket-reconnection-max-retries <n>",
      "as --tcp-reconnection-max-retries",
    )
    .option(
      "--websocket-reconnection-interval <duration>",
      "as --tcp-reconnection-interval",
    );
  // Iggy's QUIC and HTTP tuning knobs: accepted so that its command lines run; they have no
  // effect here (Deno's QUIC stack and fetch choose these themselves).
  for (const name of IGNORED_TUNING_OPTIONS) {
    program.addOption(
      new Option(
        `--${name} <value>`,
        "accepted for Iggy's command lines; no effect",
      )
        .hideHelp(),
    );
  }
  program.addOption(
    new Option(
      "--quic-validate-certificate [bool]",
      "accepted for Iggy's command lines; certificates are always checked (see --insecure)",
    ).hideHelp(),
  );
  return program
    .addOption(
      new Option("-u, --username <username>", "user name to log in with").env(
        "IGGY_USERNAME",
      ),
    )
    .addOption(
      new Option(
        "-p, --password <password>",
        "password (prompted for, without echo, when missing)",
      ).env("IGGY_PASSWORD"),
    )
    .option("-t, --token <token>", "personal access token to log in with")
    .option(
      "-n, --token-name <name>",
      "log in with the token stored under this name by `pat create --store-token`",
    )
    .option("--context <name>", "use this context instead of the active one")
    .option(
      "-d, --debug <file>",
      "append a trace of each command (connections, timings, errors) to this file",
    );
}

/**
 * Adds `--output` and `-q` to a command (every leaf command has them, so they work after it).
 *
 * @param command The command.
 * @param options `short`: `-o` too.
 * @returns The same command.
 */
export function addOutputOptions(
  command: Command,
  options: { short?: boolean } = {},
): Command {
  const flags = options.short ? "-o, --output <mode>" : "--output <mode>";
  return command
    .addOption(
      new Option(flags, "output format").choices([...OUTPUT_MODES]),
    )
    .option("-q, --quiet", "print only the requested data (no status lines)");
}

/** The CLI's shared state for one process (or one interactive session). */
export class App {
  /** The home directory. */
  readonly home: IggyHome;
  /** Terminal access. */
  readonly io: AppIo;
  /** Options given before the first command in interactive mode (each line may add more). */
  base: GlobalOptions = {};
  /** The server of the last connection attempt, for error hints. */
  lastAddress?: string;
  /** Set when the CLI runs interactively (connections are reused). */
  interactive = false;
  /** `-d/--debug`: the trace file of this run. */
  debugFile?: string;
  #clients = new Map<string, Promise<IggyClient>>();

  /**
   * Creates the state.
   *
   * @param home The home directory.
   * @param io Terminal access.
   */
  constructor(home: IggyHome = new IggyHome(), io: AppIo = DENO_IO) {
    this.home = home;
    this.io = io;
  }

  /**
   * Merges the options of `command` and its parents (the command's own win).
   *
   * @param command The running command.
   * @returns The options.
   */
  options<T = Record<string, unknown>>(command: Command): GlobalOptions & T {
    const chain: Command[] = [];
    for (let c: Command | null = command; c; c = c.parent) chain.unshift(c);
    const merged: Record<string, unknown> = { ...this.base };
    for (const c of chain) {
      for (const [key, value] of Object.entries(c.opts())) {
        if (value !== undefined) merged[key] = value;
      }
    }
    return merged as GlobalOptions & T;
  }

  /**
   * The printer for a command.
   *
   * @param command The running command.
   * @returns The printer.
   */
  output(command: Command): Output {
    const o = this.options(command);
    return new Output({
      mode: o.output ?? o.listMode ?? "table",
      quiet: o.quiet ?? false,
    });
  }

  /**
   * The context a command uses.
   *
   * @param command The running command.
   * @returns Its name and settings.
   */
  async context(
    command: Command,
  ): Promise<{ name: string; config: ContextConfig }> {
    const name = this.options(command).context ??
      await this.home.activeContext();
    const config = await this.home.context(name);
    if (config === undefined) {
      throw new UsageError(
        `Context "${name}" does not exist; see \`iggy context list\``,
      );
    }
    return { name, config };
  }

  /**
   * Resolves the server a command talks to.
   *
   * @param command The running command.
   * @returns The target.
   */
  async target(command: Command): Promise<Target> {
    const { config } = await this.context(command);
    const target = resolveTarget(this.options(command), config);
    this.lastAddress = `${target.transport}://${
      target.address.replace(/^[a-z+]+:\/\//i, "")
    }`;
    return target;
  }

  /**
   * Works out how to log in: options, then the context's session, then the context's credentials.
   *
   * @param command The running command.
   * @param target The server.
   * @returns The credentials, or `undefined` to connect without logging in.
   */
  async credentials(
    command: Command,
    target: Target,
  ): Promise<Credentials | undefined> {
    const o = this.options(command);
    if (o.username !== undefined) {
      return { username: o.username, password: await this.#password(o) };
    }
    if (o.token !== undefined) return { token: o.token };
    if (o.tokenName !== undefined) {
      const server = connectionString(target);
      const token = await this.home.storedToken(server, o.tokenName);
      if (token === undefined) {
        throw new UsageError(
          `No token named "${o.tokenName}" is stored for ${server}; create one with \`iggy pat create ${o.tokenName} --store-token\``,
        );
      }
      return { token };
    }
    const { name, config } = await this.context(command);
    const session = await this.home.session(name);
    if (session !== undefined && session.server === connectionString(target)) {
      return { token: session.token };
    }
    if (config.username !== undefined) {
      return {
        username: config.username,
        password: config.password ??
          await this.#password({ username: config.username }),
      };
    }
    if (config.token !== undefined) return { token: config.token };
    return undefined;
  }

  async #password(o: GlobalOptions): Promise<string> {
    if (o.password !== undefined) return o.password;
    if (!this.io.stdinIsTerminal()) {
      throw new UsageError(
        `A password is needed for user "${o.username}": pass -p <password> or set IGGY_PASSWORD`,
      );
    }
    return await this.io.promptSecret(`Password for ${o.username}:`);
  }

  /**
   * Connects (and logs in unless `login` is false); in interactive mode connections are reused.
   *
   * @param command The running command.
   * @param options `login: false` connects without credentials.
   * @returns The client; close it with {@linkcode App.release}.
   */
  async client(
    command: Command,
    options: { login?: boolean; credentials?: Credentials } = {},
  ): Promise<IggyClient> {
    const target = await this.target(command);
    const credentials = options.credentials ??
      (options.login === false
        ? undefined
        : await this.credentials(command, target));
    const o = this.options(command);
    let url = connectionString(target, credentials);
    const query = new URLSearchParams();
    // Only the keys the transport's connection string takes (the SDK rejects others); HTTP has
    // neither a certificate name nor reconnection, and QUIC names its retries key differently.
    const http = target.transport === "http" || target.transport === "https";
    const tlsDomain = o.tlsDomain ?? o.tcpTlsDomain ?? o.quicServerName;
    if (tlsDomain !== undefined && !http) query.set("tls_domain", tlsDomain);
    const retries = o.tcpReconnectionMaxRetries ??
      o.quicReconnectionMaxRetries ?? o.websocketReconnectionMaxRetries;
    if (retries !== undefined && !http) {
      query.set(
        target.transport === "quic"
          ? "reconnection_max_retries"
          : "reconnection_retries",
        retries,
      );
    }
    const interval = o.tcpReconnectionInterval ?? o.quicReconnectionInterval ??
      o.websocketReconnectionInterval;
    if (interval !== undefined && !http) {
      query.set("reconnection_interval", interval);
    }
    if (query.size > 0) url += `?${query}`;
    this.debug(
      `connect ${connectionString(target)}${
        credentials === undefined
          ? ""
          : "username" in credentials
          ? ` as ${credentials.username}`
          : " with a token"
      }`,
    );
    const open = async (): Promise<IggyClient> => {
      if (o.tlsCaFile === undefined && o.encryptionKey === undefined) {
        return await connect(url);
      }
      const options: ConnectOptions = parseConnectionString(url);
      if (o.tlsCaFile !== undefined) {
        options.tls = {
          ...options.tls,
          caCerts: [await Deno.readTextFile(o.tlsCaFile)],
        };
      }
      if (o.encryptionKey !== undefined) {
        options.encryptor = await Aes256GcmEncryptor.fromKey(o.encryptionKey);
      }
      return await connect(options);
    };
    if (!this.interactive) return await open();
    let pending = this.#clients.get(url);
    if (pending === undefined) {
      pending = open();
      this.#clients.set(url, pending);
      pending.catch(() => this.#clients.delete(url));
    }
    const client = await pending;
    if (client.closed) {
      this.#clients.delete(url);
      return await this.client(command, options);
    }
    return client;
  }

  /**
   * Closes a client after a command, unless it is kept for the interactive session.
   *
   * @param client The client.
   */
  async release(client: IggyClient): Promise<void> {
    if (!this.interactive) await client.close();
  }

  /**
   * Runs `fn` with a connected client and releases it afterwards.
   *
   * @param command The running command.
   * @param fn What to do.
   * @param options `login: false` connects without credentials.
   * @returns What `fn` returns.
   */
  async withClient<T>(
    command: Command,
    fn: (client: IggyClient) => Promise<T>,
    options: { login?: boolean } = {},
  ): Promise<T> {
    const client = await this.client(command, options);
    try {
      return await fn(client);
    } finally {
      await this.release(client);
    }
  }

  /**
   * Appends a line to the `-d/--debug` file, when one was given (mode 0600; failures to write it
   * never fail a command).
   *
   * @param line The line (a timestamp is put in front).
   */
  debug(line: string): void {
    if (this.debugFile === undefined) return;
    try {
      Deno.writeTextFileSync(
        this.debugFile,
        `${new Date().toISOString()} ${line}\n`,
        { append: true, mode: 0o600 },
      );
    } catch {
      // A debug trace is a convenience.
    }
  }

  /** Closes every kept connection. */
  async close(): Promise<void> {
    const clients = [...this.#clients.values()];
    this.#clients.clear();
    for (const pending of clients) {
      await pending.then((c) => c.close(), () => {});
    }
  }
}

/**
 * Parses a stream/topic/user/group identifier: digits are a numeric id, anything else a name.
 *
 * @param text The argument.
 * @returns The identifier.
 */
export function parseId(text: string): number | string {
  return /^\d+$/.test(text) && Number(text) <= 0xffff_ffff
    ? Number(text)
    : text;
}

/**
 * Parses a non-negative integer argument.
 *
 * @param text The argument.
 * @param what Its name, for the error.
 * @returns The number.
 * @throws {UsageError} When it is not a u32.
 */
export function parseU32(text: string, what: string): number {
  if (!/^\d+$/.test(text) || Number(text) > 0xffff_ffff) {
    throw new UsageError(
      `Invalid ${what} "${text}": expected a non-negative integer`,
    );
  }
  return Number(text);
}

/**
 * Parses a u64 argument exactly.
 *
 * @param text The argument.
 * @param what Its name, for the error.
 * @returns The number.
 * @throws {UsageError} When it is not a u64.
 */
export function parseU64(text: string, what: string): bigint {
  if (!/^\d+$/.test(text) || BigInt(text) > 0xffff_ffff_ffff_ffffn) {
    throw new UsageError(
      `Invalid ${what} "${text}": expected a non-negative integer`,
    );
  }
  return BigInt(text);
}

/** What a command's handler gets. */
export interface CommandRun {
  /** The positional arguments (variadic ones as arrays). */
  args: unknown[];
  /** The merged options. */
  opts: GlobalOptions & Record<string, unknown>;
  /** The printer. */
  out: Output;
  /** The running command. */
  command: Command;
}

/**
 * Adds a leaf command with an alias and the output options.
 *
 * @param parent The group command.
 * @param name The command name.
 * @param options Alias, description, and `shortOutput` for `-o` as `--output` (as `stats` has).
 * @returns The new command.
 */
export function leaf(
  parent: Command,
  name: string,
  options: { alias?: string; description: string; shortOutput?: boolean },
): Command {
  const command = parent.command(name).description(options.description);
  if (options.alias !== undefined) command.alias(options.alias);
  return addOutputOptions(command, { short: options.shortOutput });
}

/**
 * Sets a command's handler.
 *
 * @param app The CLI state.
 * @param command The command.
 * @param fn The handler.
 */
export function handle(
  app: App,
  command: Command,
  fn: (run: CommandRun) => Promise<void>,
): void {
  command.action(async (...params: unknown[]) => {
    const cmd = params.at(-1) as Command;
    const opts = app.options(cmd);
    if (opts.debug !== undefined) app.debugFile = opts.debug;
    const started = performance.now();
    try {
      await fn({
        args: cmd.processedArgs as unknown[],
        opts,
        out: app.output(cmd),
        command: cmd,
      });
      app.debug(
        `${commandPath(cmd)}: ok in ${
          (performance.now() - started).toFixed(1)
        } ms`,
      );
    } catch (err) {
      app.debug(
        `${commandPath(cmd)}: failed in ${
          (performance.now() - started).toFixed(1)
        } ms: ${(err as Error)?.stack ?? String(err)}`,
      );
      throw err;
    }
  });
}

/** `stream create` for a command, its parents' names in front. */
function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) {
    names.unshift(c.name());
  }
  return names.join(" ");
}

const NOT_FOUND = {
  stream: [ErrorCode.StreamIdNotFound, ErrorCode.StreamNameNotFound],
  topic: [ErrorCode.TopicIdNotFound, ErrorCode.TopicNameNotFound],
  "consumer group": [
    ErrorCode.ConsumerGroupIdNotFound,
    ErrorCode.ConsumerGroupNameNotFound,
  ],
  user: [ErrorCode.ResourceNotFound, ErrorCode.ResourceNotFound],
  client: [ErrorCode.ClientNotFound, ErrorCode.ClientNotFound],
} as const;

/**
 * The error for a `get` that found nothing (the server answers those with an empty reply).
 *
 * @param what The kind of object.
 * @param id The id or name asked for.
 * @returns The error to throw.
 */
export function notFound(what: keyof typeof NOT_FOUND, id: string): IggyError {
  const [byId, byName] = NOT_FOUND[what];
  return new IggyError(
    typeof parseId(id) === "number" ? byId : byName,
    `${what} "${id}"`,
  );
}
