/**
 * Consumer group commands (binary.md §5.10) and the ConsumerGroupHeader / ConsumerGroupDetails
 * objects (§4.6, §4.7).
 * @module
 */

import { ByteReader, type ByteWriter } from "../bytes.ts";
import type { Identifier } from "../identifier.ts";
import { readIdentifier, writeIdentifier } from "../identifier.ts";
import { readName, writeName } from "../primitives.ts";
import { encodeList, encodeWith, readList } from "./_codec.ts";

/** GetConsumerGroup (600). */
export interface GetConsumerGroup {
  /** The stream id or name. */
  streamId: Identifier;
  /** The topic id or name. */
  topicId: Identifier;
  /** The group id or name. */
  groupId: Identifier;
}

/** GetConsumerGroups (601). */
export interface GetConsumerGroups {
  /** The stream id or name. */
  streamId: Identifier;
  /** The topic id or name. */
  topicId: Identifier;
}

/** CreateConsumerGroup (602): the server assigns the id. */
export interface CreateConsumerGroup {
  /** The stream id or name. */
  streamId: Identifier;
  /** The topic id or name. */
  topicId: Identifier;
  /** The new group's name (1..255 bytes). */
  name: string;
}

/** DeleteConsumerGroup (603). */
export interface DeleteConsumerGroup {
  /** The stream id or name. */
  streamId: Identifier;
  /** The topic id or name. */
  topicId: Identifier;
  /** The group id or name. */
  groupId: Identifier;
}

/** JoinConsumerGroup (604): adds the calling connection as a member. */
export interface JoinConsumerGroup {
  /** The stream id or name. */
  streamId: Identifier;
  /** The topic id or name. */
  topicId: Identifier;
  /** The group id or name. */
  groupId: Identifier;
}

/** LeaveConsumerGroup (605): removes the calling connection. */
export interface LeaveConsumerGroup {
  /** The stream id or name. */
  streamId: Identifier;
  /** The topic id or name. */
  topicId: Identifier;
  /** The group id or name. */
  groupId: Identifier;
}

/**
 * A consumer group header (ConsumerGroupHeader, §4.6).
 *
 * @example Usage
 * ```ts ignore
 * for (const group of await client.getConsumerGroups({ streamId: "orders", topicId: "created" })) {
 *   console.log(group.name, group.membersCount);
 * }
 * ```
 */
export interface ConsumerGroup {
  /** Group id (0-based, per topic). */
  id: number;
  /** The group name. */
  name: string;
  /** Partitions of the topic. */
  partitionsCount: number;
  /** Current members. */
  membersCount: number;
}

/**
 * A member of a consumer group (§4.7).
 *
 * @example Usage
 * ```ts ignore
 * const group = await client.getConsumerGroup({ streamId: "orders", topicId: "created", groupId: "billing" });
 * for (const member of group?.members ?? []) console.log(member.id, member.partitions);
 * ```
 */
export interface ConsumerGroupMember {
  /** Member id (0-based, per group; not the client id). */
  id: number;
  /** Number of assigned partitions. */
  partitionsCount: number;
  /** Assigned partition ids. */
  partitions: number[];
}

/**
 * A consumer group with its members (ConsumerGroupDetails, §4.7).
 *
 * @example Usage
 * ```ts ignore
 * const group = await client.getConsumerGroup({ streamId: "orders", topicId: "created", groupId: "billing" });
 * console.log(group?.members.length);
 * ```
 */
export interface ConsumerGroupDetails extends ConsumerGroup {
  /** The members. */
  members: ConsumerGroupMember[];
}

// Get/Delete/Join/LeaveConsumerGroup request = stream Identifier, topic Identifier,
//                                              group Identifier

function writeGroupRef(writer: ByteWriter, command: GetConsumerGroup): void {
  writeIdentifier(writer, command.streamId);
  writeIdentifier(writer, command.topicId);
  writeIdentifier(writer, command.groupId);
}

function readGroupRef(payload: Uint8Array): GetConsumerGroup {
  const reader = new ByteReader(payload);
  const streamId = readIdentifier(reader);
  const topicId = readIdentifier(reader);
  return { streamId, topicId, groupId: readIdentifier(reader) };
}

/**
 * Encodes a GetConsumerGroup request.
 *
 * @param command The request.
 * @returns The payload.
 */
export function encodeGetConsumerGroup(command: GetConsumerGroup): Uint8Array {
  return encodeWith((w) => writeGroupRef(w, command));
}

/**
 * Decodes a GetConsumerGroup request.
 *
 * @param payload The payload.
 * @returns The request.
 * @throws {WireError} 3 or 4 on malformed input.
 */
export function decodeGetConsumerGroup(payload: Uint8Array): GetConsumerGroup {
  return readGroupRef(payload);
}

/**
 * Encodes a DeleteConsumerGroup request.
 *
 * @param command The request.
 * @returns The payload.
 */
export function encodeDeleteConsumerGroup(
  command: DeleteConsumerGroup,
): Uint8Array {
  return encodeWith((w) => writeGroupRef(w, command));
}

/**
 * Decodes a DeleteConsumerGroup request.
 *
 * @param payload The payload.
 * @returns The request.
 * @throws {WireError} 3 or 4 on malformed input.
 */
export function decodeDeleteConsumerGroup(
  payload: Uint8Array,
): DeleteConsumerGroup {
  return readGroupRef(payload);
}

/**
 * Encodes a JoinConsumerGroup request.
 *
 * @param command The request.
 * @returns The payload.
 */
export function encodeJoinConsumerGroup(
  command: JoinConsumerGroup,
): Uint8Array {
  return encodeWith((w) => writeGroupRef(w, command));
}

/**
 * Decodes a JoinConsumerGroup request.
 *
 * @param payload The payload.
 * @returns The request.
 * @throws {WireError} 3 or 4 on malformed input.
 */
export function decodeJoinConsumerGroup(
  payload: Uint8Array,
): JoinConsumerGroup {
  return readGroupRef(payload);
}

/**
 * Encodes a LeaveConsumerGroup request.
 *
 * @param command The request.
 * @returns The payload.
 */
export function encodeLeaveConsumerGroup(
  command: LeaveConsumerGroup,
): Uint8Array {
  return encodeWith((w) => writeGroupRef(w, command));
}

/**
 * Decodes a LeaveConsumerGroup request.
 *
 * @param payload The payload.
 * @returns The request.
 * @throws {WireError} 3 or 4 on malformed input.
 */
export function decodeLeaveConsumerGroup(
  payload: Uint8Array,
): LeaveConsumerGroup {
  return readGroupRef(payload);
}

// GetConsumerGroups request = stream Identifier, topic Identifier

/**
 * Encodes a GetConsumerGroups request.
 *
 * @param command The request.
 * @returns The payload.
 */
export function encodeGetConsumerGroups(
  command: GetConsumerGroups,
): Uint8Array {
  return encodeWith((w) => {
    writeIdentifier(w, command.streamId);
    writeIdentifier(w, command.topicId);
  });
}

/**
 * Decodes a GetConsumerGroups request.
 *
 * @param payload The payload.
 * @returns The request.
 * @throws {WireError} 3 or 4 on malformed input.
 */
export function decodeGetConsumerGroups(
  payload: Uint8Array,
): GetConsumerGroups {
  const reader = new ByteReader(payload);
  const streamId = readIdentifier(reader);
  return { streamId, topicId: readIdentifier(reader) };
}

// CreateConsumerGroup request = stream Identifier, topic Identifier, name Name

/**
 * Encodes a CreateConsumerGroup request.
 *
 * @param command The request.
 * @returns The payload.
 */
export function encodeCreateConsumerGroup(
  command: CreateConsumerGroup,
): Uint8Array {
  return encodeWith((w) => {
    writeIdentifier(w, command.streamId);
    writeIdentifier(w, command.topicId);
    writeName(w, command.name);
  });
}

/**
 * Decodes a CreateConsumerGroup request.
 *
 * @param payload The payload.
 * @returns The request.
 * @throws {WireError} 3 or 4 on malformed input.
 */
export function decodeCreateConsumerGroup(
  payload: Uint8Array,
): CreateConsumerGroup {
  const reader = new ByteReader(payload);
  const streamId = readIdentifier(reader);
  const topicId = readIdentifier(reader);
  return { streamId, topicId, name: readName(reader) };
}

// ConsumerGroupHeader = id u32, partitions_count u32, members_count u32, name Name

/**
 * Writes a ConsumerGroupHeader.
 *
 * @param writer The target writer.
 * @param group The group.
 */
export function writeConsumerGroup(
  writer: ByteWriter,
  group: ConsumerGroup,
): void {
  writer.u32(group.id).u32(group.partitionsCount).u32(group.membersCount);
  writeName(writer, group.name);
}

/**
 * Reads a ConsumerGroupHeader.
 *
 * @param reader The source reader.
 * @returns The group.
 * @throws {WireError} 3 or 4 on malformed input.
 */
export function readConsumerGroup(reader: ByteReader): ConsumerGroup {
  const id = reader.u32();
  const partitionsCount = reader.u32();
  const membersCount = reader.u32();
  return { id, name: readName(reader), partitionsCount, membersCount };
}

/**
 * Encodes a ConsumerGroupHeader (the CreateConsumerGroup response).
 *
 * @param group The group.
 * @returns The payload.
 */
export function encodeConsumerGroup(group: ConsumerGroup): Uint8Array {
  return encodeWith((w) => writeConsumerGroup(w, group));
}

/**
 * Decodes a ConsumerGroupHeader (the CreateConsumerGroup response).
 *
 * @param payload The payload.
 * @returns The group.
 * @throws {WireError} 3 or 4 on malformed input.
 */
export function decodeConsumerGroup(payload: Uint8Array): ConsumerGroup {
  return readConsumerGroup(new ByteReader(payload));
}

// GetConsumerGroups response = ConsumerGroupHeader*

/**
 * Encodes a GetConsumerGroups response.
 *
 * @param groups The groups, in id order.
 * @returns The payload.
 */
export function encodeConsumerGroups(
  groups: readonly ConsumerGroup[],
): Uint8Array {
  return encodeList(groups, writeConsumerGroup);
}

/**
 * Decodes a GetConsumerGroups response.
 *
 * @param payload The payload.
 * @returns The groups.
 * @throws {WireError} 3 or 4 on malformed input.
 */
export function decodeConsumerGroups(payload: Uint8Array): ConsumerGroup[] {
  return readList(payload, readConsumerGroup);
}

// ConsumerGroupDetails = ConsumerGroupHeader (members_count = members.length),
//   members_count x { member_id u32, partitions_count u32 (= k), k x partition_id u32 }

/**
 * Encodes a GetConsumerGroup response; `membersCount` and each member's `partitionsCount`
 * are written from the array lengths.
 *
 * @param group The group with its members.
 * @returns The payload.
 */
export function encodeConsumerGroupDetails(
  group: ConsumerGroupDetails,
): Uint8Array {
  return encodeWith((w) => {
    writeConsumerGroup(w, { ...group, membersCount: group.members.length });
    for (const member of group.members) {
      w.u32(member.id).u32(member.partitions.length);
      for (const partition of member.partitions) w.u32(partition);
    }
  });
}

/**
 * Decodes a GetConsumerGroup response.
 *
 * @param payload The payload (non-empty; empty means "not found").
 * @returns The group with its members.
 * @throws {WireError} 3 or 4 on malformed input.
 */
export function decodeConsumerGroupDetails(
  payload: Uint8Array,
): ConsumerGroupDetails {
  const reader = new ByteReader(payload);
  const group = readConsumerGroup(reader);
  const members: ConsumerGroupMember[] = [];
  for (let i = 0; i < group.membersCount; i++) {
    const id = reader.u32();
    const partitionsCount = reader.u32();
    reader.ensure(4 * partitionsCount);
    const partitions: number[] = [];
    for (let j = 0; j < partitionsCount; j++) partitions.push(reader.u32());
    members.push({ id, partitionsCount, partitions });
  }
  return { ...group, members };
}
