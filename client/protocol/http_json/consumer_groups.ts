/**
 * `ConsumerGroup` and `ConsumerGroupDetails` as JSON (http.md §6.4), both ways, and the
 * CreateConsumerGroup body.
 * @module
 */

import type {
  ConsumerGroup,
  ConsumerGroupDetails,
  CreateConsumerGroup,
} from "../commands/consumer_groups.ts";
import type { JsonFields } from "./fields.ts";
import type { JsonObject } from "./values.ts";

/**
 * `ConsumerGroup` → JSON.
 *
 * @param g The group.
 * @returns `{id, name, partitions_count, members_count}`.
 */
export function consumerGroupToJson(g: ConsumerGroup): Record<string, unknown> {
  return {
    id: g.id,
    name: g.name,
    partitions_count: g.partitionsCount,
    members_count: g.membersCount,
  };
}

/**
 * JSON → `ConsumerGroup`.
 *
 * @param o The JSON object.
 * @param read The field readers.
 * @returns The group.
 */
export function consumerGroupFromJson(
  o: JsonObject,
  read: JsonFields,
): ConsumerGroup {
  return {
    id: read.u32(o, "id"),
    name: read.str(o, "name"),
    partitionsCount: read.u32(o, "partitions_count"),
    membersCount: read.u32(o, "members_count"),
  };
}

/**
 * `ConsumerGroupDetails` → JSON: the group's fields, then `members`.
 *
 * @param g The group with its members.
 * @returns The JSON object.
 */
export function consumerGroupDetailsToJson(
  g: ConsumerGroupDetails,
): Record<string, unknown> {
  return {
    ...consumerGroupToJson(g),
    members: g.members.map((m) => ({
      id: m.id,
      partitions_count: m.partitionsCount,
      partitions: m.partitions,
    })),
  };
}

/**
 * JSON → `ConsumerGroupDetails`.
 *
 * @param o The JSON object.
 * @param read The field readers.
 * @returns The group with its members.
 */
export function consumerGroupDetailsFromJson(
  o: JsonObject,
  read: JsonFields,
): ConsumerGroupDetails {
  return {
    ...consumerGroupFromJson(o, read),
    members: read.array(o, "members").map((m) => {
      const member = read.asObject(m, "member");
      return {
        id: read.u32(member, "id"),
        partitionsCount: read.u32(member, "partitions_count"),
        partitions: read.array(member, "partitions").map((p) =>
          read.u32({ partition: p }, "partition")
        ),
      };
    }),
  };
}

/**
 * CreateConsumerGroup → its request body (stream and topic are in the path).
 *
 * @param c The command.
 * @returns `{name}`.
 */
export function createConsumerGroupToJson(
  c: CreateConsumerGroup,
): Record<string, unknown> {
  return { name: c.name };
}

/**
 * A CreateConsumerGroup request body → the name.
 *
 * @param o The JSON object.
 * @param read The field readers.
 * @returns `{name}`.
 */
export function createConsumerGroupFromJson(
  o: JsonObject,
  read: JsonFields,
): Pick<CreateConsumerGroup, "name"> {
  return { name: read.str(o, "name") };
}
