/**
 * The one interface every transport implements; {@linkcode IggyClient} is written once on top of it.
 * @module
 */

/**
 * Carries binary requests to the server and their answers back.
 *
 * A transport only frames bytes and reports errors:
 * - `request()` resolves with the OK payload (empty for "empty OK");
 * - a non-zero status rejects with `new IggyError(status)`;
 * - a connection that closes or fails rejects every pending request with {@linkcode ConnectionError};
 * - a request without an answer in time rejects with {@linkcode TimeoutError}.
 *
 * @example Usage
 * ```ts
 * import type { Transport } from "@iggy/client";
 * import { IggyClient } from "@iggy/client";
 *
 * // A transport that answers every request with an empty OK payload.
 * const transport: Transport = {
 *   closed: false,
 *   request: () => Promise.resolve(new Uint8Array()),
 *   close: () => Promise.resolve(),
 * };
 * const client = new IggyClient(transport);
 * await client.ping();
 * ```
 */
export interface Transport {
  /**
   * Sends one command and waits for its answer.
   *
   * @param code The command code (see `CommandCode`).
   * @param payload The encoded request payload.
   * @returns The OK response payload (possibly empty).
   * @throws {IggyError} When the server answers with a non-zero status.
   * @throws {ConnectionError} When the connection is or becomes closed.
   * @throws {TimeoutError} When the answer does not come in time.
   */
  request(code: number, payload: Uint8Array): Promise<Uint8Array>;
  /**
   * Sends one whole request frame, `[length u32][code u32][payload]`, and waits for its answer, like
   * {@linkcode Transport.request}. Optional: a transport that writes frames to a byte stream
   * implements it to write the frame at once, without framing (or copying) the payload again; the
   * client uses `request(code, frame.subarray(8))` where it is absent. The caller keeps `frame`
   * unchanged until the returned promise settles.
   *
   * @param frame The request frame, header included.
   * @returns The OK response payload (possibly empty).
   * @throws {IggyError} When the server answers with a non-zero status.
   * @throws {ConnectionError} When the connection is or becomes closed.
   * @throws {TimeoutError} When the answer does not come in time.
   */
  requestFrame?(frame: Uint8Array): Promise<Uint8Array>;
  /** Closes the connection; pending requests reject with {@linkcode ConnectionError}. */
  close(): Promise<void>;
  /** True once the transport is closed (by the caller, the server or an error). */
  readonly closed: boolean;
}
