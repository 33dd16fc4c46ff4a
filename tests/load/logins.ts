/**
 * Login load, run by hand (not part of `deno task test`):
 * ```sh
 * deno run -A tests/load/logins.ts [--clients 1000] [--seconds 20] [--scenario attack|restart|both]
 *   [--usernames one|distinct]
 * ```
 * (`--usernames distinct`: the attack guesses one password for each of `--clients` usernames.)
 * Starts the real server (`server/main.ts`, a child process on a temp directory) and measures:
 * 1. attack: `--clients` parallel wrong logins (distinct passwords) for one user from one address,
 *    while a logged-in client on another connection (in a process of its own, so that this
 *    script's own load does not count) pings every 10 ms: ping p50/p99/max, the
 *    server's peak RSS, and how the attempts were answered (42 wrong, 12002 throttled, 12003 busy);
 * 2. restart: `--clients` SDK clients connecting and logging in at once with the right password
 *    (no SDK timeout set, as by default), with the same pinger: total time, failures, ping p99.
 * @module
 */

import { parseArgs } from "node:util";
import {
  CommandCode,
  encodeLoginUser,
  encodeRequest,
} from "../../client/protocol/mod.ts";
import { connect } from "../../mod.ts";
import { startServer, type TestServer } from "../_server.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    clients: { type: "string", default: "1000" },
    seconds: { type: "string", default: "20" },
    pinger: { type: "string" },
    load: { type: "string" },
    scenario: { type: "string", default: "both" },
    usernames: { type: "string", default: "one" },
    port: { type: "string" },
  },
});
const CLIENTS = Number(values.clients);
const ATTACK_SECONDS = Number(values.seconds);

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

function rssMiB(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

interface PingStats {
  pings: number;
  p50: number;
  p99: number;
  max: number;
  peakRssMiB: number;
}

/**
 * The pinger's own process (`--pinger <port>`): logs in, pings every 10 ms until its stdin closes,
 * then prints the latencies as JSON. A process of its own, so that the load this script generates
 * does not show up as ping latency.
 */
async function runPinger(port: number): Promise<void> {
  const client = await connect({
    hostname: "127.0.0.1",
    port,
    username: "iggy",
    password: "iggy",
  });
  const latencies: number[] = [];
  let running = true;
  // A line on stdin marks the start of the load (what came before is dropped); its end, the end.
  const stdinClosed = (async () => {
    for await (const _ of Deno.stdin.readable) latencies.length = 0;
    running = false;
  })();
  while (running) {
    const started = performance.now();
    await client.ping();
    latencies.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await stdinClosed;
  await client.close();
  console.log(JSON.stringify(latencies));
}

/** Starts a pinger process against `server` and samples the server's RSS until stopped. */
function pinger(server: TestServer) {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      import.meta.filename!,
      "--pinger",
      String(server.tcp.port),
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  let peakRss = rssMiB(server.pid);
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, rssMiB(server.pid));
  }, 20);
  const writer = child.stdin.getWriter();
  return {
    /** Marks the start of the load, once the pinger is logged in and pinging. */
    async start(): Promise<void> {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await writer.write(new TextEncoder().encode("start\n"));
    },
    async stop(): Promise<PingStats> {
      clearInterval(sampler);
      await writer.close();
      const { stdout } = await child.output();
      const sorted = (JSON.parse(new TextDecoder().decode(stdout)) as number[])
        .toSorted((a, b) => a - b);
      return {
        pings: sorted.length,
        p50: percentile(sorted, 0.5),
        p99: percentile(sorted, 0.99),
        max: sorted.at(-1) ?? NaN,
        peakRssMiB: peakRss,
      };
    },
  };
}

/** One raw login on its own connection; resolves with the status code (or -1 when closed). */
async function rawLogin(
  port: number,
  username: string,
  password: string,
): Promise<number> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const frame = encodeRequest(
      CommandCode.LoginUser,
      encodeLoginUser({ username, password }),
    );
    for (let at = 0; at < frame.length;) {
      at += await conn.write(frame.subarray(at));
    }
    const header = new Uint8Array(8);
    let got = 0;
    while (got < 8) {
      const n = await conn.read(header.subarray(got));
      if (n === null) return -1;
      got += n;
    }
    return new DataView(header.buffer).getUint32(0, true);
  } finally {
    conn.close();
  }
}

/** CPU seconds (user + system) the process has used, from /proc. */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function count(statuses: number[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const status of statuses) out[status] = (out[status] ?? 0) + 1;
  return out;
}

async function withServer(
  run: (server: TestServer) => Promise<void>,
): Promise<void> {
  await using server = await startServer({
    env: { IGGY_QUIC_ENABLED: "false", IGGY_WEBSOCKET_ENABLED: "false" },
  });
  await run(server);
}

/** What a load process reports. */
interface LoadReport {
  seconds: number;
  rounds?: number;
  answers?: Record<string, number>;
  loggedIn?: number;
  firstFailure?: string;
}

/** The attack load (`--load attack --port P`): parallel wrong logins, repeated for ATTACK_SECONDS. */
async function attackLoad(port: number): Promise<LoadReport> {
  const started = performance.now();
  const statuses: number[] = [];
  let rounds = 0;
  while (performance.now() - started < ATTACK_SECONDS * 1000) {
    const batch = await Promise.all(
      Array.from(
        { length: CLIENTS },
        (_, i) =>
          rawLogin(
            port,
            values.usernames === "distinct" ? `user-${i}` : "iggy",
            `wrong-${rounds}-${i}`,
          ),
      ),
    );
    statuses.push(...batch);
    rounds++;
  }
  return {
    seconds: (performance.now() - started) / 1000,
    rounds,
    answers: count(statuses),
  };
}

/** The restart load (`--load restart --port P`): CLIENTS SDK clients log in at once. */
async function restartLoad(port: number): Promise<LoadReport> {
  const started = performance.now();
  const results = await Promise.allSettled(
    Array.from(
      { length: CLIENTS },
      () =>
        connect({
          hostname: "127.0.0.1",
          port,
          username: "iggy",
          password: "iggy",
        }),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  const failed = results.filter((r) => r.status === "rejected");
  for (const result of results) {
    if (result.status === "fulfilled") await result.value.close();
  }
  return {
    seconds,
    loggedIn: CLIENTS - failed.length,
    firstFailure: failed.length > 0
      ? String((failed[0] as PromiseRejectedResult).reason)
      : undefined,
  };
}

/**
 * Runs a load in a process of its own at a lower priority (`nice`), so that the generator's CPU
 * does not starve the server or the pinger on a small machine (real clients run elsewhere).
 */
async function runLoad(
  kind: "attack" | "restart",
  server: TestServer,
): Promise<LoadReport> {
  const { stdout, success } = await new Deno.Command("nice", {
    args: [
      "-n",
      "10",
      Deno.execPath(),
      "run",
      "-A",
      import.meta.filename!,
      "--load",
      kind,
      "--port",
      String(server.tcp.port),
      "--clients",
      String(CLIENTS),
      "--seconds",
      String(ATTACK_SECONDS),
      "--usernames",
      values.usernames!,
    ],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!success) throw new Error(`The ${kind} load failed`);
  return JSON.parse(new TextDecoder().decode(stdout)) as LoadReport;
}

function formatPing(stats: PingStats): string {
  return `ping n=${stats.pings} p50=${stats.p50.toFixed(1)} ms p99=${
    stats.p99.toFixed(1)
  } ms max=${stats.max.toFixed(1)} ms; peak RSS ${
    stats.peakRssMiB.toFixed(0)
  } MiB`;
}

/** 1. Attack, with the pinger; on a fresh server. */
async function attack(server: TestServer): Promise<void> {
  console.log(
    `server pid ${server.pid}, idle RSS ${rssMiB(server.pid).toFixed(0)} MiB`,
  );
  const ping = pinger(server);
  await ping.start();
  const report = await runLoad("attack", server);
  const stats = await ping.stop();
  console.log(
    `attack: ${CLIENTS} parallel wrong logins x ${report.rounds} rounds over ${
      report.seconds.toFixed(1)
    } s; answers ${JSON.stringify(report.answers)}; ${formatPing(stats)}`,
  );
}

/** 2. Restart, with the pinger; on a fresh server (the throttle starts empty, as after a restart). */
async function restart(server: TestServer): Promise<void> {
  const ping = pinger(server);
  await ping.start();
  const cpuBefore = cpuSeconds(server.pid);
  const report = await runLoad("restart", server);
  const cpu = cpuSeconds(server.pid) - cpuBefore;
  const stats = await ping.stop();
  console.log(
    `restart: ${report.loggedIn}/${CLIENTS} logged in, total ${
      report.seconds.toFixed(2)
    } s; ${formatPing(stats)}; server CPU ${cpu.toFixed(2)} s`,
  );
  if (report.firstFailure) console.log(`first failure: ${report.firstFailure}`);
}

if (values.pinger !== undefined) {
  await runPinger(Number(values.pinger));
} else if (values.load !== undefined) {
  const port = Number(values.port);
  const report = values.load === "attack"
    ? await attackLoad(port)
    : await restartLoad(port);
  console.log(JSON.stringify(report));
} else {
  if (values.scenario !== "restart") await withServer(attack);
  if (values.scenario !== "attack") await withServer(restart);
}
