/**
 * `/`, `/ping`, `/metrics`, `/stats`, `/cluster/metadata`, `/clients` and `/snapshot` (http.md §5, §9).
 * @module
 */

import * as system from "../../commands/system.ts";
import { renderMetrics } from "../../metrics.ts";
import type { HttpApp, HttpDeps } from "../env.ts";
import { commandContext, notFound } from "../env.ts";
import { jsonResponse, parseU32, read, readBody } from "../json.ts";
import {
  clientDetailsToJson,
  clientToJson,
  clusterMetadataToJson,
  getSnapshotFromJson,
  statsToJson,
} from "../../../client/protocol/http_json/mod.ts";
import {
  ErrorCode,
  IggyError,
  SnapshotType,
} from "../../../client/protocol/mod.ts";

const TEXT = { "content-type": "text/plain; charset=utf-8" };

/** Registers the system routes. */
export function systemRoutes(app: HttpApp, deps: HttpDeps): void {
  app.get("/", () => new Response("Iggy API", { headers: TEXT }));
  app.get("/ping", () => new Response("pong", { headers: TEXT }));
  if (deps.config.http.metrics.enabled) {
    app.get(
      deps.config.http.metrics.endpoint,
      () =>
        new Response(renderMetrics(deps.system, deps.metrics), {
          headers: TEXT,
        }),
    );
  }
  app.get("/stats", async (c) => {
    const stats = await system.getStats(commandContext(c, deps));
    return jsonResponse(statsToJson(stats));
  });
  app.get("/cluster/metadata", (c) => {
    const metadata = system.getClusterMetadata(commandContext(c, deps));
    return jsonResponse(clusterMetadataToJson(metadata));
  });
  app.get("/clients", (c) => {
    const clients = system.getClients(commandContext(c, deps));
    clients.sort((a, b) => a.clientId - b.clientId);
    return jsonResponse(clients.map(clientToJson));
  });
  app.get("/clients/:client_id", (c) => {
    const clientId = parseU32(c.req.param("client_id"), "client_id");
    const client = system.getClient(commandContext(c, deps), { clientId });
    return client ? jsonResponse(clientDetailsToJson(client)) : notFound();
  });
  app.post("/snapshot", async (c) => {
    const body = await readBody(c);
    const command = getSnapshotFromJson(body, read);
    if (command.types.length > 1 && command.types.includes(SnapshotType.All)) {
      throw new IggyError(ErrorCode.InvalidCommand, "All with other types");
    }
    const zip = await system.getSnapshot(commandContext(c, deps), command);
    return new Response(zip as Uint8Array<ArrayBuffer>, {
      headers: {
        "content-type": "application/zip",
        "content-disposition": `attachment; filename="iggy_snapshot_${
          snapshotStamp(new Date())
        }.zip"`,
      },
    });
  });
}

/** `YYYYMMDD_HHMMSS` in the server's local time (http.md §6.11). */
function snapshotStamp(d: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}${two(d.getMonth() + 1)}${two(d.getDate())}_${
    two(d.getHours())
  }${two(d.getMinutes())}${two(d.getSeconds())}`;
}
