/**
 * Frames of the binary protocol (binary.md §1.1–1.2): the 8-byte request header, and whole answer
 * frames for message-oriented transports (QUIC streams, WebSocket messages), which send each answer
 * as one buffer.
 * @module
 */

import {
  FRAME_HEADER_SIZE,
  writeResponseHeader,
} from "../../client/protocol/mod.ts";

/** A request frame's header: `[length u32][code u32]`, `length` counting the code and the payload. */
export interface RequestHeader {
  /** The command code. */
  code: number;
  /** Bytes of payload after the header (`length - 4`). */
  payloadLength: number;
}

/**
 * Reads a request header.
 *
 * @param header At least the 8 header bytes.
 * @returns The header, or `undefined` when `length` is below 4 (not even the code).
 */
export function parseRequestHeader(
  header: Uint8Array,
): RequestHeader | undefined {
  const view = new DataView(
    header.buffer,
    header.byteOffset,
    FRAME_HEADER_SIZE,
  );
  const length = view.getUint32(0, true);
  if (length < 4) return undefined;
  return { code: view.getUint32(4, true), payloadLength: length - 4 };
}

/** What a request is answered with: a status and, when it is 0, the payload chunks. */
export interface Answer {
  /** 0 (OK) or an Iggy error code. */
  status: number;
  /** The OK payload, in order; empty for an error. */
  chunks: Uint8Array[];
  /** True when the connection is to be closed once the answer is written. */
  close: boolean;
}

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

/**
 * An answer as one frame.
 *
 * @param answer The answer.
 * @returns {@linkcode okFrame} of its chunks, or {@linkcode errorFrame} of its status.
 */
export function answerFrame(answer: Answer): Uint8Array {
  return answer.status === 0
    ? okFrame(answer.chunks)
    : errorFrame(answer.status);
}
