/**
 * `ConsumerOffsetInfo` as JSON (http.md §6.5), both ways.
 * @module
 */

import type { ConsumerOffsetInfo } from "../commands/offsets.ts";
import type { JsonFields } from "./fields.ts";
import type { JsonObject } from "./values.ts";

/**
 * `ConsumerOffsetInfo` → JSON.
 *
 * @param o The offsets.
 * @returns `{partition_id, current_offset, stored_offset}`.
 */
export function consumerOffsetToJson(
  o: ConsumerOffsetInfo,
): Record<string, unknown> {
  return {
    partition_id: o.partitionId,
    current_offset: o.currentOffset,
    stored_offset: o.storedOffset,
  };
}

/**
 * JSON → `ConsumerOffsetInfo`.
 *
 * @param o The JSON object.
 * @param read The field readers.
 * @returns The offsets.
 */
export function consumerOffsetFromJson(
  o: JsonObject,
  read: JsonFields,
): ConsumerOffsetInfo {
  return {
    partitionId: read.u32(o, "partition_id"),
    currentOffset: read.u64(o, "current_offset"),
    storedOffset: read.u64(o, "stored_offset"),
  };
}
