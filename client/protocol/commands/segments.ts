/**
 * Segment commands (binary.md §5.9).
 * @module
 */

import { ByteReader } from "../bytes.ts";
import type { Identifier } from "../identifier.ts";
import { readIdentifier, writeIdentifier } from "../identifier.ts";
import { encodeWith } from "./_codec.ts";

/** DeleteSegments (503): deletes up to `segmentsCount` of the oldest sealed segments. */
export interface DeleteSegments {
  /** The stream id or name. */
  streamId: Identifier;
  /** The topic id or name. */
  topicId: Identifier;
  /** The partition id (0-based). */
  partitionId: number;
  /** Maximum number of segments to delete. */
  segmentsCount: number;
}

// DeleteSegments request = stream Identifier, topic Identifier, partition_id u32,
//                          segments_count u32

/**
 * Encodes a DeleteSegments request.
 *
 * @param command The request.
 * @returns The payload.
 */
export function encodeDeleteSegments(command: DeleteSegments): Uint8Array {
  return encodeWith((w) => {
    writeIdentifier(w, command.streamId);
    writeIdentifier(w, command.topicId);
    w.u32(command.partitionId).u32(command.segmentsCount);
  });
}

/**
 * Decodes a DeleteSegments request.
 *
 * @param payload The payload.
 * @returns The request.
 * @throws {WireError} 3 or 4 on malformed input.
 */
export function decodeDeleteSegments(payload: Uint8Array): DeleteSegments {
  const reader = new ByteReader(payload);
  const streamId = readIdentifier(reader);
  const topicId = readIdentifier(reader);
  const partitionId = reader.u32();
  return { streamId, topicId, partitionId, segmentsCount: reader.u32() };
}
