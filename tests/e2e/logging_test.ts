import assert from "node:assert/strict";
import { join } from "node:path";
import { startServer, type TestServer } from "../_server.ts";

const DEADLINE_MS = 15_000;

/** Polls `check` every 50 ms until it returns true or the deadline passes. */
async function waitFor(check: () => boolean, what: string): Promise<void> {
  const deadline = performance.now() + DEADLINE_MS;
  while (!check()) {
    if (performance.now() > deadline) {
      assert.fail(`Timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function logDir(server: TestServer): string {
  return join(server.dataDir, "logs");
}

function logFileNames(server: TestServer): string[] {
  try {
    return [...Deno.readDirSync(logDir(server))].map((entry) => entry.name)
      .sort();
  } catch {
    return [];
  }
}

async function ping(server: TestServer, times: number): Promise<void> {
  const url = `http://${server.http!.hostname}:${server.http!.port}/ping`;
  for (let i = 0; i < times; i++) await (await fetch(url)).text();
}

Deno.test("Server writes its log to <system.path>/logs/iggy-server.log and rotates it at max_file_size", async () => {
  await using server = await startServer({
    env: {
      IGGY_SYSTEM_LOGGING_LEVEL: "info,http=debug",
      IGGY_SYSTEM_LOGGING_MAX_FILE_SIZE: "2 KB",
      IGGY_SYSTEM_LOGGING_MAX_TOTAL_SIZE: "10 KB",
    },
  });
  const active = join(logDir(server), "iggy-server.log");
  const startup = Deno.readTextFileSync(active);
  assert.match(
    startup,
    /INFO {2}TCP server listening address=127\.0\.0\.1:\d+/,
  );
  // Each request adds a ~150-byte debug line: 60 requests make several 2 KB files.
  await ping(server, 60);
  await waitFor(
    () => logFileNames(server).includes("iggy-server.log.3"),
    "three rotations",
  );
  const names = logFileNames(server);
  // 10 KB hold the active file and 4 rotated ones.
  assert.ok(!names.includes("iggy-server.log.5"), names.join(", "));
  let requestLines = 0;
  for (const name of names) {
    const text = Deno.readTextFileSync(join(logDir(server), name));
    assert.ok(text.length <= 2000, `${name}: ${text.length} bytes`);
    requestLines += text.match(/DEBUG http: HTTP request .*path=\/ping/g)
      ?.length ?? 0;
  }
  assert.ok(requestLines > 0);
  // The same lines went to stderr.
  await waitFor(
    () =>
      server.stderr().match(/DEBUG http: HTTP request .*path=\/ping/g)
        ?.length === 60,
    "60 request lines on stderr",
  );
});

Deno.test("Server rotates its log file every rotation_check_interval", async () => {
  await using server = await startServer({
    env: { IGGY_SYSTEM_LOGGING_ROTATION_CHECK_INTERVAL: "1s" },
  });
  // On a loaded machine the first rotation can come before the start-up lines are written, so
  // wait until a rotated file (iggy-server.log.N) holds them.
  const rotatedText = () =>
    logFileNames(server).filter((name) => /^iggy-server\.log\.\d+$/.test(name))
      .map((name) => {
        try {
          return Deno.readTextFileSync(join(logDir(server), name));
        } catch {
          return ""; // rotated away between the listing and the read
        }
      }).join("");
  await waitFor(
    () => /TCP server listening/.test(rotatedText()),
    "a time-based rotation of the start-up lines",
  );
  assert.ok(logFileNames(server).includes("iggy-server.log.1"));
});

Deno.test("Server with file_enabled = false writes no log file", async () => {
  await using server = await startServer({
    env: { IGGY_SYSTEM_LOGGING_FILE_ENABLED: "false" },
  });
  await waitFor(
    () => /TCP server listening/.test(server.stderr()),
    "the start-up lines",
  );
  assert.deepEqual(logFileNames(server), []);
});

Deno.test("Server writes JSON lines to stderr and the log file with format = json", async () => {
  await using server = await startServer({
    env: {
      IGGY_SYSTEM_LOGGING_FORMAT: "json",
      IGGY_SYSTEM_LOGGING_LEVEL: "info,http=debug",
    },
  });
  await ping(server, 2);
  // Complete lines only: the pipe may have delivered part of the next one.
  const completeLines = () => {
    const text = server.stderr();
    return text.slice(0, text.lastIndexOf("\n")).split("\n");
  };
  await waitFor(
    () =>
      completeLines().filter((l) => l.includes('"HTTP request"')).length === 2,
    "two request lines",
  );
  const events = completeLines().map((line) => JSON.parse(line));
  const listening = events.find((e) => e.message === "TCP server listening");
  assert.equal(listening.level, "info");
  assert.match(listening.address, /^127\.0\.0\.1:\d+$/);
  assert.ok(!Number.isNaN(Date.parse(listening.time)));
  const request = events.find((e) => e.message === "HTTP request");
  assert.equal(request.module, "http");
  assert.equal(request.level, "debug");
  assert.equal(request.status, 200);
  const fileLines = Deno.readTextFileSync(
    join(logDir(server), "iggy-server.log"),
  ).trimEnd().split("\n");
  for (const line of fileLines) JSON.parse(line);
  assert.ok(fileLines.length >= 3);
});

Deno.test("Server applies per-module levels from system.logging.level and RUST_LOG", async () => {
  await using server = await startServer({
    env: { IGGY_SYSTEM_LOGGING_LEVEL: "warn,http=debug" },
  });
  await ping(server, 1);
  await waitFor(
    () => /DEBUG http: HTTP request/.test(server.stderr()),
    "the http debug line",
  );
  // The default level is warn: the listening lines (info, no module) are filtered out.
  assert.doesNotMatch(server.stderr(), /TCP server listening/);
  // http=debug shows a client's mistake (info) too.
  const rejected = await fetch(
    `http://${server.http!.hostname}:${server.http!.port}/streams`,
  );
  await rejected.body?.cancel();
  await waitFor(
    () =>
      /INFO {2}http: HTTP request rejected .*status=401/.test(server.stderr()),
    "the rejected request line",
  );
  await server.kill();

  await using other = await startServer({
    env: {
      IGGY_SYSTEM_LOGGING_LEVEL: "warn,http=debug",
      RUST_LOG: "info,http=warn",
    },
  });
  await ping(other, 1);
  // A request without a token is a client's mistake, logged at info: below http=warn.
  const denied = await fetch(
    `http://${other.http!.hostname}:${other.http!.port}/streams`,
  );
  await denied.body?.cancel();
  assert.equal(denied.status, 401);
  // Stopping logs "Shutting down" after anything the requests logged, and collects all output.
  await other.kill();
  assert.match(other.stderr(), /TCP server listening/);
  assert.match(other.stderr(), /Shutting down/);
  assert.doesNotMatch(other.stderr(), /http: HTTP request/);
});

Deno.test("Server logs the sysinfo line at sysinfo_print_interval", async () => {
  await using server = await startServer({
    env: { IGGY_SYSTEM_LOGGING_SYSINFO_PRINT_INTERVAL: "200ms" },
  });
  await waitFor(
    () => /INFO {2}sysinfo: System info cpu_percent=/.test(server.stderr()),
    "a sysinfo line",
  );
  assert.match(
    server.stderr(),
    /sysinfo: System info .*rss_mib=[\d.]+ .*clients=\d+ .*messages=0/,
  );
});

Deno.test("Server refuses to start with an unsupported key, naming it", async () => {
  for (
    const [env, key] of [
      [{ IGGY_HTTP_WEB_UI: "true" }, "http.web_ui"],
      [{ IGGY_TELEMETRY_ENABLED: "true" }, "telemetry.logs.transport"],
      [{ IGGY_SYSTEM_LOGGING_LEVEL: "info,tcp=loud" }, "system.logging.level"],
      [{ RUST_LOG: "chatty" }, "RUST_LOG"],
    ] as const
  ) {
    await assert.rejects(
      startServer({ env }),
      (error: Error) => {
        assert.match(error.message, /Server did not start/);
        assert.ok(error.message.includes(`"${key}`), error.message);
        assert.doesNotMatch(error.message, /\n\s+at /, "no stack trace");
        return true;
      },
    );
  }
});
