/**
 * The CLI installed as the README says (`deno task install:cli`, i.e. `deno install -g ... --config
 * deno.json cli/main.ts`) into a temp `DENO_INSTALL_ROOT`, run from another directory; certificate
 * checks stay on unless `--insecure` is given.
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { startServer } from "../_server.ts";
import { withTempDir } from "../_temp_dir.ts";
import { type CommandResult, runCommand } from "../_run.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

function run(
  command: string,
  args: string[],
  options: { cwd: string; env: Record<string, string> },
): Promise<CommandResult> {
  return runCommand([command, ...args], {
    cwd: options.cwd,
    env: { NO_COLOR: "1", ...options.env },
    timeoutMs: 60_000,
  });
}

Deno.test("deno task install:cli installs a working `iggy` that checks certificates unless --insecure", async () => {
  await withTempDir(async (dir) => {
    const env = {
      DENO_INSTALL_ROOT: `${dir}/root`,
      IGGY_HOME: `${dir}/home`,
      // The installed script calls `deno` by name.
      PATH: `${Deno.execPath().replace(/\/[^/]+$/, "")}:${
        Deno.env.get("PATH") ?? ""
      }`,
    };
    const install = await run(Deno.execPath(), ["task", "install:cli"], {
      cwd: ROOT,
      env,
    });
    assert.equal(install.code, 0, install.stderr);
    const iggy = `${dir}/root/bin/iggy`;
    const elsewhere = { cwd: dir, env };

    const version = await run(iggy, ["--version"], elsewhere);
    assert.equal(version.code, 0, version.stderr);
    assert.match(version.stdout, /^\d+\.\d+\.\d+/);

    // QUIC's certificate is self-signed and new at every start: untrusted unless asked.
    await using server = await startServer();
    const quic = [
      "-u",
      "iggy",
      "-p",
      "iggy",
      "--transport",
      "quic",
      "--quic-server-address",
      `127.0.0.1:${server.quic!.port}`,
      "ping",
    ];
    const checked = await run(iggy, quic, elsewhere);
    assert.notEqual(checked.code, 0, checked.stdout);
    assert.match(checked.stderr, /UnknownIssuer|certificate/);
    assert.match(checked.stderr, /--insecure/, "the hint names --insecure");
    assert.doesNotMatch(checked.stderr, /DANGER/);

    const insecure = await run(iggy, ["--insecure", ...quic], elsewhere);
    assert.equal(insecure.code, 0, insecure.stderr);
    assert.match(insecure.stdout, /Ping time/);

    // Plain TCP through the task: no certificate banner.
    const tcp = await run(Deno.execPath(), [
      "task",
      "-q",
      "cli",
      "-u",
      "iggy",
      "-p",
      "iggy",
      "--tcp-server-address",
      `127.0.0.1:${server.tcp.port}`,
      "ping",
    ], { cwd: ROOT, env });
    assert.equal(tcp.code, 0, tcp.stderr);
    assert.doesNotMatch(tcp.stderr + tcp.stdout, /DANGER/);
  });
});
