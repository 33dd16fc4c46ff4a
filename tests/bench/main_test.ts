import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

async function bench(
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "bench/main.ts", ...args],
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

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
    assert.doesNotMatch(html, /<script src=/, "no external scripts");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("main() ceiling mode prints the ratios to the floors", async () => {
  const { code, stdout, stderr } = await bench([
    "ceiling",
    "--start-server",
    "-p",
    "1",
    "-c",
    "1",
    "-b",
    "2",
    "-P",
    "10",
    "-q",
  ]);
  assert.equal(code, 0, stderr);
  assert.match(stdout, /\(b\) bare log server\s+[\d.]+\s+[\d.]+/);
  assert.match(stdout, /iggy \/ \(a\) raw TCP\s+[\d.]+\s+[\d.]+/);
  assert.match(stdout, /Single-message send p99: iggy [\d.]+ ms/);
});

Deno.test("main() rejects an unknown mode with the usage", async () => {
  const { code, stderr } = await bench(["sideways"]);
  assert.equal(code, 2);
  assert.match(stderr, /Unknown mode "sideways"/);
});
