/**
 * Connection options and the `iggy://` connection string.
 *
 * A connection string names the transport by its scheme (one row of `SCHEMES` per scheme), the
 * credentials in the user-info part, the server address and options, as the official Iggy SDKs
 * write it: `iggy://user:password@host:port?reconnection_retries=10`. `iggy+tcp://` is the same as
 * `iggy://`; `iggy+tls://` is TCP with TLS, `iggy+quic://` QUIC, `iggy+ws://` and `iggy+wss://`
 * WebSocket, `iggy+http://`, `http://` and `https://` the REST API. Each transport takes the query
 * keys of the official SDK's options for it (one table per transport below); any other key is an
 * error naming the valid ones.
 * @module
 */

import type { TlsOptions } from "./tcp_transport.ts";
import type { QuicTransportOptions } from "./quic_transport.ts";
import type { ReconnectingTransportOptions } from "./reconnecting_transport.ts";
import type { Encryptor } from "./encryption.ts";
import type { Logger } from "./status.ts";

/**
 * The transports {@linkcode connect} can open: `tcp` in Deno and Node, `http` everywhere,
 * `websocket` in Deno, browsers and Node 22+, `quic` in Deno only.
 *
 * @example Usage
 * ```ts ignore
 * const kind: TransportKind = "quic";
 * const client = await connect({ transport: kind, hostname: "localhost", username: "iggy", password: "iggy" });
 * ```
 */
export type TransportKind = "tcp" | "quic" | "websocket" | "http";

/**
 * Options of {@linkcode connect} / {@linkcode IggyClient.connect}.
 *
 * @example Usage
 * ```ts ignore
 * const client = await connect({
 *   transport: "tcp",
 *   hostname: "127.0.0.1",
 *   port: 8090,
 *   username: "iggy",
 *   password: "iggy",
 *   timeout: 5000,
 * });
 * ```
 */
export interface ConnectOptions {
  /**
   * Which transport to open.
   * @default {"tcp"}
   */
  transport?: TransportKind;
  /**
   * The server host name or IP address.
   * @default {"127.0.0.1"}
   */
  hostname?: string;
  /**
   * The server port.
   * @default {8090 for TCP, 8080 for QUIC, 8092 for WebSocket, 3000 for HTTP}
   */
  port?: number;
  /** Log in as this user after connecting (needs `password`). */
  username?: string;
  /** The password of `username`. */
  password?: string;
  /** Log in with this personal access token after connecting (instead of a username). */
  token?: string;
  /** Milliseconds to wait for each answer before failing with `TimeoutError`; none when absent. */
  timeout?: number;
  /**
   * TLS settings: TLS on TCP, `wss://` on WebSocket and `https://` on HTTP when set. QUIC is always TLS and uses
   * `caCerts` and `hostname` (the certificate name, `localhost` by default for IP addresses) from
   * here. WebSocket uses `caCerts` in Deno (the server's host must match the certificate); HTTP
   * ignores both and leaves verification to the platform.
   */
  tls?: TlsOptions;
  /**
   * A PEM file of extra trusted root certificates, read when connecting and added to
   * `tls.caCerts` (Deno and Node; the connection string's `tls_ca_file`).
   */
  tlsCaFile?: string;
  /**
   * Reopen a dropped connection (with back-off) on the next request and log in again: on for TCP,
   * QUIC and WebSocket unless `false` (HTTP needs no connection). `true` or an object with some
   * fields uses the defaults of {@linkcode ReconnectingTransportOptions} for the others.
   * @default {true}
   */
  reconnect?: boolean | ReconnectingTransportOptions;
  /**
   * Where the client writes what happens to its connection (lost, reconnecting, reopened, gave up)
   * and what the producer retries; `console` fits. Nothing is logged when absent.
   */
  logger?: Logger;
  /** QUIC keep-alive and idle timeout (the connection string's `keep_alive_interval` and `max_idle_timeout`). */
  quic?: Pick<QuicTransportOptions, "keepAliveInterval" | "maxIdleTimeout">;
  /**
   * Client-side encryption: `sendMessages()` encrypts every payload with it and `pollMessages()`
   * decrypts every polled payload, so the server only sees ciphertext (see
   * {@linkcode Aes256GcmEncryptor}). None when absent.
   */
  encryptor?: Encryptor;
  /**
   * With an `encryptor`, also encrypt each message's user-header block as one piece, as the
   * official Iggy SDKs do (so their consumers can read what this client sends). Polls decrypt
   * such blocks either way.
   * @default {false}
   */
  encryptHeaders?: boolean;
}

/** Default port of each transport (Iggy's defaults). */
export const DEFAULT_PORTS: Readonly<Record<TransportKind, number>> = {
  tcp: 8090,
  quic: 8080,
  websocket: 8092,
  http: 3000,
};

/** Connection-string schemes, each mapped to the transport it opens and whether it adds TLS. */
const SCHEMES: Readonly<
  Record<string, { transport: TransportKind; tls?: boolean }>
> = {
  "iggy:": { transport: "tcp" },
  "iggy+tcp:": { transport: "tcp" },
  "iggy+tls:": { transport: "tcp", tls: true },
  "iggy+quic:": { transport: "quic" },
  "iggy+ws:": { transport: "websocket" },
  "iggy+wss:": { transport: "websocket", tls: true },
  "iggy+http:": { transport: "http" },
  "http:": { transport: "http" },
  "https:": { transport: "http", tls: true },
};

/** A prefix our earlier connection strings put before a personal access token; not part of it. */
const TOKEN_PREFIX = "iggypat-";

/** Sets what one query key says on the options being built. */
type KeyParser = (value: string, options: ConnectOptions, key: string) => void;

/** The keys every transport takes here besides the official ones. */
const COMMON_KEYS: Readonly<Record<string, KeyParser>> = {
  timeout: (value, options, key) => {
    options.timeout = parseMillis(value, key, { positive: true });
  },
};

/** A key that is read and checked but changes nothing here (see the README's table). */
function accepted(parse: (value: string, key: string) => unknown): KeyParser {
  return (value, _options, key) => void parse(value, key);
}

function reconnectOf(options: ConnectOptions): ReconnectingTransportOptions {
  if (typeof options.reconnect !== "object") options.reconnect = {};
  return options.reconnect;
}

const RECONNECTION_RETRIES: KeyParser = (value, options, key) => {
  reconnectOf(options).retries = parseRetries(value, key);
};
const RECONNECTION_INTERVAL: KeyParser = (value, options, key) => {
  reconnectOf(options).delayMs = parseMillis(value, key, { positive: true });
};
const REESTABLISH_AFTER: KeyParser = (value, options, key) => {
  reconnectOf(options).reestablishAfterMs = parseMillis(value, key);
};
const HEARTBEAT_INTERVAL: KeyParser = (value, options, key) => {
  reconnectOf(options).heartbeatIntervalMs = parseMillis(value, key, {
    positive: true,
  });
};
const TLS: KeyParser = (value, options, key) => {
  if (parseBool(value, key)) options.tls ??= {};
  else delete options.tls;
};
const TLS_DOMAIN: KeyParser = (value, options) => {
  tlsDomain.set(options, value);
};
const TLS_CA_FILE: KeyParser = (value, options) => {
  options.tlsCaFile = value;
};

/** `tls_domain` applies once every key is read, since `tls` may come after it. */
const tlsDomain = new WeakMap<ConnectOptions, string>();

/**
 * The query keys of each transport: those of the official SDK's `*ConnectionStringOptions` at Iggy
 * 0.8.0 (`core/common/src/types/configuration/*_config/`), plus {@linkcode COMMON_KEYS}.
 */
const KEYS: Readonly<
  Record<TransportKind, Readonly<Record<string, KeyParser>>>
> = {
  tcp: {
    tls: TLS,
    tls_domain: TLS_DOMAIN,
    tls_ca_file: TLS_CA_FILE,
    reconnection_retries: RECONNECTION_RETRIES,
    reconnection_interval: RECONNECTION_INTERVAL,
    reestablish_after: REESTABLISH_AFTER,
    heartbeat_interval: HEARTBEAT_INTERVAL,
    // Nagle's algorithm is always off here (every request is written at once).
    nodelay: accepted(parseBool),
  },
  quic: {
    response_buffer_size: accepted(parseUint),
    max_concurrent_bidi_streams: accepted(parseUint),
    datagram_send_buffer_size: accepted(parseUint),
    initial_mtu: accepted((value, key) => parseUint(value, key, 0xffff)),
    send_window: accepted(parseUint),
    receive_window: accepted(parseUint),
    keep_alive_interval: (value, options, key) => {
      options.quic = {
        ...options.quic,
        keepAliveInterval: parseUint(value, key),
      };
    },
    max_idle_timeout: (value, options, key) => {
      options.quic = { ...options.quic, maxIdleTimeout: parseUint(value, key) };
    },
    // Deno always verifies the certificate: trust a self-signed one with tls_ca_file.
    validate_certificate: accepted(parseBool),
    heartbeat_interval: HEARTBEAT_INTERVAL,
    reconnection_max_retries: RECONNECTION_RETRIES,
    reconnection_interval: RECONNECTION_INTERVAL,
    reconnection_reestablish_after: REESTABLISH_AFTER,
    tls_domain: TLS_DOMAIN,
    tls_ca_file: TLS_CA_FILE,
  },
  websocket: {
    heartbeat_interval: HEARTBEAT_INTERVAL,
    reconnection_retries: RECONNECTION_RETRIES,
    reconnection_interval: RECONNECTION_INTERVAL,
    reestablish_after: REESTABLISH_AFTER,
    // Buffer and frame sizes are the runtime's WebSocket's business.
    read_buffer_size: accepted(parseUint),
    write_buffer_size: accepted(parseUint),
    max_write_buffer_size: accepted(parseUint),
    max_message_size: accepted(parseUint),
    max_frame_size: accepted(parseUint),
    accept_unmasked_frames: accepted(parseBool),
    tls: TLS,
    tls_domain: TLS_DOMAIN,
    tls_ca_file: TLS_CA_FILE,
    tls_validate_certificate: accepted(parseBool),
  },
  http: {
    heartbeat_interval: accepted((value, key) => parseMillis(value, key)),
    retries: accepted(parseUint),
  },
};

/**
 * The valid query keys of a transport's connection string, sorted.
 *
 * @param transport The transport.
 * @returns Its keys.
 *
 * @example Usage
 * ```ts
 * import { connectionStringKeys } from "@iggy/client";
 * import assert from "node:assert/strict";
 *
 * assert.ok(connectionStringKeys("tcp").includes("heartbeat_interval"));
 * ```
 */
export function connectionStringKeys(transport: TransportKind): string[] {
  return Object.keys({ ...KEYS[transport], ...COMMON_KEYS }).sort();
}

/**
 * Parses an Iggy connection string into {@linkcode ConnectOptions}.
 *
 * Form: `<scheme>://[credentials@]host[:port][?key=value&...]`. The scheme picks the transport:
 * `iggy://` or `iggy+tcp://` (TCP), `iggy+tls://` (TCP with TLS), `iggy+quic://`, `iggy+ws://`,
 * `iggy+wss://`, `iggy+http://`, `http://` or `https://`. The credentials are `user:password`, or a
 * personal access token alone (`iggy://<token>@host:port`, as the official SDKs take it; an
 * `iggypat-` prefix is dropped). Everything up to the last `@` before the host is the credentials,
 * so a token is written as the server printed it; `%XX` escapes in them are decoded (write a `%`
 * as `%25`, and a `:` in a user name as `%3A`). The query keys are the official SDK's for the
 * transport (see {@linkcode connectionStringKeys}), plus `timeout`: durations are `500ms`, `5s`,
 * `1m` or a bare number of milliseconds; `reconnection_retries` is a count or `unlimited`; booleans
 * are `true` or `false`. Values are percent-decoded.
 *
 * @param connectionString The connection string.
 * @returns The options it describes.
 * @throws {TypeError} When the string is malformed, has an unsupported scheme, an unknown key (the
 * message lists the valid ones) or a bad value.
 *
 * @example Usage
 * ```ts
 * import { parseConnectionString } from "@iggy/client";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseConnectionString("iggy://iggy:secret@localhost:8090"), {
 *   transport: "tcp",
 *   hostname: "localhost",
 *   port: 8090,
 *   username: "iggy",
 *   password: "secret",
 * });
 * ```
 */
export function parseConnectionString(
  connectionString: string,
): ConnectOptions {
  const parts = splitConnectionString(connectionString);
  const scheme = SCHEMES[parts.scheme];
  if (scheme === undefined) {
    throw new TypeError(
      `Unsupported connection string scheme "${parts.scheme.slice(0, -1)}": ` +
        `expected one of ${
          Object.keys(SCHEMES).map((s) => `"${s.slice(0, -1)}"`).join(", ")
        }`,
    );
  }
  const { transport } = scheme;
  const options: ConnectOptions = {
    transport,
    hostname: parts.hostname,
    port: parts.port ?? DEFAULT_PORTS[transport],
  };
  if (scheme.tls) options.tls = {};
  if (parts.userInfo !== undefined) readCredentials(parts.userInfo, options);
  const keys = { ...KEYS[transport], ...COMMON_KEYS };
  for (const [key, value] of parts.query) {
    const parse = Object.hasOwn(keys, key) ? keys[key] : undefined;
    if (parse === undefined) {
      throw new TypeError(
        `Unknown connection string option "${key}" for ${parts.scheme}//: ` +
          `expected one of ${connectionStringKeys(transport).join(", ")}`,
      );
    }
    parse(value, options, key);
  }
  const domain = tlsDomain.get(options);
  if (domain !== undefined && (options.tls || transport === "quic")) {
    options.tls = { ...options.tls, hostname: domain };
  }
  return options;
}

/** A connection string cut into its parts (nothing decoded but the query). */
interface ConnectionStringParts {
  scheme: string;
  userInfo: string | undefined;
  hostname: string;
  port: number | undefined;
  query: [string, string][];
}

/** `[host or [ipv6]][:port]`, optionally followed by a `/`. */
const HOST = /^(\[[0-9a-fA-F:.]+\]|[^\s:/?#@[\]]+)(?::(\d{1,5}))?\/?$/;

/**
 * Splits `scheme://[userinfo@]host[:port][/][?query]`. The user info runs to the last `@` that is
 * followed by a host (so a password or a token may hold `@`, `/`, `?`, `:`, `+` or `=`); the
 * query starts at the first `?` after the host.
 */
function splitConnectionString(text: string): ConnectionStringParts {
  const schemeMatch = /^([a-z][a-z0-9+.-]*:)\/\/(.*)$/is.exec(text.trim());
  if (!schemeMatch) {
    throw new TypeError(`Invalid connection string "${redact(text)}"`);
  }
  const scheme = schemeMatch[1]!.toLowerCase();
  const rest = schemeMatch[2]!;
  let userInfo: string | undefined;
  let hostAndQuery = rest;
  for (
    let at = rest.lastIndexOf("@");
    at >= 0;
    at = rest.lastIndexOf("@", at - 1)
  ) {
    const after = rest.slice(at + 1);
    if (HOST.test(after.split("?", 1)[0]!)) {
      userInfo = rest.slice(0, at);
      hostAndQuery = after;
      break;
    }
    if (at === 0) break;
  }
  const queryAt = hostAndQuery.indexOf("?");
  const authority = queryAt < 0 ? hostAndQuery : hostAndQuery.slice(0, queryAt);
  const host = HOST.exec(authority);
  if (!host) {
    throw new TypeError(
      authority === "" || authority.startsWith(":") || authority.includes("@")
        ? `Connection string has no host: "${redact(text)}"`
        : `Invalid host "${authority}" in connection string "${redact(text)}"`,
    );
  }
  let port: number | undefined;
  if (host[2] !== undefined) {
    port = Number(host[2]);
    if (port < 1 || port > 65535) {
      throw new TypeError(`Invalid port ${port}: expected 1..65535`);
    }
  }
  const query: [string, string][] = [];
  if (queryAt >= 0) {
    for (const pair of hostAndQuery.slice(queryAt + 1).split("&")) {
      if (pair === "") continue;
      const eq = pair.indexOf("=");
      if (eq <= 0) {
        throw new TypeError(
          `Invalid connection string option "${pair}": expected key=value`,
        );
      }
      query.push([pair.slice(0, eq), percentDecode(pair.slice(eq + 1))]);
    }
  }
  return {
    scheme,
    userInfo,
    hostname: host[1]!.replace(/^\[(.*)\]$/, "$1").toLowerCase(),
    port,
    query,
  };
}

/** `user:password`, or a personal access token alone. */
function readCredentials(userInfo: string, options: ConnectOptions): void {
  const colon = userInfo.indexOf(":");
  if (colon < 0) {
    const token = percentDecode(userInfo);
    if (token === "") {
      throw new TypeError('Connection string has an empty token before "@"');
    }
    options.token = token.startsWith(TOKEN_PREFIX)
      ? token.slice(TOKEN_PREFIX.length)
      : token;
    return;
  }
  const username = percentDecode(userInfo.slice(0, colon));
  const password = percentDecode(userInfo.slice(colon + 1));
  if (username === "" || password === "") {
    throw new TypeError(
      "Connection string needs both a user name and a password",
    );
  }
  options.username = username;
  options.password = password;
}

/** Decodes `%XX` escapes; text that is not valid percent-encoding is taken as it is. */
function percentDecode(text: string): string {
  if (!text.includes("%")) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

const DURATION_UNITS: Readonly<Record<string, number>> = {
  "": 1,
  us: 0.001,
  ms: 1,
  s: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
};

/** `"5000"` and `"5000ms"` → 5000, `"5s"` → 5000, `"1m 30s"` → 90000. */
function parseMillis(
  text: string,
  key = "timeout",
  { positive = false }: { positive?: boolean } = {},
): number {
  let total = 0;
  let matched = false;
  const rest = text.trim().replace(
    /(\d+(?:\.\d+)?)\s*(us|ms|min|s|m|h)?\s*/g,
    (_, n: string, unit: string | undefined) => {
      matched = true;
      total += Number(n) * DURATION_UNITS[unit ?? ""]!;
      return "";
    },
  );
  if (!matched || rest !== "" || (positive ? !(total > 0) : !(total >= 0))) {
    throw new TypeError(
      `Invalid ${key} "${text}": expected milliseconds or a duration like "5s"`,
    );
  }
  return total;
}

function parseBool(text: string, key: string): boolean {
  if (text === "true") return true;
  if (text === "false") return false;
  throw new TypeError(`Invalid ${key} "${text}": expected true or false`);
}

function parseUint(
  text: string,
  key: string,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(value <= max)) {
    throw new TypeError(
      `Invalid ${key} "${text}": expected a whole number up to ${max}`,
    );
  }
  return value;
}

/** A count of attempts, or `unlimited`. */
function parseRetries(text: string, key: string): number {
  if (text === "unlimited") return Infinity;
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value)) {
    throw new TypeError(
      `Invalid ${key} "${text}": expected a whole number or "unlimited"`,
    );
  }
  return value;
}

/** Hides the credentials (a password or a token) of a connection string in error messages. */
function redact(connectionString: string): string {
  return connectionString.replace(/\/\/.*@/s, "//***@");
}

/**
 * Reads a PEM file (the connection string's `tls_ca_file`) with Deno's or Node's file API.
 *
 * @param path The file.
 * @returns Its text.
 * @throws {TypeError} When the runtime cannot read files or the file cannot be read.
 */
export async function readCaFile(path: string): Promise<string> {
  const deno = (globalThis as {
    Deno?: { readTextFile(path: string): Promise<string> };
  }).Deno;
  try {
    if (deno) return await deno.readTextFile(path);
    const fs = await import("node:fs/promises");
    return await fs.readFile(path, "utf8");
  } catch (cause) {
    throw new TypeError(`Cannot read the TLS CA file "${path}"`, { cause });
  }
}
