/**
 * The benchmark app: `deno task bench [--] <mode> [options]` (see `--help`).
 *
 * Runs one of Iggy's benchmark modes against a server (or one it starts with `--start-server`),
 * prints per-actor and aggregate throughput and batch latency percentiles, and with `--output DIR`
 * writes `report.json` and `report.html`. The `ceiling` mode also measures, in the same run, a raw
 * Deno TCP server and a bare log server with the same byte pattern, in `--rounds` interleaved
 * rounds, and prints the ratios of each round and their medians. The `cluster` mode measures a
 * cluster (started here with etcd, or `--connect`ed) at several replication factors.
 * @module
 */

import cliProgress from "cli-progress";
import type { BenchOptions } from "./options.ts";
import { EXAMPLES, parseBenchArgs, USAGE } from "./args.ts";
import {
  formatSummary,
  type RunResult,
  type RunSummary,
  summarizeRun,
  writeReport,
} from "./report.ts";
import { type RunHooks, runMode } from "./scenarios/modes.ts";
import { runCeiling } from "./scenarios/ceiling.ts";
import { startBenchServer } from "./server.ts";
import {
  type BenchCluster,
  ETCD_MISSING,
  etcdInstalled,
  startBenchCluster,
} from "./cluster_nodes.ts";
import {
  ClusterBenchError,
  discoverNodes,
  formatCluster,
  runCluster,
} from "./scenarios/cluster.ts";
import { CLUSTER_DEFAULTS } from "./options.ts";
import { rerunInsecureIfAsked } from "../cli/insecure.ts";

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

/** Opens a file with the desktop's opener (`--open-charts`); says so when there is none. */
async function openInBrowser(path: string): Promise<void> {
  const opener = Deno.build.os === "darwin"
    ? "open"
    : Deno.build.os === "windows"
    ? "explorer"
    : "xdg-open";
  try {
    const child = new Deno.Command(opener, {
      args: [path],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    await child.status;
  } catch {
    console.error(`Could not open ${path} (no ${opener}): open it by hand`);
  }
}

/** Writes report.json and report.html when `--output` asks for them. */
async function writeReportIfAsked(
  options: BenchOptions,
  runs: RunResult[],
  extra: Record<string, unknown>,
): Promise<void> {
  if (!options.output) return;
  const written = await writeReport(options.output, {
    parameters: { ...options, password: "***" },
    runs,
    extra: { run: options.identity, ...extra },
    sampling: {
      seconds: options.samplingSeconds,
      window: options.movingAverageWindow,
    },
  });
  console.log(`Report: ${written.json}, ${written.html}`);
  if (options.openCharts) await openInBrowser(written.html);
}

/** The `cluster` mode: start etcd and nodes (or use `--connect`), measure, print, report. */
async function mainCluster(options: BenchOptions): Promise<number> {
  const cluster = options.cluster!;
  if (cluster.connect.length === 0 && !etcdInstalled()) {
    console.error(ETCD_MISSING);
    return 1;
  }
  const started = performance.now();
  let own: BenchCluster | undefined;
  try {
    if (cluster.connect.length === 0) {
      if (!options.quiet) {
        console.error(`Starting etcd and ${cluster.nodes} nodes`);
      }
      own = await startBenchCluster({
        nodes: cluster.nodes,
        acks: cluster.acks,
        keepData: options.keepData,
      });
    }
    const { nodes, listed } = await discoverNodes(
      own?.addresses ?? cluster.connect,
      options,
    );
    const factors = cluster.replication ??
      CLUSTER_DEFAULTS.replication.filter((r) => r <= listed);
    const result = await runCluster(options, nodes, factors);
    const size = options.messageSize.max;
    console.log(
      [
        `Cluster of ${listed} node${listed === 1 ? "" : "s"}${
          own
            ? ` started by the bench (etcd, acks ${cluster.acks ?? "quorum"})`
            : ""
        }; clients on ${nodes.map((n) => `${n.name} ${n.address}`).join(", ")}`,
        "Partition i's client is on node i mod N by name: its leader when the cluster has no other topics, else that node forwards to the leader",
        `${options.partitions} partitions x ${options.messageBatches} batches x ${options.messagesPerBatch} messages of ${size} B (MB/s counts 64-byte headers + payload)`,
        formatCluster(result),
        `Total time: ${((performance.now() - started) / 1000).toFixed(3)} s`,
      ].join("\n"),
    );
    await writeReportIfAsked(options, result.runs, {
      cluster: {
        started: own !== undefined,
        acks: own ? cluster.acks ?? "quorum" : undefined,
        nodes: result.nodes,
        factors: result.factors,
        ratios: result.ratios,
      },
    });
    return 0;
  } catch (err) {
    if (err instanceof ClusterBenchError) {
      console.error(`Bench failed: ${err.message}`);
    } else {
      console.error(`Bench failed: ${(err as Error).stack ?? err}`);
      if (own) console.error(own.log());
    }
    return 1;
  } finally {
    await own?.stop();
  }
}

/**
 * Runs the bench with `args`.
 * @param args Command-line arguments.
 * @returns The exit code.
 */
export async function main(args: string[]): Promise<number> {
  let options: BenchOptions;
  try {
    const parsed = parseBenchArgs(args);
    if (parsed.kind === "help") {
      console.log(USAGE);
      return 0;
    }
    if (parsed.kind === "examples") {
      console.log(EXAMPLES);
      return 0;
    }
    options = parsed.options;
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (options.mode === "cluster") return await mainCluster(options);
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
      hooks.stop();
      runs = result.runs;
      extra = { ceiling: result.ceiling };
      text = [
        ...result.lastRound.map((run) => formatSummary(summarizeRun(run))),
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
    await writeReportIfAsked(options, runs, extra);
    return 0;
  } catch (err) {
    hooks.stop();
    console.error(`Bench failed: ${(err as Error).stack ?? err}`);
    if (server) console.error(server.log());
    if (/UnknownIssuer|certificate/i.test(String(err))) {
      console.error(
        "hint: the server's certificate is not trusted (QUIC's is self-signed): add --insecure",
      );
    }
    return 1;
  } finally {
    await server?.stop();
  }
}

if (import.meta.main) {
  Deno.exit(
    await rerunInsecureIfAsked(import.meta.url, Deno.args) ??
      await main(Deno.args),
  );
}
