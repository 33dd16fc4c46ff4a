/**
 * The actors of a benchmark: producer, consumer (by offset or in a group) and producing consumer.
 * Each runs on its own {@linkcode IggyClient} connection and records every batch.
 * @module
 */

import {
  Consumer,
  type Identifier,
  type IggyClient,
  IggyConsumer,
  IggyProducer,
  type NewMessage,
  Partitioning,
  PollingStrategy,
} from "../../mod.ts";
import type { ActorRecorder } from "../report.ts";
import { randomBytes } from "../random_bytes.ts";

/** Frame header size: every message costs 64 bytes on top of its payload. */
export const MESSAGE_OVERHEAD = 64;

/** Shared by the actors of a run: progress reporting and a stop flag on failure. */
export interface RunContext {
  /** Called after every measured batch. */
  onBatch(): void;
  /** Set when any actor failed, so the others stop. */
  aborted: boolean;
}

/** Paces an actor to `bytesPerSecond` (no pacing when 0). */
export class RateLimiter {
  #rate: number;
  #start = 0;
  #bytes = 0;

  /** @param bytesPerSecond The actor's share of the rate limit; 0 = unlimited. */
  constructor(bytesPerSecond: number) {
    this.#rate = bytesPerSecond;
  }

  /** Waits until `bytes` more may go out. */
  async wait(bytes: number): Promise<void> {
    if (this.#rate <= 0) return;
    const now = performance.now();
    if (this.#start === 0) this.#start = now;
    const due = this.#start + (this.#bytes / this.#rate) * 1000;
    this.#bytes += bytes;
    if (due > now) {
      await new Promise((resolve) => setTimeout(resolve, due - now));
    }
  }
}

/** The batches a producer sends, generated before measuring. */
export interface BatchSource {
  /** Batches to cycle through (payload generation is not measured). */
  batches: NewMessage[][];
  /** Frame bytes of each batch. */
  bytes: number[];
  /** Payload bytes of each batch. */
  payloadBytes: number[];
}

/**
 * Generates batches of random payloads, sizes uniformly in `[min, max]`. A fixed size shares
 * one payload buffer across messages.
 * @param messagesPerBatch Messages per batch.
 * @param size Payload size range in bytes.
 * @returns Up to 8 distinct batches.
 */
export function makeBatches(
  messagesPerBatch: number,
  size: { min: number; max: number },
): BatchSource {
  const variants = size.min === size.max ? 1 : 8;
  const source: BatchSource = { batches: [], bytes: [], payloadBytes: [] };
  const fixed = size.min === size.max ? randomBytes(size.min) : undefined;
  for (let v = 0; v < variants; v++) {
    const batch: NewMessage[] = [];
    let payloadBytes = 0;
    for (let i = 0; i < messagesPerBatch; i++) {
      const payload = fixed ??
        randomBytes(
          size.min + Math.floor(Math.random() * (size.max - size.min + 1)),
        );
      payloadBytes += payload.length;
      batch.push({ payload });
    }
    source.batches.push(batch);
    source.payloadBytes.push(payloadBytes);
    source.bytes.push(payloadBytes + MESSAGE_OVERHEAD * messagesPerBatch);
  }
  return source;
}

/** Where and how a producer sends. */
export interface ProducerPlan {
  streamId: Identifier;
  topicId: Identifier;
  /** A partition id, or undefined for balanced partitioning. */
  partitionId?: number;
  batches: number;
  source: BatchSource;
  limiter: RateLimiter;
  /** Seconds of unmeasured sending first. */
  warmupSeconds: number;
}

/**
 * Sends `plan.batches` batches one after the other, each answered before the next.
 * @param client A logged-in client.
 * @param recorder Receives every batch.
 * @param plan What to send.
 * @param run Progress and abort.
 */
export async function runProducer(
  client: IggyClient,
  recorder: ActorRecorder,
  plan: ProducerPlan,
  run: RunContext,
): Promise<void> {
  const partitioning = plan.partitionId === undefined
    ? Partitioning.balanced()
    : Partitioning.partitionId(plan.partitionId);
  const { source } = plan;
  // Batches are encoded once, before measuring, as the floors of the ceiling mode send pre-built
  // frames too: the benchmark measures the server and the transport, not payload encoding.
  const prepared = await Promise.all(
    source.batches.map((batch) => client.prepareMessages(batch)),
  );
  const send = (i: number) =>
    client.sendMessages({
      streamId: plan.streamId,
      topicId: plan.topicId,
      partitioning,
      messages: prepared[i]!,
    });
  await measureBatches(recorder, plan, run, send);
}

/** Where and how a consumer polls. */
export interface ConsumerPlan {
  streamId: Identifier;
  topicId: Identifier;
  /** A single consumer id (polls partition 0 by offset) or a group name (polls next). */
  consumer: { kind: "single"; id: number } | { kind: "group"; name: string };
  messagesPerBatch: number;
  /** Stop after this many batches (single consumer). */
  batches: number;
  /** In a group: stop once the group together has read this many messages. */
  group?: { target: number; read: number };
  limiter: RateLimiter;
  /** Seconds of unmeasured polling (by offset from 0) first; single consumers only. */
  warmupSeconds: number;
  /**
   * Record each batch's latency as the time from the server's timestamp of its first message to
   * its receipt (end-to-end modes), instead of the poll's round trip.
   */
  endToEnd?: boolean;
}

/**
 * Polls batches until the plan's count (or the group's target) is reached. Empty polls (nothing
 * new yet) are not recorded.
 * @param client A logged-in client (already a member of its group, for groups).
 * @param recorder Receives every non-empty batch.
 * @param plan What to poll.
 * @param run Progress and abort.
 */
export async function runConsumer(
  client: IggyClient,
  recorder: ActorRecorder,
  plan: ConsumerPlan,
  run: RunContext,
): Promise<void> {
  const group = plan.consumer.kind === "group";
  const consumer = plan.consumer.kind === "group"
    ? Consumer.group(plan.consumer.name)
    : Consumer.single(plan.consumer.id);
  let offset = 0n;
  const poll = () =>
    client.pollMessages({
      streamId: plan.streamId,
      topicId: plan.topicId,
      consumer,
      partitionId: group ? undefined : 0,
      strategy: group ? PollingStrategy.next() : PollingStrategy.offset(offset),
      count: plan.messagesPerBatch,
      autoCommit: group,
    });
  if (!group && plan.warmupSeconds > 0) {
    const until = performance.now() + plan.warmupSeconds * 1000;
    while (performance.now() < until && !run.aborted) {
      const polled = await poll();
      offset += BigInt(polled.messages.length);
      if (polled.messages.length < plan.messagesPerBatch) offset = 0n;
    }
    offset = 0n;
  }
  recorder.start();
  let batches = 0;
  while (!run.aborted) {
    if (
      plan.group
        ? plan.group.read >= plan.group.target
        : batches >= plan.batches
    ) break;
    await plan.limiter.wait(plan.messagesPerBatch * MESSAGE_OVERHEAD);
    const began = performance.now();
    const polled = await poll();
    const n = polled.messages.length;
    if (n === 0) {
      // Nothing yet (the producers are behind): back off a little.
      await new Promise((resolve) => setTimeout(resolve, 1));
      continue;
    }
    let payloadBytes = 0;
    for (const m of polled.messages) payloadBytes += m.payload.length;
    offset += BigInt(n);
    if (plan.group) plan.group.read += n;
    recorder.record(
      began,
      payloadBytes + n * MESSAGE_OVERHEAD,
      payloadBytes,
      n,
      plan.endToEnd ? sinceTimestamp(polled.messages[0]!.timestamp) : undefined,
    );
    batches++;
    run.onBatch();
  }
  recorder.finish();
}

/**
 * Sends a batch to partition 0 of its stream, then polls until all of it came back, and records
 * the whole round trip as the batch latency.
 * @param client A logged-in client.
 * @param recorder Receives every round trip.
 * @param plan What to send (and poll back) and how often.
 * @param run Progress and abort.
 */
export async function runProducingConsumer(
  client: IggyClient,
  recorder: ActorRecorder,
  plan: ProducerPlan & { consumerId: number },
  run: RunContext,
): Promise<void> {
  const { source } = plan;
  const consumer = Consumer.single(plan.consumerId);
  let offset = 0n;
  const roundTrip = async (v: number) => {
    const batch = source.batches[v]!;
    await client.sendMessages({
      streamId: plan.streamId,
      topicId: plan.topicId,
      partitioning: Partitioning.partitionId(0),
      messages: batch,
    });
    let got = 0;
    while (got < batch.length) {
      const polled = await client.pollMessages({
        streamId: plan.streamId,
        topicId: plan.topicId,
        consumer,
        partitionId: 0,
        strategy: PollingStrategy.offset(offset),
        count: batch.length - got,
        autoCommit: false,
      });
      got += polled.messages.length;
      offset += BigInt(polled.messages.length);
    }
  };
  await measureBatches(recorder, plan, run, roundTrip);
}

/**
 * Runs `step` for every batch of `plan.source` in turn: unmeasured for the warm-up time, then
 * `plan.batches` times under the rate limiter, recording each batch's latency and size.
 */
async function measureBatches(
  recorder: ActorRecorder,
  plan: {
    batches: number;
    source: BatchSource;
    limiter: RateLimiter;
    warmupSeconds: number;
  },
  run: RunContext,
  step: (batch: number) => Promise<unknown>,
): Promise<void> {
  const { source } = plan;
  if (plan.warmupSeconds > 0) {
    const until = performance.now() + plan.warmupSeconds * 1000;
    for (let i = 0; performance.now() < until && !run.aborted; i++) {
      await step(i % source.batches.length);
    }
  }
  recorder.start();
  for (let i = 0; i < plan.batches && !run.aborted; i++) {
    const v = i % source.batches.length;
    await plan.limiter.wait(source.bytes[v]!);
    const began = performance.now();
    await step(v);
    recorder.record(
      began,
      source.bytes[v]!,
      source.payloadBytes[v]!,
      source.batches[v]!.length,
    );
    run.onBatch();
  }
  recorder.finish();
}

/** Microseconds from a server timestamp (µs since the epoch) to now. */
function sinceTimestamp(timestamp: bigint): number {
  return Math.max(
    1,
    (performance.timeOrigin + performance.now()) * 1000 - Number(timestamp),
  );
}

/**
 * `--high-level-api` producer: an {@linkcode IggyProducer} with `batchLength` = the batch size;
 * each batch is one `send()`, measured until the server acknowledged it.
 * @param client A logged-in client.
 * @param recorder Receives every batch.
 * @param plan What to send.
 * @param run Progress and abort.
 */
export async function runHighLevelProducer(
  client: IggyClient,
  recorder: ActorRecorder,
  plan: ProducerPlan,
  run: RunContext,
): Promise<void> {
  const producer = new IggyProducer(client, {
    streamId: plan.streamId,
    topicId: plan.topicId,
    partitioning: plan.partitionId === undefined
      ? Partitioning.balanced()
      : Partitioning.partitionId(plan.partitionId),
    batchLength: plan.source.batches[0]!.length,
  });
  try {
    await measureBatches(
      recorder,
      plan,
      run,
      (v) => producer.send(plan.source.batches[v]!),
    );
  } finally {
    await producer.close();
  }
}

/**
 * `--high-level-api` consumer: an {@linkcode IggyConsumer} iterated until the plan's count (or the
 * group's target) is reached; every `messagesPerBatch` messages count as one batch.
 * @param client A logged-in client (the consumer joins the group itself).
 * @param recorder Receives every batch.
 * @param plan What to consume.
 * @param run Progress and abort.
 */
export async function runHighLevelConsumer(
  client: IggyClient,
  recorder: ActorRecorder,
  plan: ConsumerPlan,
  run: RunContext,
): Promise<void> {
  const group = plan.consumer.kind === "group" ? plan.consumer.name : undefined;
  const consumer = new IggyConsumer(client, {
    streamId: plan.streamId,
    topicId: plan.topicId,
    group,
    consumerId: plan.consumer.kind === "single" ? plan.consumer.id : undefined,
    partitionId: group === undefined ? 0 : undefined,
    strategy: PollingStrategy.offset(0n),
    batchLength: plan.messagesPerBatch,
    pollIntervalMs: 1,
    autoCommit: group === undefined ? "disabled" : "processed",
  });
  const target = () =>
    plan.group
      ? plan.group.read >= plan.group.target
      : recorder.batches >= plan.batches;
  // Another member may read the group's last messages: then this one's iteration would wait for
  // more forever, so a watcher closes it (closing ends a waiting iteration).
  const watcher = setInterval(() => {
    if (run.aborted || target()) consumer.close().catch(() => {});
  }, 5);
  try {
    recorder.start();
    let began = performance.now();
    let n = 0;
    let payloadBytes = 0;
    let firstTimestamp = 0n;
    for await (const message of consumer) {
      if (n === 0) firstTimestamp = message.timestamp;
      n++;
      payloadBytes += message.payload.length;
      if (plan.group) plan.group.read++;
      if (n === plan.messagesPerBatch || target()) {
        recorder.record(
          began,
          payloadBytes + n * MESSAGE_OVERHEAD,
          payloadBytes,
          n,
          plan.endToEnd ? sinceTimestamp(firstTimestamp) : undefined,
        );
        run.onBatch();
        n = 0;
        payloadBytes = 0;
        began = performance.now();
      }
      if (run.aborted || target()) break;
    }
    recorder.finish();
  } finally {
    clearInterval(watcher);
    await consumer.close();
  }
}
