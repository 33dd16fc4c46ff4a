import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { startServer, type TestServer } from "../_server.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DEADLINE_MS = 60_000;

/** Runs `deno task <task> <args>` against the server; fails when it does not exit by itself in time. */
async function runTask(
  server: TestServer,
  task: string,
  args: string[],
): Promise<string> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["task", "--quiet", task, ...args],
    cwd: ROOT,
    env: {
      IGGY_CONNECTION:
        `iggy://iggy:iggy@${server.tcp.hostname}:${server.tcp.port}`,
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), DEADLINE_MS);
  try {
    const { code, stdout, stderr } = await child.output();
    const out = new TextDecoder().decode(stdout);
    assert.equal(
      code,
      0,
      `${task} exited with ${code}:\n${out}\n${
        new TextDecoder().decode(stderr)
      }`,
    );
    return out;
  } finally {
    clearTimeout(timer);
  }
}

Deno.test("examples: the getting-started producer and consumer exchange their messages", async () => {
  await using server = await startServer();
  const sent = await runTask(server, "example:producer", [
    "--messages",
    "25",
    "--interval-ms",
    "0",
  ]);
  assert.match(sent, /Sent 25\/25 messages/);
  const received = await runTask(server, "example:consumer", [
    "--messages",
    "25",
  ]);
  assert.match(received, /Received 25 messages/);
  for (let i = 0; i < 25; i++) {
    assert.match(received, new RegExp(`: message-${i}\n`));
  }
});

Deno.test("examples: the message-envelope consumer handles each typed message", async () => {
  await using server = await startServer();
  await runTask(server, "example:envelope-producer", [
    "--messages",
    "30",
    "--interval-ms",
    "0",
  ]);
  const out = await runTask(server, "example:envelope-consumer", [
    "--messages",
    "30",
  ]);
  assert.match(out, /Received 30 messages/);
  assert.equal(out.match(/Order \d+ created: \d+ EUR/g)?.length, 10);
  assert.equal(out.match(/Order \d+ confirmed at /g)?.length, 10);
  assert.equal(out.match(/Order \d+ rejected: out of stock/g)?.length, 10);
});

Deno.test("examples: the consumer-group demo splits the partitions among its consumers", async () => {
  await using server = await startServer();
  const out = await runTask(server, "example:group", [
    "--consumers",
    "3",
    "--messages",
    "300",
  ]);
  assert.equal(out.match(/Member \d owns partitions \d, \d/g)?.length, 3);
  const total = /Consumed 300 messages: (\d+) \+ (\d+) \+ (\d+)/.exec(out);
  assert.ok(total, out);
  const counts = total.slice(1, 4).map(Number);
  assert.equal(counts[0]! + counts[1]! + counts[2]!, 300);
  // The producer spreads messages one by one over the six partitions (two per member), so no member
  // is left idle ("0 + 300 + 0" was the per-batch balanced default).
  for (const count of counts) {
    assert.ok(
      Math.abs(count - 100) <= 10,
      `within ±10 %: ${counts.join(" + ")}`,
    );
  }
});

const EXAMPLE_TASKS = [
  "example:producer",
  "example:consumer",
  "example:envelope-producer",
  "example:envelope-consumer",
  "example:group",
];

async function runRaw(
  task: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "--quiet", task, ...args],
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(DEADLINE_MS),
  }).output();
  const decoder = new TextDecoder();
  return {
    code: out.code,
    stdout: decoder.decode(out.stdout),
    stderr: decoder.decode(out.stderr),
  };
}

Deno.test("examples: --help works on each, a bad option or a refused connection is one line", async () => {
  // A port nothing listens on.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  for (const task of EXAMPLE_TASKS) {
    const help = await runRaw(task, ["--help"]);
    assert.equal(help.code, 0, `${task} --help: ${help.stderr}`);
    assert.match(help.stdout, /--connection <url>/);
    const bad = await runRaw(task, ["--bogus"]);
    assert.equal(bad.code, 2, task);
    assert.match(bad.stderr, /^error: Unknown option '--bogus'\n$/);
  }
  const refused = await runRaw("example:producer", [
    "--connection",
    `iggy://iggy:iggy@127.0.0.1:${port}?reconnection_retries=0`,
  ]);
  assert.equal(refused.code, 1);
  assert.equal(refused.stderr.trim().split("\n").length, 1, refused.stderr);
  assert.match(refused.stderr, /^error: .*is the server running\?/);
});
