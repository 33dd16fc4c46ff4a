import assert from "node:assert/strict";
import { parseBenchArgs, USAGE } from "../../bench/args.ts";
import {
  type BenchOptions,
  DEFAULTS,
  parseDuration,
} from "../../bench/options.ts";

function parse(args: string[]): BenchOptions {
  const parsed = parseBenchArgs(args);
  assert.equal(parsed.kind, "run");
  return (parsed as { options: BenchOptions }).options;
}

Deno.test("parseBenchArgs() defaults --rounds to 7", () => {
  assert.equal(DEFAULTS.rounds, 7);
  assert.equal(parse(["ceiling"]).rounds, 7);
  assert.match(USAGE, /--rounds <n>/);
});

Deno.test("parseBenchArgs() reads --rounds", () => {
  assert.equal(parse(["ceiling", "--rounds", "5"]).rounds, 5);
  assert.equal(parse(["--", "ceiling", "--rounds=1"]).rounds, 1);
});

Deno.test("parseBenchArgs() rejects a --rounds value that is not a positive integer", () => {
  for (const value of ["0", "-1", "x", "1.5", ""]) {
    assert.throws(
      () => parseBenchArgs(["ceiling", `--rounds=${value}`]),
      (err: unknown) =>
        err instanceof TypeError &&
        err.message === `--rounds must be a positive integer: "${value}"`,
    );
  }
  assert.throws(
    () => parseBenchArgs(["ceiling", "--rounds", "-1"]),
    /--rounds needs a value \(got "-1"; write --rounds=-1 to pass it\)/,
  );
});

Deno.test("parseBenchArgs() still takes 0 where a count may be 0", () => {
  assert.equal(parse(["pinned-producer", "-b", "0"]).messageBatches, 0);
  assert.throws(
    () => parseBenchArgs(["pinned-producer", "-p", "x"]),
    /--producers must be a non-negative integer: "x"/,
  );
});

Deno.test("parseBenchArgs() reads iggy-bench's command line shape, stage by stage", () => {
  const o = parse([
    "-m",
    "500..1500",
    "-P",
    "100",
    "-b",
    "50",
    "-w",
    "2s",
    "-t",
    "100ms",
    "-W",
    "5",
    "-H",
    "-u",
    "admin",
    "-p",
    "secret",
    "--reuse-streams",
    "bpcg",
    "-s",
    "3",
    "-a",
    "12",
    "-p",
    "4",
    "-c",
    "6",
    "-g",
    "2",
    "-T",
    "1GiB",
    "-e",
    "5min",
    "tcp",
    "--server-address",
    "10.0.0.1:9000",
    "--nodelay",
    "output",
    "-o",
    "results",
    "--identifier",
    "ci",
    "--remark",
    "no-cache",
    "--gitref",
    "abc123",
    "--gitref-date",
    "2026-12-01",
    "-c",
  ]);
  assert.equal(o.mode, "balanced-producer-and-consumer-group");
  assert.deepEqual(o.messageSize, { min: 500, max: 1500 });
  assert.equal(o.messagesPerBatch, 100);
  assert.equal(o.messageBatches, 50);
  assert.equal(o.warmupSeconds, 2);
  assert.equal(o.samplingSeconds, 0.1);
  assert.equal(o.movingAverageWindow, 5);
  assert.equal(o.highLevelApi, true);
  assert.equal(o.username, "admin");
  // -p before the mode is the password, after it the producer count.
  assert.equal(o.password, "secret");
  assert.equal(o.producers, 4);
  assert.equal(o.reuseStreams, true);
  assert.equal(o.streams, 3);
  assert.equal(o.partitions, 12);
  // -c after the mode is the consumer count, after `output` it opens the charts.
  assert.equal(o.consumers, 6);
  assert.equal(o.openCharts, true);
  assert.equal(o.consumerGroups, 2);
  // -T after the mode is the topic's max size (before it: total data).
  assert.equal(o.maxTopicSize, 1024 ** 3);
  assert.equal(o.totalData, 0);
  assert.equal(o.messageExpiryMicros, 300_000_000);
  assert.equal(o.transport, "tcp");
  assert.equal(o.serverAddress, "10.0.0.1:9000");
  assert.equal(o.nodelay, true);
  assert.equal(o.output, "results");
  assert.deepEqual(o.identity, {
    identifier: "ci",
    remark: "no-cache",
    extraInfo: undefined,
    gitref: "abc123",
    gitrefDate: "2026-12-01",
  });
});

Deno.test("parseBenchArgs() knows every iggy-bench alias and transport default address", () => {
  const aliases: Record<string, string> = {
    pp: "pinned-producer",
    pc: "pinned-consumer",
    ppc: "pinned-producer-and-consumer",
    bp: "balanced-producer",
    bcg: "balanced-consumer-group",
    bpcg: "balanced-producer-and-consumer-group",
    e2e: "end-to-end-producing-consumer",
    e2ecg: "end-to-end-producing-consumer-group",
  };
  for (const [alias, mode] of Object.entries(aliases)) {
    assert.equal(parse([alias]).mode, mode);
    assert.equal(parse([mode]).mode, mode);
  }
  assert.equal(parse(["pp", "quic"]).serverAddress, "127.0.0.1:8080");
  assert.equal(parse(["pp", "http"]).serverAddress, "127.0.0.1:3000");
  assert.equal(parse(["pp", "ws"]).transport, "websocket");
  assert.equal(parse(["pp", "websocket"]).serverAddress, "127.0.0.1:8092");
  assert.equal(parse(["pp", "tcp", "--tls"]).transport, "tls");
  assert.equal(parse(["pp", "tcp", "output"]).output, "performance_results");
  assert.equal(parse(["e2e", "-p", "3"]).producers, 3);
  assert.equal(parse(["e2e", "--producing-consumers", "5"]).producers, 5);
  assert.deepEqual(parseBenchArgs(["examples"]), { kind: "examples" });
  assert.deepEqual(parseBenchArgs(["e"]), { kind: "examples" });
  assert.deepEqual(parseBenchArgs(["pp", "-h"]), { kind: "help" });
});

Deno.test("parseBenchArgs() keeps our own flat command lines working", () => {
  const o = parse([
    "ceiling",
    "--start-server",
    "-p",
    "2",
    "-c",
    "2",
    "-b",
    "200",
    "-P",
    "10",
    "-q",
    "-o",
    "out",
    "--transport",
    "websocket",
    "--keep-data",
  ]);
  assert.equal(o.mode, "ceiling");
  assert.equal(o.startServer, true);
  assert.equal(o.producers, 2);
  assert.equal(o.messageBatches, 200);
  assert.equal(o.messagesPerBatch, 10);
  assert.equal(o.quiet, true);
  assert.equal(o.output, "out");
  assert.equal(o.transport, "websocket");
  assert.equal(o.keepData, true);
  assert.equal(o.identity.identifier.length > 0, true);
});

Deno.test("parseBenchArgs() names what it does not understand", () => {
  assert.throws(() => parseBenchArgs(["sideways"]), /Unknown mode "sideways"/);
  assert.throws(
    () => parseBenchArgs(["pp", "carrier-pigeon"]),
    /Unknown transport "carrier-pigeon"/,
  );
  assert.throws(
    () => parseBenchArgs(["pp", "tcp", "elsewhere"]),
    /Unexpected argument "elsewhere"/,
  );
  assert.throws(
    () => parseBenchArgs(["--frobnicate"]),
    /Unknown option "--frobnicate"/,
  );
  assert.throws(
    () => parseBenchArgs(["pp", "--frobnicate"]),
    /Unknown option "--frobnicate" after the mode/,
  );
  assert.throws(
    () => parseBenchArgs(["pp", "-t", "x"]),
    /Invalid duration "x"/,
  );
  assert.throws(
    () => parseBenchArgs(["-W", "0", "pp"]),
    /--moving-average-window must be a positive integer/,
  );
  assert.throws(
    () => parseBenchArgs(["--start-server=yes"]),
    /--start-server takes no value/,
  );
});

Deno.test("parseBenchArgs() gives the cluster mode its own defaults", () => {
  const o = parse(["cluster"]);
  assert.equal(o.mode, "cluster");
  assert.deepEqual(o.cluster, { nodes: 3, connect: [], latencySends: 500 });
  assert.equal(o.partitions, 4);
  assert.equal(o.messageBatches, 200);
  assert.equal(o.messagesPerBatch, 1000);
  assert.deepEqual(o.messageSize, { min: 100, max: 100 });
  assert.equal(parse(["pp"]).cluster, undefined);
});

Deno.test("parseBenchArgs() reads the cluster mode's options and the former bench:cluster names", () => {
  const started = parse([
    "cluster",
    "--nodes",
    "2",
    "--replication=2,1",
    "--acks",
    "all",
    "-a",
    "3",
    "-b",
    "7",
    "-P",
    "10",
    "-m",
    "50",
  ]);
  assert.deepEqual(started.cluster, {
    nodes: 2,
    connect: [],
    replication: [2, 1],
    acks: "all",
    latencySends: 500,
  });
  assert.deepEqual(
    [started.partitions, started.messageBatches, started.messagesPerBatch],
    [3, 7, 10],
  );
  assert.deepEqual(started.messageSize, { min: 50, max: 50 });
  const former = parse([
    "cluster",
    "--replicated",
    "--partitions",
    "3",
    "--batches",
    "100",
    "--batch",
    "10",
    "--size",
    "200",
  ]);
  assert.deepEqual(
    [former.partitions, former.messageBatches, former.messagesPerBatch],
    [3, 100, 10],
  );
  assert.deepEqual(former.messageSize, { min: 200, max: 200 });
  const connected = parse([
    "--",
    "cluster",
    "--connect",
    "10.0.0.5:8090, [::1]:8190",
    "--replication",
    "3",
    "--username",
    "bench",
    "--password",
    "secret",
    "--latency-sends",
    "50",
  ]);
  assert.deepEqual(connected.cluster, {
    nodes: 3,
    connect: ["10.0.0.5:8090", "[::1]:8190"],
    replication: [3],
    latencySends: 50,
  });
  assert.equal(connected.username, "bench");
  assert.equal(connected.password, "secret");
});

Deno.test("parseBenchArgs() refuses what the cluster mode cannot do", () => {
  const cases: [string[], RegExp][] = [
    [["cluster", "--connect", "h:1", "--acks", "all"], /--acks applies only/],
    [["cluster", "--acks", "most"], /--acks must be one of quorum, all/],
    [
      ["cluster", "--nodes", "2", "--replication", "1,3"],
      /--replication 3 needs at least 3 nodes/,
    ],
    [["cluster", "--replication", "1,1"], /names a factor twice/],
    [
      ["cluster", "--replication", "1,x"],
      /--replication must be a positive integer: "x"/,
    ],
    [["cluster", "--nodes", "0"], /--nodes must be a positive integer/],
    [["cluster", "--connect", "nohost"], /--connect takes host:port/],
    [["cluster", "--connect", "h:99999"], /--connect takes host:port/],
    [
      ["cluster", "--nodes", "2", "--connect", "h:1"],
      /--nodes .* or --connect, not both/,
    ],
    [["cluster", "--start-server"], /--start-server does not apply/],
    [
      ["cluster", "tcp", "--server-address", "h:1"],
      /--server-address does not apply/,
    ],
    [["cluster", "quic"], /runs over tcp, not quic/],
    [["cluster", "-m", "10..20"], /messages of one size/],
    [["pp", "--nodes", "3"], /--nodes is an option of the cluster mode/],
    [["pp", "--batches", "3"], /--batches is an option of the cluster mode/],
  ];
  for (const [args, message] of cases) {
    assert.throws(() => parseBenchArgs(args), message, args.join(" "));
  }
});

Deno.test("parseDuration() reads Iggy's human durations", () => {
  assert.equal(parseDuration("10ms"), 0.01);
  assert.equal(parseDuration("2s"), 2);
  assert.equal(parseDuration("5min"), 300);
  assert.equal(parseDuration("1h"), 3600);
  assert.equal(parseDuration("1m 30s"), 90);
  assert.equal(parseDuration("3"), 3);
  assert.throws(() => parseDuration("soon"), /Invalid duration "soon"/);
});
