/**
 * Consumer groups (http.md §5 routes 38–41). There are no join/leave routes in Iggy 0.8.0.
 * @module
 */

import { ErrorCode } from "../../../client/protocol/mod.ts";
import * as groups from "../../commands/consumer_groups.ts";
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
  consumerGroupDetailsToJson,
  consumerGroupToJson,
  createConsumerGroupFromJson,
} from "../../../client/protocol/http_json/mod.ts";
import { streamParam } from "./streams.ts";
import { topicParam } from "./topics.ts";

function groupParam(c: HttpContext): string | number {
  const id = parseIdentifier(c.req.param("group_id")!);
  recordArg(c, "group_id", String(id));
  return id;
}

const BASE = "/streams/:stream_id/topics/:topic_id/consumer-groups";

/** Registers the consumer-group routes. */
export function consumerGroupRoutes(app: HttpApp, deps: HttpDeps): void {
  app.get(BASE, (c) => {
    const streamId = streamParam(c);
    const topicId = topicParam(c);
    const list = groups.getConsumerGroups(commandContext(c, deps), {
      streamId,
      topicId,
    });
    return jsonResponse(list.map(consumerGroupToJson));
  });

  app.post(BASE, async (c) => {
    const streamId = streamParam(c);
    const topicId = topicParam(c);
    const { name } = createConsumerGroupFromJson(await readBody(c), read);
    recordArg(c, "name", name);
    checkName(name, ErrorCode.InvalidConsumerGroupName);
    const group = await groups.createConsumerGroup(commandContext(c, deps), {
      streamId,
      topicId,
      name,
    });
    return jsonResponse(
      consumerGroupDetailsToJson({ ...group, members: [] }),
      201,
    );
  });

  app.get(`${BASE}/:group_id`, (c) => {
    const streamId = streamParam(c);
    const topicId = topicParam(c);
    const groupId = groupParam(c);
    const group = groups.getConsumerGroup(commandContext(c, deps), {
      streamId,
      topicId,
      groupId,
    });
    return group ? jsonResponse(consumerGroupDetailsToJson(group)) : notFound();
  });

  app.delete(`${BASE}/:group_id`, async (c) => {
    const streamId = streamParam(c);
    const topicId = topicParam(c);
    const groupId = groupParam(c);
    await groups.deleteConsumerGroup(commandContext(c, deps), {
      streamId,
      topicId,
      groupId,
    });
    return empty(204);
  });
}
