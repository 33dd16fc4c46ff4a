/**
 * Which failures a new connection may cure: the predicate the reconnecting transport, the producer's
 * retries and the consumer's resume share.
 * @module
 */

import { ConnectionError, TimeoutError } from "./errors.ts";
import { ErrorCode, IggyError } from "./protocol/mod.ts";

/** Iggy codes that mean the connection, not the request, failed. */
const CONNECTION_CODES: ReadonlySet<number> = new Set([
  ErrorCode.Disconnected,
  ErrorCode.CannotEstablishConnection,
  ErrorCode.StaleClient,
  ErrorCode.NotConnected,
]);

/**
 * True for a lost or unusable connection: {@linkcode ConnectionError}, {@linkcode TimeoutError}
 * (the transport closes the connection after one), or the server's "disconnected" notice.
 */
export function isConnectionFailure(error: unknown): boolean {
  return error instanceof ConnectionError || error instanceof TimeoutError ||
    (error instanceof IggyError && CONNECTION_CODES.has(error.code));
}

/**
 * True for what a moment may cure: a connection failure, or a cluster's "partition unavailable"
 * answer (`ShardCommunicationError`, 11001: its leader died and the next is not elected yet, or a
 * deposed leader refused the send). The producer's default: it sends the same bytes again (ids
 * included), so a server with deduplication on stores a batch once.
 */
export function isTransientFailure(error: unknown): boolean {
  return isConnectionFailure(error) ||
    (error instanceof IggyError &&
      error.code === ErrorCode.ShardCommunicationError);
}
