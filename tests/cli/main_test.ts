/**
 * The CLI run as a subprocess (`deno run -A cli/main.ts ...`) against a real server: the quick-start
 * session end to end with a server restart between send and poll, errors, and `--output json`.
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { parse as parseLosslessJson } from "lossless-json";
import { startServer } from "../_server.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with a temp IGGY_HOME, no colours and no inherited credentials. */
async function cli(
  home: string,
  args: string[],
  options: { stdin?: string; env?: Record<string, string> } = {},
): Promise<Run> {
  const env: Record<string, string> = {
    ...Deno.env.toObject(),
    IGGY_HOME: home,
    NO_COLOR: "1",
    ...options.env,
  };
  if (options.env?.IGGY_USERNAME === undefined) delete env.IGGY_USERNAME;
  if (options.env?.IGGY_PASSWORD === undefined) delete env.IGGY_PASSWORD;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "cli/main.ts", ...args],
    cwd: ROOT,
    env,
    clearEnv: true,
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const { code, stdout, stderr } = await child.output();
  const decoder = new TextDecoder();
  return {
    code,
    stdout: decoder.decode(stdout),
    stderr: decoder.decode(stderr),
  };
}

function ok(run: Run, what: string): Run {
  assert.equal(run.code, 0, `${what} failed:\n${run.stdout}\n${run.stderr}`);
  return run;
}

/** A failed run: non-zero exit, the error name and a hint on stderr, no stack trace. */
function failed(run: Run, name: string): void {
  assert.notEqual(run.code, 0, `expected a failure:\n${run.stdout}`);
  assert.match(run.stderr, new RegExp(`error: (${name})\\b`));
  assert.match(run.stderr, /^hint: /m);
  assert.doesNotMatch(run.stderr, /^\s+at /m, "no stack trace");
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

Deno.test("cli quick start: login, create, send, restart, poll, logout; errors; json", async (t) => {
  // A fixed port, so that the login session (bound to the server address) survives the restart.
  const port = freePort();
  await using server = await startServer({
    env: { IGGY_TCP_ADDRESS: `127.0.0.1:${port}` },
  });
  const home = await Deno.makeTempDir({ prefix: "iggy_cli_home_" });
  const at = ["--tcp-server-address", `127.0.0.1:${server.tcp.port}`];
  const run = (
    args: string[],
    options?: { stdin?: string; env?: Record<string, string> },
  ) => cli(home, [...at, ...args], options);

  try {
    await t.step(
      "login stores a 0600 session that later commands use",
      async () => {
        const login = ok(
          await run(["-u", "iggy", "-p", "iggy", "login"]),
          "login",
        );
        assert.match(login.stdout, /Logged in/);
        const info = await Deno.stat(`${home}/sessions/default.json`);
        assert.equal(info.mode! & 0o777, 0o600);
      },
    );

    await t.step(
      "create a stream and a topic with partitions, list and get them",
      async () => {
        const stream = ok(
          await run(["stream", "create", "prod"]),
          "stream create",
        );
        assert.match(stream.stdout, /Stream "prod" created/);
        ok(
          await run(["t", "create", "prod", "orders", "3", "none", "7days"]),
          "topic create",
        );
        const list = JSON.parse(
          ok(await run(["stream", "list", "--output", "json"]), "stream list")
            .stdout,
        );
        assert.equal(list.length, 1);
        assert.equal(list[0].name, "prod");
        assert.equal(list[0].topicsCount, 1);
        const topic = JSON.parse(
          ok(
            await run(["topic", "get", "prod", "orders", "--output", "json"]),
            "topic get",
          )
            .stdout,
        );
        assert.equal(topic.partitionsCount, 3);
        assert.equal(topic.partitions.length, 3);
        assert.equal(topic.messageExpiry, 7 * 86_400 * 1_000_000);
        const table = ok(await run(["topic", "list", "prod"]), "topic list");
        assert.match(table.stdout, /│ Name\s+│/);
        assert.match(table.stdout, /orders/);
      },
    );

    await t.step(
      "send messages as arguments (with headers) and from stdin",
      async () => {
        ok(
          await run([
            "message",
            "send",
            "prod",
            "orders",
            "-p",
            "1",
            "-H",
            "source:string:cli,n:uint64:18446744073709551615",
            "first",
            "second",
          ]),
          "send arguments",
        );
        const piped = ok(
          await run(["m", "s", "prod", "orders", "--partition-id", "1"], {
            stdin: "third\nfourth\n",
          }),
          "send stdin",
        );
        assert.match(piped.stdout, /Sent 2 message/);
      },
    );

    await server.restart();

    await t.step(
      "after a restart, poll with a consumer from an offset and commit",
      async () => {
        const polled = ok(
          await run([
            "message",
            "poll",
            "prod",
            "orders",
            "1",
            "--offset",
            "1",
            "-m",
            "10",
            "-c",
            "5",
            "--auto-commit",
            "--output",
            "json",
          ]),
          "poll",
        );
        // Exact JSON: u64 header values and u128 ids keep every digit.
        assert.match(polled.stdout, /"value": 18446744073709551615\b/);
        const result = parseLosslessJson(polled.stdout) as {
          messages: {
            offset: { toString(): string };
            payload: string;
            id: { toString(): string };
            headers: Record<string, { kind: string; value: unknown }>;
          }[];
        };
        assert.deepEqual(
          result.messages.map((m) => [m.offset.toString(), m.payload]),
          [["1", "second"], ["2", "third"], ["3", "fourth"]],
        );
        assert.equal(result.messages[0]!.headers.source!.value, "cli");
        assert.match(result.messages[0]!.id.toString(), /^\d{10,}$/);
        const offset = JSON.parse(
          ok(
            await run([
              "o",
              "get",
              "5",
              "prod",
              "orders",
              "1",
              "--output",
              "json",
            ]),
            "offset get",
          ).stdout,
        );
        assert.equal(offset.storedOffset, 3);
        const table = ok(
          await run(["m", "poll", "prod", "orders", "1", "--first", "-m", "1"]),
          "poll table",
        );
        assert.match(
          table.stdout,
          /Offset.*Timestamp.*ID.*Size.*Headers.*Payload/,
        );
        assert.match(table.stdout, /first/);
        assert.match(table.stdout, /source:string:cli/);
      },
    );

    await t.step(
      "errors: bad credentials, a missing stream, a missing password",
      async () => {
        failed(
          await run(["-u", "iggy", "-p", "wrong", "stream", "list"]),
          "InvalidCredentials",
        );
        const missing = await run(["stream", "get", "nope"], {
          env: { IGGY_USERNAME: "iggy", IGGY_PASSWORD: "iggy" },
        });
        failed(missing, "StreamNameNotFound");
        assert.match(missing.stderr, /iggy stream list/);
        failed(
          await run(["message", "send", "nope", "orders", "x"]),
          "Stream(Id|Name)NotFound",
        );
        // No terminal to prompt on: fail at once rather than wait.
        failed(await run(["-u", "iggy", "stream", "list"]), "InvalidArgument");
        failed(
          await run(["m", "poll", "prod", "orders", "1"]),
          "InvalidArgument",
        );
      },
    );

    await t.step(
      "logout deletes the session; commands then need credentials",
      async () => {
        ok(await run(["logout"]), "logout");
        await assert.rejects(
          Deno.stat(`${home}/sessions/default.json`),
          Deno.errors.NotFound,
        );
        failed(await run(["stream", "list"]), "Unauthenticated");
      },
    );
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("cli: a leading '--' (as `deno task cli -- ...` passes it) is the same as none", async () => {
  const home = await Deno.makeTempDir();
  try {
    const plain = ok(await cli(home, ["--version"]), "--version");
    const dashed = ok(await cli(home, ["--", "--version"]), "-- --version");
    assert.equal(dashed.stdout, plain.stdout);
    assert.match(plain.stdout, /\d+\.\d+\.\d+/);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
