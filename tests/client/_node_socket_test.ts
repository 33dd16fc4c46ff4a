/**
 * The Node socket adapter of the TCP transport, run here on Deno's own `node:net`: reads past the
 * pause threshold, writes past the socket buffer (back-pressure), end of stream and close.
 */
import assert from "node:assert/strict";
import { connectNodeSocket } from "../../client/_node_socket.ts";

const SIZE = 4 * 1024 * 1024;

function pattern(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + (i >> 12)) & 0xff;
  return bytes;
}

async function readAll(
  read: (target: Uint8Array) => Promise<number | null>,
  size: number,
): Promise<Uint8Array> {
  const out = new Uint8Array(size);
  let at = 0;
  while (at < size) {
    const n = await read(out.subarray(at, Math.min(size, at + 100_000)));
    assert.notEqual(n, null, `stream ended after ${at} of ${size} bytes`);
    at += n!;
  }
  return out;
}

Deno.test("connectNodeSocket() writes past the socket buffer, then reads past its pause threshold", async () => {
  const data = pattern(SIZE);
  // More than the 1 MiB at which the adapter pauses the socket, less than that plus the kernel's
  // default loopback buffers: the server's write completes while the client reads nothing.
  const back = pattern(1280 * 1024).reverse();
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  const accepted = listener.accept();
  const socket = await connectNodeSocket({ hostname: "127.0.0.1", port });
  try {
    using conn = await accepted;
    // One write larger than the socket buffer: resolves only after 'drain', while the server reads.
    const [written, received] = await Promise.all([
      socket.write(data),
      readAll((t) => conn.read(t), SIZE),
    ]);
    assert.equal(written, SIZE);
    assert.deepEqual(received, data);
    let at = 0;
    while (at < back.length) at += await conn.write(back.subarray(at));
    assert.deepEqual(await readAll((t) => socket.read(t), back.length), back);
    conn.closeWrite();
    assert.equal(await socket.read(new Uint8Array(16)), null);
  } finally {
    socket.close();
  }
});

Deno.test("connectNodeSocket() close() ends a pending read with null and fails later writes", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = listener.accept();
  const socket = await connectNodeSocket({
    hostname: "127.0.0.1",
    port: listener.addr.port,
  });
  using _conn = await accepted;
  const pending = socket.read(new Uint8Array(16));
  socket.close();
  assert.equal(await pending, null);
  await assert.rejects(socket.write(new Uint8Array(1)), /closed/);
});

Deno.test("connectNodeSocket() rejects a refused connection", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  listener.close();
  await assert.rejects(
    connectNodeSocket({ hostname: "127.0.0.1", port }),
    /ECONNREFUSED/,
  );
});
