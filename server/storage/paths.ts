/**
 * File and directory names of the on-disk layout (binary.md §6.8, config.md §9).
 *
 * ```
 * <root>/streams/<stream_id>/topics/<topic_id>/partitions/<partition_id>/
 *     <start_offset:020>.log
 *     <start_offset:020>.index
 *     offsets/consumers/<consumer_key>
 *     offsets/groups/<group_id>
 * ```
 * @module
 */

import { join } from "node:path";

/** Digits of a segment file name (the zero-padded start offset). */
export const SEGMENT_NAME_DIGITS = 20;
/** Extension of a segment's message file. */
export const LOG_EXTENSION = ".log";
/** Extension of a segment's index file. */
export const INDEX_EXTENSION = ".index";

const SEGMENT_FILE_PATTERN = /^(\d{20})\.(log|index)$/;

/**
 * Returns the directory of one stream.
 * @param root the data root (`system.path`)
 * @param streamId the numeric stream id
 * @returns `<root>/streams/<streamId>`
 */
export function streamDir(root: string, streamId: number): string {
  return join(root, "streams", String(streamId));
}

/**
 * Returns the directory of one topic.
 * @returns `<root>/streams/<streamId>/topics/<topicId>`
 */
export function topicDir(
  root: string,
  streamId: number,
  topicId: number,
): string {
  return join(streamDir(root, streamId), "topics", String(topicId));
}

/**
 * Returns the directory of one partition, which holds its segments and stored offsets.
 * @example Usage
 * ```ts
 * partitionDir("local_data", 0, 1, 2); // "local_data/streams/0/topics/1/partitions/2"
 * ```
 */
export function partitionDir(
  root: string,
  streamId: number,
  topicId: number,
  partitionId: number,
): string {
  return join(
    topicDir(root, streamId, topicId),
    "partitions",
    String(partitionId),
  );
}

/**
 * Returns the base name of a segment (no extension): the start offset zero-padded to 20 digits.
 * @throws {RangeError} when the offset is negative or does not fit u64
 */
export function segmentFileName(startOffset: bigint): string {
  if (startOffset < 0n || startOffset > 0xffff_ffff_ffff_ffffn) {
    throw new RangeError(`Invalid segment start offset "${startOffset}"`);
  }
  return startOffset.toString().padStart(SEGMENT_NAME_DIGITS, "0");
}

/** Returns the path of the `.log` file of the segment starting at `startOffset` in `dir`. */
export function logPath(dir: string, startOffset: bigint): string {
  return join(dir, segmentFileName(startOffset) + LOG_EXTENSION);
}

/** Returns the path of the `.index` file of the segment starting at `startOffset` in `dir`. */
export function indexPath(dir: string, startOffset: bigint): string {
  return join(dir, segmentFileName(startOffset) + INDEX_EXTENSION);
}

/**
 * Parses a segment file name (`00000000000000000042.log` or `.index`).
 * @returns the start offset and the kind, or `undefined` for any other name
 */
export function parseSegmentFileName(
  name: string,
): { startOffset: bigint; kind: "log" | "index" } | undefined {
  const match = SEGMENT_FILE_PATTERN.exec(name);
  if (!match) return undefined;
  const startOffset = BigInt(match[1]!);
  if (startOffset > 0xffff_ffff_ffff_ffffn) return undefined;
  return { startOffset, kind: match[2] as "log" | "index" };
}

/** Returns `<partitionDir>/offsets`. */
export function offsetsDir(dir: string): string {
  return join(dir, "offsets");
}

/** Returns `<partitionDir>/offsets/consumers` (stored offsets of regular consumers). */
export function consumerOffsetsDir(dir: string): string {
  return join(dir, "offsets", "consumers");
}

/** Returns `<partitionDir>/offsets/groups` (stored offsets of consumer groups). */
export function groupOffsetsDir(dir: string): string {
  return join(dir, "offsets", "groups");
}

/** Returns the file holding the stored offset of one consumer (`kind` "consumers") or group ("groups"). */
export function offsetPath(
  dir: string,
  kind: "consumers" | "groups",
  key: number,
): string {
  return join(dir, "offsets", kind, String(key));
}
