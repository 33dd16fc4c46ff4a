/**
 * The node channel's replication commands (channel-only codes: clients cannot reach the channel).
 *
 * ```text
 * REPLICA_FETCH  request  [stream u32][topic u32][partition u32][epoch u32][offset u64][wait ms u32]
 *                         [offsets version u32][name length u8][follower name]
 *                answer   [high watermark u64][segment start u64][count u32][offsets version u32]
 *                         [offsets count u32, 0xffffffff = unchanged][log start u64]
 *                         [kind u8 (0 consumer, 1 group)][key u32][offset u64] per offset
 *                         [stored frames]
 * REPLICA_STATE  request  [stream u32][topic u32][partition u32]
 *                answer   [epoch u32][next offset u64][high watermark u64]
 * ```
 * A fetch names the follower's log end (`offset`: it holds every message below it, fsynced) and
 * the leader epoch it follows; the leader answers the frames from there (one segment at most),
 * waiting up to `wait ms` when it has nothing newer, and its stored consumer offsets when their
 * version is not the one the follower has. `log start` is the leader's first retained offset: the
 * follower drops its sealed segments wholly below it, and a follower whose log ends below it
 * starts its log again there (the frames then start at it: `segment start` = `log start`). The
 * channel frame of a fetch carries the metadata index the follower has applied (a purge is
 * metadata: see `replication.ts`). REPLICA_STATE is what the controller asks the in-sync
 * replicas before it picks a new leader.
 * @module
 */

import type { ReplicaRead } from "../storage/partition_log.ts";

/** A follower's fetch from its leader. */
export const REPLICA_FETCH = 0x49_47_00_02;
/** The controller's question to a replica: its epoch and log end. */
export const REPLICA_STATE = 0x49_47_00_03;

const OFFSET_SIZE = 13;
/** A fetch answer's fixed part (before the offsets and the frames). */
const HEAD_SIZE = 36;
const UNCHANGED = 0xffff_ffff;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** One partition, by numeric ids. */
export interface PartitionRef {
  streamId: number;
  topicId: number;
  partitionId: number;
}

/** A follower's fetch. */
export interface ReplicaFetch extends PartitionRef {
  epoch: number;
  offset: bigint;
  waitMs: number;
  /** The version of the consumer offsets the follower copied last. */
  offsetsVersion: number;
  follower: string;
}

/** One stored consumer (or group) offset. */
export interface StoredOffset {
  kind: "consumers" | "groups";
  key: number;
  offset: bigint;
}

/** The leader's answer to a fetch. */
export interface ReplicaFetchAnswer extends ReplicaRead {
  highWatermark: bigint;
  offsetsVersion: number;
  /** Every stored offset, when the version changed. */
  offsets?: StoredOffset[];
}

/** A replica's state, as the controller sees it. */
export interface ReplicaState {
  epoch: number;
  nextOffset: bigint;
  highWatermark: bigint;
  /** The leader's offsets version a follower has copied (absent when unknown or leading). */
  offsetsVersion?: number;
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function writeRef(v: DataView, ref: PartitionRef): void {
  v.setUint32(0, ref.streamId, true);
  v.setUint32(4, ref.topicId, true);
  v.setUint32(8, ref.partitionId, true);
}

function readRef(v: DataView): PartitionRef {
  return {
    streamId: v.getUint32(0, true),
    topicId: v.getUint32(4, true),
    partitionId: v.getUint32(8, true),
  };
}

/** Encodes a fetch. */
export function encodeReplicaFetch(fetch: ReplicaFetch): Uint8Array {
  const name = encoder.encode(fetch.follower).subarray(0, 255);
  const out = new Uint8Array(33 + name.length);
  const v = view(out);
  writeRef(v, fetch);
  v.setUint32(12, fetch.epoch, true);
  v.setBigUint64(16, fetch.offset, true);
  v.setUint32(24, fetch.waitMs, true);
  v.setUint32(28, fetch.offsetsVersion, true);
  out[32] = name.length;
  out.set(name, 33);
  return out;
}

/** Decodes a fetch. @throws {RangeError} when it is cut short */
export function decodeReplicaFetch(bytes: Uint8Array): ReplicaFetch {
  if (bytes.length < 33 || bytes.length < 33 + bytes[32]!) {
    throw new RangeError("replica fetch cut short");
  }
  const v = view(bytes);
  return {
    ...readRef(v),
    epoch: v.getUint32(12, true),
    offset: v.getBigUint64(16, true),
    waitMs: v.getUint32(24, true),
    offsetsVersion: v.getUint32(28, true),
    follower: decoder.decode(bytes.subarray(33, 33 + bytes[32]!)),
  };
}

/** Encodes a fetch answer as chunks (the frames are not copied). */
export function encodeReplicaFetchAnswer(
  answer: ReplicaFetchAnswer,
): Uint8Array[] {
  const offsets = answer.offsets;
  const head = new Uint8Array(HEAD_SIZE + OFFSET_SIZE * (offsets?.length ?? 0));
  const v = view(head);
  v.setBigUint64(0, answer.highWatermark, true);
  v.setBigUint64(8, answer.segmentStart, true);
  v.setUint32(16, answer.count, true);
  v.setUint32(20, answer.offsetsVersion, true);
  v.setUint32(24, offsets ? offsets.length : UNCHANGED, true);
  v.setBigUint64(28, answer.logStart, true);
  offsets?.forEach((o, i) => {
    const at = HEAD_SIZE + i * OFFSET_SIZE;
    head[at] = o.kind === "groups" ? 1 : 0;
    v.setUint32(at + 1, o.key, true);
    v.setBigUint64(at + 5, o.offset, true);
  });
  return answer.count > 0 ? [head, answer.bytes] : [head];
}

/** Decodes a fetch answer. @throws {RangeError} when it is cut short */
export function decodeReplicaFetchAnswer(
  bytes: Uint8Array,
): ReplicaFetchAnswer {
  if (bytes.length < HEAD_SIZE) {
    throw new RangeError("replica answer cut short");
  }
  const v = view(bytes);
  const n = v.getUint32(24, true);
  const changed = n !== UNCHANGED;
  const end = HEAD_SIZE + (changed ? n * OFFSET_SIZE : 0);
  if (bytes.length < end) throw new RangeError("replica answer cut short");
  const offsets: StoredOffset[] | undefined = changed ? [] : undefined;
  for (let at = HEAD_SIZE; at < end; at += OFFSET_SIZE) {
    offsets!.push({
      kind: bytes[at] === 1 ? "groups" : "consumers",
      key: v.getUint32(at + 1, true),
      offset: v.getBigUint64(at + 5, true),
    });
  }
  return {
    highWatermark: v.getBigUint64(0, true),
    segmentStart: v.getBigUint64(8, true),
    count: v.getUint32(16, true),
    offsetsVersion: v.getUint32(20, true),
    offsets,
    logStart: v.getBigUint64(28, true),
    bytes: bytes.subarray(end),
  };
}

/** Encodes a state question. */
export function encodeReplicaStateRequest(ref: PartitionRef): Uint8Array {
  const out = new Uint8Array(12);
  writeRef(view(out), ref);
  return out;
}

/** Decodes a state question. @throws {RangeError} when it is cut short */
export function decodeReplicaStateRequest(bytes: Uint8Array): PartitionRef {
  if (bytes.length < 12) throw new RangeError("replica state cut short");
  return readRef(view(bytes));
}

/** Encodes a replica's state. */
export function encodeReplicaState(state: ReplicaState): Uint8Array {
  const known = state.offsetsVersion !== undefined;
  const out = new Uint8Array(known ? 24 : 20);
  const v = view(out);
  v.setUint32(0, state.epoch, true);
  v.setBigUint64(4, state.nextOffset, true);
  v.setBigUint64(12, state.highWatermark, true);
  if (known) v.setUint32(20, state.offsetsVersion!, true);
  return out;
}

/** Decodes a replica's state. @throws {RangeError} when it is cut short */
export function decodeReplicaState(bytes: Uint8Array): ReplicaState {
  if (bytes.length < 20) throw new RangeError("replica state cut short");
  const v = view(bytes);
  return {
    epoch: v.getUint32(0, true),
    nextOffset: v.getBigUint64(4, true),
    highWatermark: v.getBigUint64(12, true),
    offsetsVersion: bytes.length >= 24 ? v.getUint32(20, true) : undefined,
  };
}
