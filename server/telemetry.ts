/**
 * OpenTelemetry export (`[telemetry]`): log events and request spans (one per binary command,
 * one per HTTP request) sent over OTLP/HTTP to `telemetry.logs.endpoint` and
 * `telemetry.traces.endpoint`, in batches, with the official OpenTelemetry JS SDK. Metrics stay on
 * the Prometheus endpoint (`/metrics`), which OpenTelemetry collectors can scrape.
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
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BatchLogRecordProcessor,
  LoggerProvider,
} from "@opentelemetry/sdk-logs";
import { BatchSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import type { ServerConfig } from "./config.ts";
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
      ]);
      diag.disable();
    },
  };
}
