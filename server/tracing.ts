/**
 * Request spans for OpenTelemetry export (see `telemetry.ts`). Only types come from the
 * OpenTelemetry API here, so the request path loads nothing of it while telemetry is off.
 * @module
 */

import type { Attributes, Span, Tracer } from "@opentelemetry/api";
import { IggyError } from "../client/protocol/mod.ts";

/** `SpanStatusCode.ERROR` of the OpenTelemetry API. */
const STATUS_ERROR = 2;

/**
 * Starts a server span, when a tracer is set.
 *
 * @param tracer The tracer, or undefined when telemetry is off.
 * @param name The span name (a command name such as `message.send`, or `GET /streams`).
 * @param attributes Attributes of the span.
 * @returns The span, or undefined.
 */
export function startSpan(
  tracer: Tracer | undefined,
  name: string,
  attributes: Attributes,
): Span | undefined {
  // SpanKind.SERVER = 1
  return tracer?.startSpan(name, { kind: 1, attributes });
}

/**
 * Ends `span`, marking it failed with the error's message (and Iggy code) when `failure` is set.
 *
 * @param span The span.
 * @param failure What the request threw, or undefined.
 */
export function endSpan(span: Span, failure: unknown): void {
  if (failure !== undefined) {
    span.setStatus({
      code: STATUS_ERROR,
      message: failure instanceof Error ? failure.message : String(failure),
    });
    if (failure instanceof IggyError) {
      span.setAttribute("iggy.error.code", failure.code);
    }
  }
  span.end();
}
