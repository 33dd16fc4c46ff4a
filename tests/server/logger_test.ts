import assert from "node:assert/strict";
import {
  createLogger,
  formatLogLine,
  parseLogLevel,
  resolveLogLevel,
} from "../../server/logger.ts";

const NOW = new Date("2025-01-02T03:04:05.678Z");

function capture(
  level: string,
): { lines: string[]; log: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  const log = createLogger(level, {
    write: (line) => lines.push(line),
    now: () => NOW,
  });
  return { lines, log };
}

Deno.test("parseLogLevel() reads levels and the first bare RUST_LOG directive", () => {
  assert.equal(parseLogLevel("trace"), "trace");
  assert.equal(parseLogLevel("DEBUG"), "debug");
  assert.equal(parseLogLevel("none"), "off");
  assert.equal(parseLogLevel("off"), "off");
  assert.equal(parseLogLevel("warn,server=debug"), "warn");
  assert.equal(parseLogLevel("server=debug,error"), "error");
  assert.equal(parseLogLevel("server=debug"), "info");
  assert.equal(parseLogLevel("loud"), "info");
});

Deno.test("resolveLogLevel() lets RUST_LOG win over the configured level", () => {
  assert.equal(resolveLogLevel("info", { RUST_LOG: "trace" }), "trace");
  assert.equal(resolveLogLevel("warn", { RUST_LOG: "" }), "warn");
  assert.equal(resolveLogLevel("debug", {}), "debug");
});

Deno.test("createLogger() writes events at and above its level only", () => {
  const { lines, log } = capture("warn");
  log.error("e");
  log.warn("w");
  log.info("i");
  log.debug("d");
  log.trace("t");
  assert.deepEqual(lines, [
    "2025-01-02T03:04:05.678Z ERROR e",
    "2025-01-02T03:04:05.678Z WARN  w",
  ]);
  assert.equal(log.enabled("warn"), true);
  assert.equal(log.enabled("info"), false);
});

Deno.test("createLogger() writes nothing when off", () => {
  const { lines, log } = capture("none");
  log.error("e");
  assert.deepEqual(lines, []);
});

Deno.test("createLogger() formats fields as key=value and masks secrets", () => {
  const { lines, log } = capture("info");
  log.info("Client connected", {
    address: "127.0.0.1:5000",
    id: 7,
    big: 1n,
    ok: true,
    note: "two words",
    password: "hunter2",
    encodingSecret: "s",
    accessToken: "t",
    key: "k",
  });
  assert.equal(
    lines[0],
    '2025-01-02T03:04:05.678Z INFO  Client connected address=127.0.0.1:5000 id=7 big=1 ok=true note="two words" password=****** encodingSecret=****** accessToken=****** key=******',
  );
});

Deno.test("createLogger() child loggers add their fields", () => {
  const { lines, log } = capture("debug");
  log.child({ client: 3 }).debug("Polled", { count: 2 });
  assert.equal(
    lines[0],
    "2025-01-02T03:04:05.678Z DEBUG Polled client=3 count=2",
  );
});

Deno.test("formatLogLine() keeps one line per event", () => {
  const line = formatLogLine(NOW, "error", "a\nb", {
    error: new Error("x\ny"),
  });
  assert.equal(
    line,
    '2025-01-02T03:04:05.678Z ERROR a\\nb error="Error: x\\ny"',
  );
});
