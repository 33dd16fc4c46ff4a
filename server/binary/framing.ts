/**
 * Whole response frames (binary.md §1.2) for message-oriented transports (QUIC streams, WebSocket
 * messages), which send each answer as one buffer.
 * @module
 */

import {
  FRAME_HEADER_SIZE,
  writeResponseHeader,
} from "../client/protocol/mod.ts";

/**
 * Builds an error answer `[code][0]`.
 *
 * @param code The Iggy error code.
 * @returns The 8-byte frame.
 */
export function errorFrame(code: number): Uint8Array {
  const frame = new Uint8Array(FRAME_HEADER_SIZE);
  writeResponseHeader(frame, code, 0);
  return frame;
}

/**
 * Builds an OK answer `[0][length][payload]` from the payload chunks a handler returned.
 *
 * @param chunks The payload, in order.
 * @returns One frame holding header and payload.
 */
export function okFrame(chunks: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const chunk of chunks) length += chunk.length;
  const frame = new Uint8Array(FRAME_HEADER_SIZE + length);
  writeResponseHeader(frame, 0, length);
  let at = FRAME_HEADER_SIZE;
  for (const chunk of chunks) {
    frame.set(chunk, at);
    at += chunk.length;
  }
  return frame;
}
