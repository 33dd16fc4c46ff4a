/**
 * A connection flood under a low open-file limit (`prlimit --nofile=256:256`): the accept loop backs
 * off and logs a few counted lines instead of spinning, the total limit refuses extra clients
 * cleanly, and the connections already accepted keep being served. The CPU bound is generous (a
 * loaded test machine); `tests/load/connections.ts` reports the real figure.
 */
import assert from "node:assert/strict";
import { startServer } from "../_server.ts";
import { burst, cpuShare, ping } from "../load/_burst.ts";

const FILE_LIMIT = 256;
const ATTEMPTS = 400;
const DEADLINE_MS = 15_000;

async function flood(env: Record<string, string>) {
  const server = await startServer({
    env: { ...env, IGGY_QUIC_ENABLED: "false" },
    wrapper: ["prlimit", `--nofile=${FILE_LIMIT}:${FILE_LIMIT}`, "--"],
  });
  const early: Deno.Conn[] = [];
  for (let i = 0; i < 5; i++) {
    const conn = await Deno.connect({ ...server.tcp });
    early.push(conn);
    assert.equal(await ping(conn, DEADLINE_MS), "ok");
  }
  const connections = burst(server.tcp.port, ATTEMPTS);
  return { server, early, connections };
}

/** Polls until `check` holds (running `probe` before each check), failing after the deadline. */
async function until(
  check: () => boolean,
  what: string,
  probe: () => Promise<void> = () => Promise.resolve(),
): Promise<void> {
  const deadline = performance.now() + DEADLINE_MS;
  while (true) {
    await probe();
    if (check()) return;
    if (performance.now() > deadline) throw new Error(`No ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

Deno.test("out of file descriptors, the accept loop backs off, logs counted lines and keeps serving", async () => {
  const { server, early, connections } = await flood({
    IGGY_CONNECTIONS_MAX_CONNECTIONS: "0",
  });
  try {
    const acceptFailures = () =>
      server.stderr().split("\n").filter((line) =>
        line.includes("Accept failed")
      );
    await until(() => acceptFailures().length >= 2, "accept failures");
    const cpu = await cpuShare(server.pid!, 1500);
    for (const conn of early) assert.equal(await ping(conn, DEADLINE_MS), "ok");
    const lines = acceptFailures();
    assert.ok(lines.length <= 20, `${lines.length} accept-error lines`);
    assert.ok(lines.some((line) => / repeated=\d+/.test(line)), "a count");
    for (const line of lines) {
      assert.match(line, / WARN {2}tcp: Accept failed .*Too many open files/);
    }
    // Spinning takes a whole core; backing off takes next to nothing (measured: ~0-1 %).
    assert.ok(cpu < 0.5, `server CPU ${(cpu * 100).toFixed(1)} % of a core`);
  } finally {
    for (const conn of early) conn.close();
    await server[Symbol.asyncDispose]();
    await connections.close();
  }
});

Deno.test("under a low file limit, the lowered max_connections refuses extra clients with status 9 (CannotEstablishConnection)", async () => {
  const { server, early, connections } = await flood({});
  try {
    await until(
      () => connections.open.length + connections.failed === ATTEMPTS,
      "connects",
    );
    const outcomes = await Promise.all(
      connections.open.map((conn) => ping(conn, DEADLINE_MS)),
    );
    const served = outcomes.filter((outcome) => outcome === "ok").length;
    const refused = outcomes.filter((outcome) => outcome === "refused").length;
    assert.ok(
      served > 0 && refused > 0,
      `${served} served, ${refused} refused`,
    );
    assert.equal(
      served + refused,
      outcomes.length,
      "every client has an answer",
    );
    for (const conn of early) assert.equal(await ping(conn, DEADLINE_MS), "ok");
    const log = server.stderr();
    assert.match(
      log,
      /WARN {2}Connection limit lowered to fit the open-file limit/,
    );
    assert.match(
      log,
      /Connection refused .*reason="too many connections \(limit 192\)"/,
    );
  } finally {
    for (const conn of early) conn.close();
    await server[Symbol.asyncDispose]();
    await connections.close();
  }
});

Deno.test("out of file descriptors, the HTTP and WebSocket listeners (Deno.serve) restart instead of ending the process", async () => {
  await using server = await startServer({
    env: { IGGY_QUIC_ENABLED: "false" },
    wrapper: ["prlimit", `--nofile=${FILE_LIMIT}:${FILE_LIMIT}`, "--"],
  });
  for (const listener of ["http", "websocket"] as const) {
    const connections = burst(server[listener]!.port, ATTEMPTS);
    try {
      await until(
        () =>
          server.stderr().includes(
            `Listener failed: restarting listener=${listener}`,
          ),
        `a ${listener} listener failure`,
      );
    } finally {
      // Free the descriptors (the server runs: every connect settles).
      await connections.close();
    }
    assert.ok(server.running, "the server is still running");
  }
  let status = 0;
  await until(
    () => status === 200,
    "an HTTP answer after the floods",
    async () => {
      status = await fetch(`http://127.0.0.1:${server.http!.port}/ping`)
        .then(async (
          response,
        ) => (await response.body?.cancel(), response.status))
        .catch(() => 0);
    },
  );
  const socket = new WebSocket(`ws://127.0.0.1:${server.websocket!.port}`);
  const opened = await new Promise<boolean>((resolve) => {
    socket.onopen = () => resolve(true);
    socket.onerror = () => resolve(false);
  });
  const closed = new Promise((resolve) => socket.onclose = resolve);
  socket.close();
  await closed;
  assert.ok(opened, "the WebSocket listener serves again");
  assert.doesNotMatch(server.stderr(), /Uncaught/);
});
