/**
 * OpenTelemetry export (`[telemetry]`): log events, request spans (one per binary command, one
 * per HTTP request) and the server's metrics (the `/metrics` counters and gauges, read every
 * `telemetry.metrics.interval`) sent over OTLP/HTTP to the `telemetry.logs`, `.traces` and
 * `.metrics` endpoints, with the official OpenTelemetry JS SDK.
 *
 * Off by default; when off nothing here is loaded into the request path but an `undefined` check.
 * @module
 */

import {
  type AttributeValue,
  diag,
  DiagLogLevel,
  SeverityNumber,
  type Tracer,
} from "@opentelemetry/api";
import { OTLPLogExporter } from "@opentelemetry/exporter-logs-otlp-http";
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BatchLogRecordProcessor,
  LoggerProvider,
} from "@opentelemetry/sdk-logs";
import {
  MeterProvider,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import { BatchSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import type { ServerConfig } from "./config.ts";
import type { System } from "./domain/system.ts";
import { collectTopology, type Labeled, type Metrics } from "./metrics.ts";
import { readProcessStats } from "./process_stats.ts";
import { type LogEvent, type Logger, structuredFieldValue } from "./logger.ts";

/** Longest an export request may take (so a dead collector cannot stall the shutdown long). */
const EXPORT_TIMEOUT_MS = 3000;
/** How often batches are sent. */
const EXPORT_DELAY_MS = 1000;

const SEVERITY: Record<LogEvent["level"], SeverityNumber> = {
  trace: SeverityNumber.TRACE,
  debug: SeverityNumber.DEBUG,
  info: SeverityNumber.INFO,
  warn: SeverityNumber.WARN,
  error: SeverityNumber.ERROR,
};

/** Least time between two warnings about failed exports. */
const WARNING_INTERVAL_MS = 60_000;

/** A one-line description of what the SDK reports (strings, errors, error-like objects). */
function describe(value: unknown): string {
  if (typeof value === "string") {
    // The exporters report errors as JSON text ({"stack", "message", ...}).
    if (!value.startsWith("{")) return value;
    try {
      return describe(JSON.parse(value));
    } catch {
      return value;
    }
  }
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  const message = (value as { message?: unknown } | null)?.message;
  if (typeof message === "string") return message;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** A field value as an OpenTelemetry attribute value (secrets masked, objects as JSON). */
function attribute(name: string, value: unknown): AttributeValue {
  const plain = structuredFieldValue(name, value);
  if (
    typeof plain === "string" || typeof plain === "number" ||
    typeof plain === "boolean"
  ) return plain;
  try {
    return JSON.stringify(plain) ?? String(plain);
  } catch {
    return String(plain);
  }
}

/** A running OpenTelemetry export. */
export interface Telemetry {
  /** The tracer request spans are started with. */
  readonly tracer: Tracer;
  /** Queues one log event for export. */
  exportLog(event: LogEvent): void;
  /** Exports the metrics of `system` (read at each export). */
  observe(system: System, metrics: Metrics): void;
  /** Sends the Telemetry SDK's own warnings (failed exports) to `logger`. */
  reportTo(logger: Logger): void;
  /** Sends what is queued and stops. */
  shutdown(): Promise<void>;
}

/**
 * Starts exporting logs and traces as `[telemetry]` says (only the `http` transport: OTLP/HTTP).
 *
 * @param config The `[telemetry]` section, enabled.
 * @param version The server version, reported as `service.version`.
 * @returns The running export.
 */
export function startTelemetry(
  config: ServerConfig["telemetry"],
  version: string,
): Telemetry {
  const resource = resourceFromAttributes({
    "service.name": config.serviceName,
    "service.version": version,
  });
  const tracerProvider = new TracerProvider({
    resource,
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: new OTLPTraceExporter({
          url: config.traces.endpoint,
          timeoutMillis: EXPORT_TIMEOUT_MS,
        }),
        scheduledDelayMillis: EXPORT_DELAY_MS,
        exportTimeoutMillis: EXPORT_TIMEOUT_MS,
      }),
    ],
  });
  const loggerProvider = new LoggerProvider({
    resource,
    processors: [
      new BatchLogRecordProcessor({
        exporter: new OTLPLogExporter({
          url: config.logs.endpoint,
          timeoutMillis: EXPORT_TIMEOUT_MS,
        }),
        scheduledDelayMillis: EXPORT_DELAY_MS,
        exportTimeoutMillis: EXPORT_TIMEOUT_MS,
      }),
    ],
  });
  const otelLogger = loggerProvider.getLogger("iggy-server", version);
  const meterProvider = new MeterProvider({
    resource,
    readers: [
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({
          url: config.metrics.endpoint,
          timeoutMillis: EXPORT_TIMEOUT_MS,
        }),
        exportIntervalMillis: config.metrics.interval,
        exportTimeoutMillis: Math.min(
          EXPORT_TIMEOUT_MS,
          config.metrics.interval,
        ),
      }),
    ],
  });
  return {
    tracer: tracerProvider.getTracer("iggy-server", version),
    exportLog(event: LogEvent): void {
      const attributes: Record<string, AttributeValue> = {};
      if (event.module !== undefined) attributes["iggy.module"] = event.module;
      if (event.fields !== undefined) {
        for (const [name, value] of Object.entries(event.fields)) {
          if (value !== undefined && value !== null) {
            attributes[name] = attribute(name, value);
          }
        }
      }
      otelLogger.emit({
        timestamp: event.time,
        severityNumber: SEVERITY[event.level],
        severityText: event.level.toUpperCase(),
        body: event.message,
        attributes,
      });
    },
    observe(system: System, metrics: Metrics): void {
      observeMetrics(meterProvider.getMeter("iggy-server", version), {
        system,
        metrics,
      });
    },
    reportTo(logger: Logger): void {
      const log = logger.module("telemetry");
      let lastWarning = -Infinity;
      let suppressed = 0;
      // A collector that is down fails every batch: one warning a minute, with the count.
      const warn = (message: unknown, ...args: unknown[]) => {
        const now = performance.now();
        if (now - lastWarning < WARNING_INTERVAL_MS) {
          suppressed++;
          return;
        }
        lastWarning = now;
        const fields: Record<string, unknown> = { error: describe(message) };
        if (args.length > 0) fields.detail = args.map(describe).join("; ");
        if (suppressed > 0) fields.suppressed = suppressed;
        log.warn("OpenTelemetry export failed", fields);
        suppressed = 0;
      };
      diag.setLogger({
        error: warn,
        warn,
        info: () => {},
        debug: () => {},
        verbose: () => {},
      }, DiagLogLevel.WARN);
    },
    async shutdown(): Promise<void> {
      await Promise.allSettled([
        tracerProvider.shutdown(),
        loggerProvider.shutdown(),
        meterProvider.shutdown(),
      ]);
      diag.disable();
    },
  };
}

type Meter = ReturnType<MeterProvider["getMeter"]>;

/**
 * Registers observable instruments for the `/metrics` families (same names, without `_total`;
 * the latency histograms stay Prometheus-only) and one callback that reads them all.
 */
function observeMetrics(
  meter: Meter,
  source: { system: System; metrics: Metrics },
): void {
  const counter = (name: string, description: string, unit?: string) =>
    meter.createObservableCounter(name, { description, unit });
  const gauge = (name: string, description: string, unit?: string) =>
    meter.createObservableGauge(name, { description, unit });
  const i = {
    httpRequests: counter("http_requests", "HTTP requests."),
    messagesSent: counter("messages_sent", "Messages accepted by sends."),
    bytesSent: counter("bytes_sent", "Bytes accepted by sends.", "By"),
    messagesPolled: counter("messages_polled", "Messages returned by polls."),
    bytesPolled: counter("bytes_polled", "Bytes returned by polls.", "By"),
    streams: gauge("streams", "Number of streams."),
    topics: gauge("topics", "Number of topics."),
    partitions: gauge("partitions", "Number of partitions."),
    segments: gauge("segments", "Number of segments."),
    messages: gauge("messages", "Messages retained in all partitions."),
    users: gauge("users", "Number of users."),
    clients: gauge("clients", "Connected clients."),
    streamSize: gauge("stream_size_bytes", "Bytes stored per stream.", "By"),
    topicSize: gauge("topic_size_bytes", "Bytes stored per topic.", "By"),
    endOffset: gauge("partition_end_offset", "Offset of the last message."),
    committed: gauge(
      "consumer_group_committed_offset",
      "Offset stored by the consumer group.",
    ),
    lag: gauge("consumer_group_lag", "Messages after the committed offset."),
    members: gauge("consumer_group_members", "Members of the consumer group."),
    cpu: counter("process_cpu_seconds", "CPU time spent.", "s"),
    resident: gauge("process_resident_memory_bytes", "Resident memory.", "By"),
    heap: gauge("process_heap_used_bytes", "JavaScript heap in use.", "By"),
    openFds: gauge("process_open_fds", "Open file descriptors."),
    eventLoopLag: gauge(
      "process_event_loop_lag_seconds",
      "How late the event-loop probe last fired.",
      "s",
    ),
  };
  meter.addBatchObservableCallback((result) => {
    const { system, metrics } = source;
    const t = collectTopology(system);
    const each = (
      instrument: Parameters<typeof result.observe>[0],
      values: Labeled[],
    ) => {
      for (const { labels, value } of values) {
        result.observe(instrument, Number(value), labels);
      }
    };
    result.observe(i.httpRequests, metrics.httpRequests);
    result.observe(i.messagesSent, Number(metrics.messagesSent));
    result.observe(i.bytesSent, Number(metrics.bytesSent));
    result.observe(i.messagesPolled, Number(metrics.messagesPolled));
    result.observe(i.bytesPolled, Number(metrics.bytesPolled));
    result.observe(i.streams, system.streams.size);
    result.observe(i.topics, t.topics);
    result.observe(i.partitions, t.partitions);
    result.observe(i.segments, t.segments);
    result.observe(i.messages, Number(t.messages));
    result.observe(i.users, system.users.size);
    result.observe(i.clients, system.clients.size);
    each(i.streamSize, t.streamSizes);
    each(i.topicSize, t.topicSizes);
    each(i.endOffset, t.endOffsets);
    each(i.committed, t.committed);
    each(i.lag, t.lag);
    each(i.members, t.members);
    const process = readProcessStats();
    result.observe(i.cpu, process.cpuSeconds);
    result.observe(i.resident, process.residentBytes);
    result.observe(i.heap, process.heapUsedBytes);
    if (process.openFds !== undefined) {
      result.observe(i.openFds, process.openFds);
    }
    result.observe(i.eventLoopLag, metrics.eventLoop.lagSeconds);
  }, Object.values(i));
}
