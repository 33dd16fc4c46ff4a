import assert from "node:assert/strict";
import {
  ConnectionError,
  IggyError,
  TcpTransport,
  TimeoutError,
} from "../../mod.ts";
import type { TcpConnection } from "../../client/tcp_transport.ts";

/** A one-connection fake server; `serve` gets the accepted connection. */
async function withFakeServer(
  serve: (conn: Deno.Conn) => Promise<void>,
  test: (port: number) => Promise<void>,
): Promise<void> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const served = (async () => {
    const conn = await listener.accept();
    try {
      await serve(conn);
    } catch {
      // The fake server ends when the client goes away.
    } finally {
      try {
        conn.close();
      } catch {
        // closed by the peer
      }
    }
  })();
  try {
    await test(listener.addr.port);
  } finally {
    listener.close();
    await served;
  }
}

async function readExactly(conn: Deno.Conn, n: number): Promise<Uint8Array> {
  const out = new Uint8Array(n);
  let at = 0;
  while (at < n) {
    const read = await conn.read(out.subarray(at));
    if (read === null) throw new Error("EOF");
    at += read;
  }
  return out;
}

async function readRequest(
  conn: Deno.Conn,
): Promise<{ code: number; payload: Uint8Array }> {
  const header = new DataView((await readExactly(conn, 8)).buffer);
  const length = header.getUint32(0, true);
  return {
    code: header.getUint32(4, true),
    payload: await readExactly(conn, length - 4),
  };
}

function frame(status: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, status, true);
  view.setUint32(4, payload.length, true);
  out.set(payload, 8);
  return out;
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let at = 0;
  while (at < bytes.length) at += await conn.write(bytes.subarray(at));
}

Deno.test("TcpTransport.request() pipelines requests and matches answers in order", async () => {
  const count = 50;
  await withFakeServer(async (conn) => {
    // Read every request first (they must all arrive without waiting for answers), then answer
    // them in one write, so that several frames share one read on the client.
    const requests = [];
    for (let i = 0; i < count; i++) requests.push(await readRequest(conn));
    const answers = requests.map(({ code, payload }) =>
      frame(0, Uint8Array.of(code & 0xff, ...payload))
    );
    // One large answer (more than the 64 KiB read buffer) in the middle of the stream.
    answers[25] = frame(0, new Uint8Array(200_000).fill(7));
    const total = answers.reduce((n, a) => n + a.length, 0);
    const all = new Uint8Array(total);
    let at = 0;
    for (const a of answers) {
      all.set(a, at);
      at += a.length;
    }
    await writeAll(conn, all);
    await conn.read(new Uint8Array(1)); // until the client closes
  }, async (port) => {
    const transport = await TcpTransport.connect({ port });
    const results = await Promise.all(
      Array.from(
        { length: count },
        (_, i) => transport.request(i, Uint8Array.of(i, i + 1)),
      ),
    );
    for (let i = 0; i < count; i++) {
      if (i === 25) {
        assert.equal(results[i]!.length, 200_000);
        assert.ok(results[i]!.every((b) => b === 7));
      } else {
        assert.deepEqual([...results[i]!], [i, i, i + 1]);
      }
    }
    await transport.close();
    assert.equal(transport.closed, true);
  });
});

Deno.test("TcpTransport.request() rejects a non-zero status with IggyError and stays usable", async () => {
  await withFakeServer(async (conn) => {
    await readRequest(conn);
    await writeAll(conn, frame(1009, new Uint8Array()));
    await readRequest(conn);
    await writeAll(conn, frame(0, new Uint8Array()));
    await conn.read(new Uint8Array(1));
  }, async (port) => {
    const transport = await TcpTransport.connect({ port });
    await assert.rejects(
      transport.request(200, new Uint8Array()),
      (err: unknown) => err instanceof IggyError && err.code === 1009,
    );
    assert.equal((await transport.request(1, new Uint8Array())).length, 0);
    await transport.close();
  });
});

Deno.test("TcpTransport closes on an unsolicited error frame", async () => {
  await withFakeServer(async (conn) => {
    await writeAll(conn, frame(8, new Uint8Array()));
    // Answer OK to anything that still comes, so a transport that stayed open would be noticed.
    while (true) {
      await readRequest(conn);
      await writeAll(conn, frame(0, new Uint8Array()));
    }
  }, async (port) => {
    const transport = await TcpTransport.connect({ port });
    // Wait for the condition (with a deadline) rather than for a fixed time.
    const deadline = performance.now() + 2000;
    while (!transport.closed && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    assert.equal(transport.closed, true);
    await assert.rejects(
      transport.request(1, new Uint8Array()),
      ConnectionError,
    );
    await transport.close();
  });
});

Deno.test("TcpTransport rejects pending requests with ConnectionError when the server closes", async () => {
  await withFakeServer(async (conn) => {
    await readRequest(conn);
  }, async (port) => {
    const transport = await TcpTransport.connect({ port });
    await assert.rejects(
      transport.request(1, new Uint8Array()),
      (err: unknown) =>
        err instanceof ConnectionError &&
        /closed by the server/.test(err.message),
    );
    assert.equal(transport.closed, true);
    await transport.close();
  });
});

Deno.test("TcpTransport.close() rejects pending requests with ConnectionError", async () => {
  await withFakeServer(async (conn) => {
    await readRequest(conn);
    await conn.read(new Uint8Array(1));
  }, async (port) => {
    const transport = await TcpTransport.connect({ port });
    const pending = transport.request(1, new Uint8Array());
    const rejected = assert.rejects(pending, ConnectionError);
    await transport.close();
    await rejected;
  });
});

Deno.test("TcpTransport times out a request with TimeoutError and closes", async () => {
  await withFakeServer(async (conn) => {
    await readRequest(conn);
    await readRequest(conn);
    await conn.read(new Uint8Array(1));
  }, async (port) => {
    const transport = await TcpTransport.connect({ port, timeout: 100 });
    const started = performance.now();
    await Promise.all([
      assert.rejects(transport.request(1, new Uint8Array()), TimeoutError),
      assert.rejects(transport.request(1, new Uint8Array()), ConnectionError),
    ]);
    assert.ok(performance.now() - started >= 90);
    assert.equal(transport.closed, true);
    await transport.close();
  });
});

Deno.test("TcpTransport.connect() fails with ConnectionError when nothing listens", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  listener.close();
  await assert.rejects(TcpTransport.connect({ port }), ConnectionError);
});

/**
 * An in-memory {@linkcode TcpConnection} that records every write and answers each whole request
 * frame with OK and the request's code as a u32 payload.
 */
class RecordingConnection implements TcpConnection {
  /** The arrays passed to `write()`, as passed (not copied). */
  readonly writes: Uint8Array[] = [];
  /** The request frames seen, copied. */
  readonly frames: Uint8Array[] = [];
  #received = new Uint8Array(0);
  #answers: Uint8Array[] = [];
  #waiting: ((n: number | null) => void) | undefined;
  #target: Uint8Array | undefined;
  #closed = false;

  write(bytes: Uint8Array): Promise<number> {
    this.writes.push(bytes);
    const all = new Uint8Array(this.#received.length + bytes.length);
    all.set(this.#received);
    all.set(bytes, this.#received.length);
    let at = 0;
    while (all.length - at >= 8) {
      const view = new DataView(all.buffer, at);
      const size = 4 + view.getUint32(0, true);
      if (all.length - at < size) break;
      const code = view.getUint32(4, true);
      this.frames.push(all.slice(at, at + size));
      const answer = new Uint8Array(12);
      const out = new DataView(answer.buffer);
      out.setUint32(4, 4, true);
      out.setUint32(8, code, true);
      this.#answers.push(answer);
      at += size;
    }
    this.#received = all.slice(at);
    this.#deliver();
    return Promise.resolve(bytes.length);
  }

  read(target: Uint8Array): Promise<number | null> {
    if (this.#closed) return Promise.resolve(null);
    return new Promise((resolve) => {
      this.#waiting = resolve;
      this.#target = target;
      this.#deliver();
    });
  }

  close(): void {
    this.#closed = true;
    this.#waiting?.(null);
    this.#waiting = undefined;
  }

  #deliver(): void {
    const answer = this.#answers[0];
    const resolve = this.#waiting;
    const target = this.#target;
    if (!answer || !resolve || !target) return;
    const n = Math.min(answer.length, target.length);
    target.set(answer.subarray(0, n));
    if (n === answer.length) this.#answers.shift();
    else this.#answers[0] = answer.subarray(n);
    this.#waiting = undefined;
    resolve(n);
  }
}

function requestFrame(code: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, 4 + payload.length, true);
  view.setUint32(4, code, true);
  out.set(payload, 8);
  return out;
}

/** `written` is a view of `frame` itself (not a copy). */
function assertSameBytes(written: Uint8Array, frame: Uint8Array): void {
  assert.equal(written.buffer, frame.buffer);
  assert.equal(written.byteOffset, frame.byteOffset);
  assert.equal(written.length, frame.length);
}

function answerCode(answer: Uint8Array): number {
  return new DataView(answer.buffer, answer.byteOffset).getUint32(0, true);
}

Deno.test("TcpTransport.requestFrame() writes a large frame in one write of the frame itself", async () => {
  const conn = new RecordingConnection();
  const transport = new TcpTransport(conn);
  try {
    const big = requestFrame(101, new Uint8Array(1_000_000).fill(3));
    assert.equal(answerCode(await transport.requestFrame(big)), 101);
    assert.equal(conn.writes.length, 1);
    assertSameBytes(conn.writes[0]!, big);
    // request() with a large payload, by contrast, frames it with a separate header chunk.
    const payload = new Uint8Array(100_000);
    assert.equal(answerCode(await transport.request(7, payload)), 7);
    assert.equal(conn.writes.length, 3);
    assert.deepEqual(conn.frames.at(-1), requestFrame(7, payload));
  } finally {
    await transport.close();
  }
});

Deno.test("TcpTransport.requestFrame() is coalesced with small requests and keeps the order", async () => {
  const conn = new RecordingConnection();
  const transport = new TcpTransport(conn);
  try {
    const big = requestFrame(101, new Uint8Array(200_000).fill(1));
    // The first request starts a write; the rest queue behind it and go out together.
    const answers = await Promise.all([
      transport.request(1, new Uint8Array()),
      transport.requestFrame(requestFrame(101, Uint8Array.of(1, 2, 3))),
      transport.request(2, Uint8Array.of(4)),
      transport.requestFrame(requestFrame(3, new Uint8Array())),
      transport.requestFrame(big),
      transport.request(4, new Uint8Array()),
    ]);
    assert.deepEqual(answers.map(answerCode), [1, 101, 2, 3, 101, 4]);
    assert.deepEqual(conn.writes.map((w) => w.length), [
      8,
      11 + 9 + 8,
      big.length,
      8,
    ]);
    assertSameBytes(conn.writes[2]!, big);
    assert.deepEqual(conn.frames[1], requestFrame(101, Uint8Array.of(1, 2, 3)));
  } finally {
    await transport.close();
  }
});

Deno.test("TcpTransport.requestFrame() rejects a frame whose length field does not match its size", async () => {
  const conn = new RecordingConnection();
  const transport = new TcpTransport(conn);
  try {
    const bad = requestFrame(1, Uint8Array.of(1, 2));
    new DataView(bad.buffer).setUint32(0, 5, true);
    await assert.rejects(transport.requestFrame(bad), RangeError);
    await assert.rejects(transport.requestFrame(new Uint8Array(4)), RangeError);
    assert.equal(conn.writes.length, 0);
    assert.equal(answerCode(await transport.request(9, new Uint8Array())), 9);
  } finally {
    await transport.close();
  }
  await assert.rejects(
    transport.requestFrame(requestFrame(1, new Uint8Array())),
    ConnectionError,
  );
});
