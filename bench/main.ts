/**
 * The benchmark app: `deno task bench [--] <mode> [options]` (see `--help`).
 *
 * Runs one of Iggy's benchmark modes against a server (or one it starts with `--start-server`),
 * prints per-actor and aggregate throughput and batch latency percentiles, and with `--output DIR`
 * writes `report.json` and `report.html`. The `ceiling` mode also measures, in the same run, a raw
 * Deno TCP server and a bare log server with the same byte pattern and prints the ratios.
 * @module
 */

import cliProgress from "cli-progress";
import {
  averageFrameSize,
  batchesPerActor,
  type BenchOptions,
  parseBenchArgs,
  USAGE,
} from "./options.ts";
import {
  formatSummary,
  type RunResult,
  type RunSummary,
  summarizeGroup,
  summarizeRun,
  writeReport,
} from "./report.ts";
import { layoutOf, type RunHooks, runMode } from "./scenarios/modes.ts";
import { measureCeiling } from "./scenarios/ceiling.ts";
import { startBenchServer } from "./server.ts";

/** Single-message sends (and raw round trips) measured for the latency floor. */
const ROUND_TRIPS = 5000;

interface ProgressBar {
  start(total: number, value: number, payload?: Record<string, unknown>): void;
  increment(): void;
  stop(): void;
}

function progressHooks(quiet: boolean): RunHooks & { stop(): void } {
  if (quiet) {
    return { onPhase() {}, onBatch() {}, stop() {} };
  }
  const bar: ProgressBar = new cliProgress.SingleBar({
    format:
      "{phase} |{bar}| {percentage}% | {value}/{total} batches | {duration}s",
    stream: Deno.stderr.isTerminal() ? undefined : undefined,
    hideCursor: true,
    clearOnComplete: false,
  }, cliProgress.Presets.shades_classic);
  let running = false;
  return {
    onPhase(phase, total) {
      if (running) bar.stop();
      bar.start(total, 0, { phase: phase.padEnd(24) });
      running = true;
    },
    onBatch() {
      bar.increment();
    },
    stop() {
      if (running) bar.stop();
      running = false;
    },
  };
}

function ratio(a: number, b: number): string {
  return b > 0 ? (a / b).toFixed(3) : "n/a";
}

/** Runs the `ceiling` mode: floors, then pinned send and poll and a single-message send. */
async function runCeiling(
  options: BenchOptions,
  address: string,
  hooks: RunHooks & { stop(): void },
): Promise<
  { runs: RunResult[]; ceiling: Record<string, unknown>; text: string }
> {
  const producers = Math.max(1, options.producers);
  const consumers = Math.max(1, options.consumers);
  const batches = batchesPerActor(options, producers);
  const batchBytes = Math.round(
    averageFrameSize(options) * options.messagesPerBatch,
  );
  const requestBytes = batchBytes + 16 * options.messagesPerBatch + 48;
  const singleRequest = Math.round(averageFrameSize(options)) + 16 + 48;
  const floors = await measureCeiling(
    {
      producers,
      consumers,
      batches,
      batchBytes,
      requestBytes,
      messagesPerBatch: options.messagesPerBatch,
    },
    hooks,
    { requests: ROUND_TRIPS, requestBytes: singleRequest },
  );
  const base = { ...options, producers, consumers, streams: producers };
  const send = await runMode(
    { ...base, mode: "pinned-producer" },
    address,
    hooks,
  );
  const pollLayout = {
    ...layoutOf({ ...base, mode: "pinned-consumer" }),
    prefill: false,
  };
  pollLayout.streams = producers;
  const poll = await runMode(
    { ...base, mode: "pinned-consumer", totalData: 0, messageBatches: batches },
    address,
    hooks,
    { layout: pollLayout, skipPrepare: true },
  );
  const single = await runMode(
    {
      ...base,
      mode: "pinned-producer",
      producers: 1,
      streams: 1,
      messagesPerBatch: 1,
      messageBatches: ROUND_TRIPS,
      totalData: 0,
      rateLimit: 0,
    },
    address,
    hooks,
  );
  hooks.stop();
  const mbs = (run: RunResult) =>
    summarizeGroup("all", run.actors).megabytesPerSecond;
  const p99 = (run: RunResult) => summarizeGroup("all", run.actors).latency.p99;
  send.mode = "iggy send (pinned-producer)";
  poll.mode = "iggy poll (pinned-consumer)";
  single.mode = "iggy single-message send";
  const figures = {
    send: {
      iggyMBps: mbs(send),
      bareLogMBps: mbs(floors.logSend),
      rawTcpMBps: mbs(floors.rawSend),
    },
    poll: {
      iggyMBps: mbs(poll),
      bareLogMBps: mbs(floors.logPoll),
      rawTcpMBps: mbs(floors.rawPoll),
    },
    singleMessageSend: {
      iggyP99Ms: p99(single),
      rawRoundTripP99Ms: p99(floors.rawRoundTrip),
    },
  };
  const row = (name: string, s: number, p: number) =>
    `${name.padEnd(22)} ${s.toFixed(1).padStart(12)} ${
      p.toFixed(1).padStart(12)
    }`;
  const text = [
    `Ceiling: ${producers} producers / ${consumers} consumers, ${batches} batches of ` +
    `${options.messagesPerBatch} messages (${batchBytes} bytes) each`,
    `${"".padEnd(22)} ${"send MB/s".padStart(12)} ${"poll MB/s".padStart(12)}`,
    row("(a) raw Deno TCP", figures.send.rawTcpMBps, figures.poll.rawTcpMBps),
    row(
      "(b) bare log server",
      figures.send.bareLogMBps,
      figures.poll.bareLogMBps,
    ),
    row("iggy server", figures.send.iggyMBps, figures.poll.iggyMBps),
    `${"iggy / (b) bare log".padEnd(22)} ${
      ratio(figures.send.iggyMBps, figures.send.bareLogMBps).padStart(12)
    } ${ratio(figures.poll.iggyMBps, figures.poll.bareLogMBps).padStart(12)}`,
    `${"iggy / (a) raw TCP".padEnd(22)} ${
      ratio(figures.send.iggyMBps, figures.send.rawTcpMBps).padStart(12)
    } ${ratio(figures.poll.iggyMBps, figures.poll.rawTcpMBps).padStart(12)}`,
    `Single-message send p99: iggy ${
      figures.singleMessageSend.iggyP99Ms.toFixed(3)
    } ms, ` +
    `raw ${singleRequest}-byte round trip ${
      figures.singleMessageSend.rawRoundTripP99Ms.toFixed(3)
    } ms, ratio ${
      ratio(
        figures.singleMessageSend.iggyP99Ms,
        figures.singleMessageSend.rawRoundTripP99Ms,
      )
    }`,
  ].join("\n");
  return {
    runs: [
      floors.rawSend,
      floors.rawPoll,
      floors.logSend,
      floors.logPoll,
      floors.rawRoundTrip,
      send,
      poll,
      single,
    ],
    ceiling: {
      ...figures,
      ratios: {
        sendVsBareLog: figures.send.iggyMBps / figures.send.bareLogMBps,
        sendVsRawTcp: figures.send.iggyMBps / figures.send.rawTcpMBps,
        pollVsBareLog: figures.poll.iggyMBps / figures.poll.bareLogMBps,
        pollVsRawTcp: figures.poll.iggyMBps / figures.poll.rawTcpMBps,
        singleSendP99VsRawRoundTrip: figures.singleMessageSend.iggyP99Ms /
          figures.singleMessageSend.rawRoundTripP99Ms,
      },
    },
    text,
  };
}

/**
 * Runs the bench with `args`.
 * @param args Command-line arguments.
 * @returns The exit code.
 */
export async function main(args: string[]): Promise<number> {
  let options: BenchOptions | undefined;
  try {
    options = parseBenchArgs(args);
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (!options) {
    console.log(USAGE);
    return 0;
  }
  const server = options.startServer
    ? await startBenchServer({ keepData: options.keepData })
    : undefined;
  const hooks = progressHooks(options.quiet);
  try {
    let address = options.serverAddress;
    if (server) {
      const bound = server.addresses[options.transport];
      if (bound === undefined) {
        throw new Error(
          `The started server has no ${options.transport} listener`,
        );
      }
      address = bound;
      options.serverAddress = address;
    }
    const started = performance.now();
    let runs: RunResult[];
    let extra: Record<string, unknown> = {};
    let text: string;
    if (options.mode === "ceiling") {
      const result = await runCeiling(options, address, hooks);
      runs = result.runs;
      extra = { ceiling: result.ceiling };
      text = [
        ...runs.map((run) => formatSummary(summarizeRun(run))),
        result.text,
      ].join("\n\n");
    } else {
      const run = await runMode(options, address, hooks);
      hooks.stop();
      runs = [run];
      const summary: RunSummary = summarizeRun(run);
      text = formatSummary(summary);
    }
    console.log(text);
    console.log(
      `Total time: ${((performance.now() - started) / 1000).toFixed(3)} s`,
    );
    if (options.output) {
      const written = await writeReport(options.output, {
        parameters: { ...options, password: "***" },
        runs,
        extra,
      });
      console.log(`Report: ${written.json}, ${written.html}`);
    }
    return 0;
  } catch (err) {
    hooks.stop();
    console.error(`Bench failed: ${(err as Error).stack ?? err}`);
    if (server) console.error(server.log());
    return 1;
  } finally {
    await server?.stop();
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
