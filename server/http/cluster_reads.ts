/**
 * HTTP reads in a cluster, as the binary dispatcher serves them (`server/binary/table.ts`):
 * - stats, streams and topics first fetch the figures of the partitions other nodes lead
 *   (`server/cluster/partition_figures.ts`), so every node reports the same numbers;
 * - a read of one object (stream, topic, user, consumer group) that answers 404 first applies the
 *   metadata changes etcd committed that this node has not applied yet, and when there were
 *   any, is answered again, so a change made through another node is visible at once.
 * On a single node: one property check.
 * @module
 */

import type { MiddlewareHandler } from "hono";
import { CommandCode } from "../../client/protocol/codes.ts";
import { commandContext, type HttpDeps, type HttpEnv } from "./env.ts";

/** GET routes whose answers report partition figures, with the command each one is. */
const FIGURE_READS: readonly (readonly [RegExp, number])[] = [
  [/^\/stats\/?$/, CommandCode.GetStats],
  [/^\/streams\/?$/, CommandCode.GetStreams],
  [/^\/streams\/[^/]+\/?$/, CommandCode.GetStream],
  [/^\/streams\/[^/]+\/topics\/?$/, CommandCode.GetTopics],
  [/^\/streams\/[^/]+\/topics\/[^/]+\/?$/, CommandCode.GetTopic],
];

/** GET routes of one object: 404 when it is not found. */
const READS_OF_ONE: readonly RegExp[] = [
  /^\/streams\/[^/]+\/?$/,
  /^\/streams\/[^/]+\/topics\/[^/]+\/?$/,
  /^\/streams\/[^/]+\/topics\/[^/]+\/consumer-groups\/[^/]+\/?$/,
  /^\/users\/[^/]+\/?$/,
];

/**
 * The middleware (after authentication).
 * @param answerAgain answers a request again from the start (the app's `fetch`)
 */
export function clusterReads(
  deps: HttpDeps,
  answerAgain: (request: Request) => Response | Promise<Response>,
): MiddlewareHandler<HttpEnv> {
  return async (c, next) => {
    const cluster = deps.system.cluster;
    if (!cluster || c.req.method !== "GET") return next();
    const path = c.req.path;
    const read = FIGURE_READS.find(([pattern]) => pattern.test(path));
    if (read) {
      await cluster.forward(commandContext(c, deps), read[1], undefined);
    }
    await next();
    if (
      c.res.status === 404 && READS_OF_ONE.some((p) => p.test(path)) &&
      await cluster.refresh()
    ) {
      c.res = await answerAgain(c.req.raw);
    }
  };
}
