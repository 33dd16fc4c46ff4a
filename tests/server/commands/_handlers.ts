/**
 * Handler tests in process: a {@linkcode System} opened on a temp directory, and SDK clients whose
 * requests run through the command table ({@linkcode dispatch}: decode, handle, encode) in this
 * process, with no server process, socket or framing. Each client is one session registered with the
 * system as a connection would be; the system closing a session (a deleted user) closes its client.
 * Transports and end-to-end behaviour keep their real-server tests (`tests/_server.ts`).
 * @module
 */

import { IggyClient } from "../../../client/client.ts";
import { ConnectionError } from "../../../client/errors.ts";
import { ErrorCode, IggyError } from "../../../client/protocol/mod.ts";
import type { Transport } from "../../../client/transport.ts";
import { U64_MAX } from "../../../server/config_values.ts";
import type { CommandContext } from "../../../server/commands/context.ts";
import { Session } from "../../../server/binary/session.ts";
import { dispatch } from "../../../server/binary/table.ts";
import { System, type SystemOptions } from "../../../server/domain/system.ts";
import { createLogger } from "../../../server/logger.ts";
import { FRESH_MEMORY } from "../../../server/storage/message_memory.ts";
import { concat } from "../../protocol/_codec.ts";

/** What the connected sessions report as their transport (they stand in for TCP connections). */
const TCP_TRANSPORT = 1;

/** A system on a temp directory and in-process clients of its handlers. */
export interface HandlerSystem extends AsyncDisposable {
  /** The current system (a new one after {@linkcode HandlerSystem.restart}). */
  readonly system: System;
  dataDir: string;
  /** A new session, registered with the system, and its command context. */
  session(): CommandContext;
  /**
   * An SDK client over a new session; logged in when credentials are given (a failed login
   * closes it and rejects).
   */
  connect(
    login?: { username: string; password: string } | { token: string },
  ): Promise<IggyClient>;
  /** Closes every client and the system, then opens the system again on the same directory. */
  restart(): Promise<void>;
}

/** Options of {@linkcode openHandlerSystem}: system options over the test defaults. */
export type HandlerSystemOptions = Partial<
  Omit<SystemOptions, "dataDir" | "logger" | "root">
>;

/** A {@linkcode Transport} that hands each request to the command table of `ctx`. */
class InProcessTransport implements Transport {
  readonly #ctx: CommandContext;
  #closed = false;

  constructor(ctx: CommandContext) {
    this.#ctx = ctx;
    ctx.session.onClose = () => this.#drop();
  }

  get closed(): boolean {
    return this.#closed;
  }

  async request(code: number, payload: Uint8Array): Promise<Uint8Array> {
    if (this.#closed) throw new ConnectionError("Connection closed");
    let chunks: Uint8Array[];
    try {
      // A copy, as a socket would deliver: the client reuses its send buffers.
      chunks = await dispatch(this.#ctx, code, payload.slice());
    } catch (err) {
      // Anything but an Iggy error is a bug the test should show with its stack.
      if (!(err instanceof IggyError)) throw err;
      if (
        err.code === ErrorCode.StaleClient ||
        err.code === ErrorCode.ClientNotFound
      ) this.#drop();
      // The wire carries the code only; the client rebuilds the error from it.
      throw new IggyError(err.code);
    }
    // The handler closed this very session: its answer never arrives.
    if (this.#closed) throw new ConnectionError("Connection closed");
    return concat(...chunks);
  }

  close(): Promise<void> {
    this.#drop();
    return Promise.resolve();
  }

  #drop(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#ctx.system.removeClient(this.#ctx.session);
  }
}

/** Opens a system on a fresh temp directory (root `iggy`/`iggy`); dispose it to close and remove it. */
export async function openHandlerSystem(
  options: HandlerSystemOptions = {},
): Promise<HandlerSystem> {
  const dataDir = await Deno.makeTempDir({ prefix: "iggy_handler_test_" });
  const open = () =>
    System.open({
      segmentSize: 1024 * 1024 * 1024,
      enforceFsync: false,
      validateChecksum: false,
      stateFsync: false,
      topicDefaults: { messageExpiry: U64_MAX, maxTopicSize: U64_MAX },
      maxTokensPerUser: 100,
      ...options,
      dataDir,
      root: { username: "iggy", password: "iggy" },
      logger: createLogger("off", { write: () => {} }),
    });
  let system = await open();
  let nextClientId = 1;
  const clients: IggyClient[] = [];
  const closeClients = async () => {
    for (const client of clients.splice(0)) await client.close();
  };
  const handlers: HandlerSystem = {
    get system() {
      return system;
    },
    dataDir,
    session() {
      // Every session comes from 127.0.0.1 (the login throttle keys on it), as the real-server
      // tests' connections do.
      const clientId = nextClientId++;
      const address = `127.0.0.1:${10_000 + clientId}`;
      const session = new Session(clientId, TCP_TRANSPORT, address);
      system.addClient(session);
      return { system, session, memory: FRESH_MEMORY };
    },
    async connect(login) {
      const client = new IggyClient(
        new InProcessTransport(handlers.session()),
      );
      clients.push(client);
      try {
        if (login && "token" in login) {
          await client.loginWithPersonalAccessToken(login.token);
        } else if (login) {
          await client.login(login.username, login.password);
        }
      } catch (err) {
        await client.close();
        throw err;
      }
      return client;
    },
    async restart() {
      await closeClients();
      await system.close();
      system = await open();
    },
    async [Symbol.asyncDispose]() {
      await closeClients();
      await system.close();
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    },
  };
  return handlers;
}
