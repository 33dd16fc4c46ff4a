/**
 * The benchmark modes: which streams, partitions, groups and actors each one sets up, and the
 * run itself (every actor on its own connection, all at once).
 * @module
 */

import { IggyClient, isNotFound } from "../../mod.ts";
import {
  batchesPerActor,
  type BenchOptions,
  TRANSPORT_SCHEMES,
} from "../options.ts";
import { ActorRecorder, type RunResult } from "../report.ts";
import {
  makeBatches,
  RateLimiter,
  runConsumer,
  type RunContext,
  runHighLevelConsumer,
  runHighLevelProducer,
  runProducer,
  runProducingConsumer,
} from "./actors.ts";

/** Topic name used in every bench stream. */
export const BENCH_TOPIC = "bench-topic";

/** Name of bench stream `i` (1-based). */
export function streamName(i: number): string {
  return `bench-stream-${i}`;
}

/** How a mode lays out its streams and actors. */
export interface Layout {
  streams: number;
  partitions: number;
  producers: number;
  consumers: number;
  /** Consumer groups (one per stream, the first `consumerGroups` streams), 0 when none. */
  consumerGroups: number;
  /** Whether consumers need data sent before they start (consumer-only modes). */
  prefill: boolean;
  producingConsumers: number;
}

/**
 * Works out the layout of `options.mode`, filling the automatic (0) stream and partition counts.
 * @param options The bench options.
 * @returns Streams, partitions and actor counts.
 */
export function layoutOf(options: BenchOptions): Layout {
  const { producers, consumers } = options;
  const auto = (value: number, fallback: number) =>
    value > 0 ? value : Math.max(1, fallback);
  switch (options.mode) {
    case "pinned-producer":
    case "ceiling":
      return layout(
        auto(options.streams, producers),
        1,
        producers,
        0,
        0,
        false,
      );
    case "pinned-consumer":
      return layout(auto(options.streams, consumers), 1, 0, consumers, 0, true);
    case "pinned-producer-and-consumer":
      return layout(
        auto(options.streams, Math.max(producers, consumers)),
        1,
        producers,
        consumers,
        0,
        false,
      );
    case "balanced-producer":
      return layout(
        auto(options.streams, 1),
        auto(options.partitions, producers),
        producers,
        0,
        0,
        false,
      );
    case "balanced-consumer-group":
    case "balanced-producer-and-consumer-group":
    case "end-to-end-producing-consumer-group": {
      const groups = Math.max(1, options.consumerGroups);
      const perGroup = Math.ceil(consumers / groups);
      return layout(
        Math.max(groups, options.streams),
        auto(options.partitions, perGroup),
        options.mode === "balanced-consumer-group" ? 0 : producers,
        consumers,
        groups,
        options.mode === "balanced-consumer-group",
      );
    }
    case "cluster": {
      // Run by scenarios/cluster.ts, not runMode: a stream per replication factor, a producer
      // and then a consumer per partition.
      const partitions = auto(options.partitions, producers);
      return layout(1, partitions, partitions, partitions, 0, false);
    }
    case "end-to-end-producing-consumer": {
      const n = Math.max(1, producers);
      const out = layout(auto(options.streams, n), 1, 0, 0, 0, false);
      out.producingConsumers = n;
      return out;
    }
  }
}

function layout(
  streams: number,
  partitions: number,
  producers: number,
  consumers: number,
  consumerGroups: number,
  prefill: boolean,
): Layout {
  return {
    streams,
    partitions,
    producers,
    consumers,
    consumerGroups,
    prefill,
    producingConsumers: 0,
  };
}

/**
 * Builds the connection string for `options.transport` (its scheme) and `address`.
 * @param options Transport and credentials.
 * @param address `host:port`.
 * @returns e.g. `iggy+tcp://iggy:iggy@127.0.0.1:8090`.
 */
export function connectionString(
  options: BenchOptions,
  address: string,
): string {
  const user = encodeURIComponent(options.username);
  const password = encodeURIComponent(options.password);
  return `${
    TRANSPORT_SCHEMES[options.transport]
  }://${user}:${password}@${address}`;
}

/** Progress callbacks of {@linkcode runMode}. */
export interface RunHooks {
  /** A phase begins: `total` batches will be reported through `onBatch`. */
  onPhase(name: string, total: number): void;
  /** One batch was measured (or prefilled). */
  onBatch(): void;
}

/** Topic settings of the bench streams (`--max-topic-size`, `--message-expiry`, `--reuse-streams`). */
export interface StreamSettings {
  /** Bytes; 0 = the server's default. */
  maxTopicSize?: number;
  /** Microseconds; 0 = never expire. */
  messageExpiryMicros?: number;
  /** Keep bench streams that exist (with their data) instead of recreating them. */
  reuse?: boolean;
}

/**
 * Deletes and recreates the bench streams (topic, partitions, groups) of a layout, or with
 * `settings.reuse` creates only what is missing.
 * @param client A logged-in root client.
 * @param layout The layout.
 * @param settings Topic settings and reuse.
 */
export async function prepareStreams(
  client: IggyClient,
  layout: Layout,
  settings: StreamSettings = {},
): Promise<void> {
  for (let s = 1; s <= layout.streams; s++) {
    const name = streamName(s);
    if (settings.reuse && await client.getStream(name)) {
      if (await client.getTopic({ streamId: name, topicId: BENCH_TOPIC })) {
        continue;
      }
    } else {
      try {
        await client.deleteStream(name);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      await client.createStream(name);
    }
    await client.createTopic({
      streamId: name,
      name: BENCH_TOPIC,
      partitionsCount: layout.partitions,
      // 0 on the wire is "the server's default".
      maxTopicSize: BigInt(settings.maxTopicSize ?? 0),
      messageExpiry: BigInt(settings.messageExpiryMicros ?? 0),
    });
  }
  for (let g = 1; g <= layout.consumerGroups; g++) {
    const group = { streamId: streamName(g), topicId: BENCH_TOPIC };
    if (
      settings.reuse &&
      await client.getConsumerGroup({ ...group, groupId: groupName(g) })
    ) continue;
    await client.createConsumerGroup({ ...group, name: groupName(g) });
  }
}

function groupName(g: number): string {
  return `bench-group-${g}`;
}

/**
 * Runs one mode against the server at `address`: sets up the streams, prefills them for
 * consumer-only modes (not measured), then runs every actor at once.
 * @param options The bench options.
 * @param address The server's `host:port` for `options.transport`.
 * @param hooks Progress callbacks.
 * @returns The recorders of every actor.
 */
export async function runMode(
  options: BenchOptions,
  address: string,
  hooks: RunHooks,
  setup: { layout?: Layout; skipPrepare?: boolean } = {},
): Promise<RunResult> {
  const layout = setup.layout ?? layoutOf(options);
  const url = connectionString(options, address);
  const admin = await IggyClient.connect(url);
  try {
    if (!setup.skipPrepare) {
      await prepareStreams(admin, layout, {
        maxTopicSize: options.maxTopicSize,
        messageExpiryMicros: options.messageExpiryMicros,
        reuse: options.reuseStreams,
      });
    }
  } finally {
    await admin.close();
  }
  const actorCount = layout.producers + layout.consumers +
    layout.producingConsumers;
  // --total-data is what gets sent: split across the senders (consumers when none send).
  const senders = layout.producers || layout.producingConsumers ||
    layout.consumers;
  const batches = batchesPerActor(options, senders);
  const share = options.rateLimit / Math.max(1, actorCount);
  const source = makeBatches(options.messagesPerBatch, options.messageSize);
  const run: RunContext = { aborted: false, onBatch: hooks.onBatch };
  const clients: IggyClient[] = [];
  const connect = async () => {
    const client = await IggyClient.connect(url);
    clients.push(client);
    return client;
  };
  const producersPerStream = new Array<number>(layout.streams).fill(0);
  for (let p = 0; p < layout.producers; p++) {
    producersPerStream[p % layout.streams]!++;
  }
  const consumersPerGroup = new Array<number>(layout.consumerGroups).fill(0);
  for (let c = 0; c < layout.consumers && layout.consumerGroups > 0; c++) {
    consumersPerGroup[c % layout.consumerGroups]!++;
  }
  // Batches that end up in each stream.
  const perStream = layout.prefill || layout.producers === 0
    ? new Array<number>(layout.streams).fill(0).map((_, s) =>
      layout.consumerGroups > 0
        ? (consumersPerGroup[s] ?? 0) * batches
        : (s < layout.consumers ? batches : 0)
    )
    : producersPerStream.map((n) => n * batches);

  try {
    if (layout.prefill) {
      // Consumers read what was sent before they start: send it now, unmeasured.
      hooks.onPhase("prefill", perStream.reduce((a, b) => a + b, 0));
      await Promise.all(perStream.map(async (count, s) => {
        if (count === 0) return;
        const client = await connect();
        const recorder = new ActorRecorder(`prefill ${s + 1}`, "prefill", 0);
        for (let p = 0; p < layout.partitions; p++) {
          await runProducer(client, recorder, {
            streamId: streamName(s + 1),
            topicId: BENCH_TOPIC,
            partitionId: p,
            batches: Math.floor(count / layout.partitions) +
              (p < count % layout.partitions ? 1 : 0),
            source,
            limiter: new RateLimiter(0),
            warmupSeconds: 0,
          }, run);
        }
      }));
    }

    const origin = performance.now();
    const tasks: Promise<void>[] = [];
    const recorders: ActorRecorder[] = [];
    const groups = new Map<number, { target: number; read: number }>();
    for (let g = 0; g < layout.consumerGroups; g++) {
      groups.set(g, {
        target: perStream[g]! * options.messagesPerBatch,
        read: 0,
      });
    }

    let measured = 0;
    const starters: (() => Promise<void>)[] = [];
    for (let p = 0; p < layout.producers; p++) {
      const recorder = new ActorRecorder(
        `producer ${p + 1}`,
        "producer",
        origin,
      );
      recorders.push(recorder);
      const client = await connect();
      const pinned = layout.partitions === 1 && layout.consumerGroups === 0;
      const produce = options.highLevelApi ? runHighLevelProducer : runProducer;
      starters.push(() =>
        produce(client, recorder, {
          streamId: streamName((p % layout.streams) + 1),
          topicId: BENCH_TOPIC,
          partitionId: pinned ? 0 : undefined,
          batches,
          source,
          limiter: new RateLimiter(share),
          warmupSeconds: options.warmupSeconds,
        }, run)
      );
      measured += batches;
    }
    for (let c = 0; c < layout.consumers; c++) {
      const recorder = new ActorRecorder(
        `consumer ${c + 1}`,
        "consumer",
        origin,
      );
      recorders.push(recorder);
      const client = await connect();
      let plan;
      if (layout.consumerGroups > 0) {
        const g = c % layout.consumerGroups;
        // The high-level consumer joins its group itself.
        if (!options.highLevelApi) {
          await client.joinConsumerGroup({
            streamId: streamName(g + 1),
            topicId: BENCH_TOPIC,
            groupId: groupName(g + 1),
          });
        }
        plan = {
          streamId: streamName(g + 1),
          consumer: { kind: "group" as const, name: groupName(g + 1) },
          group: groups.get(g),
        };
      } else {
        const stream = c % layout.streams;
        plan = {
          streamId: streamName(stream + 1),
          consumer: { kind: "single" as const, id: c + 1 },
          batches: perStream[stream]!,
        };
      }
      const consume = options.highLevelApi ? runHighLevelConsumer : runConsumer;
      starters.push(() =>
        consume(client, recorder, {
          topicId: BENCH_TOPIC,
          messagesPerBatch: options.messagesPerBatch,
          batches: 0,
          ...plan,
          limiter: new RateLimiter(share),
          warmupSeconds: options.warmupSeconds,
          endToEnd: options.mode === "end-to-end-producing-consumer-group",
        }, run)
      );
      if (layout.consumerGroups === 0) {
        measured += perStream[c % layout.streams]!;
      }
    }
    if (layout.consumerGroups > 0) {
      for (const group of groups.values()) {
        measured += Math.ceil(group.target / options.messagesPerBatch);
      }
    }
    for (let a = 0; a < layout.producingConsumers; a++) {
      const recorder = new ActorRecorder(
        `producing consumer ${a + 1}`,
        "producing-consumer",
        origin,
      );
      recorders.push(recorder);
      const client = await connect();
      starters.push(() =>
        runProducingConsumer(client, recorder, {
          streamId: streamName((a % layout.streams) + 1),
          topicId: BENCH_TOPIC,
          partitionId: 0,
          batches,
          source,
          limiter: new RateLimiter(share),
          warmupSeconds: options.warmupSeconds,
          consumerId: a + 1,
        }, run)
      );
      measured += batches;
    }
    hooks.onPhase(options.mode, measured);
    for (const start of starters) {
      tasks.push(
        start().catch((err) => {
          run.aborted = true;
          throw err;
        }),
      );
    }
    const settled = await Promise.allSettled(tasks);
    const failed = settled.find((s) => s.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
    const start = Math.min(...recorders.map((r) => r.startedAt));
    const end = Math.max(...recorders.map((r) => r.finishedAt));
    return {
      mode: options.mode,
      totalSeconds: (end - start) / 1000,
      actors: recorders,
    };
  } finally {
    await Promise.allSettled(clients.map((c) => c.close()));
  }
}
