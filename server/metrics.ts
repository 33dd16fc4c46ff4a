/**
 * Server metrics: counters bumped by the transports and gauges read from the system, rendered as
 * Prometheus/OpenMetrics text (http.md §9).
 * @module
 */

import type { System } from "./domain/system.ts";

/** Counters of one running server. */
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

/** Renders the counters and the system gauges as OpenMetrics text ending with `# EOF`. */
export function renderMetrics(system: System, metrics: Metrics): string {
  const lines: string[] = [];
  const family = (
    name: string,
    type: "counter" | "gauge",
    samples: [labels: string, value: number | bigint][],
  ): void => {
    lines.push(
      `# HELP ${name} total count of ${name}.`,
      `# TYPE ${name} ${type}`,
    );
    const sample = type === "counter" ? `${name}_total` : name;
    for (const [labels, value] of samples) {
      lines.push(`${sample}${labels} ${value}`);
    }
  };
  let topics = 0, partitions = 0, segments = 0;
  let messages = 0n;
  const streamSizes: [string, bigint][] = [];
  const topicSizes: [string, bigint][] = [];
  for (const stream of system.streams.values()) {
    topics += stream.topics.size;
    const streamLabel = `stream="${escapeLabel(stream.name)}"`;
    streamSizes.push([`{${streamLabel}}`, stream.sizeBytes]);
    for (const topic of stream.topics.values()) {
      partitions += topic.partitions.length;
      topicSizes.push([
        `{${streamLabel},topic="${escapeLabel(topic.name)}"}`,
        topic.sizeBytes,
      ]);
      for (const partition of topic.partitions) {
        segments += partition.log.segmentsCount;
        messages += partition.log.messagesCount;
      }
    }
  }
  family("http_requests", "counter", [["", metrics.httpRequests]]);
  family("messages_sent", "counter", [["", metrics.messagesSent]]);
  family("bytes_sent", "counter", [["", metrics.bytesSent]]);
  family("messages_polled", "counter", [["", metrics.messagesPolled]]);
  family("bytes_polled", "counter", [["", metrics.bytesPolled]]);
  family("streams", "gauge", [["", system.streams.size]]);
  family("topics", "gauge", [["", topics]]);
  family("partitions", "gauge", [["", partitions]]);
  family("segments", "gauge", [["", segments]]);
  family("messages", "gauge", [["", messages]]);
  family("users", "gauge", [["", system.users.size]]);
  family("clients", "gauge", [["", system.clients.size]]);
  family("stream_size_bytes", "gauge", streamSizes);
  family("topic_size_bytes", "gauge", topicSizes);
  lines.push("# EOF", "");
  return lines.join("\n");
}
