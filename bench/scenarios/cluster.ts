/**
 * The `cluster` mode: send and poll throughput of a cluster at each replication factor of
 * `--replication` in one run, then the latency of single-message sends at each factor, and their
 * ratios to R = 1.
 *
 * Per factor, a new stream gets a topic of `--partitions` partitions with that replication factor;
 * one producer per partition sends `--message-batches` batches of `--messages-per-batch` messages,
 * all producers at once, then one consumer per partition polls them back by offset; the stream is
 * deleted before the next factor. Then, per factor, single-message sends go one after the other to
 * a topic with one partition per node, send `s` to partition `s mod N` through node `s mod N`.
 *
 * Where clients connect: the SDK's GetClusterMetadata lists the nodes but not the partition
 * leaders, so partition `i`'s client talks to node `i mod N`, nodes sorted by name. Placement gives
 * each new partition to the node leading the fewest, ties by name, so on a cluster with no other
 * topics (the one `--nodes` starts) that node is partition `i`'s leader and every request goes
 * straight to it. On a cluster with other topics some partitions are led elsewhere: their node
 * forwards the request to the leader (every node answers every command), which costs a hop.
 * @module
 */

import {
  type IggyClient,
  IggyError,
  Partitioning,
  PollingStrategy,
  type PreparedMessages,
} from "../../mod.ts";
import type { BenchOptions } from "../options.ts";
import { ActorRecorder, type RunResult, summarizeGroup } from "../report.ts";
import { randomBytes } from "../random_bytes.ts";
import { MESSAGE_OVERHEAD } from "./actors.ts";
import { type Login, login } from "../cluster_nodes.ts";

/** A consumer that gets no message for this long fails the run. */
const POLL_STALL_MS = 10_000;
/** Unmeasured single-message sends per client before the latency phase. */
const WARMUP_SENDS = 3;

/** A failure to report as one line (no stack): a refused factor, an unreachable cluster. */
export class ClusterBenchError extends Error {
  /**
   * @param message What went wrong.
   * @param options The cause.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ClusterBenchError";
  }
}

/** A node the bench's clients talk to. */
export interface BenchNode {
  /** Its name in the cluster metadata (its address when not listed). */
  name: string;
  /** TCP `host:port`. */
  address: string;
}

/** Throughput of one role. */
export interface Rate {
  messagesPerSecond: number;
  megabytesPerSecond: number;
}

/** The figures of one replication factor. */
export interface FactorFigures {
  replicationFactor: number;
  send: Rate;
  poll: Rate;
  /** Single-message send latency in ms over `sends` sends. */
  singleMessageSend: { p50: number; p99: number; sends: number };
}

/** Figures at R over the same figure at R = 1, by R (only when R = 1 was measured). */
export interface ClusterRatios {
  /** Send msg/s at R over R = 1. */
  send: Record<string, number>;
  /** Single-message send p99 at R over R = 1. */
  p99: Record<string, number>;
}

/** What the cluster mode measured. */
export interface ClusterResult {
  nodes: BenchNode[];
  /** One run per factor (producers and consumers), for report.json. */
  runs: RunResult[];
  factors: FactorFigures[];
  ratios?: ClusterRatios;
}

/** Orders nodes by name as placement does (`Array.prototype.sort`'s code-unit order). */
function byName(a: BenchNode, b: BenchNode): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * The nodes to spread clients over: with several `seeds`, those; with one, every node its
 * GetClusterMetadata lists (by `ip:tcp port`), named as there.
 * @param seeds `--connect` addresses, or the started nodes'.
 * @param credentials The login.
 * @returns The nodes sorted by name, and how many the metadata lists.
 * @throws {ClusterBenchError} When no seed can be reached and logged in to.
 */
export async function discoverNodes(
  seeds: string[],
  credentials: Login,
): Promise<{ nodes: BenchNode[]; listed: number }> {
  let client: IggyClient | undefined;
  let failure: unknown;
  for (const seed of seeds) {
    try {
      client = await login(seed, credentials);
      break;
    } catch (err) {
      failure = err;
    }
  }
  if (client === undefined) {
    throw new ClusterBenchError(
      `Cannot connect and log in to ${seeds.join(", ")}: ${
        (failure as Error).message
      }`,
      { cause: failure },
    );
  }
  try {
    const metadata = await client.getClusterMetadata();
    const listed = metadata.nodes
      .filter((n) => n.tcpPort > 0)
      .map((n) => ({
        name: n.name,
        address: `${n.ip.includes(":") ? `[${n.ip}]` : n.ip}:${n.tcpPort}`,
      }));
    if (seeds.length > 1 || listed.length < 2) {
      const nodes = seeds.map((address) => ({
        name: listed.find((n) => n.address === address)?.name ?? address,
        address,
      }));
      return { nodes: nodes.sort(byName), listed: Math.max(listed.length, 1) };
    }
    return { nodes: listed.sort(byName), listed: listed.length };
  } finally {
    await client.close();
  }
}

/** Creates a stream and a topic with `factor`; a refused factor becomes a one-line error. */
async function createBenchTopic(
  admin: IggyClient,
  name: string,
  partitionsCount: number,
  factor: number,
): Promise<void> {
  await admin.createStream(name);
  try {
    await admin.createTopic({
      streamId: name,
      name: "t",
      partitionsCount,
      replicationFactor: factor,
    });
  } catch (err) {
    await admin.deleteStream(name).catch(() => {});
    if (err instanceof IggyError) {
      throw new ClusterBenchError(
        `The cluster refused a topic with replication factor ${factor}: ${err.message}` +
          (factor > 1
            ? " (is cluster.replication.enabled on, with enough live nodes?)"
            : ""),
        { cause: err },
      );
    }
    throw err;
  }
}

/** Parameters shared by the phases. */
interface Context {
  options: BenchOptions;
  nodes: BenchNode[];
  credentials: Login;
  size: number;
  log(line: string): void;
}

/** Producers, then consumers, on a new topic with `factor`. */
async function throughput(ctx: Context, factor: number): Promise<RunResult> {
  const { options, nodes } = ctx;
  const partitions = options.partitions;
  const perBatch = options.messagesPerBatch;
  const batches = options.messageBatches;
  const stream = `bench-cluster-r${factor}-${crypto.randomUUID().slice(0, 8)}`;
  const admin = await login(nodes[0]!.address, ctx.credentials);
  const clients: IggyClient[] = [];
  try {
    await createBenchTopic(admin, stream, partitions, factor);
    for (let p = 0; p < partitions; p++) {
      clients.push(
        await login(nodes[p % nodes.length]!.address, ctx.credentials),
      );
    }
    const origin = performance.now();
    const producers = clients.map((_, p) =>
      new ActorRecorder(`producer ${p + 1}`, "producer", origin)
    );
    const consumers = clients.map((_, p) =>
      new ActorRecorder(`consumer ${p + 1}`, "consumer", origin)
    );
    const payloads = randomBytes(perBatch * ctx.size);
    const prepared: PreparedMessages[] = await Promise.all(
      clients.map((client) =>
        client.prepareMessages(
          Array.from({ length: perBatch }, (_, m) => ({
            payload: payloads.subarray(m * ctx.size, (m + 1) * ctx.size),
          })),
        )
      ),
    );
    const batchBytes = perBatch * (MESSAGE_OVERHEAD + ctx.size);
    ctx.log(`R=${factor}: sending`);
    await Promise.all(clients.map(async (client, p) => {
      const recorder = producers[p]!;
      recorder.start();
      for (let b = 0; b < batches; b++) {
        const began = performance.now();
        await client.sendMessages({
          streamId: stream,
          topicId: "t",
          partitioning: Partitioning.partitionId(p),
          messages: prepared[p]!,
        });
        recorder.record(began, batchBytes, perBatch * ctx.size, perBatch);
      }
      recorder.finish();
    }));
    ctx.log(`R=${factor}: polling`);
    const total = BigInt(batches * perBatch);
    await Promise.all(clients.map(async (client, p) => {
      const recorder = consumers[p]!;
      recorder.start();
      let offset = 0n;
      let progressAt = Date.now();
      while (offset < total) {
        const began = performance.now();
        const polled = await client.pollMessages({
          streamId: stream,
          topicId: "t",
          partitionId: p,
          strategy: PollingStrategy.offset(offset),
          count: perBatch,
          autoCommit: false,
        });
        const n = polled.messages.length;
        if (n === 0) {
          // With acks = leader a send may be answered before a quorum holds it (polls show
          // only what a quorum holds): wait for the followers, within a bound.
          if (Date.now() - progressAt > POLL_STALL_MS) {
            throw new ClusterBenchError(
              `Partition ${p} at R=${factor}: no message at offset ${offset} for ${POLL_STALL_MS} ms`,
            );
          }
          await new Promise((resolve) => setTimeout(resolve, 5));
          continue;
        }
        progressAt = Date.now();
        recorder.record(
          began,
          n * (MESSAGE_OVERHEAD + ctx.size),
          n * ctx.size,
          n,
        );
        offset += BigInt(n);
      }
      recorder.finish();
    }));
    const actors = [...producers, ...consumers];
    const start = Math.min(...actors.map((a) => a.startedAt));
    const end = Math.max(...actors.map((a) => a.finishedAt));
    return {
      mode: `cluster R=${factor}`,
      totalSeconds: (end - start) / 1000,
      actors,
    };
  } finally {
    await Promise.allSettled(clients.map((c) => c.close()));
    await admin.deleteStream(stream).catch(() => {});
    await admin.close();
  }
}

/** Nearest-rank percentile of sorted `values`. */
function percentile(sorted: number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1]!;
}

/**
 * `--latency-sends` single-message sends, one after the other, to a new topic with a partition per
 * node: send `s` to partition `s mod N` through node `s mod N` (its leader on a cluster with no
 * other topics, as in {@linkcode throughput}).
 */
async function singleMessageLatency(
  ctx: Context,
  factor: number,
): Promise<FactorFigures["singleMessageSend"]> {
  const sends = ctx.options.cluster!.latencySends;
  const stream = `bench-latency-r${factor}-${crypto.randomUUID().slice(0, 8)}`;
  const admin = await login(ctx.nodes[0]!.address, ctx.credentials);
  const clients: IggyClient[] = [];
  try {
    await createBenchTopic(admin, stream, ctx.nodes.length, factor);
    for (const node of ctx.nodes) {
      clients.push(await login(node.address, ctx.credentials));
    }
    const message = await Promise.all(
      clients.map((c) =>
        c.prepareMessages([{ payload: randomBytes(ctx.size) }])
      ),
    );
    const send = (i: number) =>
      clients[i]!.sendMessages({
        streamId: stream,
        topicId: "t",
        partitioning: Partitioning.partitionId(i),
        messages: message[i]!,
      });
    ctx.log(`R=${factor}: single-message sends`);
    // The first sends open connections between nodes (forwarding, replication): not measured.
    for (let w = 0; w < WARMUP_SENDS; w++) {
      for (let i = 0; i < clients.length; i++) await send(i);
    }
    const times: number[] = [];
    for (let s = 0; s < sends; s++) {
      const began = performance.now();
      await send(s % clients.length);
      times.push(performance.now() - began);
    }
    times.sort((a, b) => a - b);
    return {
      p50: percentile(times, 50),
      p99: percentile(times, 99),
      sends,
    };
  } finally {
    await Promise.allSettled(clients.map((c) => c.close()));
    await admin.deleteStream(stream).catch(() => {});
    await admin.close();
  }
}

function rateOf(run: RunResult, kind: string): Rate {
  const group = summarizeGroup(
    kind,
    run.actors.filter((a) => a.kind === kind),
  );
  return {
    messagesPerSecond: group.messagesPerSecond,
    megabytesPerSecond: group.megabytesPerSecond,
  };
}

/** Each factor's figures over R = 1's (absent without R = 1). */
function ratiosOf(factors: FactorFigures[]): ClusterRatios | undefined {
  const base = factors.find((f) => f.replicationFactor === 1);
  if (base === undefined) return undefined;
  const ratios: ClusterRatios = { send: {}, p99: {} };
  for (const f of factors) {
    if (f === base) continue;
    ratios.send[f.replicationFactor] = f.send.messagesPerSecond /
      base.send.messagesPerSecond;
    ratios.p99[f.replicationFactor] = f.singleMessageSend.p99 /
      base.singleMessageSend.p99;
  }
  return ratios;
}

/**
 * Runs the cluster mode against `nodes`: throughput at each factor, then latency at each.
 * @param options The bench options (with `cluster`).
 * @param nodes The nodes clients talk to (see {@linkcode discoverNodes}).
 * @param factors The replication factors, in order.
 * @returns The figures.
 * @throws {ClusterBenchError} When the cluster refuses a factor or a partition stalls.
 */
export async function runCluster(
  options: BenchOptions,
  nodes: BenchNode[],
  factors: number[],
): Promise<ClusterResult> {
  const ctx: Context = {
    options,
    nodes,
    credentials: { username: options.username, password: options.password },
    size: options.messageSize.max,
    log: (line) => {
      if (!options.quiet) console.error(line);
    },
  };
  const runs: RunResult[] = [];
  for (const factor of factors) runs.push(await throughput(ctx, factor));
  const figures: FactorFigures[] = [];
  for (const [i, factor] of factors.entries()) {
    figures.push({
      replicationFactor: factor,
      send: rateOf(runs[i]!, "producer"),
      poll: rateOf(runs[i]!, "consumer"),
      singleMessageSend: await singleMessageLatency(ctx, factor),
    });
  }
  return { nodes, runs, factors: figures, ratios: ratiosOf(figures) };
}

function count(rate: number): string {
  return Math.round(rate).toLocaleString("en").padStart(11);
}

/**
 * Formats the figures: a line per factor with send and poll, a line per factor with the
 * single-message send p50/p99, then the ratios to R = 1.
 * @param result What {@linkcode runCluster} measured.
 * @returns Lines of text.
 */
export function formatCluster(result: ClusterResult): string {
  const lines: string[] = [];
  for (const f of result.factors) {
    lines.push(
      `R=${f.replicationFactor}  send ${
        count(f.send.messagesPerSecond)
      } msg/s ${f.send.megabytesPerSecond.toFixed(2).padStart(9)} MB/s   poll ${
        count(f.poll.messagesPerSecond)
      } msg/s ${f.poll.megabytesPerSecond.toFixed(2).padStart(9)} MB/s`,
    );
  }
  for (const f of result.factors) {
    const l = f.singleMessageSend;
    lines.push(
      `R=${f.replicationFactor}  single-message send p50 ${
        l.p50.toFixed(3)
      } ms, p99 ${l.p99.toFixed(3)} ms (${l.sends} sends)`,
    );
  }
  const ratios = result.ratios;
  const list = (of: Record<string, number>) =>
    Object.entries(of).map(([r, x]) => `R=${r}/R=1 ${x.toFixed(2)}`).join(", ");
  if (ratios === undefined) {
    lines.push("Ratios: none (R=1 was not measured)");
  } else if (Object.keys(ratios.send).length === 0) {
    lines.push("Ratios: none (only R=1 was measured)");
  } else {
    lines.push(
      `Ratios: send ${list(ratios.send)}; single-message send p99 ${
        list(ratios.p99)
      }`,
    );
  }
  return lines.join("\n");
}
