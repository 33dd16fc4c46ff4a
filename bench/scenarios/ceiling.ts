/**
 * The `ceiling` mode: the same byte pattern as the benchmark, sent to (a) a raw Deno TCP server
 * and (b) a bare log server (see `ceiling_server.ts`), and to the iggy server, in interleaved
 * rounds; the ratios of each round and their medians across rounds.
 * @module
 */

import { fileURLToPath } from "node:url";
import { IggyClient } from "../../mod.ts";
import {
  averageFrameSize,
  batchesPerActor,
  type BenchOptions,
} from "../options.ts";
import { ActorRecorder, type RunResult, summarizeGroup } from "../report.ts";
import { CeilingCode } from "./ceiling_server.ts";
import { randomBytes } from "../random_bytes.ts";
import {
  connectionString,
  layoutOf,
  prepareStreams,
  type RunHooks,
  runMode,
} from "./modes.ts";

const HEADER = 8;
const SERVER = fileURLToPath(new URL("./ceiling_server.ts", import.meta.url));

/** One connection that sends a frame and waits for its answer. */
class RawConnection {
  #conn: Deno.TcpConn;
  #header = new Uint8Array(HEADER);

  constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
  }

  static async open(port: number): Promise<RawConnection> {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.setNoDelay(true);
    return new RawConnection(conn);
  }

  /** Writes `frame`, reads the answer into a fresh buffer (as a client keeps it). */
  async request(frame: Uint8Array): Promise<Uint8Array> {
    for (let at = 0; at < frame.length;) {
      at += await this.#conn.write(frame.subarray(at));
    }
    await this.#readInto(this.#header);
    const length = new DataView(this.#header.buffer).getUint32(4, true);
    const payload = new Uint8Array(length);
    await this.#readInto(payload);
    return payload;
  }

  async #readInto(target: Uint8Array): Promise<void> {
    for (let at = 0; at < target.length;) {
      const n = await this.#conn.read(target.subarray(at));
      if (n === null) throw new Error("Ceiling server closed the connection");
      at += n;
    }
  }

  close(): void {
    this.#conn.close();
  }
}

function frame(code: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, 4 + payload.length, true);
  view.setUint32(4, code, true);
  out.set(payload, HEADER);
  return out;
}

let syncMissing = false;

/**
 * Settles the page cache writeback before a measured send or poll phase, so that a phase does not
 * pay for the dirty pages of the one before: runs `sync` where it exists (Linux, macOS), and does
 * nothing where it does not.
 */
async function settleWriteback(): Promise<void> {
  if (syncMissing) return;
  try {
    await new Deno.Command("sync", {
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).output();
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
    syncMissing = true;
  }
}

/** The floor server child process. */
export interface CeilingServer {
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts the floor server on a temp directory (removed on stop).
 * @returns Its port and a stop function.
 */
export async function startCeilingServer(): Promise<CeilingServer> {
  const dir = await Deno.makeTempDir({ prefix: "iggy_ceiling_" });
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", SERVER, dir],
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.getReader();
  const decoder = new TextDecoder();
  let text = "";
  while (!text.includes("\n")) {
    const chunk = await reader.read();
    if (chunk.done) throw new Error("Ceiling server did not start");
    text += decoder.decode(chunk.value, { stream: true });
  }
  reader.releaseLock();
  const drained = child.stdout.pipeTo(new WritableStream()).catch(() => {});
  const { port } = JSON.parse(text.slice(0, text.indexOf("\n"))) as {
    port: number;
  };
  return {
    port,
    async stop() {
      try {
        child.kill("SIGTERM");
      } catch {
        // Exited.
      }
      await child.status;
      await drained;
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

/** The byte pattern to measure. */
export interface CeilingPattern {
  producers: number;
  consumers: number;
  batches: number;
  /** Bytes of one stored batch (message frames). */
  batchBytes: number;
  /** Bytes of a send request (metadata + index + frames). */
  requestBytes: number;
  /** Messages per batch (for msg/s). */
  messagesPerBatch: number;
}

type Hooks = { onPhase(name: string, total: number): void; onBatch(): void };

async function runActors(
  name: string,
  kind: string,
  actors: number,
  port: number,
  hooks: Hooks,
  batches: number,
  step: (
    conn: RawConnection,
    actor: number,
    i: number,
  ) => Promise<number>,
  messagesPerBatch: number,
): Promise<RunResult> {
  const conns = await Promise.all(
    Array.from({ length: actors }, () => RawConnection.open(port)),
  );
  hooks.onPhase(name, actors * batches);
  const origin = performance.now();
  const recorders = conns.map((_, a) =>
    new ActorRecorder(`${kind} ${a + 1}`, kind, origin)
  );
  try {
    await Promise.all(conns.map(async (conn, a) => {
      const recorder = recorders[a]!;
      recorder.start();
      for (let i = 0; i < batches; i++) {
        const began = performance.now();
        const bytes = await step(conn, a, i);
        recorder.record(began, bytes, bytes, messagesPerBatch);
        hooks.onBatch();
      }
      recorder.finish();
    }));
  } finally {
    for (const conn of conns) conn.close();
  }
  const start = Math.min(...recorders.map((r) => r.startedAt));
  const end = Math.max(...recorders.map((r) => r.finishedAt));
  return { mode: name, totalSeconds: (end - start) / 1000, actors: recorders };
}

/** The floors, each a run of the same shape as the benchmark's. */
export interface CeilingRuns {
  rawSend: RunResult;
  rawPoll: RunResult;
  logSend: RunResult;
  logPoll: RunResult;
  /** One connection, 1 KB-ish request answered with an empty OK, one at a time. */
  rawRoundTrip: RunResult;
}

/**
 * Measures the floors for `pattern` on a fresh floor server (its files are removed when it
 * stops); settles the page cache writeback before each send phase.
 * @param pattern Actors, batches and sizes.
 * @param hooks Progress callbacks.
 * @param roundTrip Requests and request size for the single round-trip latency.
 * @returns One run per floor.
 */
export async function measureCeiling(
  pattern: CeilingPattern,
  hooks: Hooks,
  roundTrip: { requests: number; requestBytes: number },
): Promise<CeilingRuns> {
  const server = await startCeilingServer();
  try {
    const { producers, consumers, batches, batchBytes, messagesPerBatch } =
      pattern;
    const send = frame(
      CeilingCode.RawAck,
      randomBytes(pattern.requestBytes),
    );
    await settleWriteback();
    const rawSend = await runActors(
      "raw TCP send",
      "producer",
      producers,
      server.port,
      hooks,
      batches,
      async (conn) => {
        await conn.request(send);
        return batchBytes;
      },
      messagesPerBatch,
    );
    const ask = new Uint8Array(4);
    new DataView(ask.buffer).setUint32(0, batchBytes, true);
    const askFrame = frame(CeilingCode.RawReply, ask);
    await settleWriteback();
    const rawPoll = await runActors(
      "raw TCP poll",
      "consumer",
      consumers,
      server.port,
      hooks,
      batches,
      async (conn) => (await conn.request(askFrame)).length,
      messagesPerBatch,
    );
    // One append request per producer, each tagged with its file id.
    const appends = Array.from({ length: producers }, (_, p) => {
      const payload = randomBytes(4 + pattern.requestBytes);
      new DataView(payload.buffer).setUint32(0, p, true);
      return frame(CeilingCode.LogAppend, payload);
    });
    await settleWriteback();
    const logSend = await runActors(
      "bare log send",
      "producer",
      producers,
      server.port,
      hooks,
      batches,
      async (conn, p) => {
        await conn.request(appends[p]!);
        return batchBytes;
      },
      messagesPerBatch,
    );
    const read = new Uint8Array(12);
    const readView = new DataView(read.buffer);
    await settleWriteback();
    const logPoll = await runActors(
      "bare log poll",
      "consumer",
      consumers,
      server.port,
      hooks,
      batches,
      async (conn, c, i) => {
        readView.setUint32(0, c % producers, true);
        readView.setUint32(4, i * pattern.requestBytes, true);
        readView.setUint32(8, batchBytes, true);
        return (await conn.request(frame(CeilingCode.LogRead, read))).length;
      },
      messagesPerBatch,
    );
    const small = frame(
      CeilingCode.RawAck,
      randomBytes(roundTrip.requestBytes),
    );
    await settleWriteback();
    const rawRoundTrip = await runActors(
      "raw TCP round trip",
      "producer",
      1,
      server.port,
      hooks,
      roundTrip.requests,
      async (conn) => {
        await conn.request(small);
        return roundTrip.requestBytes;
      },
      1,
    );
    return { rawSend, rawPoll, logSend, logPoll, rawRoundTrip };
  } finally {
    await server.stop();
  }
}

/** Single-message sends (and raw round trips) measured for the latency floor. */
const ROUND_TRIPS = 5000;

/** Send or poll throughput of the iggy server and of both floors, in MB/s. */
export interface CeilingThroughput {
  iggyMBps: number;
  bareLogMBps: number;
  rawTcpMBps: number;
}

/** The iggy server's figures as fractions of the floors'. */
export interface CeilingRatios {
  sendVsBareLog: number;
  sendVsRawTcp: number;
  pollVsBareLog: number;
  pollVsRawTcp: number;
  /** Single-message send p99 over the raw round trip p99 (lower is better). */
  singleSendP99VsRawRoundTrip: number;
}

/** The figures of one round, or their medians across rounds. */
export interface CeilingFigures {
  send: CeilingThroughput;
  poll: CeilingThroughput;
  singleMessageSend: { iggyP99Ms: number; rawRoundTripP99Ms: number };
  ratios: CeilingRatios;
}

/** One round: which side ran first, and its figures. */
export interface CeilingRound extends CeilingFigures {
  /** 1-based. */
  round: number;
  order: "floors-first" | "iggy-first";
}

/**
 * `ceiling` in `report.json`: every round, the medians, and (for older consumers of the report)
 * the medians again at the top level.
 */
export interface CeilingReport extends CeilingFigures {
  rounds: CeilingRound[];
  /** Median of each figure and of each ratio across rounds (not ratios of medians). */
  median: CeilingFigures;
}

/**
 * The median of the finite values (the mean of the middle two for an even count).
 * @param values The values.
 * @returns The median, or `NaN` when no value is finite.
 */
export function median(values: number[]): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? sorted[mid]!
    : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function fraction(a: number, b: number): number {
  return b > 0 ? a / b : NaN;
}

/**
 * Works out the ratios of one round's figures.
 * @param figures Throughputs and latencies.
 * @returns The iggy server's figures over the floors' (`NaN` where a floor is 0).
 */
export function ceilingRatios(
  figures: Omit<CeilingFigures, "ratios">,
): CeilingRatios {
  const { send, poll, singleMessageSend: single } = figures;
  return {
    sendVsBareLog: fraction(send.iggyMBps, send.bareLogMBps),
    sendVsRawTcp: fraction(send.iggyMBps, send.rawTcpMBps),
    pollVsBareLog: fraction(poll.iggyMBps, poll.bareLogMBps),
    pollVsRawTcp: fraction(poll.iggyMBps, poll.rawTcpMBps),
    singleSendP99VsRawRoundTrip: fraction(
      single.iggyP99Ms,
      single.rawRoundTripP99Ms,
    ),
  };
}

/**
 * The median of every figure and every ratio across rounds.
 * @param rounds At least one round.
 * @returns The medians (each ratio is the median of the rounds' ratios).
 */
export function medianFigures(rounds: CeilingFigures[]): CeilingFigures {
  const of = <G extends keyof CeilingFigures>(
    group: G,
  ): CeilingFigures[G] => {
    const first = rounds[0]![group] as unknown as Record<string, number>;
    return Object.fromEntries(
      Object.keys(first).map((key) => [
        key,
        median(
          rounds.map((f) =>
            (f[group] as unknown as Record<string, number>)[key]!
          ),
        ),
      ]),
    ) as unknown as CeilingFigures[G];
  };
  return {
    send: of("send"),
    poll: of("poll"),
    singleMessageSend: of("singleMessageSend"),
    ratios: of("ratios"),
  };
}

/** The result of the `ceiling` mode. */
export interface CeilingResult {
  /** Every measured run of every round, named `round N: …`. */
  runs: RunResult[];
  /** The runs of the last round (for the printed per-actor tables). */
  lastRound: RunResult[];
  ceiling: CeilingReport;
  /** The per-round table and the medians, for the terminal. */
  text: string;
}

/** Workload of one ceiling run, derived from the options. */
interface Shape {
  producers: number;
  consumers: number;
  batches: number;
  batchBytes: number;
  singleRequest: number;
}

function withRound(hooks: RunHooks, round: number): RunHooks {
  return {
    onPhase: (name, total) => hooks.onPhase(`r${round} ${name}`, total),
    onBatch: () => hooks.onBatch(),
  };
}

async function prepare(options: BenchOptions, address: string): Promise<void> {
  const admin = await IggyClient.connect(connectionString(options, address));
  try {
    await prepareStreams(admin, layoutOf(options));
  } finally {
    await admin.close();
  }
}

/** The iggy server's pinned send, pinned poll (of what was sent) and single-message sends. */
async function measureIggy(
  options: BenchOptions,
  address: string,
  hooks: RunHooks,
  shape: Shape,
): Promise<{ send: RunResult; poll: RunResult; single: RunResult }> {
  const { producers, consumers, batches } = shape;
  const base = { ...options, producers, consumers, streams: producers };
  const sendOptions: BenchOptions = { ...base, mode: "pinned-producer" };
  await prepare(sendOptions, address);
  await settleWriteback();
  const send = await runMode(sendOptions, address, hooks, {
    skipPrepare: true,
  });
  const pollLayout = {
    ...layoutOf({ ...base, mode: "pinned-consumer" }),
    prefill: false,
  };
  pollLayout.streams = producers;
  await settleWriteback();
  const poll = await runMode(
    { ...base, mode: "pinned-consumer", totalData: 0, messageBatches: batches },
    address,
    hooks,
    { layout: pollLayout, skipPrepare: true },
  );
  const singleOptions: BenchOptions = {
    ...base,
    mode: "pinned-producer",
    producers: 1,
    streams: 1,
    messagesPerBatch: 1,
    messageBatches: ROUND_TRIPS,
    totalData: 0,
    rateLimit: 0,
  };
  await prepare(singleOptions, address);
  await settleWriteback();
  const single = await runMode(singleOptions, address, hooks, {
    skipPrepare: true,
  });
  return { send, poll, single };
}

function roundFigures(
  floors: CeilingRuns,
  iggy: { send: RunResult; poll: RunResult; single: RunResult },
): CeilingFigures {
  const mbs = (run: RunResult) =>
    summarizeGroup("all", run.actors).megabytesPerSecond;
  const p99 = (run: RunResult) => summarizeGroup("all", run.actors).latency.p99;
  const figures = {
    send: {
      iggyMBps: mbs(iggy.send),
      bareLogMBps: mbs(floors.logSend),
      rawTcpMBps: mbs(floors.rawSend),
    },
    poll: {
      iggyMBps: mbs(iggy.poll),
      bareLogMBps: mbs(floors.logPoll),
      rawTcpMBps: mbs(floors.rawPoll),
    },
    singleMessageSend: {
      iggyP99Ms: p99(iggy.single),
      rawRoundTripP99Ms: p99(floors.rawRoundTrip),
    },
  };
  return { ...figures, ratios: ceilingRatios(figures) };
}

function ratioText(x: number): string {
  return Number.isFinite(x) ? x.toFixed(3) : "n/a";
}

const ROUND_COLUMNS = [
  ["send MB/s", 10],
  ["send/(b)", 9],
  ["send/(a)", 9],
  ["poll MB/s", 10],
  ["poll/(b)", 9],
  ["poll/(a)", 9],
  ["1-msg p99", 10],
  ["p99/raw", 8],
] as const;

function roundRow(label: string, f: CeilingFigures): string {
  const cells = [
    f.send.iggyMBps.toFixed(1),
    ratioText(f.ratios.sendVsBareLog),
    ratioText(f.ratios.sendVsRawTcp),
    f.poll.iggyMBps.toFixed(1),
    ratioText(f.ratios.pollVsBareLog),
    ratioText(f.ratios.pollVsRawTcp),
    `${f.singleMessageSend.iggyP99Ms.toFixed(3)}`,
    ratioText(f.ratios.singleSendP99VsRawRoundTrip),
  ];
  return [
    label.padEnd(22),
    ...cells.map((c, i) => c.padStart(ROUND_COLUMNS[i]![1])),
  ].join(" ");
}

/**
 * Formats the rounds and the medians for the terminal.
 * @param report The ceiling figures.
 * @param shape The workload (for the heading).
 * @returns Lines of text.
 */
function formatCeiling(
  report: CeilingReport,
  shape: Shape & { messagesPerBatch: number },
): string {
  const m = report.median;
  const row = (name: string, s: number, p: number) =>
    `${name.padEnd(22)} ${s.toFixed(1).padStart(12)} ${
      p.toFixed(1).padStart(12)
    }`;
  const n = report.rounds.length;
  return [
    `Ceiling: ${shape.producers} producers / ${shape.consumers} consumers, ${shape.batches} ` +
    `batches of ${shape.messagesPerBatch} messages (${shape.batchBytes} bytes) each, ` +
    `${n} round${n === 1 ? "" : "s"}`,
    "Per round, iggy's MB/s and its ratio to (b) the bare log server and (a) raw TCP;",
    "single-message send p99 in ms and its ratio to the raw round trip p99.",
    [
      "round".padEnd(22),
      ...ROUND_COLUMNS.map(([name, width]) => name.padStart(width)),
    ].join(" "),
    ...report.rounds.map((r) => roundRow(`${r.round} (${r.order})`, r)),
    roundRow("median", m),
    "",
    `Median of ${n} round${n === 1 ? "" : "s"}:`,
    `${"".padEnd(22)} ${"send MB/s".padStart(12)} ${"poll MB/s".padStart(12)}`,
    row("(a) raw Deno TCP", m.send.rawTcpMBps, m.poll.rawTcpMBps),
    row("(b) bare log server", m.send.bareLogMBps, m.poll.bareLogMBps),
    row("iggy server", m.send.iggyMBps, m.poll.iggyMBps),
    `${"iggy / (b) bare log".padEnd(22)} ${
      ratioText(m.ratios.sendVsBareLog).padStart(12)
    } ${ratioText(m.ratios.pollVsBareLog).padStart(12)}`,
    `${"iggy / (a) raw TCP".padEnd(22)} ${
      ratioText(m.ratios.sendVsRawTcp).padStart(12)
    } ${ratioText(m.ratios.pollVsRawTcp).padStart(12)}`,
    `Single-message send p99: iggy ${
      m.singleMessageSend.iggyP99Ms.toFixed(3)
    } ms, raw ${shape.singleRequest}-byte round trip ${
      m.singleMessageSend.rawRoundTripP99Ms.toFixed(3)
    } ms, ratio ${ratioText(m.ratios.singleSendP99VsRawRoundTrip)}`,
  ].join("\n");
}

/**
 * Runs the `ceiling` mode: `options.rounds` rounds, each measuring the floors (on a fresh floor
 * server) and the iggy server's pinned send, pinned poll and single-message sends back to back,
 * floors first in odd rounds and iggy first in even ones; then the medians.
 * @param options The bench options (`rounds`, actors, batches, sizes).
 * @param address The iggy server's `host:port` for `options.transport`.
 * @param hooks Progress callbacks.
 * @returns The runs, the figures per round and their medians, and the text to print.
 */
export async function runCeiling(
  options: BenchOptions,
  address: string,
  hooks: RunHooks,
): Promise<CeilingResult> {
  const producers = Math.max(1, options.producers);
  const consumers = Math.max(1, options.consumers);
  const batches = batchesPerActor(options, producers);
  const batchBytes = Math.round(
    averageFrameSize(options) * options.messagesPerBatch,
  );
  const shape: Shape = {
    producers,
    consumers,
    batches,
    batchBytes,
    singleRequest: Math.round(averageFrameSize(options)) + 16 + 48,
  };
  const pattern: CeilingPattern = {
    producers,
    consumers,
    batches,
    batchBytes,
    requestBytes: batchBytes + 16 * options.messagesPerBatch + 48,
    messagesPerBatch: options.messagesPerBatch,
  };
  const roundTrip = {
    requests: ROUND_TRIPS,
    requestBytes: shape.singleRequest,
  };
  const rounds: CeilingRound[] = [];
  const runs: RunResult[] = [];
  let lastRound: RunResult[] = [];
  for (let round = 1; round <= Math.max(1, options.rounds); round++) {
    const roundHooks = withRound(hooks, round);
    const floorsFirst = round % 2 === 1;
    let floors: CeilingRuns;
    let iggy: Awaited<ReturnType<typeof measureIggy>>;
    if (floorsFirst) {
      floors = await measureCeiling(pattern, roundHooks, roundTrip);
      iggy = await measureIggy(options, address, roundHooks, shape);
    } else {
      iggy = await measureIggy(options, address, roundHooks, shape);
      floors = await measureCeiling(pattern, roundHooks, roundTrip);
    }
    iggy.send.mode = "iggy send (pinned-producer)";
    iggy.poll.mode = "iggy poll (pinned-consumer)";
    iggy.single.mode = "iggy single-message send";
    const ordered = [
      floors.rawSend,
      floors.rawPoll,
      floors.logSend,
      floors.logPoll,
      floors.rawRoundTrip,
      iggy.send,
      iggy.poll,
      iggy.single,
    ];
    for (const run of ordered) run.mode = `round ${round}: ${run.mode}`;
    runs.push(...ordered);
    lastRound = ordered;
    rounds.push({
      round,
      order: floorsFirst ? "floors-first" : "iggy-first",
      ...roundFigures(floors, iggy),
    });
  }
  const med = medianFigures(rounds);
  const ceiling: CeilingReport = { ...med, rounds, median: med };
  return {
    runs,
    lastRound,
    ceiling,
    text: formatCeiling(ceiling, {
      ...shape,
      messagesPerBatch: options.messagesPerBatch,
    }),
  };
}
