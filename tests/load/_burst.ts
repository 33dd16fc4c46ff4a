/**
 * Helpers of the connection-flood test and load script: open many TCP connections at once, ping
 * them, and read a process's CPU time from `/proc`.
 * @module
 */

import {
  CommandCode,
  encodeRequest,
  ErrorCode,
} from "../../client/protocol/mod.ts";

const PING = encodeRequest(CommandCode.Ping, new Uint8Array());
/** Linux clock ticks per second of `/proc/<pid>/stat` times (`getconf CLK_TCK`, 100 everywhere). */
const CLOCK_TICKS_PER_SECOND = 100;

/** User plus system CPU time of a process, in seconds (Linux). */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
  // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/**
 * The share of one core a process used over `ms` milliseconds.
 *
 * @returns A fraction (0.05 = 5 % of a core).
 */
export async function cpuShare(pid: number, ms: number): Promise<number> {
  const before = await cpuSeconds(pid);
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = await cpuSeconds(pid);
  return (after - before) / ((performance.now() - started) / 1000);
}

/** What a ping on a connection gave: status 0, status 9 (refused), another status, closed, or no answer in time. */
export type PingOutcome = "ok" | "refused" | "error" | "closed" | "no answer";

/**
 * Sends one ping and reads its 8-byte answer header, waiting at most `ms`.
 *
 * @returns "ok" (status 0), "refused" (status 9), "error" (another status), "closed", or "no answer".
 */
export async function ping(conn: Deno.Conn, ms: number): Promise<PingOutcome> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const work = (async (): Promise<PingOutcome> => {
    await conn.write(PING);
    const header = new Uint8Array(8);
    let at = 0;
    while (at < 8) {
      const n = await conn.read(header.subarray(at));
      if (n === null) return "closed";
      at += n;
    }
    const status = new DataView(header.buffer).getUint32(0, true);
    if (status === 0) return "ok";
    return status === ErrorCode.CannotEstablishConnection ? "refused" : "error";
  })().catch((): PingOutcome => "closed");
  try {
    return await Promise.race([
      work,
      new Promise<PingOutcome>((resolve) => {
        timer = setTimeout(() => resolve("no answer"), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Connections opened by {@linkcode burst}. */
export interface Burst {
  /** Connections whose connect succeeded so far. */
  open: Deno.Conn[];
  /** Connects that failed so far. */
  failed: number;
  /** Every connect attempt, settled or not (a full backlog leaves some pending). */
  attempts: Promise<void>[];
  /** Closes every connection, waiting for the pending connects (stop the server first). */
  close(): Promise<void>;
}

/**
 * Starts `count` connects to `127.0.0.1:port` at once without waiting for them.
 *
 * @returns The burst; its lists fill in as connects settle.
 */
export function burst(port: number, count: number): Burst {
  const result: Burst = {
    open: [],
    failed: 0,
    attempts: [],
    async close() {
      await Promise.allSettled(result.attempts);
      for (const conn of result.open) {
        try {
          conn.close();
        } catch {
          // closed already
        }
      }
    },
  };
  for (let i = 0; i < count; i++) {
    result.attempts.push(
      Deno.connect({ hostname: "127.0.0.1", port }).then(
        (conn) => void result.open.push(conn),
        () => void result.failed++,
      ),
    );
  }
  return result;
}
