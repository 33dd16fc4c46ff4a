/**
 * The CLI's commands and options that follow Iggy's official CLI (snapshot, cluster metadata,
 * `-o toml`, `-d/--debug`, `pat create --store-token` with `-n/--token-name`) and its papercuts
 * (a closed pipe, the PAT name rule, certificate hints), run as a subprocess against a real server.
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { parse as parseToml } from "smol-toml";
import { unzipSync } from "fflate";
import { startServer } from "../_server.ts";
import { formatDuration } from "../../cli/_output.ts";
import { complete } from "../../cli/_interactive.ts";
import { buildProgram } from "../../cli/main.ts";
import { App } from "../../cli/_app.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(home: string, args: string[]): Promise<Run> {
  const env: Record<string, string> = {
    ...Deno.env.toObject(),
    IGGY_HOME: home,
    NO_COLOR: "1",
  };
  delete env.IGGY_USERNAME;
  delete env.IGGY_PASSWORD;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "cli/main.ts", ...args],
    cwd: ROOT,
    env,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: out.code,
    stdout: decoder.decode(out.stdout),
    stderr: decoder.decode(out.stderr),
  };
}

function ok(run: Run, what: string): Run {
  assert.equal(run.code, 0, `${what} failed:\n${run.stdout}\n${run.stderr}`);
  return run;
}

Deno.test("cli follows the official CLI: snapshot, cluster metadata, -o toml, --debug, stored tokens", async (t) => {
  await using server = await startServer();
  const home = await Deno.makeTempDir({ prefix: "iggy_cli_home_" });
  const at = ["--tcp-server-address", `127.0.0.1:${server.tcp.port}`];
  const root = [...at, "-u", "iggy", "-p", "iggy"];
  try {
    await t.step(
      "snapshot writes a ZIP with the requested diagnostics",
      async () => {
        const dir = await Deno.makeTempDir({ dir: home });
        const run = ok(
          await cli(home, [
            ...root,
            "snapshot",
            "-c",
            "deflated",
            "-s",
            "server_config",
            "resource_usage",
            "test",
            "-o",
            dir,
            "--output",
            "json",
          ]),
          "snapshot",
        );
        const { path, size } = JSON.parse(run.stdout);
        assert.match(path, /\/snapshot_\d{8}_\d{6}\.zip$/);
        const zip = await Deno.readFile(path);
        assert.equal(zip.length, size);
        const files = unzipSync(zip);
        assert.deepEqual(Object.keys(files).sort(), [
          "resource_usage.txt",
          "server_config.json",
          "test.txt",
        ]);
        const config = new TextDecoder().decode(files["server_config.json"]);
        assert.match(config, /"tcp"/);
        assert.match(
          new TextDecoder().decode(files["resource_usage.txt"]),
          /process_rss_bytes: \d+/,
        );
      },
    );

    await t.step(
      "snapshot refuses unknown types and a compression the server lacks",
      async () => {
        const bad = await cli(home, [...root, "snapshot", "-s", "everything"]);
        assert.notEqual(bad.code, 0);
        assert.match(bad.stderr, /Invalid snapshot type "everything"/);
        const zstd = await cli(home, [...root, "snapshot", "-c", "zstd"]);
        assert.notEqual(zstd.code, 0);
        assert.match(zstd.stderr, /FeatureUnavailable/);
        assert.match(zstd.stderr, /stored or deflated only/);
      },
    );

    await t.step(
      "cluster metadata (and its aliases) lists the node",
      async () => {
        const table = ok(
          await cli(home, [...root, "cluster", "metadata"]),
          "cluster metadata",
        );
        assert.match(table.stdout, /Cluster: /);
        assert.match(table.stdout, new RegExp(`${server.tcp.port}`));
        const json = JSON.parse(
          ok(await cli(home, [...root, "cl", "m", "--output", "json"]), "cl m")
            .stdout,
        );
        assert.equal(json.nodes.length, 1);
        assert.equal(json.nodes[0].tcpPort, server.tcp.port);
      },
    );

    await t.step(
      "stats -o toml prints TOML; run time in readable units",
      async () => {
        const run = ok(
          await cli(home, [...root, "stats", "-o", "toml"]),
          "stats -o toml",
        );
        const stats = parseToml(run.stdout) as Record<string, unknown>;
        assert.equal(stats.iggyServerVersion, "0.8.0");
        assert.equal(typeof stats.messagesCount, "number");
        const table = ok(await cli(home, [...root, "stats"]), "stats");
        assert.doesNotMatch(table.stdout, /\d{4,}us/);
      },
    );

    await t.step(
      "-d/--debug appends a trace of the command to the file",
      async () => {
        const file = `${home}/debug.log`;
        ok(await cli(home, [...root, "-d", file, "ping"]), "ping -d");
        const failed = await cli(home, [
          ...root,
          "--debug",
          file,
          "stream",
          "get",
          "nope",
        ]);
        assert.notEqual(failed.code, 0);
        const trace = await Deno.readTextFile(file);
        assert.match(trace, /connect iggy(\+tcp)?:\/\/127\.0\.0\.1:\d+/);
        assert.match(trace, /ping: ok in [\d.]+ ms/);
        assert.match(
          trace,
          /stream get: failed in [\d.]+ ms: .*StreamNameNotFound|stream get: failed/,
        );
        assert.doesNotMatch(
          trace,
          /iggy:iggy|-p iggy/,
          "no password in the trace",
        );
        assert.equal((await Deno.stat(file)).mode! & 0o777, 0o600);
      },
    );

    await t.step(
      "pat create --store-token keeps the token (0600) for -n/--token-name",
      async () => {
        const created = ok(
          await cli(home, [
            ...root,
            "pat",
            "create",
            "ci-token",
            "--store-token",
          ]),
          "pat create --store-token",
        );
        assert.match(created.stdout, /created and stored/);
        assert.doesNotMatch(created.stdout, /iggypat-|[A-Za-z0-9_-]{40,}/);
        assert.equal(
          (await Deno.stat(`${home}/tokens.json`)).mode! & 0o777,
          0o600,
        );
        const me = ok(
          await cli(home, [...at, "-n", "ci-token", "stream", "list"]),
          "-n ci-token",
        );
        assert.match(me.stdout, /ID|Name|│/);
        const missing = await cli(home, [
          ...at,
          "--token-name",
          "other",
          "stream",
          "list",
        ]);
        assert.notEqual(missing.code, 0);
        assert.match(missing.stderr, /No token named "other" is stored/);
        const withExpiry = await cli(home, [
          ...root,
          "pat",
          "create",
          "short-lived",
          "1h",
          "-s",
        ]);
        assert.notEqual(withExpiry.code, 0);
        assert.match(withExpiry.stderr, /only for tokens that never expire/);
        ok(
          await cli(home, [...root, "pat", "delete", "ci-token"]),
          "pat delete",
        );
        const gone = await cli(home, [
          ...at,
          "-n",
          "ci-token",
          "stream",
          "list",
        ]);
        assert.match(gone.stderr, /No token named "ci-token" is stored/);
      },
    );

    await t.step(
      "Iggy's connection and create options are accepted; --encryption-key encrypts",
      async () => {
        const created = ok(
          await cli(home, [
            ...root,
            "--tcp-tls-domain",
            "localhost",
            "--quic-initial-mtu",
            "1200",
            "--http-retries",
            "3",
            "--quic-validate-certificate=true",
            "stream",
            "create",
            "secret",
            "-s",
            "77",
          ]),
          "stream create -s",
        );
        assert.match(created.stderr, /--stream-id is ignored/);
        ok(
          await cli(home, [
            ...root,
            "topic",
            "create",
            "secret",
            "t",
            "1",
            "-t",
            "9",
          ]),
          "topic create -t",
        );
        const key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
        ok(
          await cli(home, [
            ...root,
            "--encryption-key",
            key,
            "message",
            "send",
            "secret",
            "t",
            "-p",
            "0",
            "plain words",
          ]),
          "send encrypted",
        );
        const raw = JSON.parse(
          ok(
            await cli(home, [
              ...root,
              "message",
              "poll",
              "secret",
              "t",
              "0",
              "--offset",
              "0",
              "--output",
              "json",
            ]),
            "poll raw",
          ).stdout,
        );
        assert.notEqual(raw.messages[0].payload, "plain words");
        const decrypted = JSON.parse(
          ok(
            await cli(home, [
              ...root,
              "--encryption-key",
              key,
              "message",
              "poll",
              "secret",
              "t",
              "0",
              "--offset",
              "0",
              "--output",
              "json",
            ]),
            "poll decrypted",
          ).stdout,
        );
        assert.equal(decrypted.messages[0].payload, "plain words");
      },
    );

    await t.step("a refused PAT name shows the rule", async () => {
      const run = await cli(home, [...root, "pat", "create", "ab"]);
      assert.notEqual(run.code, 0);
      assert.match(run.stderr, /names are 3\.\.30 characters/);
    });

    await t.step(
      "output piped into a reader that leaves early ends quietly",
      async () => {
        const env = { ...Deno.env.toObject(), IGGY_HOME: home, NO_COLOR: "1" };
        const script = `"${Deno.execPath()}" run -A cli/main.ts ${
          root.join(" ")
        } stream list --output json | head -c 1 >/dev/null; echo "exit=\${PIPESTATUS[0]}"`;
        for (let i = 0; i < 3; i++) {
          ok(
            await cli(home, [...root, "stream", "create", `piped-${i}`]),
            "create",
          );
        }
        const out = await new Deno.Command("bash", {
          args: ["-c", script],
          cwd: ROOT,
          env,
          stdout: "piped",
          stderr: "piped",
        }).output();
        const stderr = new TextDecoder().decode(out.stderr);
        assert.doesNotMatch(stderr, /BrokenPipe/);
        assert.match(new TextDecoder().decode(out.stdout), /exit=0/);
      },
    );
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("cli over QUIC with an untrusted certificate hints at the certificate, not the server", async () => {
  await using server = await startServer();
  const home = await Deno.makeTempDir({ prefix: "iggy_cli_home_" });
  try {
    const run = await cli(home, [
      "--transport",
      "quic",
      "--quic-server-address",
      `127.0.0.1:${server.quic!.port}`,
      "-u",
      "iggy",
      "-p",
      "iggy",
      "ping",
    ]);
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /certificate was not accepted/);
    assert.doesNotMatch(run.stderr, /Is the server running/);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("formatDuration() writes ms and µs instead of a raw µs count", () => {
  assert.equal(formatDuration(810_587_000n), "13min 30s 587ms");
  assert.equal(formatDuration(1_500n), "1ms 500us");
  assert.equal(formatDuration(7n), "7us");
  assert.equal(formatDuration(0n), "0s");
});

Deno.test("interactive completion adds a space after a single match and knows clear", () => {
  const program = buildProgram(new App());
  assert.deepEqual(complete(program, "stre"), [["stream "], "stre"]);
  assert.deepEqual(complete(program, "stream cr"), [["create "], "cr"]);
  assert.deepEqual(complete(program, "cle"), [["clear "], "cle"]);
  const [many] = complete(program, "s");
  assert.ok(many.length > 1 && many.every((m) => !m.endsWith(" ")));
});
