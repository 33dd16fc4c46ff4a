import assert from "node:assert/strict";
import { bench } from "./_bench.ts";

Deno.test("main() runs pinned-consumer against its own server and writes the report", async () => {
  const dir = await Deno.makeTempDir({ prefix: "iggy_bench_test_" });
  try {
    const { code, stdout, stderr } = await bench([
      "pinned-consumer",
      "--start-server",
      "-c",
      "2",
      "-b",
      "3",
      "-P",
      "10",
      "-m",
      "100..200",
      "-q",
      "-o",
      dir,
    ]);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /Mode pinned-consumer: total time/);
    assert.match(
      stdout,
      /Aggregate all consumers: [\d.]+ MB\/s, \d+ msg\/s, 60 messages/,
    );
    const report = JSON.parse(await Deno.readTextFile(`${dir}/report.json`));
    assert.equal(report.parameters.mode, "pinned-consumer");
    assert.equal(report.runs[0].actors.length, 2);
    assert.equal(report.runs[0].aggregates[0].messages, 60);
    assert.ok(report.runs[0].series.aggregate.consumer.length > 0);
    const html = await Deno.readTextFile(`${dir}/report.html`);
    assert.match(html, /uPlot/);
    assert.match(html, /var uPlot=function/, "uPlot's browser build inlined");
    assert.match(html, /\.uplot, \.uplot \*/, "uPlot's stylesheet inlined");
    assert.doesNotMatch(html, /<script src=/, "no external scripts");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("main() ceiling mode runs --rounds rounds and reports their medians", async () => {
  const dir = await Deno.makeTempDir({ prefix: "iggy_bench_test_" });
  try {
    const { code, stdout, stderr } = await bench([
      "ceiling",
      "--start-server",
      "--rounds",
      "2",
      "-p",
      "1",
      "-c",
      "1",
      "-b",
      "2",
      "-P",
      "10",
      "-m",
      "100",
      "-q",
      "-o",
      dir,
    ]);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /, 2 rounds\n/);
    assert.match(stdout, /^1 \(floors-first\)\s+[\d.]+\s+[\d.]+/m);
    assert.match(stdout, /^2 \(iggy-first\)\s+[\d.]+\s+[\d.]+/m);
    assert.match(stdout, /^median\s+[\d.]+\s+[\d.]+/m);
    assert.match(stdout, /Median of 2 rounds:/);
    assert.match(stdout, /\(b\) bare log server\s+[\d.]+\s+[\d.]+/);
    assert.match(stdout, /iggy \/ \(a\) raw TCP\s+[\d.]+\s+[\d.]+/);
    assert.match(stdout, /Single-message send p99: iggy [\d.]+ ms/);

    const report = JSON.parse(await Deno.readTextFile(`${dir}/report.json`));
    assert.equal(report.parameters.rounds, 2);
    const { rounds, median } = report.ceiling;
    assert.equal(rounds.length, 2);
    assert.deepEqual(
      rounds.map((r: { round: number; order: string }) => [r.round, r.order]),
      [[1, "floors-first"], [2, "iggy-first"]],
    );
    for (const r of rounds) {
      assert.ok(r.send.iggyMBps > 0 && r.send.bareLogMBps > 0);
      assert.ok(r.poll.iggyMBps > 0 && r.poll.rawTcpMBps > 0);
      assert.ok(r.ratios.sendVsBareLog > 0);
      assert.ok(r.ratios.singleSendP99VsRawRoundTrip > 0);
    }
    // With two rounds the median is their mean.
    const mean = (pick: (r: typeof rounds[0]) => number) =>
      (pick(rounds[0]) + pick(rounds[1])) / 2;
    assert.ok(
      Math.abs(median.send.iggyMBps - mean((r) => r.send.iggyMBps)) < 1e-9,
    );
    assert.ok(
      Math.abs(
        median.ratios.pollVsBareLog - mean((r) => r.ratios.pollVsBareLog),
      ) < 1e-9,
    );
    // The top-level fields older consumers read are the medians.
    assert.deepEqual(report.ceiling.send, median.send);
    assert.deepEqual(report.ceiling.poll, median.poll);
    assert.deepEqual(
      report.ceiling.singleMessageSend,
      median.singleMessageSend,
    );
    assert.deepEqual(report.ceiling.ratios, median.ratios);
    // Every round's runs, named with the round.
    assert.equal(report.runs.length, 16);
    assert.equal(report.runs[0].mode, "round 1: raw TCP send");
    assert.equal(report.runs[15].mode, "round 2: iggy single-message send");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("main() rejects a bad --rounds value with the usage", async () => {
  for (const args of [["--rounds", "0"], ["--rounds=-1"], ["--rounds", "x"]]) {
    const { code, stderr } = await bench(["ceiling", ...args]);
    assert.equal(code, 2, args.join(" "));
    assert.match(stderr, /--rounds must be a positive integer: "(0|-1|x)"/);
    assert.match(stderr, /Usage: deno task bench/);
  }
  // A value starting with a dash must be attached (--rounds=-1), as it may be an option.
  const { code, stderr } = await bench(["ceiling", "--rounds", "-1"]);
  assert.equal(code, 2);
  assert.match(stderr, /--rounds needs a value \(got "-1"/);
});

Deno.test("main() runs an iggy-bench command line: e2ecg with the high-level API and run identifiers", async () => {
  const dir = await Deno.makeTempDir({ prefix: "iggy_bench_test_" });
  try {
    const { code, stdout, stderr } = await bench([
      "-b",
      "3",
      "-P",
      "10",
      "-m",
      "100",
      "-t",
      "5ms",
      "-W",
      "3",
      "-H",
      "e2ecg",
      "-p",
      "2",
      "-c",
      "2",
      "-g",
      "1",
      "-a",
      "2",
      "tcp",
      "--start-server",
      "-q",
      "output",
      "-o",
      dir,
      "--identifier",
      "test-run",
      "--remark",
      "tiny",
      "--gitref",
      "abc123",
    ]);
    assert.equal(code, 0, stderr);
    assert.match(
      stdout,
      /Mode end-to-end-producing-consumer-group: total time/,
    );
    assert.match(
      stdout,
      /Aggregate all consumers: [\d.]+ MB\/s, \d+ msg\/s, 60 messages/,
    );
    const report = JSON.parse(await Deno.readTextFile(`${dir}/report.json`));
    assert.deepEqual(report.run, {
      identifier: "test-run",
      remark: "tiny",
      gitref: "abc123",
    });
    assert.equal(report.parameters.highLevelApi, true);
    const run = report.runs[0];
    assert.equal(run.movingAverageWindow, 3);
    assert.ok(run.bucketSeconds >= 0.005);
    const points = run.series.aggregate.consumer;
    assert.ok(points.length > 0);
    assert.ok(
      points.every((p: { megabytesPerSecondAverage?: number }) =>
        typeof p.megabytesPerSecondAverage === "number"
      ),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("main() prints the examples and the help", async () => {
  const examples = await bench(["examples"]);
  assert.equal(examples.code, 0);
  assert.match(examples.stdout, /e2ecg/);
  const help = await bench(["pp", "--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /pinned-producer \(pp\)/);
});

Deno.test("main() rejects an unknown mode with the usage", async () => {
  const { code, stderr } = await bench(["sideways"]);
  assert.equal(code, 2);
  assert.match(stderr, /Unknown mode "sideways"/);
});
