/**
 * Measurements and their output: per-actor recorders with an HDR histogram of batch latencies,
 * the printed summary, `report.json` and an offline HTML page of charts (uPlot, inlined).
 * @module
 */

import * as hdr from "hdr-histogram-js";
import type { Histogram } from "hdr-histogram-js";
// The page inlines uPlot's browser build and stylesheet, imported as text (also in a bundle).
import UPLOT_CSS from "uplot/dist/uPlot.min.css" with { type: "text" };
import UPLOT_SCRIPT from "uplot/dist/uPlot.iife.min.js" with { type: "text" };

/** Largest latency the histograms track, in microseconds (10 minutes). */
const MAX_LATENCY_US = 600_000_000;
const PERCENTILES = [50, 90, 95, 99, 99.9] as const;

function newHistogram(): Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: MAX_LATENCY_US,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });
}

/** What one actor did, batch by batch. */
export class ActorRecorder {
  /** e.g. `producer 1`. */
  readonly name: string;
  /** `producer`, `consumer` or `producing-consumer`. */
  readonly kind: string;
  /** Batch latencies in µs. */
  readonly histogram: Histogram = newHistogram();
  /** Bytes moved (message frames: 64-byte header + payload + user headers). */
  bytes = 0;
  /** Payload bytes only. */
  payloadBytes = 0;
  messages = 0;
  batches = 0;
  /** `performance.now()` when measuring started and stopped. */
  startedAt = 0;
  finishedAt = 0;
  /** Per batch: end time (ms since the run started), bytes, messages, latency in µs. */
  readonly samples: number[] = [];
  #origin: number;

  /**
   * @param name The actor's name.
   * @param kind Its role.
   * @param origin `performance.now()` of the run's start (time-series zero).
   */
  constructor(name: string, kind: string, origin: number) {
    this.name = name;
    this.kind = kind;
    this.#origin = origin;
  }

  /** Starts the clock (after any warm-up). */
  start(): void {
    this.startedAt = performance.now();
  }

  /**
   * Records one batch that took from `began` to now.
   * @param began `performance.now()` when the request was made.
   * @param bytes Frame bytes of the batch.
   * @param payloadBytes Payload bytes of the batch.
   * @param messages Messages in the batch.
   * @param latencyMicros The batch's latency when it is not `now - began` (end-to-end modes).
   */
  record(
    began: number,
    bytes: number,
    payloadBytes: number,
    messages: number,
    latencyMicros?: number,
  ): void {
    const now = performance.now();
    const micros = Math.max(
      1,
      Math.round(latencyMicros ?? (now - began) * 1000),
    );
    this.histogram.recordValue(Math.min(micros, MAX_LATENCY_US));
    this.bytes += bytes;
    this.payloadBytes += payloadBytes;
    this.messages += messages;
    this.batches++;
    this.finishedAt = now;
    this.samples.push(now - this.#origin, bytes, messages, micros);
  }

  /** Stops the clock. */
  finish(): void {
    this.finishedAt = performance.now();
  }
}

/** Batch latency percentiles in milliseconds. */
export interface LatencySummary {
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

/** Throughput and latency of one actor or of a group of actors. */
export interface ActorSummary {
  name: string;
  kind: string;
  messages: number;
  batches: number;
  bytes: number;
  seconds: number;
  megabytesPerSecond: number;
  messagesPerSecond: number;
  latency: LatencySummary;
}

function latencyOf(h: Histogram): LatencySummary {
  const ms = (us: number) => Math.round(us) / 1000;
  const [p50, p90, p95, p99, p999] = PERCENTILES.map((p) =>
    ms(h.getValueAtPercentile(p))
  );
  return {
    p50: p50!,
    p90: p90!,
    p95: p95!,
    p99: p99!,
    p999: p999!,
    max: ms(h.maxValue),
    mean: ms(h.mean),
  };
}

/**
 * Summarises one actor.
 * @param actor The recorder.
 * @returns Its throughput (over its own measuring time) and latency.
 */
export function summarizeActor(actor: ActorRecorder): ActorSummary {
  const seconds = Math.max(1e-6, (actor.finishedAt - actor.startedAt) / 1000);
  return {
    name: actor.name,
    kind: actor.kind,
    messages: actor.messages,
    batches: actor.batches,
    bytes: actor.bytes,
    seconds,
    megabytesPerSecond: actor.bytes / 1e6 / seconds,
    messagesPerSecond: actor.messages / seconds,
    latency: latencyOf(actor.histogram),
  };
}

/**
 * Summarises a group of actors (e.g. all producers): bytes over the wall time from the first
 * start to the last finish, and the merged latency histogram.
 * @param name The group's name.
 * @param actors Its actors (at least one).
 * @returns The aggregate.
 */
export function summarizeGroup(
  name: string,
  actors: ActorRecorder[],
): ActorSummary {
  const merged = newHistogram();
  let bytes = 0;
  let messages = 0;
  let batches = 0;
  let start = Infinity;
  let end = -Infinity;
  for (const actor of actors) {
    merged.add(actor.histogram);
    bytes += actor.bytes;
    messages += actor.messages;
    batches += actor.batches;
    start = Math.min(start, actor.startedAt);
    end = Math.max(end, actor.finishedAt);
  }
  const seconds = Math.max(1e-6, (end - start) / 1000);
  const summary: ActorSummary = {
    name,
    kind: actors[0]?.kind ?? "",
    messages,
    batches,
    bytes,
    seconds,
    megabytesPerSecond: bytes / 1e6 / seconds,
    messagesPerSecond: messages / seconds,
    latency: latencyOf(merged),
  };
  merged.destroy();
  return summary;
}

/** One point of a time series. */
export interface SeriesPoint {
  /** Seconds since the run started (bucket end). */
  t: number;
  megabytesPerSecond: number;
  messagesPerSecond: number;
  /** Mean batch latency in ms of the batches finished in the bucket (0 when none). */
  latencyMs: number;
  /** Moving average of `megabytesPerSecond` over the last `window` points (see `movingAverage`). */
  megabytesPerSecondAverage?: number;
}

/**
 * Adds the moving average of MB/s over the last `window` points to each point (the charts draw it
 * over the raw samples, as Iggy's bench charts do).
 * @param points A time series.
 * @param window Points averaged (1 = the raw value).
 * @returns The same points, each with `megabytesPerSecondAverage`.
 */
export function movingAverage(
  points: SeriesPoint[],
  window: number,
): SeriesPoint[] {
  let sum = 0;
  for (let i = 0; i < points.length; i++) {
    sum += points[i]!.megabytesPerSecond;
    if (i >= window) sum -= points[i - window]!.megabytesPerSecond;
    points[i]!.megabytesPerSecondAverage = round(
      sum / Math.min(i + 1, window),
    );
  }
  return points;
}

/** Most points a chart series gets: a finer `--sampling-time` is widened to stay under it. */
export const MAX_SERIES_POINTS = 2000;

/**
 * Buckets an actor's samples (or several actors' samples together) over time.
 * @param actors The actors.
 * @param bucketMs Bucket width.
 * @param endMs Run length (ms since the run started).
 * @returns One point per bucket.
 */
export function timeSeries(
  actors: ActorRecorder[],
  bucketMs: number,
  endMs: number,
): SeriesPoint[] {
  const n = Math.max(1, Math.ceil(endMs / bucketMs));
  const bytes = new Float64Array(n);
  const messages = new Float64Array(n);
  const latency = new Float64Array(n);
  const batches = new Float64Array(n);
  for (const actor of actors) {
    const s = actor.samples;
    for (let i = 0; i < s.length; i += 4) {
      const b = Math.min(n - 1, Math.floor(s[i]! / bucketMs));
      bytes[b]! += s[i + 1]!;
      messages[b]! += s[i + 2]!;
      latency[b]! += s[i + 3]!;
      batches[b]!++;
    }
  }
  const seconds = bucketMs / 1000;
  const out: SeriesPoint[] = [];
  for (let b = 0; b < n; b++) {
    out.push({
      t: round((b + 1) * seconds),
      megabytesPerSecond: round(bytes[b]! / 1e6 / seconds),
      messagesPerSecond: round(messages[b]! / seconds),
      latencyMs: batches[b]! > 0 ? round(latency[b]! / batches[b]! / 1000) : 0,
    });
  }
  return out;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** The result of one benchmark run. */
export interface RunResult {
  /** The mode run. */
  mode: string;
  /** Seconds from the first actor's start to the last one's finish. */
  totalSeconds: number;
  /** Every actor. */
  actors: ActorRecorder[];
}

/** One row of the summary: each actor, then each role's aggregate. */
export interface RunSummary {
  mode: string;
  totalSeconds: number;
  actors: ActorSummary[];
  aggregates: ActorSummary[];
}

/**
 * Summarises a run: per actor and per role (producers, consumers, …).
 * @param run The run.
 * @returns The summary.
 */
export function summarizeRun(run: RunResult): RunSummary {
  const kinds = [...new Set(run.actors.map((a) => a.kind))];
  return {
    mode: run.mode,
    totalSeconds: run.totalSeconds,
    actors: run.actors.map(summarizeActor),
    aggregates: kinds.map((kind) =>
      summarizeGroup(
        `all ${kind}s`,
        run.actors.filter((a) => a.kind === kind),
      )
    ),
  };
}

function fixed(x: number, digits = 2): string {
  return x.toFixed(digits);
}

/**
 * Formats a summary as text for the terminal.
 * @param summary The run summary.
 * @returns Lines of text.
 */
export function formatSummary(summary: RunSummary): string {
  const header = [
    "actor".padEnd(22),
    "MB/s".padStart(9),
    "msg/s".padStart(11),
    "p50".padStart(8),
    "p90".padStart(8),
    "p95".padStart(8),
    "p99".padStart(8),
    "p999".padStart(8),
    "max".padStart(8),
    "mean".padStart(8),
  ].join(" ");
  const row = (s: ActorSummary) =>
    [
      s.name.padEnd(22),
      fixed(s.megabytesPerSecond).padStart(9),
      fixed(s.messagesPerSecond, 0).padStart(11),
      ...[
        s.latency.p50,
        s.latency.p90,
        s.latency.p95,
        s.latency.p99,
        s.latency.p999,
        s.latency.max,
        s.latency.mean,
      ].map((v) => fixed(v, 3).padStart(8)),
    ].join(" ");
  const lines = [
    `Mode ${summary.mode}: total time ${fixed(summary.totalSeconds, 3)} s`,
    "Latency per batch in ms.",
    header,
    ...summary.actors.map(row),
    "-".repeat(header.length),
    ...summary.aggregates.map(row),
  ];
  for (const agg of summary.aggregates) {
    lines.push(
      `Aggregate ${agg.name}: ${fixed(agg.megabytesPerSecond)} MB/s, ${
        fixed(agg.messagesPerSecond, 0)
      } msg/s, ${agg.messages} messages in ${fixed(agg.seconds, 3)} s, ` +
        `p99 ${fixed(agg.latency.p99, 3)} ms`,
    );
  }
  return lines.join("\n");
}

/** The machine and software a report was measured on. */
export interface Environment {
  deno: string;
  v8: string;
  typescript: string;
  os: string;
  arch: string;
  cpus: number;
  hostname: string;
  memoryBytes: number;
  date: string;
}

/**
 * Describes the environment.
 * @returns Versions, OS and hardware.
 */
export function environment(): Environment {
  let memoryBytes = 0;
  try {
    memoryBytes = Deno.systemMemoryInfo().total;
  } catch {
    // Not permitted.
  }
  return {
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    typescript: Deno.version.typescript,
    os: Deno.build.os,
    arch: Deno.build.arch,
    cpus: navigator.hardwareConcurrency,
    hostname: Deno.hostname(),
    memoryBytes,
    date: new Date().toISOString(),
  };
}

/**
 * Writes `report.json` (parameters, environment, summaries, time series) and `report.html`
 * (charts that need no network) into `dir`.
 * @param dir The output directory (created when missing).
 * @param options `parameters`, the runs, and extra data (e.g. ceiling figures).
 * @returns The paths written.
 */
export async function writeReport(
  dir: string,
  options: {
    parameters: unknown;
    runs: RunResult[];
    extra?: Record<string, unknown>;
    /** Chart sample width (`--sampling-time`) and moving-average window. */
    sampling?: { seconds: number; window: number };
  },
): Promise<{ json: string; html: string }> {
  const samplingMs = (options.sampling?.seconds ?? 0.01) * 1000;
  const window = options.sampling?.window ?? 20;
  await Deno.mkdir(dir, { recursive: true });
  const runs = options.runs.map((run) => {
    const endMs = Math.max(
      1,
      ...run.actors.map((a) => a.samples[a.samples.length - 4] ?? 0),
    );
    const bucketMs = Math.max(
      samplingMs,
      Math.ceil(endMs / MAX_SERIES_POINTS),
    );
    const kinds = [...new Set(run.actors.map((a) => a.kind))];
    const merged = newHistogram();
    for (const a of run.actors) merged.add(a.histogram);
    const distribution = latencyDistribution(merged);
    merged.destroy();
    return {
      ...summarizeRun(run),
      bucketSeconds: bucketMs / 1000,
      movingAverageWindow: window,
      series: {
        aggregate: Object.fromEntries(
          kinds.map((kind) => [
            kind,
            movingAverage(
              timeSeries(
                run.actors.filter((a) => a.kind === kind),
                bucketMs,
                endMs,
              ),
              window,
            ),
          ]),
        ),
        actors: Object.fromEntries(
          run.actors.map((
            a,
          ) => [
            a.name,
            movingAverage(timeSeries([a], bucketMs, endMs), window),
          ]),
        ),
      },
      latencyDistribution: distribution,
    };
  });
  const report = {
    generator: "iggy bench (Deno)",
    parameters: options.parameters,
    environment: environment(),
    runs,
    ...options.extra,
  };
  const json = `${dir}/report.json`;
  const html = `${dir}/report.html`;
  await Deno.writeTextFile(json, JSON.stringify(report, null, 2) + "\n");
  await Deno.writeTextFile(html, renderHtml(report));
  return { json, html };
}

/** Latency (ms) at percentiles from 0 to 99.999, for the distribution chart. */
function latencyDistribution(
  h: Histogram,
): { percentile: number; latencyMs: number }[] {
  const out: { percentile: number; latencyMs: number }[] = [];
  const points = [
    0,
    10,
    20,
    30,
    40,
    50,
    60,
    70,
    75,
    80,
    85,
    90,
    92.5,
    95,
    97.5,
    99,
    99.5,
    99.9,
    99.95,
    99.99,
    99.999,
    100,
  ];
  for (const p of points) {
    out.push({
      percentile: p,
      latencyMs: h.getValueAtPercentile(p) / 1000,
    });
  }
  return out;
}

function renderHtml(report: unknown): string {
  // `</script` inside JSON would end the script element early.
  const data = JSON.stringify(report).replaceAll("</", "<\\/");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Iggy bench report</title>
<style>${UPLOT_CSS}
body { font: 14px system-ui, sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
td, th { border: 1px solid #ccc; padding: 2px 8px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
h2 { margin-top: 2em; }
pre { background: #f6f6f6; padding: 0.5em; }
</style>
<script>${UPLOT_SCRIPT.replaceAll("</script", "<\\/script")}</script>
</head>
<body>
<h1>Iggy bench report</h1>
<div id="root"></div>
<script>
const report = ${data};
const root = document.getElementById("root");
const el = (tag, text) => { const e = document.createElement(tag); if (text !== undefined) e.textContent = text; root.appendChild(e); return e; };
el("pre", "Parameters: " + JSON.stringify(report.parameters, null, 1) + "\\nEnvironment: " + JSON.stringify(report.environment, null, 1));
if (report.ceiling) el("pre", "Ceiling: " + JSON.stringify(report.ceiling, null, 1));
if (report.cluster) el("pre", "Cluster: " + JSON.stringify(report.cluster, null, 1));
const colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
function chart(title, xLabel, yLabel, xs, series) {
  el("h3", title);
  const div = el("div");
  new uPlot({
    width: Math.min(1100, window.innerWidth - 40), height: 320,
    scales: { x: { time: false } },
    axes: [{ label: xLabel }, { label: yLabel }],
    series: [{ label: xLabel }, ...series.map((s, i) => ({ label: s.label, stroke: colors[i % colors.length], width: 1.5 }))],
  }, [xs, ...series.map((s) => s.values)], div);
}
for (const run of report.runs) {
  el("h2", "Mode " + run.mode + " (total " + run.totalSeconds.toFixed(3) + " s)");
  const table = el("table");
  table.innerHTML = "<tr><th>actor</th><th>MB/s</th><th>msg/s</th><th>p50</th><th>p90</th><th>p95</th><th>p99</th><th>p999</th><th>max</th><th>mean (ms)</th></tr>" +
    [...run.actors, ...run.aggregates].map((a) => "<tr><td>" + a.name + "</td><td>" + a.megabytesPerSecond.toFixed(2) + "</td><td>" + a.messagesPerSecond.toFixed(0) + "</td>" +
      ["p50", "p90", "p95", "p99", "p999", "max", "mean"].map((k) => "<td>" + a.latency[k].toFixed(3) + "</td>").join("") + "</tr>").join("");
  for (const [kind, points] of Object.entries(run.series.aggregate)) {
    chart("Throughput over time: all " + kind + "s", "s", "MB/s", points.map((p) => p.t), [{ label: kind + "s MB/s", values: points.map((p) => p.megabytesPerSecond) }, { label: "moving average (" + run.movingAverageWindow + ")", values: points.map((p) => p.megabytesPerSecondAverage) }]);
  }
  const actorNames = Object.keys(run.series.actors);
  const first = run.series.actors[actorNames[0]] ?? [];
  chart("Throughput over time per actor", "s", "MB/s", first.map((p) => p.t), actorNames.map((n) => ({ label: n + " (moving average)", values: run.series.actors[n].map((p) => p.megabytesPerSecondAverage) })));
  chart("Mean batch latency over time per actor", "s", "ms", first.map((p) => p.t), actorNames.map((n) => ({ label: n, values: run.series.actors[n].map((p) => p.latencyMs) })));
  chart("Latency distribution (all actors)", "percentile", "ms", run.latencyDistribution.map((p) => p.percentile), [{ label: "latency ms", values: run.latencyDistribution.map((p) => p.latencyMs) }]);
}
</script>
</body>
</html>
`;
}
