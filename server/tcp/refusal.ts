/**
 * Refusing a TCP (or TLS) connection over the limits so the client can tell why: the server answers
 * `[status 9 CannotEstablishConnection][length 0]` — what an SDK reads as the answer to its first
 * request — then closes. Closing with the client's request unread would reset the connection and
 * could discard that answer, so the server first half-closes and reads until the client closes too,
 * for a bounded time.
 * @module
 */

import { ErrorCode } from "../../client/protocol/mod.ts";
import { withDeadline } from "../net/idle.ts";
import { writeError } from "./connection.ts";

const CODE = ErrorCode.CannotEstablishConnection;
/** Milliseconds a refused connection may stay open to deliver its answer. */
const REFUSAL_LINGER_MS = 1000;
/**
 * Refused connections that may linger at once; beyond, a plain TCP one gets its answer written and
 * is closed at once (the answer may be lost if the client's request was already there), a TLS one
 * is closed at once (its answer would need a handshake).
 */
const MAX_LINGERING = 16;

/** The refusals in progress of one listener. */
export class Refusals {
  readonly #pending = new Set<Promise<void>>();

  /**
   * Refuses `conn`: answers status 9, then closes it (at once when many refusals are in progress).
   *
   * @param conn The accepted connection.
   */
  refuse(conn: Deno.Conn): void {
    if (this.#pending.size >= MAX_LINGERING) {
      if ("handshake" in conn) close(conn);
      // Eight bytes fit the empty send buffer of a new connection: the write does not wait.
      else writeError(conn, CODE).catch(() => {}).finally(() => close(conn));
      return;
    }
    const done = answerAndClose(conn).finally(() => this.#pending.delete(done));
    this.#pending.add(done);
  }

  /** Waits for the refusals in progress (each is bounded by the linger time). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
  }
}

async function answerAndClose(conn: Deno.Conn): Promise<void> {
  try {
    await withDeadline(
      (async () => {
        await writeError(conn, CODE);
        await conn.closeWrite();
        const sink = new Uint8Array(4096);
        while (await conn.read(sink) !== null) {
          // discard what the client sent
        }
      })(),
      REFUSAL_LINGER_MS,
    );
  } catch {
    // the client went away, or the linger time is up
  } finally {
    close(conn);
  }
}

function close(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // already closed
  }
}
