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
