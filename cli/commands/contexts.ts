/**
 * `iggy context|ctx create|use|list|delete`, `iggy login` and `iggy logout`.
 * @module
 */

import type { Command } from "commander";
import { Option } from "commander";
import { ErrorCode, IggyError } from "../../mod.ts";
import { type App, handle, leaf } from "../_app.ts";
import { UsageError } from "../_errors.ts";
import type { ContextConfig } from "../_home.ts";
import { formatTimestamp } from "../_output.ts";
import {
  connectionString,
  parseTransport,
  resolveTarget,
  TRANSPORT_NAMES,
} from "../_target.ts";
import { parseTokenExpiry } from "./users.ts";
import { parseExpiry } from "../../server/config_values.ts";

/** Default lifetime of a login session (Iggy's CLI: 15 minutes). */
const DEFAULT_SESSION_EXPIRY = "15min";

/**
 * Registers the context and login commands.
 *
 * @param program The root command.
 * @param app The CLI state.
 */
export function registerContextCommands(program: Command, app: App): void {
  const context = program.command("context").alias("ctx").description(
    "context operations (named servers and credentials in $IGGY_HOME)",
  );

  const list = leaf(context, "list", {
    alias: "l",
    description: "list the contexts",
  }).option("-l, --list-mode <mode>", "table or list (same as --output)");
  handle(app, list, async ({ out }) => {
    const contexts = await app.home.contexts();
    const active = await app.home.activeContext();
    const rows = await Promise.all(
      Object.entries(contexts).map(async ([name, config]) => {
        const target = resolveTarget({}, config);
        return {
          name,
          active: name === active,
          transport: target.transport,
          address: target.address,
          loggedIn: (await app.home.session(name)) !== undefined,
        };
      }),
    );
    out.rows([
      { key: "active", header: "Active", format: (v) => v ? "*" : "" },
      { key: "name", header: "Name" },
      { key: "transport", header: "Transport" },
      { key: "address", header: "Address" },
      { key: "loggedIn", header: "Logged In", format: (v) => v ? "yes" : "" },
    ], rows);
  });

  const use = leaf(context, "use", {
    alias: "u",
    description: "make a context the active one",
  }).argument("<context_name>", "context name");
  handle(app, use, async ({ args, out }) => {
    const [name] = args as [string];
    await app.home.useContext(name);
    out.done(`Context "${name}" is now active`, { active: name });
  });

  const create = leaf(context, "create", {
    alias: "c",
    description: "create a context (use it with `iggy context use <name>`)",
  })
    .argument("<context_name>", "context name")
    .addOption(
      new Option("--transport <transport>", "transport").choices(
        TRANSPORT_NAMES,
      ),
    )
    .option("--tcp-server-address <address>", "TCP server address")
    .option("--tcp-tls-enabled", "use TLS over TCP")
    .option("--quic-server-address <address>", "QUIC server address")
    .option("--websocket-server-address <address>", "WebSocket server address")
    .option("--http-api-url <url>", "HTTP API URL")
    .option("-u, --username <username>", "user name")
    .option(
      "-p, --password <password>",
      "password (stored in contexts.toml, mode 0600)",
    )
    .option("-t, --token <token>", "personal access token");
  handle(app, create, async ({ args, out, command }) => {
    const [name] = args as [string];
    const o = command.opts();
    if (o.transport !== undefined) parseTransport(o.transport);
    const config: ContextConfig = {
      transport: o.transport,
      tcp_server_address: o.tcpServerAddress,
      tcp_tls_enabled: o.tcpTlsEnabled,
      quic_server_address: o.quicServerAddress,
      websocket_server_address: o.websocketServerAddress,
      http_api_url: o.httpApiUrl,
      username: o.username,
      password: o.password,
      token: o.token,
    };
    await app.home.createContext(name, config);
    out.done(`Context "${name}" created`, { created: "context", name });
  });

  const del = leaf(context, "delete", {
    alias: "d",
    description: "delete a context and its session",
  }).argument("<context_name>", "context name");
  handle(app, del, async ({ args, out }) => {
    const [name] = args as [string];
    await app.home.deleteContext(name);
    out.done(`Context "${name}" deleted`, { deleted: "context", name });
  });

  const login = leaf(program, "login", {
    description:
      `log in and keep a personal-access-token session for the context (default expiry ${DEFAULT_SESSION_EXPIRY}; "none" never expires)`,
  })
    .alias("li")
    .argument("[expiry...]", 'session expiry like "1hour 15min"');
  handle(app, login, async ({ args, out, command }) => {
    const [words] = args as [string[]];
    const { name } = await app.context(command);
    const target = await app.target(command);
    const credentials = await app.credentials(command, target);
    if (credentials === undefined) {
      throw new UsageError(
        "Log in needs credentials: pass -u <user> (and -p, or type it when asked) or -t <token>",
      );
    }
    const expiry = words.length === 0
      ? parseExpiry(DEFAULT_SESSION_EXPIRY)
      : parseTokenExpiry(words);
    const tokenName = sessionTokenName(name);
    const client = await app.client(command, { credentials });
    let token: string;
    try {
      const existing = await client.getPersonalAccessTokens();
      if (existing.some((t) => t.name === tokenName)) {
        await client.deletePersonalAccessToken(tokenName);
      }
      token = await client.createPersonalAccessToken(tokenName, { expiry });
    } finally {
      await app.release(client);
    }
    const expiresAt = expiry === 0n
      ? undefined
      : BigInt(Date.now()) * 1000n + expiry;
    await app.home.saveSession(name, {
      server: connectionString(target),
      name: tokenName,
      token,
      expiresAt: expiresAt?.toString(),
    });
    out.done(
      `Logged in to ${app.lastAddress}; session stored for context "${name}" (${
        expiresAt === undefined
          ? "never expires"
          : `expires ${formatTimestamp(expiresAt)}`
      })`,
      {
        context: name,
        server: connectionString(target),
        tokenName,
        expiresAt,
      },
    );
  });

  const logout = leaf(program, "logout", {
    description: "end the context's login session (deletes its token)",
  }).alias("lo");
  handle(app, logout, async ({ out, command }) => {
    const { name } = await app.context(command);
    const session = await app.home.session(name);
    if (session === undefined) {
      out.done(`Not logged in (context "${name}")`, {
        context: name,
        loggedOut: false,
      });
      return;
    }
    try {
      const client = await app.client(command, {
        credentials: { token: session.token },
      });
      try {
        await client.deletePersonalAccessToken(session.name);
      } finally {
        await app.release(client);
      }
    } catch (err) {
      // An expired or deleted token cannot delete itself; the session ends all the same.
      if (
        !(err instanceof IggyError) ||
        ![
          ErrorCode.InvalidPersonalAccessToken,
          ErrorCode.PersonalAccessTokenExpired,
          ErrorCode.ResourceNotFound,
          ErrorCode.Unauthenticated,
          ErrorCode.InvalidCredentials,
        ].includes(err.code as never)
      ) {
        await app.home.deleteSession(name);
        throw err;
      }
    }
    await app.home.deleteSession(name);
    out.done(`Logged out (context "${name}")`, {
      context: name,
      loggedOut: true,
    });
  });
}

/** The token name of a context's session: `iggy-cli-<context>`, at most 30 bytes. */
function sessionTokenName(context: string): string {
  const name = `iggy-cli-${context.replace(/[^A-Za-z0-9_.-]/g, "_")}`;
  return name.slice(0, 30);
}
