import assert from "node:assert/strict";
import {
  createLogger,
  formatJsonLogLine,
  formatLogLine,
  parseLogFilter,
  parseLogLevel,
  resolveLogDirectives,
  resolveLogLevel,
  unknownLogModules,
} from "../../server/logger.ts";

const NOW = new Date("2025-01-02T03:04:05.678Z");

function capture(
  level: string,
  format?: "plain" | "json",
): { lines: string[]; log: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  const log = createLogger(level, {
    write: (line) => lines.push(line),
    now: () => NOW,
    format,
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

Deno.test("parseLogFilter() reads a default level and per-module levels", () => {
  const filter = parseLogFilter(" warn , tcp=debug,HTTP=Trace,quic=none");
  assert.equal(filter.level, "warn");
  assert.deepEqual(
    [...filter.modules],
    [["tcp", "debug"], ["http", "trace"], ["quic", "off"]],
  );
  assert.equal(parseLogFilter("tcp=debug").level, "info");
});

Deno.test("parseLogFilter() rejects unreadable directives, naming them", () => {
  assert.throws(() => parseLogFilter("loud"), /"loud".*expected a level/);
  assert.throws(() => parseLogFilter("info,tcp=loud"), /"tcp=loud"/);
  assert.throws(() => parseLogFilter("info,=debug"), /"=debug"/);
  assert.throws(() => parseLogFilter("info,debug"), /already "info"/);
});

Deno.test("unknownLogModules() lists directives for modules nothing logs under", () => {
  assert.deepEqual(
    unknownLogModules(parseLogFilter("info,tcp=debug,tpc=debug,http.x=warn")),
    ["tpc"],
  );
});

Deno.test("resolveLogDirectives() lets RUST_LOG replace the configured directives", () => {
  assert.equal(
    resolveLogDirectives("info", { RUST_LOG: "warn,tcp=debug" }),
    "warn,tcp=debug",
  );
  assert.equal(resolveLogDirectives("info,http=debug", {}), "info,http=debug");
});

Deno.test("createLogger() applies per-module levels to module loggers", () => {
  const { lines, log } = capture("warn,tcp=debug,http=error");
  log.info("root info");
  log.module("tcp").debug("tcp debug");
  log.module("tcp").trace("tcp trace");
  log.module("http").warn("http warn");
  log.module("http").error("http error");
  log.module("quic").warn("quic warn");
  log.module("quic").info("quic info");
  assert.deepEqual(lines, [
    "2025-01-02T03:04:05.678Z DEBUG tcp: tcp debug",
    "2025-01-02T03:04:05.678Z ERROR http: http error",
    "2025-01-02T03:04:05.678Z WARN  quic: quic warn",
  ]);
  assert.equal(log.module("tcp").enabled("debug"), true);
  assert.equal(log.module("quic").enabled("info"), false);
  assert.equal(
    log.module("tcp"),
    log.module("tcp"),
    "module loggers are cached",
  );
});

Deno.test("createLogger() lets server=<level> set every module without its own directive", () => {
  const { lines, log } = capture("warn,server=debug,http=error");
  log.debug("root");
  log.module("tcp").debug("tcp");
  log.module("http").debug("http");
  assert.deepEqual(lines, [
    "2025-01-02T03:04:05.678Z DEBUG root",
    "2025-01-02T03:04:05.678Z DEBUG tcp: tcp",
  ]);
});

Deno.test("createLogger() child loggers keep their module and fields", () => {
  const { lines, log } = capture("info,tcp=debug");
  log.child({ module: "tcp", client: 3 }).debug("Polled");
  log.module("tcp").child({ client: 4 }).debug("Sent");
  assert.deepEqual(lines, [
    "2025-01-02T03:04:05.678Z DEBUG tcp: Polled client=3",
    "2025-01-02T03:04:05.678Z DEBUG tcp: Sent client=4",
  ]);
});

Deno.test("createLogger() writes JSON lines that parse, with secrets masked", () => {
  const { lines, log } = capture("info", "json");
  log.module("http").info("Request\nserved", {
    status: 200,
    big: 2n ** 70n,
    count: 5n,
    password: "hunter2",
    message: "field named like a key",
    error: new Error("boom"),
  });
  assert.equal(lines.length, 1);
  assert.doesNotMatch(lines[0]!, /\n/);
  assert.deepEqual(JSON.parse(lines[0]!), {
    time: "2025-01-02T03:04:05.678Z",
    level: "info",
    module: "http",
    message: "Request\nserved",
    status: 200,
    big: "1180591620717411303424",
    count: 5,
    password: "******",
    _message: "field named like a key",
    error: "Error: boom",
  });
});

Deno.test("formatJsonLogLine() survives fields that cannot be serialised", () => {
  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  const event = JSON.parse(formatJsonLogLine(NOW, "warn", "odd", { cycle }));
  assert.equal(event.message, "odd");
  assert.equal(event.level, "warn");
});
