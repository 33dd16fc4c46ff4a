/**
 * Server metrics: counters and latency histograms bumped by the transports, gauges read from the
 * system and the process at scrape time, rendered as Prometheus/OpenMetrics text (http.md §9).
 * Names follow Prometheus conventions (`_total` counters, `_bytes`, `_seconds`); Iggy 0.8.0's
 * own families (`http_requests`, `streams`, `topics`, ...) keep their names.
 * @module
 */

import { COMMAND_NAMES } from "../client/protocol/mod.ts";
import type { Tracer } from "@opentelemetry/api";
import type { System } from "./domain/system.ts";
import { EventLoopProbe, readProcessStats } from "./process_stats.ts";

/** Upper bounds of the latency histogram buckets, in seconds (`+Inf` is implied). */
export const LATENCY_BUCKETS: readonly number[] = [
  0.0001,
  0.00025,
  0.0005,
  0.001,
  0.0025,
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
];

/** A latency histogram over {@linkcode LATENCY_BUCKETS}: observing only bumps numbers. */
export class Histogram {
  /** Count per bucket (not cumulative); the last slot is `+Inf`. */
  readonly counts: Float64Array = new Float64Array(LATENCY_BUCKETS.length + 1);
  /** Sum of the observed values, in seconds. */
  sum = 0;
  /** Number of observations. */
  count = 0;

  /** Records one duration of `seconds`. */
  observe(seconds: number): void {
    let bucket = 0;
    while (
      bucket < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[bucket]!
    ) {
      bucket++;
    }
    this.counts[bucket]!++;
    this.sum += seconds;
    this.count++;
  }
}

/** Counters and histograms of one running server. */
export class Metrics {
  /** HTTP requests seen, including 401s and CORS preflights. */
  httpRequests = 0;
  /** Messages accepted by SendMessages. */
  messagesSent = 0n;
  /** Bytes of message frames accepted by SendMessages. */
  bytesSent = 0n;
  /** Messages returned by PollMessages. */
  messagesPolled = 0n;
  /** Bytes of message frames returned by PollMessages. */
  bytesPolled = 0n;
  /** Event-loop lag probe; started by the server, read at scrape time. */
  readonly eventLoop: EventLoopProbe = new EventLoopProbe();
  /** Binary-protocol command latency, by command code. */
  readonly commandLatency: Map<number, Histogram> = new Map();
  /** HTTP request latency, by `"<METHOD> <route pattern>"`. */
  readonly httpLatency: Map<string, Histogram> = new Map();
  /** Starts request spans while OpenTelemetry export is on (`[telemetry]`). */
  tracer: Tracer | undefined;

  /** Counts one send of `messages` messages taking `bytes` bytes. */
  recordSend(messages: number, bytes: number): void {
    this.messagesSent += BigInt(messages);
    this.bytesSent += BigInt(bytes);
  }

  /** Counts one poll answer of `messages` messages taking `bytes` bytes. */
  recordPoll(messages: number, bytes: number): void {
    this.messagesPolled += BigInt(messages);
    this.bytesPolled += BigInt(bytes);
  }

  /** Records how long one binary command `code` took, in milliseconds. */
  observeCommand(code: number, milliseconds: number): void {
    let histogram = this.commandLatency.get(code);
    if (histogram === undefined) {
      if (COMMAND_NAMES[code] === undefined) return;
      histogram = new Histogram();
      this.commandLatency.set(code, histogram);
    }
    histogram.observe(milliseconds / 1000);
  }

  /** Records how long one HTTP request to `route` (the matched pattern) took, in milliseconds. */
  observeHttp(method: string, route: string, milliseconds: number): void {
    const key = `${method} ${route}`;
    let histogram = this.httpLatency.get(key);
    if (histogram === undefined) {
      histogram = new Histogram();
      this.httpLatency.set(key, histogram);
    }
    histogram.observe(milliseconds / 1000);
  }
}

const bySystem = new WeakMap<System, Metrics>();

/** The metrics of `system`, created on first use, so every transport bumps the same counters. */
export function metricsOf(system: System): Metrics {
  let metrics = bySystem.get(system);
  if (!metrics) {
    metrics = new Metrics();
    bySystem.set(system, metrics);
  }
  return metrics;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(
    /\n/g,
    "\\n",
  );
}

type Sample = [labels: string, value: number | bigint];

/** Collects metric families as OpenMetrics text. */
class Exposition {
  readonly lines: string[] = [];

  family(
    name: string,
    type: "counter" | "gauge",
    help: string,
    samples: Sample[],
  ): void {
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    const sample = type === "counter" ? `${name}_total` : name;
    for (const [labels, value] of samples) {
      this.lines.push(`${sample}${labels} ${value}`);
    }
  }

  histograms(
    name: string,
    help: string,
    entries: [labels: string, histogram: Histogram][],
  ): void {
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} histogram`);
    for (const [labels, histogram] of entries) {
      let cumulative = 0;
      const prefix = labels === "" ? "{" : `{${labels},`;
      for (let i = 0; i <= LATENCY_BUCKETS.length; i++) {
        cumulative += histogram.counts[i]!;
        const le = i < LATENCY_BUCKETS.length
          ? String(LATENCY_BUCKETS[i])
          : "+Inf";
        this.lines.push(`${name}_bucket${prefix}le="${le}"} ${cumulative}`);
      }
      const braces = labels === "" ? "" : `{${labels}}`;
      this.lines.push(
        `${name}_sum${braces} ${histogram.sum}`,
        `${name}_count${braces} ${histogram.count}`,
      );
    }
  }
}

/** A gauge value with its labels. */
export interface Labeled {
  labels: Record<string, string>;
  value: number | bigint;
}

/** The stored data as gauges, read once per scrape or export. */
export interface Topology {
  topics: number;
  partitions: number;
  segments: number;
  messages: bigint;
  /** Bytes per stream (`stream`). */
  streamSizes: Labeled[];
  /** Bytes per topic (`stream`, `topic`). */
  topicSizes: Labeled[];
  /** Offset of the last message per partition (`stream`, `topic`, `partition`). */
  endOffsets: Labeled[];
  /** Stored offset per group and partition (`+ consumer_group`); absent until stored. */
  committed: Labeled[];
  /** Messages after the committed offset, per group and partition. */
  lag: Labeled[];
  /** Members per group (`stream`, `topic`, `consumer_group`). */
  members: Labeled[];
}

/**
 * Walks streams, topics, partitions and consumer groups once.
 *
 * @param system The running system.
 * @returns Counts and labeled gauges.
 */
export function collectTopology(system: System): Topology {
  const t: Topology = {
    topics: 0,
    partitions: 0,
    segments: 0,
    messages: 0n,
    streamSizes: [],
    topicSizes: [],
    endOffsets: [],
    committed: [],
    lag: [],
    members: [],
  };
  for (const stream of system.streams.values()) {
    t.topics += stream.topics.size;
    t.streamSizes.push({
      labels: { stream: stream.name },
      value: stream.sizeBytes,
    });
    for (const topic of stream.topics.values()) {
      t.partitions += topic.partitions.length;
      const topicLabels = { stream: stream.name, topic: topic.name };
      t.topicSizes.push({ labels: topicLabels, value: topic.sizeBytes });
      for (const partition of topic.partitions) {
        const log = partition.log;
        t.segments += log.segmentsCount;
        t.messages += log.messagesCount;
        t.endOffsets.push({
          labels: { ...topicLabels, partition: String(partition.id) },
          value: log.currentOffset,
        });
      }
      for (const group of topic.groups.values()) {
        const groupLabels = { ...topicLabels, consumer_group: group.name };
        t.members.push({ labels: groupLabels, value: group.members.length });
        for (const partition of topic.partitions) {
          const labels = { ...groupLabels, partition: String(partition.id) };
          const log = partition.log;
          const stored = partition.groupOffsets.get(group.id);
          if (stored !== undefined) t.committed.push({ labels, value: stored });
          // Lag = messages after the committed one (all retained ones when nothing is committed).
          const from = stored === undefined || stored + 1n < log.firstOffset
            ? log.firstOffset
            : stored + 1n;
          const behind = log.nextOffset - from;
          t.lag.push({ labels, value: behind > 0n ? behind : 0n });
        }
      }
    }
  }
  return t;
}

function labelText(labels: Record<string, string>): string {
  let text = "";
  for (const [name, value] of Object.entries(labels)) {
    text += `${text === "" ? "" : ","}${name}="${escapeLabel(value)}"`;
  }
  return `{${text}}`;
}

function samples(values: Labeled[]): Sample[] {
  return values.map(({ labels, value }) => [labelText(labels), value]);
}

/** Renders the counters, gauges and histograms as OpenMetrics text ending with `# EOF`. */
export function renderMetrics(system: System, metrics: Metrics): string {
  const out = new Exposition();
  const t = collectTopology(system);
  // Iggy 0.8.0's families first, with its exact help text for the counter.
  out.family("http_requests", "counter", "total count of http_requests.", [[
    "",
    metrics.httpRequests,
  ]]);
  out.family("messages_sent", "counter", "Messages accepted by SendMessages.", [
    [
      "",
      metrics.messagesSent,
    ],
  ]);
  out.family(
    "bytes_sent",
    "counter",
    "Bytes of messages accepted by SendMessages.",
    [[
      "",
      metrics.bytesSent,
    ]],
  );
  out.family(
    "messages_polled",
    "counter",
    "Messages returned by PollMessages.",
    [[
      "",
      metrics.messagesPolled,
    ]],
  );
  out.family(
    "bytes_polled",
    "counter",
    "Bytes of messages returned by PollMessages.",
    [[
      "",
      metrics.bytesPolled,
    ]],
  );
  out.family("streams", "gauge", "Number of streams.", [[
    "",
    system.streams.size,
  ]]);
  out.family("topics", "gauge", "Number of topics.", [["", t.topics]]);
  out.family("partitions", "gauge", "Number of partitions.", [[
    "",
    t.partitions,
  ]]);
  out.family("segments", "gauge", "Number of segments.", [["", t.segments]]);
  out.family("messages", "gauge", "Messages retained in all partitions.", [[
    "",
    t.messages,
  ]]);
  out.family("users", "gauge", "Number of users.", [["", system.users.size]]);
  out.family("clients", "gauge", "Connected clients.", [[
    "",
    system.clients.size,
  ]]);
  out.family(
    "stream_size_bytes",
    "gauge",
    "Bytes stored per stream.",
    samples(t.streamSizes),
  );
  out.family(
    "topic_size_bytes",
    "gauge",
    "Bytes stored per topic.",
    samples(t.topicSizes),
  );
  out.family(
    "partition_end_offset",
    "gauge",
    "Offset of the last message appended to the partition (0 when empty).",
    samples(t.endOffsets),
  );
  out.family(
    "consumer_group_committed_offset",
    "gauge",
    "Offset stored by the consumer group for the partition (the last one it consumed).",
    samples(t.committed),
  );
  out.family(
    "consumer_group_lag",
    "gauge",
    "Messages of the partition after the group's committed offset (end offset - committed offset).",
    samples(t.lag),
  );
  out.family(
    "consumer_group_members",
    "gauge",
    "Members of the consumer group.",
    samples(t.members),
  );
  out.histograms(
    "request_duration_seconds",
    "Time to handle a binary-protocol command (TCP, QUIC, WebSocket), by command.",
    [...metrics.commandLatency].map(([code, histogram]) => [
      `command="${COMMAND_NAMES[code]}"`,
      histogram,
    ]),
  );
  out.histograms(
    "http_request_duration_seconds",
    "Time to handle an HTTP request, by method and route pattern.",
    [...metrics.httpLatency].map(([key, histogram]) => {
      const space = key.indexOf(" ");
      return [
        `method="${key.slice(0, space)}",route="${
          escapeLabel(key.slice(space + 1))
        }"`,
        histogram,
      ];
    }),
  );
  const process = readProcessStats();
  out.family(
    "process_cpu_seconds",
    "counter",
    "User and system CPU time spent, in seconds.",
    [[
      "",
      process.cpuSeconds,
    ]],
  );
  out.family(
    "process_resident_memory_bytes",
    "gauge",
    "Resident memory size, in bytes.",
    [[
      "",
      process.residentBytes,
    ]],
  );
  out.family(
    "process_heap_used_bytes",
    "gauge",
    "JavaScript heap in use, in bytes.",
    [[
      "",
      process.heapUsedBytes,
    ]],
  );
  if (process.openFds !== undefined) {
    out.family("process_open_fds", "gauge", "Open file descriptors.", [[
      "",
      process.openFds,
    ]]);
  }
  if (process.maxFds !== undefined) {
    out.family("process_max_fds", "gauge", "Limit of open file descriptors.", [[
      "",
      process.maxFds,
    ]]);
  }
  out.family(
    "process_start_time_seconds",
    "gauge",
    "Start time of the process since the Unix epoch, in seconds.",
    [["", process.startTimeSeconds]],
  );
  out.family(
    "process_event_loop_lag_seconds",
    "gauge",
    "How late the last event-loop probe (every 500 ms) ran, in seconds.",
    [["", metrics.eventLoop.lagSeconds]],
  );
  out.lines.push("# EOF", "");
  return out.lines.join("\n");
}
