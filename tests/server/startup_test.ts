import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { startServer } from "../_server.ts";
import { withTempDir } from "../_temp_dir.ts";
import { type CommandResult, runCommand } from "../_run.ts";
import { loadConfig } from "../../server/config.ts";
import { createLogger } from "../../server/logger.ts";
import { startServer as startInProcess } from "../../server/server.ts";
import { StartupError } from "../../server/startup_error.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Every listener on a free port of 127.0.0.1, data in `dataDir`, then `env` on top. */
function serverEnv(
  dataDir: string,
  env: Record<string, string>,
): Record<string, string> {
  return {
    IGGY_SYSTEM_PATH: dataDir,
    IGGY_TCP_ADDRESS: "127.0.0.1:0",
    IGGY_QUIC_ADDRESS: "127.0.0.1:0",
    IGGY_HTTP_ADDRESS: "127.0.0.1:0",
    IGGY_WEBSOCKET_ADDRESS: "127.0.0.1:0",
    ...env,
  };
}

/** Runs a server that is expected to fail its start; returns its exit code and output. */
function failedStart(
  dataDir: string,
  env: Record<string, string>,
): Promise<CommandResult> {
  // A start that hangs instead of failing is a bug: the time limit fails the test.
  return runCommand(
    ["deno", "run", "-A", "server/main.ts", "--with-default-root-credentials"],
    { cwd: ROOT, env: serverEnv(dataDir, env), timeoutMs: 30_000 },
  );
}

/** The one `error:` line, and no stack trace or "listening" line anywhere. */
function errorLine(stderr: string): string {
  const lines = stderr.split("\n");
  const errors = lines.filter((line) => line.startsWith("error:"));
  assert.equal(errors.length, 1, stderr);
  assert.ok(!lines.some((line) => /^\s+at /.test(line)), stderr);
  assert.ok(!/listening/i.test(stderr), stderr);
  return errors[0]!;
}

async function assertNotStarted(dataDir: string): Promise<void> {
  await assert.rejects(
    Deno.stat(`${dataDir}/runtime/current_config.toml`),
    Deno.errors.NotFound,
  );
}

for (
  const [transport, key] of [
    ["TCP", "tcp.address"],
    ["HTTP", "http.address"],
    ["WebSocket", "websocket.address"],
    ["QUIC", "quic.address"],
  ] as const
) {
  Deno.test(`startServer() reports the ${transport} port in use in one line naming the port and ${key}`, async () => {
    await using running = await startServer();
    const taken = {
      "tcp.address": running.tcp,
      "http.address": running.http!,
      "websocket.address": running.websocket!,
      "quic.address": running.quic!,
    }[key];
    const envName = `IGGY_${key.replace(".", "_").toUpperCase()}`;
    const address = `127.0.0.1:${taken.port}`;
    await withTempDir(async (dir) => {
      const result = await failedStart(dir, { [envName]: address });
      assert.equal(result.code, 1);
      assert.equal(
        errorLine(result.stderr),
        `error: Cannot start the ${transport} listener on ${address}: address already in use; change ${key} (env ${envName}) or set ${
          key.split(".")[0]
        }.enabled = false`,
      );
      await assertNotStarted(dir);
    });
  });
}

Deno.test("startServer() reports a data directory it cannot use, naming system.path", async () => {
  await withTempDir(async (dir) => {
    const file = `${dir}/not_a_directory`;
    await Deno.writeTextFile(file, "");
    const result = await failedStart(file, {});
    assert.equal(result.code, 1);
    assert.equal(
      errorLine(result.stderr),
      `error: Cannot use the data directory "${file}": not a directory; change system.path (env IGGY_SYSTEM_PATH) or fix its permissions`,
    );
  });
});

Deno.test("startServer() reports a certificate file that holds no certificate, naming its keys", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/cert.pem`, "not a certificate\n");
    await Deno.writeTextFile(`${dir}/key.pem`, "not a key\n");
    const result = await failedStart(`${dir}/data`, {
      IGGY_TCP_TLS_ENABLED: "true",
      IGGY_TCP_TLS_CERT_FILE: `${dir}/cert.pem`,
      IGGY_TCP_TLS_KEY_FILE: `${dir}/key.pem`,
    });
    assert.equal(result.code, 1);
    const line = errorLine(result.stderr);
    assert.match(line, /^error: Cannot load the tcp certificate ".*cert\.pem"/);
    assert.match(line, /holds no PEM certificate/);
    assert.match(
      line,
      /tcp\.tls\.cert_file \(env IGGY_TCP_TLS_CERT_FILE\) and tcp\.tls\.key_file \(env IGGY_TCP_TLS_KEY_FILE\)$/,
    );
    await assertNotStarted(`${dir}/data`);
  });
});

Deno.test("startServer() reports a TLS key the listener cannot use, naming the certificate keys", async () => {
  await withTempDir(async (dir) => {
    // Well-formed PEM blocks whose contents are no certificate and no key: only the bind can tell.
    const pem = (label: string) =>
      `-----BEGIN ${label}-----\nAAAA\n-----END ${label}-----\n`;
    await Deno.writeTextFile(`${dir}/cert.pem`, pem("CERTIFICATE"));
    await Deno.writeTextFile(`${dir}/key.pem`, pem("PRIVATE KEY"));
    const result = await failedStart(`${dir}/data`, {
      IGGY_QUIC_ENABLED: "false",
      IGGY_WEBSOCKET_TLS_ENABLED: "true",
      IGGY_WEBSOCKET_TLS_CERT_FILE: `${dir}/cert.pem`,
      IGGY_WEBSOCKET_TLS_KEY_FILE: `${dir}/key.pem`,
    });
    assert.equal(result.code, 1);
    const line = errorLine(result.stderr);
    assert.match(
      line,
      /^error: Cannot start the WebSocket listener on 127\.0\.0\.1:0: the certificate or key is not usable/,
    );
    assert.match(line, /websocket\.tls\.cert_file/);
    await assertNotStarted(`${dir}/data`);
  });
});

Deno.test("startServer() closes the listeners it bound when a later one fails, and the system with them", async () => {
  // Hold a port, and ask for TCP, QUIC and WebSocket on free ports with HTTP (bound last) on the held one.
  using held = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const heldPort = (held.addr as Deno.NetAddr).port;
  await withTempDir(async (dataDir) => {
    const config = await loadConfig({
      env: serverEnv(dataDir, {
        IGGY_HTTP_ADDRESS: `127.0.0.1:${heldPort}`,
      }),
      cwd: dataDir,
      onWarning: () => {},
    });
    const logs: string[] = [];
    const logger = createLogger("debug", { write: (line) => logs.push(line) });
    await assert.rejects(
      startInProcess(config, {
        logger,
        root: { username: "iggy", password: "iggy" },
      }),
      (err: unknown) =>
        err instanceof StartupError && err.key === "http.address" &&
        err.message.includes(`127.0.0.1:${heldPort}: address already in use`),
    );
    assert.ok(!logs.some((line) => /listening/i.test(line)), logs.join("\n"));
    // Nothing is left open: the test's resource and op sanitizers would report a listener or a file.
    await assertNotStarted(dataDir);
  });
});
