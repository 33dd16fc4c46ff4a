/**
 * `ConsumerOffsetInfo` as JSON (http.md §6.5), both ways, and the StoreConsumerOffset body.
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

/** A StoreConsumerOffset request body's fields (HTTP knows regular consumers only). */
export interface StoreConsumerOffsetJson {
  /** The consumer id as sent: a number, a name or id text, or undefined (absent or null). */
  consumerId: number | string | undefined;
  /** The partition id, undefined to let the server resolve it. */
  partitionId: number | undefined;
  /** The offset to commit. */
  offset: bigint;
}

/**
 * StoreConsumerOffset → its request body (stream and topic are in the path).
 *
 * @param c The consumer id, partition and offset.
 * @returns `{consumer_id, partition_id, offset}` (`partition_id` is `null` when unset).
 */
export function storeConsumerOffsetToJson(
  c: StoreConsumerOffsetJson,
): Record<string, unknown> {
  return {
    consumer_id: c.consumerId,
    partition_id: c.partitionId ?? null,
    offset: c.offset,
  };
}

/**
 * A StoreConsumerOffset request body → its fields; a string `consumer_id` is left for the caller
 * to read as an identifier.
 *
 * @param o The JSON object.
 * @param read The field readers.
 * @returns The fields.
 */
export function storeConsumerOffsetFromJson(
  o: JsonObject,
  read: JsonFields,
): StoreConsumerOffsetJson {
  const id = o.consumer_id;
  let consumerId: number | string | undefined;
  if (id === undefined || id === null) consumerId = undefined;
  else if (typeof id === "bigint") consumerId = read.u32(o, "consumer_id");
  else if (typeof id === "string") consumerId = id;
  else read.fail("consumer_id: expected a number or a string");
  return {
    consumerId,
    partitionId: read.optU32(o, "partition_id"),
    offset: read.u64(o, "offset"),
  };
}
