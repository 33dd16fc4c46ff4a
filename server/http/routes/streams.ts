/**
 * Streams (http.md §5 routes 23–28).
 * @module
 */

import { ErrorCode } from "../../../client/protocol/mod.ts";
import * as streams from "../../commands/streams.ts";
import type { HttpApp, HttpContext, HttpDeps } from "../env.ts";
import {
  checkName,
  commandContext,
  empty,
  notFound,
  recordArg,
} from "../env.ts";
import { jsonResponse, parseIdentifier, read, readBody } from "../json.ts";
import {
  streamDetailsToJson,
  streamNameFromJson,
  streamToJson,
} from "../../../client/protocol/http_json/mod.ts";

/** The `{stream_id}` path identifier. */
export function streamParam(c: HttpContext): string | number {
  const id = parseIdentifier(c.req.param("stream_id")!);
  recordArg(c, "stream_id", String(id));
  return id;
}

/** Registers the stream routes. */
export function streamRoutes(app: HttpApp, deps: HttpDeps): void {
  app.get("/streams", (c) => {
    return jsonResponse(
      streams.getStreams(commandContext(c, deps)).map(streamToJson),
    );
  });

  app.post("/streams", async (c) => {
    const { name } = streamNameFromJson(await readBody(c), read);
    recordArg(c, "name", name);
    checkName(name, ErrorCode.InvalidStreamName);
    const created = await streams.createStream(commandContext(c, deps), {
      name,
    });
    return jsonResponse(streamDetailsToJson({ ...created, topics: [] }));
  });

  app.get("/streams/:stream_id", (c) => {
    const streamId = streamParam(c);
    const stream = streams.getStream(commandContext(c, deps), { streamId });
    return stream ? jsonResponse(streamDetailsToJson(stream)) : notFound();
  });

  app.put("/streams/:stream_id", async (c) => {
    const streamId = streamParam(c);
    const { name } = streamNameFromJson(await readBody(c), read);
    recordArg(c, "name", name);
    checkName(name, ErrorCode.InvalidStreamName);
    await streams.updateStream(commandContext(c, deps), { streamId, name });
    return empty(204);
  });

  app.delete("/streams/:stream_id", async (c) => {
    const streamId = streamParam(c);
    await streams.deleteStream(commandContext(c, deps), { streamId });
    return empty(204);
  });

  app.delete("/streams/:stream_id/purge", async (c) => {
    const streamId = streamParam(c);
    await streams.purgeStream(commandContext(c, deps), { streamId });
    return empty(204);
  });
}
