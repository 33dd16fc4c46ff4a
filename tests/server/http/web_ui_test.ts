/**
 * Regressions found by driving the official Iggy Web UI (web-ui-0.3.0) against the HTTP API:
 * the exact JSON it needs.
 */
import assert from "node:assert/strict";
import { parse } from "lossless-json";
import type { Stats } from "../../../client/protocol/mod.ts";
import { f32Json, stringifyJson } from "../../../server/http/json.ts";
import { statsToJson as statsJson } from "../../../client/protocol/http_json/mod.ts";
import { openApi } from "./_app.ts";

/** Every number token of a JSON text, as written. */
function numberTokens(text: string): string[] {
  const tokens: string[] = [];
  parse(text, null, (raw: string) => {
    tokens.push(raw);
    return raw;
  });
  return tokens;
}

/**
 * The Web UI parses bodies with json-bigint 1.0, which throws (and the UI then sees `null`) on a
 * fractional or exponent number token longer than 15 characters.
 */
function assertJsonBigintSafe(text: string): void {
  for (const token of numberTokens(text)) {
    if (/[.eE]/.test(token)) {
      assert.ok(token.length <= 15, `number token ${token} breaks json-bigint`);
    }
  }
}

function sampleStats(): Stats {
  return {
    processId: 42,
    cpuUsage: 1.7424761508334794,
    totalCpuUsage: 100,
    memoryUsage: 1024n,
    totalMemory: 2048n,
    availableMemory: 1000n,
    runTime: 5_000_000n,
    startTime: 1_700_000_000_000_000n,
    readBytes: 0n,
    writtenBytes: 0n,
    messagesSizeBytes: 0n,
    streamsCount: 1,
    topicsCount: 1,
    partitionsCount: 1,
    segmentsCount: 1,
    messagesCount: 0n,
    clientsCount: 0,
    consumerGroupsCount: 0,
    hostname: "host",
    osName: "linux",
    osVersion: "6",
    kernelVersion: "6",
    iggyServerVersion: "0.8.0",
    iggyServerSemver: 8000,
    cacheMetrics: [{
      streamId: 1,
      topicId: 2,
      partitionId: 3,
      hits: 1n,
      misses: 2n,
      hitRatio: 1 / 3,
    }],
    threadsCount: 4,
    freeDiskSpace: 0n,
    totalDiskSpace: 0n,
  };
}

Deno.test("f32Json() writes the shortest f32 decimal, like serde_json", () => {
  const cases: [number, string | null][] = [
    [1.7424761508334794, "1.7424761"],
    [1 / 3, "0.33333334"],
    [0.1, "0.1"],
    [100, "100.0"],
    [0, "0.0"],
    [-2.5, "-2.5"],
    [Number.NaN, null],
    [Number.POSITIVE_INFINITY, null],
  ];
  for (const [value, text] of cases) {
    const json = f32Json(value);
    assert.equal(json === null ? null : json.toString(), text, `${value}`);
  }
});

Deno.test("statsJson() writes cpu_usage and hit_ratio as short f32 numbers json-bigint can parse", () => {
  const text = stringifyJson(statsJson(sampleStats()));
  assertJsonBigintSafe(text);
  assert.match(text, /"cpu_usage":1\.7424761,"total_cpu_usage":100\.0,/);
  assert.match(text, /"hit_ratio":0\.33333334\}/);
});

Deno.test("GET /stats answers a body the Web UI's json-bigint parser accepts", async () => {
  await using t = await openApi();
  const res = await t.request("GET", "/stats");
  assert.equal(res.status, 200);
  const text = await res.text();
  assertJsonBigintSafe(text);
  const cpu = numberTokens(text)[1];
  assert.match(cpu, /^\d+(\.\d+)?(e-?\d+)?$/);
});
