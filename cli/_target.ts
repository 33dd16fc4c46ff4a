/**
 * Where the CLI connects: the transport and server address from the options or the context, turned
 * into an SDK connection string (`iggy://`, `iggy+tls://`, `iggy+quic://`, `iggy+ws://`, `http://`)
 * with the credentials in its user-info part.
 * @module
 */

import type { ContextConfig } from "./_home.ts";

/** A transport name the `--transport` option accepts. */
export type TransportName =
  | "tcp"
  | "tls"
  | "quic"
  | "ws"
  | "wss"
  | "http"
  | "https";

/** The connection-string scheme of each transport. */
const SCHEMES: Readonly<Record<TransportName, string>> = {
  tcp: "iggy",
  tls: "iggy+tls",
  quic: "iggy+quic",
  ws: "iggy+ws",
  wss: "iggy+wss",
  http: "http",
  https: "https",
};

/** Every transport name, in the order `--transport` lists them. */
export const TRANSPORT_NAMES: readonly TransportName[] = Object.keys(
  SCHEMES,
) as TransportName[];

/** Iggy's default address of each transport. */
const DEFAULT_ADDRESSES: Readonly<Record<TransportName, string>> = {
  tcp: "127.0.0.1:8090",
  tls: "127.0.0.1:8090",
  quic: "127.0.0.1:8080",
  ws: "127.0.0.1:8092",
  wss: "127.0.0.1:8092",
  http: "127.0.0.1:3000",
  https: "127.0.0.1:3000",
};

const ALIASES: Readonly<Record<string, TransportName>> = {
  websocket: "ws",
  "tcp+tls": "tls",
};

/** The transport options shared by the command line and contexts. */
export interface TargetOptions {
  /** `--transport`. */
  transport?: string;
  /** `--server-address`: the address for whichever transport is used. */
  serverAddress?: string;
  /** `--tcp-server-address`. */
  tcpServerAddress?: string;
  /** `--tcp-tls-enabled`. */
  tcpTlsEnabled?: boolean;
  /** `--quic-server-address`. */
  quicServerAddress?: string;
  /** `--websocket-server-address`. */
  websocketServerAddress?: string;
  /** `--http-api-url`. */
  httpApiUrl?: string;
}

/** Credentials to put in the connection string. */
export type Credentials =
  | { username: string; password: string }
  | { token: string };

/** A resolved server: transport and address. */
export interface Target {
  /** The transport. */
  transport: TransportName;
  /** `host:port` (or a URL for HTTP). */
  address: string;
}

/**
 * Resolves the transport and address: command-line options first, then the context, then Iggy's
 * defaults (TCP on 127.0.0.1:8090).
 *
 * @param options The command-line options.
 * @param context The active context's settings.
 * @returns The target.
 * @throws {RangeError} On an unknown transport.
 */
export function resolveTarget(
  options: TargetOptions,
  context: ContextConfig = {},
): Target {
  let transport = parseTransport(
    options.transport ?? context.transport ?? "tcp",
  );
  const tls = options.tcpTlsEnabled ?? context.tcp_tls_enabled ?? false;
  if (transport === "tcp" && tls) transport = "tls";
  const perTransport: Record<TransportName, string | undefined> = {
    tcp: options.tcpServerAddress ?? context.tcp_server_address,
    tls: options.tcpServerAddress ?? context.tcp_server_address,
    quic: options.quicServerAddress ?? context.quic_server_address,
    ws: options.websocketServerAddress ?? context.websocket_server_address,
    wss: options.websocketServerAddress ?? context.websocket_server_address,
    http: options.httpApiUrl ?? context.http_api_url,
    https: options.httpApiUrl ?? context.http_api_url,
  };
  const address = options.serverAddress ?? perTransport[transport] ??
    DEFAULT_ADDRESSES[transport];
  if (
    (transport === "http" || transport === "https") &&
    /^https?:\/\//.test(address)
  ) {
    const url = new URL(address);
    return { transport: url.protocol === "https:" ? "https" : "http", address };
  }
  return { transport, address };
}

/**
 * Parses a `--transport` value.
 *
 * @param text `tcp`, `tls`, `quic`, `ws` (`websocket`), `http` or `https`.
 * @returns The transport.
 * @throws {RangeError} On anything else.
 */
export function parseTransport(text: string): TransportName {
  const lower = text.toLowerCase();
  const name = ALIASES[lower] ?? lower;
  if (!(name in SCHEMES)) {
    throw new RangeError(
      `Unknown transport "${text}": expected one of ${
        Object.keys(SCHEMES).join(", ")
      }`,
    );
  }
  return name as TransportName;
}

/**
 * Builds the connection string of a target, with credentials when given.
 *
 * @param target The transport and address.
 * @param credentials A user name and password, or a personal access token.
 * @returns For example `iggy://iggy:secret@127.0.0.1:8090`.
 */
export function connectionString(
  target: Target,
  credentials?: Credentials,
): string {
  const scheme = SCHEMES[target.transport];
  const hostPort = target.address.replace(/^[a-z+]+:\/\//i, "").replace(
    /\/+$/,
    "",
  );
  let userInfo = "";
  if (credentials !== undefined) {
    userInfo = "token" in credentials
      ? `iggypat-${encodeURIComponent(credentials.token)}@`
      : `${encodeURIComponent(credentials.username)}:${
        encodeURIComponent(credentials.password)
      }@`;
  }
  return `${scheme}://${userInfo}${hostPort}`;
}
