/**
 * The WebSocket listener against raw messages: one frame per message, a session per socket, and bad
 * input that closes the socket while the server keeps serving.
 */
import assert from "node:assert/strict";
import {
  CommandCode,
  encodeLoginUser,
  encodeRequest,
  ErrorCode,
} from "../../../client/protocol/mod.ts";
import { startInProcess } from "../_in_process.ts";
import { WEBSOCKET_TRANSPORT } from "../../../server/websocket/ws_server.ts";

const LOGIN = encodeLoginUser({ username: "iggy", password: "iggy" });
const ENV = { IGGY_TCP_ENABLED: "false", IGGY_QUIC_ENABLED: "false" };

/** A raw socket that queues the messages it receives. */
class RawSocket {
  readonly socket: WebSocket;
  readonly closed: Promise<CloseEvent>;
  #messages: (ArrayBuffer | string)[] = [];
  #waiting: ((message: ArrayBuffer | string | null) => void) | undefined;
  #isClosed = false;

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.binaryType = "arraybuffer";
    socket.onmessage = (event) => {
      if (this.#waiting) {
        this.#waiting(event.data);
        this.#waiting = undefined;
      } else this.#messages.push(event.data);
    };
    this.closed = new Promise((resolve) => {
      socket.onclose = (event) => {
        this.#isClosed = true;
        this.#waiting?.(null);
        resolve(event);
      };
    });
  }

  static async open(port: number): Promise<RawSocket> {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/`);
    const raw = new RawSocket(socket);
    await new Promise((resolve, reject) => {
      socket.onopen = resolve;
      socket.onerror = reject;
    });
    return raw;
  }

  /** The next message, or null once the socket closed. */
  next(): Promise<ArrayBuffer | string | null> {
    const queued = this.#messages.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.#isClosed) return Promise.resolve(null);
    return new Promise((resolve) => this.#waiting = resolve);
  }

  async request(
    code: number,
    payload: Uint8Array = new Uint8Array(),
  ): Promise<{ status: number; payload: Uint8Array }> {
    this.socket.send(encodeRequest(code, payload));
    const message = await this.next();
    assert.ok(message instanceof ArrayBuffer, "expected a binary answer");
    const view = new DataView(message);
    assert.equal(message.byteLength, 8 + view.getUint32(4, true));
    return {
      status: view.getUint32(0, true),
      payload: new Uint8Array(message, 8),
    };
  }

  async close(): Promise<void> {
    this.socket.close();
    await this.closed;
  }
}

Deno.test("WebSocketServer answers each binary frame with one message, a session per socket", async () => {
  await using running = await startInProcess(ENV);
  const { server } = running;
  assert.equal(server.quic, undefined, "disabled QUIC binds nothing");
  const port = server.system.listeners.websocket!.port;
  const first = await RawSocket.open(port);
  const second = await RawSocket.open(port);
  try {
    assert.deepEqual(await first.request(CommandCode.Ping), {
      status: 0,
      payload: new Uint8Array(),
    });
    assert.equal(
      (await first.request(CommandCode.GetStreams)).status,
      ErrorCode.Unauthenticated,
    );
    assert.equal((await first.request(CommandCode.LoginUser, LOGIN)).status, 0);
    assert.equal((await first.request(CommandCode.GetStreams)).status, 0);
    assert.equal(
      (await second.request(CommandCode.GetStreams)).status,
      ErrorCode.Unauthenticated,
    );
    assert.equal(
      (await first.request(0xdead)).status,
      ErrorCode.InvalidCommand,
    );
    const sessions = [...server.system.clients.values()];
    assert.equal(sessions.length, 2);
    assert.ok(sessions.every((s) => s.transport === WEBSOCKET_TRANSPORT));
  } finally {
    await first.close();
    await second.close();
  }
});

Deno.test("WebSocketServer closes a socket that sends garbage and keeps serving others", async () => {
  await using running = await startInProcess(ENV);
  const port = running.server.system.listeners.websocket!.port;
  const bystander = await RawSocket.open(port);
  try {
    const garbage: (string | Uint8Array)[] = [
      "ping",
      Uint8Array.of(1, 2, 3),
      encodeRequest(CommandCode.Ping, new Uint8Array(4)).subarray(0, 10),
      Uint8Array.of(2, 0, 0, 0, 1, 0, 0, 0),
    ];
    for (const message of garbage) {
      const socket = await RawSocket.open(port);
      socket.socket.send(message);
      assert.equal(await socket.next(), null, "no answer to garbage");
      assert.equal((await socket.closed).code, 1003);
      assert.equal((await bystander.request(CommandCode.Ping)).status, 0);
    }
    assert.ok(
      running.logs.some((line) =>
        line.includes("Closing WebSocket connection: invalid message")
      ),
    );
    const response = await fetch(`http://127.0.0.1:${port}/`);
    assert.equal(response.status, 426);
    await response.body?.cancel();
  } finally {
    await bystander.close();
  }
});

Deno.test("WebSocketServer says disconnected (8) to idle sockets on shutdown", async () => {
  const running = await startInProcess(ENV);
  const port = running.server.system.listeners.websocket!.port;
  const socket = await RawSocket.open(port);
  assert.equal((await socket.request(CommandCode.Ping)).status, 0);
  await running[Symbol.asyncDispose]();
  const goodbye = await socket.next();
  assert.ok(goodbye instanceof ArrayBuffer);
  assert.deepEqual(
    new Uint8Array(goodbye),
    Uint8Array.of(ErrorCode.Disconnected, 0, 0, 0, 0, 0, 0, 0),
  );
  assert.equal((await socket.closed).code, 1001);
});
