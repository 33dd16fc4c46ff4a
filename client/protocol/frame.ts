/**
 * Request and response framing (binary.md §1.1–1.2).
 *
 * Request: `[length u32 = 4 + payload][code u32][payload]`.
 * Response: `[status u32][length u32 = payload][payload]`; errors carry no payload.
 * @module
 */

/** Size of the request and of the response header. */
export const FRAME_HEADER_SIZE = 8;
/** Largest payload of any command but SendMessages (10 MiB). */
export const MAX_CONTROL_PAYLOAD = 10 * 1024 * 1024;

/** Builds a whole request frame around `payload`. */
export function encodeRequest(code: number, payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(FRAME_HEADER_SIZE + payload.length);
  const view = new DataView(frame.buffer);
  view.setUint32(0, 4 + payload.length, true);
  view.setUint32(4, code, true);
  frame.set(payload, FRAME_HEADER_SIZE);
  return frame;
}

/** True when `frame` is one whole request frame: its length field counts exactly the bytes after it. */
export function isWholeRequestFrame(frame: Uint8Array): boolean {
  return frame.length >= FRAME_HEADER_SIZE &&
    new DataView(frame.buffer, frame.byteOffset, 4).getUint32(0, true) ===
      frame.length - 4;
}

/** Writes a response header `[status][length]` into `target` at `at`. */
export function writeResponseHeader(
  target: Uint8Array,
  status: number,
  length: number,
  at = 0,
): void {
  const view = new DataView(
    target.buffer,
    target.byteOffset + at,
    FRAME_HEADER_SIZE,
  );
  view.setUint32(0, status, true);
  view.setUint32(4, length, true);
}

/** Builds an OK response frame around `payload`. */
export function encodeOkResponse(payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(FRAME_HEADER_SIZE + payload.length);
  writeResponseHeader(frame, 0, payload.length);
  frame.set(payload, FRAME_HEADER_SIZE);
  return frame;
}

/** Builds the 8-byte error response for `code`. */
export function encodeErrorResponse(code: number): Uint8Array {
  const frame = new Uint8Array(FRAME_HEADER_SIZE);
  writeResponseHeader(frame, code, 0);
  return frame;
}
