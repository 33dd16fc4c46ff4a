/**
 * Connection options and the `iggy://` connection string.
 *
 * A connection string names the transport by its scheme (one row of `SCHEMES` per scheme), the
 * credentials in the user-info part and the server address:
 * `iggy://user:password@host:port?timeout=5s`. `iggy+tcp://` is the same as `iggy://`;
 * `iggy+tls://` is TCP with TLS, `iggy+quic://` QUIC, `iggy+ws://` and `iggy+wss://` WebSocket,
 * `http://` and `https://` the REST API (`http://user:password@host:3000`).
 * @module
 */

import type { TlsOptions } from "./tcp_transport.ts";
import type { ReconnectingTransportOptions } from "./reconnecting_transport.ts";
import type { Encryptor } from "./encryption.ts";

/**
 * The transports {@linkcode connect} can open: `tcp` in Deno and Node, `http` everywhere,
 * `websocket` in Deno, browsers and Node 22+, `quic` in Deno only.
 */
export type TransportKind = "tcp" | "quic" | "websocket" | "http";

/** Options of {@linkcode connect} / {@linkcode IggyClient.connect}. */
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
   * Reopen a dropped connection (with back-off) on the next request and log in again; off when
   * absent. `true` uses the defaults of {@linkcode ReconnectingTransportOptions}.
   */
  reconnect?: boolean | ReconnectingTransportOptions;
  /**
   * Client-side encryption: `sendMessages()` encrypts every payload with it and `pollMessages()`
   * decrypts every polled payload, so the server only sees ciphertext (see
   * {@linkcode Aes256GcmEncryptor}). User headers stay plaintext. None when absent.
   */
  encryptor?: Encryptor;
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
  "http:": { transport: "http" },
  "https:": { transport: "http", tls: true },
};

/** Personal access tokens can be given as the user-info part: `iggy://iggypat-<token>@host`. */
const TOKEN_PREFIX = "iggypat-";

/**
 * Parses an Iggy connection string into {@linkcode ConnectOptions}.
 *
 * Form: `iggy[+tcp|+tls|+quic|+ws|+wss]://[user[:password]@]host[:port][?timeout=<ms|Ns|Nms>]`,
 * or `http[s]://[user[:password]@]host[:port][?timeout=...]` for the REST API
 * (`&tls_domain=<name>` sets the name the TLS certificate is verified against;
 * `&reconnection_retries=<n>&reconnection_interval=<ms|Ns>` turns reconnection on). User name and password
 * are percent-decoded; `iggy://iggypat-<token>@host` logs in with a personal access token. Unknown
 * query parameters are ignored.
 *
 * @param connectionString The connection string.
 * @returns The options it describes.
 * @throws {TypeError} When the string is not a URL, has an unsupported scheme, or a bad parameter.
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
  let url: URL;
  try {
    url = new URL(connectionString);
  } catch (cause) {
    throw new TypeError(
      `Invalid connection string "${redact(connectionString)}"`,
      { cause },
    );
  }
  const scheme = SCHEMES[url.protocol];
  if (scheme === undefined) {
    throw new TypeError(
      `Unsupported connection string scheme "${url.protocol.slice(0, -1)}": ` +
        `expected one of ${
          Object.keys(SCHEMES).map((s) => `"${s.slice(0, -1)}"`).join(", ")
        }`,
    );
  }
  if (url.hostname === "") {
    throw new TypeError(
      `Connection string has no host: "${redact(connectionString)}"`,
    );
  }
  const { transport } = scheme;
  const options: ConnectOptions = {
    transport,
    hostname: url.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: url.port !== ""
      ? Number(url.port)
      : explicitDefaultPort(connectionString, url) ?? DEFAULT_PORTS[transport],
  };
  const tlsDomain = url.searchParams.get("tls_domain");
  if (scheme.tls || (transport === "quic" && tlsDomain !== null)) {
    options.tls = tlsDomain === null ? {} : { hostname: tlsDomain };
  }
  const username = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  if (username.startsWith(TOKEN_PREFIX) && password === "") {
    options.token = username.slice(TOKEN_PREFIX.length);
  } else if (username !== "" || password !== "") {
    if (username === "" || password === "") {
      throw new TypeError(
        "Connection string needs both a user name and a password",
      );
    }
    options.username = username;
    options.password = password;
  }
  const timeout = url.searchParams.get("timeout");
  if (timeout !== null) options.timeout = parseMillis(timeout);
  const retries = url.searchParams.get("reconnection_retries");
  const interval = url.searchParams.get("reconnection_interval");
  if (retries !== null || interval !== null) {
    const reconnect: ReconnectingTransportOptions = {};
    if (retries !== null) {
      reconnect.retries = Number(retries);
      if (!Number.isInteger(reconnect.retries) || reconnect.retries < 0) {
        throw new TypeError(
          `Invalid reconnection_retries "${retries}": expected a whole number`,
        );
      }
    }
    if (interval !== null) reconnect.delayMs = parseMillis(interval);
    options.reconnect = reconnect;
  }
  return options;
}

/** `URL` drops a port equal to the scheme's default (`http://h:80`); keep it when it was written. */
function explicitDefaultPort(text: string, url: URL): number | undefined {
  const defaults: Record<string, number> = { "http:": 80, "https:": 443 };
  const port = defaults[url.protocol];
  if (port === undefined) return undefined;
  const authority = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(text)?.[1] ?? "";
  return authority.replace(/^.*@/, "").endsWith(`:${port}`) ? port : undefined;
}

/** `"5000"` and `"5000ms"` → 5000, `"5s"` → 5000. */
function parseMillis(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(text.trim());
  const value = match ? Number(match[1]) * (match[2] === "s" ? 1000 : 1) : NaN;
  if (!(value > 0)) {
    throw new TypeError(
      `Invalid timeout "${text}": expected milliseconds or a duration like "5s"`,
    );
  }
  return value;
}

/** Hides the password of a connection string in error messages. */
function redact(connectionString: string): string {
  return connectionString.replace(/\/\/([^:@/]*):[^@/]*@/, "//$1:***@");
}
