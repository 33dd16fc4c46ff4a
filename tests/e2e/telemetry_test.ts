import assert from "node:assert/strict";
import { IggyClient, Partitioning } from "../../mod.ts";
import { startServer } from "../_server.ts";

/** A minimal OTLP/HTTP collector: records the JSON bodies posted to /v1/logs and /v1/traces. */
function startCollector() {
  const received: { path: string; body: Record<string, unknown> }[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (request) => {
      const path = new URL(request.url).pathname;
      assert.match(request.headers.get("content-type") ?? "", /json/);
      received.push({ path, body: await request.json() });
      return Response.json({});
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    received,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

type Otlp = Record<string, unknown[]>;
type Item = Record<string, unknown>;

/** The items of OTLP JSON bodies: `resource<Kind>[].scope<Kind>[].<items>[]`. */
function otlpItems(bodies: Item[], kind: string, items: string): Item[] {
  return bodies.flatMap((body) =>
    ((body as Otlp)[`resource${kind}`] as Otlp[]).flatMap((r) =>
      (r[`scope${kind}`] as Otlp[]).flatMap((s) => s[items] as Item[])
    )
  );
}

/** The data points of metric `name` in the last export that has it. */
function lastPoints(bodies: Item[], name: string): Item[] {
  const metrics = otlpItems(bodies, "Metrics", "metrics")
    .filter((m) => m.name === name);
  const last = metrics.at(-1) as Record<string, { dataPoints: [] }> | undefined;
  return (last?.sum ?? last?.gauge)?.dataPoints ?? [];
}

function pointValue(point: Record<string, unknown>): number {
  return Number(point.asInt ?? point.asDouble);
}

Deno.test("Server exports log events, request spans and metrics over OTLP/HTTP when telemetry is enabled", async () => {
  await using collector = startCollector();
  await using server = await startServer({
    env: {
      IGGY_TELEMETRY_ENABLED: "true",
      IGGY_TELEMETRY_SERVICE_NAME: "iggy-under-test",
      IGGY_TELEMETRY_LOGS_TRANSPORT: "http",
      IGGY_TELEMETRY_LOGS_ENDPOINT: `${collector.url}/v1/logs`,
      IGGY_TELEMETRY_TRACES_TRANSPORT: "http",
      IGGY_TELEMETRY_TRACES_ENDPOINT: `${collector.url}/v1/traces`,
      IGGY_TELEMETRY_METRICS_TRANSPORT: "http",
      IGGY_TELEMETRY_METRICS_ENDPOINT: `${collector.url}/v1/metrics`,
    },
  });
  {
    await using client = await IggyClient.connect({
      ...server.tcp,
      username: "iggy",
      password: "iggy",
    });
    await client.createStream("otel");
    await client.createTopic("otel", "t", { partitionsCount: 1 });
    await client.sendMessages({
      streamId: "otel",
      topicId: "t",
      partitioning: Partitioning.partitionId(0),
      messages: [{ payload: "hello" }],
    });
    // A failing command: its span is marked as an error with the Iggy code.
    await assert.rejects(client.createStream("otel"));
  }
  await (await fetch(
    `http://${server.http!.hostname}:${server.http!.port}/ping`,
  )).text();
  // A clean stop sends what is still queued.
  const status = await server.kill("SIGTERM");
  assert.equal(status?.code, 0, server.stderr());

  const traces = collector.received.filter((r) => r.path === "/v1/traces");
  const logs = collector.received.filter((r) => r.path === "/v1/logs");
  const names = otlpItems(traces.map((r) => r.body), "Spans", "spans").map((
    s,
  ) => s.name);
  for (
    const name of ["user.login", "stream.create", "message.send", "GET /ping"]
  ) {
    assert.ok(names.includes(name), `span ${name} in ${names.join(", ")}`);
  }
  const failed = otlpItems(traces.map((r) => r.body), "Spans", "spans").filter((
    s,
  ) =>
    s.name === "stream.create" && (s.status as { code?: number }).code === 2
  );
  assert.equal(failed.length, 1);
  assert.match(JSON.stringify(failed[0]!.attributes), /"iggy\.error\.code"/);
  const resource = JSON.stringify(
    (traces[0]!.body as Otlp).resourceSpans![0],
  );
  assert.match(resource, /"service\.name".*"iggy-under-test"/);

  const metrics = collector.received.filter((r) => r.path === "/v1/metrics")
    .map((r) => r.body);
  assert.ok(metrics.length > 0, "metrics were pushed");
  const sent = lastPoints(metrics, "messages_sent");
  assert.equal(sent.length, 1);
  assert.equal(pointValue(sent[0]!), 1);
  const endOffsets = lastPoints(metrics, "partition_end_offset");
  assert.equal(endOffsets.length, 1);
  assert.equal(pointValue(endOffsets[0]!), 0);
  assert.match(JSON.stringify(endOffsets[0]!.attributes), /"stream".*"otel"/);
  assert.ok(
    pointValue(lastPoints(metrics, "process_resident_memory_bytes")[0]!) > 0,
  );

  const records = otlpItems(logs.map((r) => r.body), "Logs", "logRecords");
  const listening = records.find((r) =>
    JSON.stringify(r.body).includes("TCP server listening")
  );
  assert.ok(listening, "the listening line was exported");
  assert.equal(listening.severityText, "INFO");
  assert.match(JSON.stringify(listening.attributes), /"address"/);
});
