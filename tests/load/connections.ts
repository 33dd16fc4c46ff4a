/**
 * Connection flood, run by hand (not part of `deno task test`):
 *
 * ```sh
 * deno run -A tests/load/connections.ts [--attempts 400] [--nofile 256]
 * ```
 *
 * Starts the server under `prlimit --nofile=<nofile>` twice — with the default `[connections]`
 * (the total limit is lowered to fit the file limit, so extra clients are refused) and with
 * `max_connections = 0` (the accept loop runs out of descriptors and backs off) — opens `attempts`
 * TCP connections at once, then reports the server's CPU use after the burst, whether the
 * connections it accepted before and during the burst are still served, and its log lines.
 * Target: under 10 % of a core after the burst, every accepted connection still served.
 * @module
 */

import { parseArgs } from "node:util";
import { startServer } from "../_server.ts";
import { burst, cpuShare, ping, type PingOutcome } from "./_burst.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    attempts: { type: "string", default: "400" },
    nofile: { type: "string", default: "256" },
  },
});
const attempts = Number(values.attempts);
const nofile = Number(values.nofile);

async function run(label: string, env: Record<string, string>) {
  await using server = await startServer({
    env: { ...env, IGGY_QUIC_ENABLED: "false" },
    wrapper: ["prlimit", `--nofile=${nofile}:${nofile}`, "--"],
  });
  const pid = server.pid!;
  const early: Deno.Conn[] = [];
  for (let i = 0; i < 10; i++) {
    const conn = await Deno.connect({ ...server.tcp });
    if (await ping(conn, 5000) !== "ok") throw new Error("early ping failed");
    early.push(conn);
  }
  const flood = burst(server.tcp.port, attempts);
  const burstStarted = performance.now();
  const duringBurst = await cpuShare(pid, 2000);
  const outcomes: Record<PingOutcome, number> = {
    ok: 0,
    refused: 0,
    error: 0,
    closed: 0,
    "no answer": 0,
  };
  await Promise.all(
    flood.open.map(async (conn) => outcomes[await ping(conn, 3000)]++),
  );
  const afterBurst = await cpuShare(pid, 2000);
  const earlyServed = (await Promise.all(early.map((c) => ping(c, 5000))))
    .filter((outcome) => outcome === "ok").length;
  const log = server.stderr().split("\n");
  const count = (text: string) => log.filter((l) => l.includes(text)).length;
  console.log(`\n== ${label} (ulimit -n ${nofile}, ${attempts} attempts)`);
  console.log(
    `connects: ${flood.open.length} open, ${flood.failed} failed, ` +
      `${attempts - flood.open.length - flood.failed} pending ` +
      `(${Math.round(performance.now() - burstStarted)} ms after the burst)`,
  );
  console.log(
    `pings on burst connections: ${outcomes.ok} ok, ${outcomes.refused} refused (status 9), ` +
      `${outcomes.error} other status, ` +
      `${outcomes.closed} closed, ${
        outcomes["no answer"]
      } no answer (queued, never accepted)`,
  );
  console.log(`early connections still served: ${earlyServed}/${early.length}`);
  console.log(
    `server CPU: ${
      (duringBurst * 100).toFixed(1)
    } % of a core during the burst, ` +
      `${(afterBurst * 100).toFixed(1)} % in the 2 s after it (target < 10 %)`,
  );
  console.log(
    `log: ${count("Accept failed")} "Accept failed" lines, ` +
      `${count("Connection refused")} "Connection refused" lines, ` +
      `${log.length} lines in all, ${server.stderr().length} bytes`,
  );
  for (
    const line of log.filter((l) => l.includes("Accept failed")).slice(0, 5)
  ) {
    console.log(`  ${line}`);
  }
  for (const conn of early) conn.close();
  await server.kill("SIGTERM");
  await flood.close();
}

await run("default [connections]", {});
await run("max_connections = 0 (accept back-off)", {
  IGGY_CONNECTIONS_MAX_CONNECTIONS: "0",
});
