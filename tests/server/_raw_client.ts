/**
 * A raw binary-protocol TCP connection for server tests: writes frames, reads whole answers.
 * @module
 */
import assert from "node:assert/strict";
import {
  CommandCode,
  encodeLoginUser,
  encodeRequest,
} from "../../client/protocol/mod.ts";

/** One answer frame. */
export interface RawAnswer {
  /** Status code (0 = OK). */
  status: number;
  /** The payload. */
  payload: Uint8Array;
}

/** A raw binary-protocol connection that reads whole answers. */
export class RawClient {
  #conn: Deno.TcpConn;
  #buffer = new Uint8Array(0);

  private constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
  }

  /** Connects to `hostname:port` (127.0.0.1 by default). */
  static async connect(
    port: number,
    hostname = "127.0.0.1",
  ): Promise<RawClient> {
    return new RawClient(await Deno.connect({ hostname, port }));
  }

  /** Writes all of `bytes`. */
  async write(bytes: Uint8Array): Promise<void> {
    let at = 0;
    while (at < bytes.length) at += await this.#conn.write(bytes.subarray(at));
  }

  async #readExactly(n: number): Promise<Uint8Array | null> {
    while (this.#buffer.length < n) {
      const chunk = new Uint8Array(64 * 1024);
      let read: number | null;
      try {
        read = await this.#conn.read(chunk);
      } catch (err) {
        if (err instanceof Deno.errors.ConnectionReset) return null;
        throw err;
      }
      if (read === null) return null;
      const next = new Uint8Array(this.#buffer.length + read);
      next.set(this.#buffer);
      next.set(chunk.subarray(0, read), this.#buffer.length);
      this.#buffer = next;
    }
    const out = this.#buffer.slice(0, n);
    this.#buffer = this.#buffer.slice(n);
    return out;
  }

  /** The next answer, or null when the server closed the connection. */
  async answer(): Promise<RawAnswer | null> {
    const header = await this.#readExactly(8);
    if (!header) return null;
    const view = new DataView(header.buffer);
    const payload = await this.#readExactly(view.getUint32(4, true));
    return {
      status: view.getUint32(0, true),
      payload: payload ?? new Uint8Array(),
    };
  }

  /** Sends one request and reads its answer; fails when the connection closes instead. */
  async request(
    code: number,
    payload: Uint8Array = new Uint8Array(),
  ): Promise<RawAnswer> {
    await this.write(encodeRequest(code, payload));
    const answer = await this.answer();
    assert.ok(answer, "connection closed");
    return answer;
  }

  /** Logs in as the default root user (`iggy`/`iggy`); fails unless the server accepts. */
  async loginRoot(): Promise<void> {
    const login = await this.request(
      CommandCode.LoginUser,
      encodeLoginUser({ username: "iggy", password: "iggy" }),
    );
    assert.equal(login.status, 0);
  }

  /** Closes the connection (idempotent). */
  close(): void {
    try {
      this.#conn.close();
    } catch {
      // Already closed.
    }
  }
}
