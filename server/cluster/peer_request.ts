/**
 * Node-to-node requests made for a client (forwarded commands, partition figures), with a
 * deadline. The node channel is one TCP connection: a peer cut off by a network partition, or
 * hung, leaves a request unanswered until the kernel gives the connection up, many minutes later.
 * Past the deadline the request fails with `ShardCommunicationError` (11001) and the channel is
 * closed, so whatever else waits on it fails too and the next request connects again (failing
 * within the connect timeout while the peer stays unreachable).
 * @module
 */

import { ErrorCode, IggyError } from "../../client/protocol/errors.ts";
import type { Caller, NodeChannel } from "./channel.ts";

/**
 * Sends one command over `channel` (see {@linkcode NodeChannel.request}) and waits at most
 * `timeoutMs` for its answer.
 * @throws {IggyError} 11001 when no answer came in time (the channel is closed then), or what
 * the request throws
 */
export async function requestWithin(
  channel: NodeChannel,
  timeoutMs: number,
  request: {
    caller: Caller;
    code: number;
    payload: Uint8Array;
    metadataIndex?: number;
  },
): Promise<Uint8Array> {
  let answered = false;
  const answer = channel.request(
    request.caller,
    request.code,
    request.payload,
    request.metadataIndex,
  ).finally(() => answered = true);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new IggyError(
            ErrorCode.ShardCommunicationError,
            `no answer from the node within ${timeoutMs} ms`,
          ),
        ),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([answer, deadline]);
  } catch (err) {
    if (!answered) channel.close();
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
