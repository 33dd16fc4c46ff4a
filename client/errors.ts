/**
 * Errors raised by the client itself (not by the server): a broken connection or a request that took
 * too long. Server errors arrive as {@linkcode IggyError}.
 * @module
 */

/**
 * The connection to the server failed, was closed, or closed while a request was pending.
 *
 * @example Usage
 * ```ts
 * import { ConnectionError } from "@iggy/client";
 * import assert from "node:assert/strict";
 *
 * const err = new ConnectionError("Connection closed by the server");
 * assert.equal(err.name, "ConnectionError");
 * ```
 */
export class ConnectionError extends Error {
  /**
   * Creates the error.
   *
   * @param message What went wrong.
   * @param options Standard error options; pass the underlying error as `cause`.
   *
   * @example Usage
   * ```ts
   * import { ConnectionError } from "@iggy/client";
   * import assert from "node:assert/strict";
   *
   * const cause = new Error("ECONNRESET");
   * const err = new ConnectionError("Connection reset", { cause });
   * assert.equal(err.cause, cause);
   * ```
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ConnectionError";
  }
}

/**
 * A request got no answer within the configured timeout. The connection is closed afterwards,
 * because a late answer would be matched with the wrong request.
 *
 * @example Usage
 * ```ts
 * import { TimeoutError } from "@iggy/client";
 * import assert from "node:assert/strict";
 *
 * const err = new TimeoutError("Request timed out after 5000 ms");
 * assert.equal(err.name, "TimeoutError");
 * ```
 */
export class TimeoutError extends Error {
  /**
   * Creates the error.
   *
   * @param message What timed out.
   * @param options Standard error options; pass the underlying error as `cause`.
   *
   * @example Usage
   * ```ts
   * import { TimeoutError } from "@iggy/client";
   * import assert from "node:assert/strict";
   *
   * const err = new TimeoutError("No answer within 5000 ms");
   * assert.ok(err instanceof Error);
   * ```
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "TimeoutError";
  }
}
