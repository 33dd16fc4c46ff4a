/**
 * The CLI's home directory (`$IGGY_HOME`, default `~/.iggy`): named contexts in `contexts.toml`, the
 * active context's name in `.active_context` (the layout of Iggy's CLI), login sessions in
 * `sessions/<context>.json` and the interactive history in `history`. Files that hold secrets are
 * written with mode 0600.
 * @module
 */

import { parse as parseToml, stringify as stringifyToml } from "smol-toml";

/** The context that always exists and cannot be deleted. */
export const DEFAULT_CONTEXT = "default";

/** One named context: where the server is and, optionally, how to log in (Iggy's keys). */
export interface ContextConfig {
  /** `tcp`, `tls`, `quic`, `ws` or `http`. */
  transport?: string;
  /** `host:port` of the TCP (or TLS) listener. */
  tcp_server_address?: string;
  /** Use TLS over TCP. */
  tcp_tls_enabled?: boolean;
  /** `host:port` of the QUIC listener. */
  quic_server_address?: string;
  /** `host:port` of the WebSocket listener. */
  websocket_server_address?: string;
  /** URL of the HTTP API. */
  http_api_url?: string;
  /** User name to log in with. */
  username?: string;
  /** Password to log in with. */
  password?: string;
  /** Personal access token to log in with. */
  token?: string;
}

/** A login session stored by `iggy login`: a personal access token for one server. */
export interface Session {
  /** The connection string of the server, without credentials. */
  server: string;
  /** The token's name on the server. */
  name: string;
  /** The secret token. */
  token: string;
  /** Expiry in µs since the epoch, as a decimal string; absent when it never expires. */
  expiresAt?: string;
}

const CONTEXTS_FILE = "contexts.toml";
const ACTIVE_FILE = ".active_context";
const SECRET_MODE = 0o600;
const TOKENS_FILE = "tokens.json";

/** Key of a stored token: the server and the token's name. */
function tokenKey(server: string, name: string): string {
  return `${server} ${name}`;
}

/** Reads and writes the files under `$IGGY_HOME`. */
export class IggyHome {
  /** The directory. */
  readonly dir: string;

  /**
   * Uses `dir`, or `$IGGY_HOME`, or `~/.iggy`.
   *
   * @param dir The directory; from the environment when absent.
   */
  constructor(dir?: string) {
    this.dir = dir ?? Deno.env.get("IGGY_HOME") ??
      `${Deno.env.get("HOME") ?? Deno.env.get("USERPROFILE") ?? "."}/.iggy`;
  }

  /** Path of the interactive mode's history file. */
  get historyFile(): string {
    return `${this.dir}/history`;
  }

  /**
   * Reads every context; `default` is always there.
   *
   * @returns The contexts by name.
   */
  async contexts(): Promise<Record<string, ContextConfig>> {
    const text = await readOptional(`${this.dir}/${CONTEXTS_FILE}`);
    const contexts = (text === undefined ? {} : parseToml(text)) as Record<
      string,
      ContextConfig
    >;
    contexts[DEFAULT_CONTEXT] ??= {};
    return contexts;
  }

  /**
   * Names the active context.
   *
   * @returns Its name (`default` when none was chosen).
   */
  async activeContext(): Promise<string> {
    const text = await readOptional(`${this.dir}/${ACTIVE_FILE}`);
    return text?.trim() || DEFAULT_CONTEXT;
  }

  /**
   * Reads one context.
   *
   * @param name The context's name.
   * @returns The context, or `undefined` when it does not exist.
   */
  async context(name: string): Promise<ContextConfig | undefined> {
    return (await this.contexts())[name];
  }

  /**
   * Makes `name` the active context.
   *
   * @param name An existing context.
   * @throws {RangeError} When the context does not exist.
   */
  async useContext(name: string): Promise<void> {
    if ((await this.context(name)) === undefined) {
      throw new RangeError(`Context "${name}" does not exist`);
    }
    await this.#write(ACTIVE_FILE, `${name}\n`);
  }

  /**
   * Adds a context.
   *
   * @param name The new context's name.
   * @param config Its settings.
   * @throws {RangeError} When a context of that name exists.
   */
  async createContext(name: string, config: ContextConfig): Promise<void> {
    const contexts = await this.contexts();
    if (contexts[name] !== undefined) {
      throw new RangeError(`Context "${name}" already exists`);
    }
    contexts[name] = dropUndefined(config);
    await this.#writeContexts(contexts);
  }

  /**
   * Removes a context and its session; the active context falls back to `default`.
   *
   * @param name The context's name.
   * @throws {RangeError} For `default` or an unknown context.
   */
  async deleteContext(name: string): Promise<void> {
    if (name === DEFAULT_CONTEXT) {
      throw new RangeError(
        `The "${DEFAULT_CONTEXT}" context cannot be deleted`,
      );
    }
    const contexts = await this.contexts();
    if (contexts[name] === undefined) {
      throw new RangeError(`Context "${name}" does not exist`);
    }
    delete contexts[name];
    await this.#writeContexts(contexts);
    await this.deleteSession(name);
    if ((await this.activeContext()) === name) {
      await this.#write(ACTIVE_FILE, `${DEFAULT_CONTEXT}\n`);
    }
  }

  /**
   * Reads the login session of a context.
   *
   * @param context The context's name.
   * @returns The session, or `undefined` when logged out.
   */
  async session(context: string): Promise<Session | undefined> {
    const text = await readOptional(this.#sessionPath(context));
    return text === undefined ? undefined : JSON.parse(text) as Session;
  }

  /**
   * Stores the login session of a context (mode 0600).
   *
   * @param context The context's name.
   * @param session The session.
   */
  async saveSession(context: string, session: Session): Promise<void> {
    await this.#write(
      `sessions/${fileName(context)}.json`,
      `${JSON.stringify(session, null, 2)}\n`,
    );
  }

  /**
   * Removes the login session of a context, if any.
   *
   * @param context The context's name.
   * @returns Whether there was one.
   */
  async deleteSession(context: string): Promise<boolean> {
    try {
      await Deno.remove(this.#sessionPath(context));
      return true;
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return false;
      throw err;
    }
  }

  /**
   * Reads a personal access token stored by `pat create --store-token`.
   *
   * @param server The server's connection string without credentials.
   * @param name The token's name.
   * @returns The token, or `undefined` when none is stored.
   */
  async storedToken(server: string, name: string): Promise<string | undefined> {
    return (await this.#tokens())[tokenKey(server, name)];
  }

  /**
   * Stores a personal access token for `-n/--token-name` (in `tokens.json`, mode 0600: this CLI
   * uses no system keyring).
   *
   * @param server The server's connection string without credentials.
   * @param name The token's name.
   * @param token The secret token.
   */
  async storeToken(server: string, name: string, token: string): Promise<void> {
    const tokens = await this.#tokens();
    tokens[tokenKey(server, name)] = token;
    await this.#write(TOKENS_FILE, `${JSON.stringify(tokens, null, 2)}\n`);
  }

  /**
   * Forgets a stored personal access token.
   *
   * @param server The server's connection string without credentials.
   * @param name The token's name.
   * @returns Whether one was stored.
   */
  async deleteStoredToken(server: string, name: string): Promise<boolean> {
    const tokens = await this.#tokens();
    if (!(tokenKey(server, name) in tokens)) return false;
    delete tokens[tokenKey(server, name)];
    await this.#write(TOKENS_FILE, `${JSON.stringify(tokens, null, 2)}\n`);
    return true;
  }

  async #tokens(): Promise<Record<string, string>> {
    const text = await readOptional(`${this.dir}/${TOKENS_FILE}`);
    return text === undefined ? {} : JSON.parse(text) as Record<string, string>;
  }

  #sessionPath(context: string): string {
    return `${this.dir}/sessions/${fileName(context)}.json`;
  }

  async #writeContexts(
    contexts: Record<string, ContextConfig>,
  ): Promise<void> {
    await this.#write(
      CONTEXTS_FILE,
      stringifyToml(contexts as Record<string, unknown>) + "\n",
    );
  }

  /** Writes a file under the home directory with mode 0600 (directories 0700), atomically. */
  async #write(relative: string, text: string): Promise<void> {
    const path = `${this.dir}/${relative}`;
    const parent = path.slice(0, path.lastIndexOf("/"));
    await Deno.mkdir(parent, { recursive: true, mode: 0o700 });
    const temp = `${path}.${crypto.randomUUID()}.tmp`;
    await Deno.writeTextFile(temp, text, { mode: SECRET_MODE });
    await Deno.chmod(temp, SECRET_MODE).catch(() => {});
    await Deno.rename(temp, path);
  }
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw err;
  }
}

/** A context name made safe as a file name. */
function fileName(context: string): string {
  return encodeURIComponent(context).replaceAll(".", "%2E");
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(
    Object.entries(value).filter(([, v]) => v !== undefined),
  ) as T;
}
