/**
 * The `ceiling` mode's floors: the same byte pattern as the benchmark, sent to (a) a raw Deno TCP
 * server and (b) a bare log server (see `ceiling_server.ts`), measured in the same run.
 * @module
 */

import { fileURLToPath } from "node:url";
import { ActorRecorder, type RunResult } from "../report.ts";
import { CeilingCode } from "./ceiling_server.ts";

const HEADER = 8;
const SERVER = fileURLToPath(new URL("./ceiling_server.ts", import.meta.url));

/** One connection that sends a frame and waits for its answer. */
class RawConnection {
  #conn: Deno.TcpConn;
  #header = new Uint8Array(HEADER);

  constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
  }

  static async open(port: number): Promise<RawConnection> {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.setNoDelay(true);
    return new RawConnection(conn);
  }

  /** Writes `frame`, reads the answer into a fresh buffer (as a client keeps it). */
  async request(frame: Uint8Array): Promise<Uint8Array> {
    for (let at = 0; at < frame.length;) {
      at += await this.#conn.write(frame.subarray(at));
    }
    await this.#readInto(this.#header);
    const length = new DataView(this.#header.buffer).getUint32(4, true);
    const payload = new Uint8Array(length);
    await this.#readInto(payload);
    return payload;
  }

  async #readInto(target: Uint8Array): Promise<void> {
    for (let at = 0; at < target.length;) {
      const n = await this.#conn.read(target.subarray(at));
      if (n === null) throw new Error("Ceiling server closed the connection");
      at += n;
    }
  }

  close(): void {
    this.#conn.close();
  }
}

function frame(code: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, 4 + payload.length, true);
  view.setUint32(4, code, true);
  out.set(payload, HEADER);
  return out;
}

/** The floor server child process. */
export interface CeilingServer {
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts the floor server on a temp directory (removed on stop).
 * @returns Its port and a stop function.
 */
export async function startCeilingServer(): Promise<CeilingServer> {
  const dir = await Deno.makeTempDir({ prefix: "iggy_ceiling_" });
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", SERVER, dir],
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.getReader();
  const decoder = new TextDecoder();
  let text = "";
  while (!text.includes("\n")) {
    const chunk = await reader.read();
    if (chunk.done) throw new Error("Ceiling server did not start");
    text += decoder.decode(chunk.value, { stream: true });
  }
  reader.releaseLock();
  const drained = child.stdout.pipeTo(new WritableStream()).catch(() => {});
  const { port } = JSON.parse(text.slice(0, text.indexOf("\n"))) as {
    port: number;
  };
  return {
    port,
    async stop() {
      try {
        child.kill("SIGTERM");
      } catch {
        // Exited.
      }
      await child.status;
      await drained;
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

/** The byte pattern to measure. */
export interface CeilingPattern {
  producers: number;
  consumers: number;
  batches: number;
  /** Bytes of one stored batch (message frames). */
  batchBytes: number;
  /** Bytes of a send request (metadata + index + frames). */
  requestBytes: number;
  /** Messages per batch (for msg/s). */
  messagesPerBatch: number;
}

type Hooks = { onPhase(name: string, total: number): void; onBatch(): void };

async function runActors(
  name: string,
  kind: string,
  actors: number,
  port: number,
  hooks: Hooks,
  batches: number,
  step: (
    conn: RawConnection,
    actor: number,
    i: number,
  ) => Promise<number>,
  messagesPerBatch: number,
): Promise<RunResult> {
  const conns = await Promise.all(
    Array.from({ length: actors }, () => RawConnection.open(port)),
  );
  hooks.onPhase(name, actors * batches);
  const origin = performance.now();
  const recorders = conns.map((_, a) =>
    new ActorRecorder(`${kind} ${a + 1}`, kind, origin)
  );
  try {
    await Promise.all(conns.map(async (conn, a) => {
      const recorder = recorders[a]!;
      recorder.start();
      for (let i = 0; i < batches; i++) {
        const began = performance.now();
        const bytes = await step(conn, a, i);
        recorder.record(began, bytes, bytes, messagesPerBatch);
        hooks.onBatch();
      }
      recorder.finish();
    }));
  } finally {
    for (const conn of conns) conn.close();
  }
  const start = Math.min(...recorders.map((r) => r.startedAt));
  const end = Math.max(...recorders.map((r) => r.finishedAt));
  return { mode: name, totalSeconds: (end - start) / 1000, actors: recorders };
}

/** The floors, each a run of the same shape as the benchmark's. */
export interface CeilingRuns {
  rawSend: RunResult;
  rawPoll: RunResult;
  logSend: RunResult;
  logPoll: RunResult;
  /** One connection, 1 KB-ish request answered with an empty OK, one at a time. */
  rawRoundTrip: RunResult;
}

/**
 * Measures the floors for `pattern` on a fresh floor server.
 * @param pattern Actors, batches and sizes.
 * @param hooks Progress callbacks.
 * @param roundTrip Requests and request size for the single round-trip latency.
 * @returns One run per floor.
 */
export async function measureCeiling(
  pattern: CeilingPattern,
  hooks: Hooks,
  roundTrip: { requests: number; requestBytes: number },
): Promise<CeilingRuns> {
  const server = await startCeilingServer();
  try {
    const { producers, consumers, batches, batchBytes, messagesPerBatch } =
      pattern;
    const send = frame(
      CeilingCode.RawAck,
      new Uint8Array(pattern.requestBytes),
    );
    const rawSend = await runActors(
      "raw TCP send",
      "producer",
      producers,
      server.port,
      hooks,
      batches,
      async (conn) => {
        await conn.request(send);
        return batchBytes;
      },
      messagesPerBatch,
    );
    const ask = new Uint8Array(4);
    new DataView(ask.buffer).setUint32(0, batchBytes, true);
    const askFrame = frame(CeilingCode.RawReply, ask);
    const rawPoll = await runActors(
      "raw TCP poll",
      "consumer",
      consumers,
      server.port,
      hooks,
      batches,
      async (conn) => (await conn.request(askFrame)).length,
      messagesPerBatch,
    );
    // One append request per producer, each tagged with its file id.
    const appends = Array.from({ length: producers }, (_, p) => {
      const payload = new Uint8Array(4 + pattern.requestBytes);
      new DataView(payload.buffer).setUint32(0, p, true);
      return frame(CeilingCode.LogAppend, payload);
    });
    const logSend = await runActors(
      "bare log send",
      "producer",
      producers,
      server.port,
      hooks,
      batches,
      async (conn, p) => {
        await conn.request(appends[p]!);
        return batchBytes;
      },
      messagesPerBatch,
    );
    const read = new Uint8Array(12);
    const readView = new DataView(read.buffer);
    const logPoll = await runActors(
      "bare log poll",
      "consumer",
      consumers,
      server.port,
      hooks,
      batches,
      async (conn, c, i) => {
        readView.setUint32(0, c % producers, true);
        readView.setUint32(4, i * pattern.requestBytes, true);
        readView.setUint32(8, batchBytes, true);
        return (await conn.request(frame(CeilingCode.LogRead, read))).length;
      },
      messagesPerBatch,
    );
    const small = frame(
      CeilingCode.RawAck,
      new Uint8Array(roundTrip.requestBytes),
    );
    const rawRoundTrip = await runActors(
      "raw TCP round trip",
      "producer",
      1,
      server.port,
      hooks,
      roundTrip.requests,
      async (conn) => {
        await conn.request(small);
        return roundTrip.requestBytes;
      },
      1,
    );
    return { rawSend, rawPoll, logSend, logPoll, rawRoundTrip };
  } finally {
    await server.stop();
  }
}
