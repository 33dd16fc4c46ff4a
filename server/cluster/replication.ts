/**
 * Partition replication (Cluster II): each partition with a replication factor above 1 has a
 * leader and followers. Followers pull the leader's stored frames over the node channel
 * ({@linkcode REPLICA_FETCH}) and append them byte for byte; the leader counts what each in-sync
 * replica holds, advances the high watermark (what a quorum of the in-sync set holds) and
 * acknowledges a send once the configured acks hold. Leader changes, the in-sync set and the
 * epochs live in etcd (`assignments/`); see `server/cluster/README.md`.
 * @module
 */

import { ErrorCode, IggyError } from "../../client/protocol/errors.ts";
import type { System } from "../domain/system.ts";
import type { Partition } from "../domain/partition.ts";
import type { Logger } from "../logger.ts";
import type { PartitionLog } from "../storage/partition_log.ts";
import { NODE_CALLER, type NodeChannel, PeerError } from "./channel.ts";
import type { ClusterNode } from "./cluster_node.ts";
import { delay } from "./etcd.ts";
import { requestWithin } from "./peer_request.ts";
import type { PartitionAssignment } from "./placement.ts";
import { LeaderContact, reportsByPartition } from "./unreachable_leader.ts";
import {
  decodeReplicaFetch,
  decodeReplicaFetchAnswer,
  decodeReplicaState,
  decodeReplicaStateRequest,
  encodeReplicaFetch,
  encodeReplicaFetchAnswer,
  encodeReplicaState,
  encodeReplicaStateRequest,
  type PartitionRef,
  REPLICA_FETCH,
  REPLICA_STATE,
  type StoredOffset,
} from "./replica_protocol.ts";

/** `cluster.replication.acks`: what a send waits for. */
export type AcksMode = "quorum" | "all" | "leader";

/** The replication settings (`[cluster.replication]`). */
export interface ReplicationSettings {
  acks: AcksMode;
  /** A send not acknowledged within this many ms fails (11001). */
  ackTimeoutMs: number;
  /** A follower not caught up for this many ms leaves the in-sync set. */
  maxLagMs: number;
  /** A replica counts toward the acks only for messages fsynced on its disk (the leader too). */
  fsync: boolean;
}

/** Longest wait of a fetch that finds nothing new (the leader answers as soon as data comes). */
const FETCH_WAIT_MS = 500;
/**
 * A raised high watermark reaches the followers with the next data; when none comes within this
 * many ms, their waiting fetches are answered with it alone (a follower that may have to answer
 * polls without its leader knows what was acknowledged to within about this).
 */
const HWM_ANNOUNCE_MS = 50;
const FETCH_MAX_MESSAGES = 10_000;
const FETCH_MAX_BYTES = 1024 * 1024;
/** The file in a partition directory holding the leader epoch its log follows. */
const EPOCH_FILE = "replica_epoch";

/**
 * A request to a peer that may be paused (SIGSTOP) or cut off must not wait forever: past it the
 * request fails and its channel is closed, so the next one connects again (see peer_request.ts).
 */
const PEER_TIMEOUT_MS = 5000;

/** Whether two in-sync sets name the same nodes. */
function sameMembers(x: string[], y: string[]): boolean {
  return x.length === y.length && x.every((n) => y.includes(n));
}

/** Replicas needed for a quorum of `replicas`. */
export function quorumOf(replicas: number): number {
  return Math.floor(replicas / 2) + 1;
}

function refKey(ref: PartitionRef): string {
  return `${ref.streamId}/${ref.topicId}/${ref.partitionId}`;
}

function notLeader(detail: string): IggyError {
  return new IggyError(ErrorCode.ShardCommunicationError, detail);
}

async function readEpoch(dir: string): Promise<number> {
  try {
    return Number(await Deno.readTextFile(`${dir}/${EPOCH_FILE}`)) || 0;
  } catch {
    return 0;
  }
}

async function writeEpoch(dir: string, epoch: number): Promise<void> {
  const tmp = `${dir}/${EPOCH_FILE}.tmp`;
  await Deno.writeTextFile(tmp, String(epoch));
  const file = await Deno.open(tmp, { write: true });
  try {
    await file.syncData();
  } finally {
    file.close();
  }
  await Deno.rename(tmp, `${dir}/${EPOCH_FILE}`);
}

/**
 * Where a replica whose log follows epoch `epoch` must cut its log: the start offset of the first
 * later epoch (what the leader of that epoch had when it took over); none when it is current.
 */
export function truncationPoint(
  assignment: PartitionAssignment,
  epoch: number,
): bigint | undefined {
  const later = (assignment.epochs ?? []).find((e) => e.epoch > epoch);
  return later === undefined ? undefined : BigInt(later.start);
}

/** Every consumer and group offset stored in `partition`. */
function storedOffsets(partition: Partition): StoredOffset[] {
  const out: StoredOffset[] = [];
  for (const [key, offset] of partition.consumerOffsets) {
    out.push({ kind: "consumers", key, offset });
  }
  for (const [key, offset] of partition.groupOffsets) {
    out.push({ kind: "groups", key, offset });
  }
  return out;
}

/** Makes a replica's stored offsets the leader's (writing only what differs). */
async function copyOffsets(
  partition: Partition,
  offsets: StoredOffset[],
): Promise<void> {
  const wanted = new Set<string>();
  for (const o of offsets) {
    wanted.add(`${o.kind}/${o.key}`);
    if (partition.storedOffset(o) !== o.offset) {
      await partition.storeOffset(o, o.offset);
    }
  }
  for (const kind of ["consumers", "groups"] as const) {
    const map = kind === "consumers"
      ? partition.consumerOffsets
      : partition.groupOffsets;
    for (const key of [...map.keys()]) {
      if (!wanted.has(`${kind}/${key}`)) {
        await partition.deleteOffset({ kind, key });
      }
    }
  }
}

/**
 * A follower whose log ends below its leader's first retained offset (it was away while the
 * leader's retention or DeleteSegments removed what it would fetch next): everything it holds
 * is gone on the leader, so its log starts again, empty, at the leader's start.
 */
async function restartLog(
  ref: PartitionRef,
  log: PartitionLog,
  logStart: bigint,
  logger: Logger,
): Promise<void> {
  logger.info(
    "Replication: the leader deleted what this replica would fetch next; its log starts again at the leader's first offset",
    { ...ref, from: String(log.nextOffset), to: String(logStart) },
  );
  await log.restartAt(logStart);
}

interface AckWaiter {
  offset: bigint;
  /** For a consumer offset change: the leader's offsets version it needs (see `holdsOffsets`). */
  offsetsVersion?: number;
  resolve: () => void;
  reject: (err: IggyError) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** Whether offsets version `version` is `wanted` or a later one (versions wrap at 2^32). */
function sameOrLater(version: number, wanted: number): boolean {
  return ((version - wanted) | 0) >= 0;
}

/** Sort order of two replicas' offsets versions: the later first, an unknown one last. */
function newerOffsets(x: number | undefined, y: number | undefined): number {
  if (x === y) return 0;
  if (x === undefined) return 1;
  if (y === undefined) return -1;
  return sameOrLater(x, y) ? -1 : 1;
}

/** What the leader of one partition knows of its followers. */
class LeaderRole {
  readonly kind = "leader";
  readonly ref: PartitionRef;
  readonly epoch: number;
  readonly generation: number;
  readonly partition: Partition;
  /** Log end of each follower (everything below it is on its disk). */
  readonly ends = new Map<string, bigint>();
  /** When each follower was last caught up with this log. */
  readonly caughtUpAt = new Map<string, number>();
  /** This log's end when each follower fetched last. */
  readonly endAtLastFetch = new Map<string, bigint>();
  /** The offsets version each follower holds (it fetched again after copying it). */
  readonly offsetsHeld = new Map<string, number>();
  /** The offsets version last sent to each follower. */
  readonly offsetsSent = new Map<string, number>();
  /** The latest acknowledged offset change (the in-sync set must keep it on a quorum). */
  offsetsAcked: { version: number; end: bigint } | undefined;
  highWatermark: bigint;
  /** The log's purge count this state was made for (a purge starts offsets again at 0). */
  purges: number;
  /** The log's purge count the last fetch saw. */
  fetchPurges: number;
  /** This node's metadata index when a fetch saw the log purged: followers below it wait. */
  purgedAt = 0;
  waiters: AckWaiter[] = [];
  dataWaiters = new Set<() => void>();
  /** Set while a high watermark announcement is due (see HWM_ANNOUNCE_MS). */
  announceTimer: ReturnType<typeof setTimeout> | undefined;
  stopped = false;
  readonly startedAt = Date.now();
  /** An in-sync set change is being written (one at a time, not one per fetch). */
  changingInSync = false;

  constructor(
    ref: PartitionRef,
    options: {
      epoch: number;
      generation: number;
      partition: Partition;
      highWatermark: bigint;
    },
  ) {
    this.ref = ref;
    this.epoch = options.epoch;
    this.generation = options.generation;
    this.partition = options.partition;
    this.highWatermark = options.highWatermark;
    this.purges = options.partition.log.purges;
    this.fetchPurges = this.purges;
  }

  /**
   * After a purge (applied on every replica), what the followers had is gone: forget their
   * ends and start the high watermark again at 0.
   */
  resetIfPurged(): void {
    const purges = this.partition.log.purges;
    if (purges === this.purges) return;
    this.purges = purges;
    this.ends.clear();
    this.caughtUpAt.clear();
    this.endAtLastFetch.clear();
    this.offsetsHeld.clear();
    this.offsetsSent.clear();
    this.offsetsAcked = undefined;
    this.highWatermark = 0n;
  }

  wakeFetchers(): void {
    for (const wake of this.dataWaiters) wake();
    this.dataWaiters.clear();
  }

  /** The high watermark rose: waiting followers hear of it soon, data or not. */
  announceHighWatermark(): void {
    if (this.announceTimer !== undefined || this.stopped) return;
    this.announceTimer = setTimeout(() => {
      this.announceTimer = undefined;
      this.wakeFetchers();
    }, HWM_ANNOUNCE_MS);
  }

  stop(reason: string): void {
    this.stopped = true;
    clearTimeout(this.announceTimer);
    this.partition.log.copyTailForReplicas = false;
    this.wakeFetchers();
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(notLeader(reason));
    }
  }
}

/** A follower's pull loop. */
class FollowerRole {
  readonly kind = "follower";
  readonly epoch: number;
  readonly leader: string;
  readonly abort = new AbortController();
  highWatermark = 0n;
  /** The leader's offsets version this replica has copied (unknown until its first answer). */
  offsetsVersion: number | undefined;
  done: Promise<void> = Promise.resolve();

  constructor(epoch: number, leader: string) {
    this.epoch = epoch;
    this.leader = leader;
  }
}

/** This node's replicas: leader roles, follower loops, acknowledgements and failover. */
export class Replicator {
  readonly #system: System;
  readonly #node: ClusterNode;
  readonly #channelTo: (name: string) => Promise<NodeChannel>;
  readonly #settings: ReplicationSettings;
  readonly #logger: Logger;
  readonly #roles = new Map<string, LeaderRole | FollowerRole>();
  /** The epoch each local replica's log follows (mirrors the epoch files). */
  readonly #epochs = new Map<string, number>();
  #syncing = false;
  #syncAgain = false;
  #synced: (() => void)[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #electing = false;
  #stopped = false;

  constructor(
    system: System,
    node: ClusterNode,
    options: {
      channelTo: (name: string) => Promise<NodeChannel>;
      settings: ReplicationSettings;
      logger: Logger;
    },
  ) {
    this.#system = system;
    this.#node = node;
    this.#channelTo = options.channelTo;
    this.#settings = options.settings;
    this.#logger = options.logger;
  }

  /** Follows the assignments from now on (and checks the in-sync sets every so often). */
  start(): void {
    this.#node.onChange(() => this.sync());
    this.sync();
    const tick = () => {
      if (this.#stopped) return;
      this.sync();
      this.#maintainInSync();
      this.#timer = setTimeout(tick, 500);
    };
    this.#timer = setTimeout(tick, 500);
  }

  /** Stops every role (pending sends fail; follower loops end with their next answer). */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    for (const role of this.#roles.values()) {
      this.#endRole(role, "this node is stopping");
    }
    this.#roles.clear();
  }

  #partition(ref: PartitionRef): Partition | undefined {
    return this.#system.streams.get(ref.streamId)?.topics.get(ref.topicId)
      ?.partitions[ref.partitionId];
  }

  #assignment(ref: PartitionRef): PartitionAssignment | undefined {
    return this.#node.assignmentsOf(ref.streamId, ref.topicId)?.[
      ref.partitionId
    ];
  }

  /** Brings the roles in line with the assignments (runs again when called meanwhile). */
  sync(): void {
    if (this.#stopped) return;
    if (this.#syncing) {
      this.#syncAgain = true;
      return;
    }
    this.#syncing = true;
    this.#sync().catch((err) =>
      this.#logger.warn("Replication: cannot follow the assignments", {
        error: err instanceof Error ? err.message : String(err),
      })
    ).finally(() => {
      this.#syncing = false;
      if (this.#syncAgain) {
        this.#syncAgain = false;
        this.sync();
      } else {
        for (const resolve of this.#synced.splice(0)) resolve();
      }
    });
    if (this.#node.isController) this.#electLeaders();
  }

  /** Resolves once the roles follow the assignments as this node knows them now. */
  whenSynced(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#synced.push(resolve);
    this.sync();
    return promise;
  }

  async #sync(): Promise<void> {
    const self = this.#node.self.name;
    const wanted = new Set<string>();
    for (
      const { streamId, topicId, partitions } of this.#node.assignmentEntries()
    ) {
      for (const a of partitions) {
        if (a.replicas.length < 2 || !a.replicas.includes(self)) continue;
        const ref = { streamId, topicId, partitionId: a.partitionId };
        const key = refKey(ref);
        const partition = this.#partition(ref);
        // The topic's metadata entry is not applied here yet: the next sync takes it.
        if (!partition) continue;
        wanted.add(key);
        const role = this.#roles.get(key);
        if (a.leader === self) {
          if (
            role?.kind === "leader" && role.epoch === a.leaderEpoch &&
            role.generation === this.#node.leaseGeneration && !role.stopped
          ) continue;
          await this.#becomeLeader(ref, a, partition, role);
        } else if (
          role?.kind !== "follower" || role.epoch !== a.leaderEpoch ||
          role.leader !== a.leader
        ) {
          this.#becomeFollower(ref, a, partition, role);
        }
      }
    }
    for (const [key, role] of this.#roles) {
      if (wanted.has(key)) continue;
      this.#endRole(role, "the partition moved or was deleted");
      this.#roles.delete(key);
    }
  }

  #endRole(role: LeaderRole | FollowerRole | undefined, reason: string): void {
    if (role?.kind === "leader") role.stop(`no longer the leader: ${reason}`);
    else role?.abort.abort();
  }

  async #becomeLeader(
    ref: PartitionRef,
    a: PartitionAssignment,
    partition: Partition,
    previous: LeaderRole | FollowerRole | undefined,
  ): Promise<void> {
    const key = refKey(ref);
    // A follower loop still running checks its abort before each append, and the log runs
    // appends in order: nothing it does can land after this role's first append out of order.
    this.#endRole(previous, "a new epoch");
    if (this.#epochs.get(key) === undefined) {
      this.#epochs.set(key, await readEpoch(partition.dir));
    }
    if (this.#epochs.get(key)! < a.leaderEpoch) {
      await writeEpoch(partition.dir, a.leaderEpoch);
      this.#epochs.set(key, a.leaderEpoch);
    }
    // Figures it reported as a follower came from the old leader; its own log is the truth now.
    partition.remoteFigures = undefined;
    const known = previous?.highWatermark ?? 0n;
    const role = new LeaderRole(ref, {
      epoch: a.leaderEpoch,
      generation: this.#node.leaseGeneration,
      partition,
      highWatermark: known,
    });
    partition.log.copyTailForReplicas = true;
    this.#roles.set(key, role);
    // A tail it copied as a follower without fsync counts once synced.
    this.#syncLeader(role);
    this.#logger.info("Leading a replicated partition", {
      ...ref,
      epoch: a.leaderEpoch,
      logEnd: String(partition.log.nextOffset),
    });
  }

  #becomeFollower(
    ref: PartitionRef,
    a: PartitionAssignment,
    partition: Partition,
    previous: LeaderRole | FollowerRole | undefined,
  ): void {
    const key = refKey(ref);
    this.#endRole(previous, `node "${a.leader}" leads epoch ${a.leaderEpoch}`);
    const role = new FollowerRole(a.leaderEpoch, a.leader);
    role.highWatermark = previous?.highWatermark ?? 0n;
    this.#roles.set(key, role);
    role.done = this.#follow(ref, partition, role).catch((err) =>
      this.#logger.warn("Replication: follower stopped", {
        ...ref,
        error: err instanceof Error ? err.message : String(err),
      })
    );
  }

  /** Truncates to what the leader of `role.epoch` has, then pulls from it until aborted. */
  async #follow(
    ref: PartitionRef,
    partition: Partition,
    role: FollowerRole,
  ): Promise<void> {
    const key = refKey(ref);
    const signal = role.abort.signal;
    const log = partition.log;
    let epoch = this.#epochs.get(key) ?? await readEpoch(partition.dir);
    if (epoch < role.epoch) {
      const a = this.#assignment(ref);
      const point = a && truncationPoint(a, epoch);
      if (point !== undefined && point < log.nextOffset && !signal.aborted) {
        const floor = role.highWatermark;
        const to = point < floor ? floor : point;
        if (point < floor) {
          this.#logger.warn(
            "Replication: the new leader's epoch starts below the high watermark",
            { ...ref, point: String(point), highWatermark: String(floor) },
          );
        }
        this.#logger.info("Replication: log truncated for the new leader", {
          ...ref,
          from: String(log.nextOffset),
          to: String(to),
          epoch: role.epoch,
        });
        await log.truncateFrom(to);
      }
      if (signal.aborted) return;
      await writeEpoch(partition.dir, role.epoch);
      epoch = role.epoch;
    }
    if (signal.aborted) return;
    // Never back: a newer role may have written a later epoch meanwhile.
    this.#epochs.set(key, Math.max(this.#epochs.get(key) ?? 0, epoch));
    // Unknown at first: the leader sends its offsets with the first answer.
    let offsetsVersion = (partition.offsetsVersion + 1) >>> 0;
    let purges = log.purges;
    // Fetches failing for a lease TTL: say so in etcd (a leader cut off from its followers but
    // not from etcd keeps its lease; see unreachable_leader.ts).
    const contact = new LeaderContact(
      this.#node,
      this.#node.keys.unreachableReport(ref, this.#node.self.name),
      this.#node.leaseTtlMs,
    );
    signal.addEventListener("abort", () => contact.withdraw(), { once: true });
    while (!signal.aborted) {
      try {
        let answer;
        try {
          const channel = await this.#channelTo(role.leader);
          answer = decodeReplicaFetchAnswer(
            await requestWithin(channel, FETCH_WAIT_MS + PEER_TIMEOUT_MS, {
              caller: NODE_CALLER,
              code: REPLICA_FETCH,
              payload: encodeReplicaFetch({
                ...ref,
                epoch: role.epoch,
                offset: log.nextOffset,
                waitMs: FETCH_WAIT_MS,
                offsetsVersion,
                follower: this.#node.self.name,
              }),
              // The leader answers once it has applied as much (a purge above all).
              metadataIndex: this.#node.log.lastApplied,
            }),
          );
          contact.answered();
        } catch (err) {
          // Only a fetch that got no answer counts: a refusal comes from a reachable leader, and
          // a local failure (a full disk) says nothing of it.
          if (err instanceof PeerError) contact.answered();
          else {
            contact.failed(() => ({
              follower: this.#node.self.name,
              epoch: role.epoch,
              nextOffset: log.nextOffset,
              offsetsVersion: role.offsetsVersion,
            }));
          }
          throw err;
        }
        if (signal.aborted) return;
        if (log.purges !== purges) {
          // Purged meanwhile (on every replica): what was known of the old offsets is void.
          purges = log.purges;
          role.highWatermark = 0n;
          continue;
        }
        // Offsets before frames: a replica whose log holds a frame the leader appended after
        // an offset change also holds that change (the election relies on it).
        if (answer.offsets) {
          await copyOffsets(partition, answer.offsets);
          offsetsVersion = answer.offsetsVersion;
        }
        if (offsetsVersion === answer.offsetsVersion) {
          role.offsetsVersion = offsetsVersion;
        }
        if (answer.logStart > log.nextOffset) {
          await restartLog(ref, log, answer.logStart, this.#logger);
        }
        if (answer.count > 0 || answer.segmentStart > 0n) {
          await log.appendReplica(answer, this.#settings.fsync);
          partition.rememberIds(answer.bytes, answer.count);
        }
        // The leader deleted its oldest segments (retention, DeleteSegments): so does its copy.
        if (answer.logStart > log.firstOffset) {
          await log.deleteOldestSegmentsWhile((segment) =>
            segment.endOffset < answer.logStart
          );
        }
        if (answer.highWatermark > role.highWatermark) {
          role.highWatermark = answer.highWatermark;
        }
      } catch {
        // Leader down, not the leader (yet), or this node behind on the assignments.
        await delay(100, signal);
      }
    }
  }

  /**
   * The channel handler of the replication commands, or `undefined` for other codes.
   * `metadataIndex` is the metadata entry the sending node had applied (this node has applied
   * it too, or waited as long as it could).
   */
  handle(
    code: number,
    payload: Uint8Array,
    metadataIndex = 0,
  ): Promise<Uint8Array[]> | undefined {
    if (code === REPLICA_FETCH) return this.#serveFetch(payload, metadataIndex);
    if (code === REPLICA_STATE) {
      return this.#state(decodeReplicaStateRequest(payload)).then((s) => [
        encodeReplicaState(s),
      ]);
    }
    return undefined;
  }

  async #state(ref: PartitionRef) {
    const partition = this.#partition(ref);
    if (!partition) throw new IggyError(ErrorCode.PartitionNotFound);
    const key = refKey(ref);
    const epoch = this.#epochs.get(key) ?? await readEpoch(partition.dir);
    const role = this.#roles.get(key);
    return {
      epoch,
      nextOffset: partition.log.nextOffset,
      highWatermark: role?.highWatermark ?? 0n,
      offsetsVersion: role?.kind === "follower"
        ? role.offsetsVersion
        : undefined,
    };
  }

  /** A leader role that may act: current lease, same registration, not stopped. */
  #leading(ref: PartitionRef, epoch?: number): LeaderRole {
    const role = this.#roles.get(refKey(ref));
    if (role?.kind !== "leader" || role.stopped) {
      throw notLeader(`this node does not lead partition ${ref.partitionId}`);
    }
    if (epoch !== undefined && epoch !== role.epoch) {
      throw notLeader(`epoch ${epoch} is not the leader's ${role.epoch}`);
    }
    if (
      !this.#node.leaseValid ||
      role.generation !== this.#node.leaseGeneration
    ) {
      throw notLeader("this node's cluster lease may have expired: fenced");
    }
    return role;
  }

  async #serveFetch(
    payload: Uint8Array,
    metadataIndex: number,
  ): Promise<Uint8Array[]> {
    const fetch = decodeReplicaFetch(payload);
    const role = this.#leading(fetch, fetch.epoch);
    // A purge applied here and not yet on the follower: its fetch offset is one of the old log's
    // (the follower purged first waited above, in the channel handler, for this node to purge).
    if (role.partition.log.purges !== role.fetchPurges) {
      role.fetchPurges = role.partition.log.purges;
      role.purgedAt = this.#system.metadataIndex;
    }
    if (metadataIndex < role.purgedAt) {
      throw notLeader(
        `node "${fetch.follower}" has not applied the purge (metadata entry ${role.purgedAt}) yet`,
      );
    }
    const a = this.#assignment(fetch);
    if (!a?.replicas.includes(fetch.follower)) {
      throw notLeader(`node "${fetch.follower}" is not a replica`);
    }
    const log = role.partition.log;
    if (fetch.offset > log.nextOffset) {
      throw new IggyError(
        ErrorCode.InvalidOffset,
        `follower at ${fetch.offset} is past the leader's end ${log.nextOffset}`,
      );
    }
    this.#recordFollower(
      role,
      a,
      fetch.follower,
      fetch.offset,
      fetch.offsetsVersion,
    );
    if (fetch.offset === log.nextOffset && fetch.waitMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, fetch.waitMs);
        function done(): void {
          clearTimeout(timer);
          role.dataWaiters.delete(done);
          resolve();
        }
        role.dataWaiters.add(done);
      });
    }
    const chunk = await log.readForReplica(fetch.offset, {
      maxMessages: FETCH_MAX_MESSAGES,
      maxBytes: FETCH_MAX_BYTES,
    });
    const partition = role.partition;
    role.offsetsSent.set(fetch.follower, partition.offsetsVersion);
    return encodeReplicaFetchAnswer({
      ...chunk,
      highWatermark: role.highWatermark,
      offsetsVersion: partition.offsetsVersion,
      offsets: fetch.offsetsVersion === partition.offsetsVersion
        ? undefined
        : storedOffsets(partition),
    });
  }

  #recordFollower(
    role: LeaderRole,
    a: PartitionAssignment,
    follower: string,
    end: bigint,
    offsetsVersion: number,
  ): void {
    role.resetIfPurged();
    // A follower fetches again only after copying the offsets of the previous answer.
    if (
      offsetsVersion === role.offsetsSent.get(follower) ||
      offsetsVersion === role.partition.offsetsVersion
    ) role.offsetsHeld.set(follower, offsetsVersion);
    const now = Date.now();
    const before = role.endAtLastFetch.get(follower) ?? 0n;
    if (end >= before) role.caughtUpAt.set(follower, now);
    role.endAtLastFetch.set(follower, role.partition.log.nextOffset);
    role.ends.set(follower, end);
    this.#advance(role, a);
    // Caught up with the high watermark: back in the in-sync set.
    if (!a.inSync.includes(follower) && end >= role.highWatermark) {
      this.#changeInSync(
        role,
        (inSync) =>
          inSync.includes(follower) ? undefined : [...inSync, follower],
      );
    }
  }

  /** Log end of `name` as the leader knows it (its own: fsynced, with `fsync`). */
  #endOf(role: LeaderRole, name: string): bigint {
    if (name !== this.#node.self.name) return role.ends.get(name) ?? 0n;
    const log = role.partition.log;
    return this.#settings.fsync ? log.durableOffset : log.nextOffset;
  }

  /**
   * With `fsync`: fsyncs what the leader appended (in the background, while the followers
   * fetch it) and counts it once done.
   */
  #syncLeader(role: LeaderRole): void {
    const log = role.partition.log;
    if (!this.#settings.fsync || log.durableOffset >= log.nextOffset) return;
    log.syncAppended().then(() => {
      const a = this.#assignment(role.ref);
      if (a && !role.stopped) this.#advance(role, a);
    }, () => {
      // Logged by the log; the sends it covers fail at their ack timeout.
    });
  }

  /** The offset below which a quorum of `inSync` holds every message (0 without a quorum). */
  #quorumPoint(role: LeaderRole, inSync: string[], replicas: number): bigint {
    const q = quorumOf(replicas);
    if (inSync.length < q) return 0n;
    const ends = inSync.map((n) => this.#endOf(role, n)).sort((x, y) =>
      x > y ? -1 : x < y ? 1 : 0
    );
    return ends[q - 1]!;
  }

  /**
   * Whether replica `name` holds the offsets of version `version`, stored when the log ended at
   * `end`: it copied that version or a later one, and its log reaches `end` (so a replica
   * with a longer log, which the election prefers, has it too).
   */
  #holdsOffsets(
    role: LeaderRole,
    name: string,
    version: number,
    end: bigint,
  ): boolean {
    if (name === this.#node.self.name) return true;
    const held = role.offsetsHeld.get(name);
    return held !== undefined && sameOrLater(held, version) &&
      this.#endOf(role, name) >= end;
  }

  /**
   * Whether `inSync` (at least a quorum of the replicas) holds the offset change (`version`,
   * `end`): every member of it with `all`, a quorum of them otherwise.
   */
  #offsetsAcknowledged(
    role: LeaderRole,
    inSync: string[],
    replicas: number,
    change: { version: number; end: bigint },
    all: boolean,
  ): boolean {
    const q = quorumOf(replicas);
    if (inSync.length < q) return false;
    const holders =
      inSync.filter((n) =>
        this.#holdsOffsets(role, n, change.version, change.end)
      ).length;
    return all ? holders === inSync.length : holders >= q;
  }

  /** Recomputes the high watermark and answers the sends it covers. */
  #advance(role: LeaderRole, a: PartitionAssignment): void {
    role.resetIfPurged();
    const inSync = a.inSync;
    const point = this.#quorumPoint(role, inSync, a.replicas.length);
    if (point > role.highWatermark) {
      role.highWatermark = point;
      role.announceHighWatermark();
    }
    if (role.waiters.length === 0) return;
    let all = 0n;
    if (this.#settings.acks === "all") {
      all = inSync.length >= quorumOf(a.replicas.length)
        ? inSync.reduce(
          (min, n) => {
            const end = this.#endOf(role, n);
            return end < min ? end : min;
          },
          role.partition.log.nextOffset,
        )
        : 0n;
    }
    const acked = this.#settings.acks === "all" ? all : role.highWatermark;
    const fenced = !this.#node.leaseValid ||
      role.generation !== this.#node.leaseGeneration;
    role.waiters = role.waiters.filter((w) => {
      if (w.offsetsVersion !== undefined) {
        const change = { version: w.offsetsVersion, end: w.offset };
        if (
          !this.#offsetsAcknowledged(
            role,
            inSync,
            a.replicas.length,
            change,
            this.#settings.acks === "all",
          )
        ) {
          return true;
        }
        if (
          !fenced && (role.offsetsAcked === undefined ||
            sameOrLater(change.version, role.offsetsAcked.version))
        ) role.offsetsAcked = change;
      } else if (w.offset > acked) return true;
      clearTimeout(w.timer);
      if (fenced) w.reject(notLeader("fenced: this node's lease expired"));
      else w.resolve();
      return false;
    });
  }

  /**
   * Before an append: resolves when this node leads the partition and may write; rejects with
   * 11001 otherwise; `undefined` for a partition that is not replicated.
   */
  beforeAppend(ref: PartitionRef): Promise<void> | undefined {
    const a = this.#assignment(ref);
    if (!a || a.replicas.length < 2) return undefined;
    const role = this.#roles.get(refKey(ref));
    const check = () => {
      this.#leading(ref);
    };
    if (
      a.leader === this.#node.self.name &&
      (role?.kind !== "leader" || role.epoch !== a.leaderEpoch)
    ) {
      return this.whenSynced().then(check);
    }
    try {
      check();
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * After an append to a partition this node leads: resolves once the configured acks hold
   * for every message below `end`; `undefined` for a partition that is not replicated.
   */
  acknowledge(
    ref: PartitionRef,
    end: bigint,
  ): Promise<void> | undefined {
    try {
      const led = this.#replicatedLeader(ref);
      return led && this.#waitForAcks(led.role, led.a, end);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * After a consumer offset change (store or delete) on a partition this node leads: resolves
   * once the configured acks hold for the partition's offsets as they are now; `undefined` for
   * a partition that is not replicated.
   */
  acknowledgeOffsets(ref: PartitionRef): Promise<void> | undefined {
    try {
      const led = this.#replicatedLeader(ref);
      if (!led) return undefined;
      const { log, offsetsVersion } = led.role.partition;
      return this.#waitForAcks(led.role, led.a, log.nextOffset, offsetsVersion);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * The assignment and leader role of a replicated partition (`undefined` when it is not
   * replicated). @throws {IggyError} 11001 when this node may not act as its leader
   */
  #replicatedLeader(
    ref: PartitionRef,
  ): { a: PartitionAssignment; role: LeaderRole } | undefined {
    const a = this.#assignment(ref);
    if (!a || a.replicas.length < 2) return undefined;
    return { a, role: this.#leading(ref) };
  }

  /** Wakes the followers' fetches and waits for the acks (of messages below `end`, or offsets). */
  #waitForAcks(
    role: LeaderRole,
    a: PartitionAssignment,
    end: bigint,
    offsetsVersion?: number,
  ): Promise<void> {
    role.wakeFetchers();
    if (this.#settings.acks === "leader") return Promise.resolve();
    this.#syncLeader(role);
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    const timer = setTimeout(() => {
      role.waiters = role.waiters.filter((w) => w.timer !== timer);
      reject(
        new IggyError(
          ErrorCode.ShardCommunicationError,
          `not replicated to the in-sync replicas within ${this.#settings.ackTimeoutMs} ms`,
        ),
      );
    }, this.#settings.ackTimeoutMs);
    role.waiters.push({ offset: end, offsetsVersion, resolve, reject, timer });
    this.#advance(role, a);
    return promise;
  }

  /**
   * The offset polls must stay below on a partition this node leads (its high watermark);
   * `undefined` for a partition that is not replicated.
   */
  readLimit(ref: PartitionRef): bigint | undefined {
    const a = this.#assignment(ref);
    if (!a || a.replicas.length < 2) return undefined;
    const role = this.#roles.get(refKey(ref));
    if (role?.kind === "follower") {
      return this.readsWithoutLeader(ref) ? role.highWatermark : 0n;
    }
    if (role?.kind !== "leader") return 0n;
    role.resetIfPurged();
    return role.highWatermark;
  }

  /**
   * True when this node follows a replicated partition whose leader is down: with no leader to
   * ask, its polls are answered here up to the high watermark this replica last heard of
   * (everything below it was acknowledged; nothing above it is shown).
   */
  readsWithoutLeader(ref: PartitionRef): boolean {
    const a = this.#assignment(ref);
    if (!a || a.replicas.length < 2) return false;
    if (this.#roles.get(refKey(ref))?.kind !== "follower") return false;
    return !this.#node.nodes.some((n) => n.name === a.leader);
  }

  /** Writes an in-sync set change by etcd transaction, if this node still leads that epoch. */
  #changeInSync(
    role: LeaderRole,
    change: (inSync: string[]) => string[] | undefined,
  ): void {
    if (role.changingInSync) return;
    role.changingInSync = true;
    const { streamId, topicId, partitionId } = role.ref;
    this.#node.updateAssignments(streamId, topicId, (current) => {
      const p = current[partitionId];
      if (!p || p.leader !== this.#node.self.name) return undefined;
      if (p.leaderEpoch !== role.epoch || role.stopped) return undefined;
      const inSync = change(p.inSync);
      if (!inSync) return undefined;
      const next = [...current];
      next[partitionId] = { ...p, inSync };
      return next;
    }).then((written) => {
      if (written) {
        this.#logger.info("Replication: in-sync set changed", {
          ...role.ref,
          inSync: this.#assignment(role.ref)?.inSync ?? [],
        });
      }
    }).catch(() => {}).finally(() => role.changingInSync = false);
  }

  /**
   * Leader side, every tick: followers not caught up for `maxLagMs` leave the in-sync set,
   * as long as what is acknowledged stays on a quorum of the remaining set.
   */
  #maintainInSync(): void {
    const now = Date.now();
    for (const role of this.#roles.values()) {
      if (role.kind !== "leader" || role.stopped) continue;
      const a = this.#assignment(role.ref);
      if (!a) continue;
      if (!this.#node.leaseValid) continue;
      for (const follower of a.inSync) {
        if (follower === this.#node.self.name) continue;
        const at = role.caughtUpAt.get(follower) ?? 0;
        // A leader that just took over gives its followers one lag time to show up.
        const since = Math.max(at, role.startedAt);
        if (now - since <= this.#settings.maxLagMs) continue;
        const remaining = a.inSync.filter((n) => n !== follower);
        const q = quorumOf(a.replicas.length);
        if (
          remaining.length < q ||
          this.#quorumPoint(role, remaining, a.replicas.length) <
            role.highWatermark ||
          (role.offsetsAcked !== undefined &&
            !this.#offsetsAcknowledged(
              role,
              remaining,
              a.replicas.length,
              role.offsetsAcked,
              false,
            ))
        ) continue;
        this.#changeInSync(
          role,
          (inSync) =>
            inSync.includes(follower)
              ? inSync.filter((n) => n !== follower)
              : undefined,
        );
      }
    }
  }

  /**
   * Controller side: every replicated partition whose leader is not live gets a new leader from
   * its in-sync set, the one with the longest log, with the epoch raised, provided enough of the
   * set answers that every acknowledged message is among them.
   */
  #electLeaders(): void {
    if (this.#electing) return;
    this.#electing = true;
    this.#electAll().catch((err) =>
      this.#logger.warn("Replication: leader election failed", {
        error: err instanceof Error ? err.message : String(err),
      })
    ).finally(() => this.#electing = false);
  }

  async #electAll(): Promise<void> {
    const live = new Set(this.#node.nodes.map((n) => n.name));
    const entries = [...this.#node.assignmentEntries()];
    let replicated = false;
    for (const { streamId, topicId, partitions } of entries) {
      for (const a of partitions) {
        if (a.replicas.length < 2) continue;
        replicated = true;
        if (live.has(a.leader)) continue;
        const ref = { streamId, topicId, partitionId: a.partitionId };
        await this.#elect(ref, a, live);
      }
    }
    if (replicated) await this.#deposeUnreachable(entries, live);
  }

  async #elect(
    ref: PartitionRef,
    a: PartitionAssignment,
    live: Set<string>,
  ): Promise<void> {
    const candidates = a.inSync.filter((n) => n !== a.leader && live.has(n));
    const needed = a.inSync.length - quorumOf(a.replicas.length) + 1;
    if (candidates.length < needed) return;
    const states = await Promise.all(candidates.map(async (name) => {
      try {
        const state = name === this.#node.self.name
          ? await this.#state(ref)
          : decodeReplicaState(
            await requestWithin(await this.#channelTo(name), PEER_TIMEOUT_MS, {
              caller: NODE_CALLER,
              code: REPLICA_STATE,
              payload: encodeReplicaStateRequest(ref),
            }),
          );
        return state.epoch === a.leaderEpoch ? { name, ...state } : undefined;
      } catch {
        return undefined;
      }
    }));
    const answered = states.filter((s) => s !== undefined);
    if (answered.length < needed) return;
    await this.#install(ref, a, answered, "its lease expired");
  }

  /**
   * Controller side: a replicated partition whose leader is live (its lease holds) but whose
   * in-sync followers report they cannot reach it (see `unreachable_leader.ts`) gets a new
   * leader among them, once enough report the current epoch that one of them holds every
   * acknowledged message (as for a dead leader). The reports carry what the election needs, so
   * no peer is asked over the node channel: the controller may be the node cut off.
   */
  async #deposeUnreachable(
    entries: {
      streamId: number;
      topicId: number;
      partitions: PartitionAssignment[];
    }[],
    live: Set<string>,
  ): Promise<void> {
    const prefix = this.#node.keys.unreachable;
    let kvs;
    try {
      kvs = await this.#node.keysUnder(prefix);
    } catch {
      return; // etcd unreachable: nothing can be elected anyway
    }
    const reports = reportsByPartition(kvs, prefix);
    if (reports.size === 0) return;
    for (const { streamId, topicId, partitions } of entries) {
      for (const a of partitions) {
        if (a.replicas.length < 2 || !live.has(a.leader)) continue;
        const ref = { streamId, topicId, partitionId: a.partitionId };
        const reporting = (reports.get(refKey(ref)) ?? []).filter((r) =>
          r.epoch === a.leaderEpoch && r.follower !== a.leader &&
          a.replicas.includes(r.follower) && live.has(r.follower)
        );
        // A quorum of the replicas must find the leader unreachable (one slow or cut-off
        // follower never deposes it), and enough of the in-sync set that one of them holds
        // every acknowledged message.
        if (reporting.length < quorumOf(a.replicas.length)) continue;
        const valid = reporting.filter((r) => a.inSync.includes(r.follower));
        const needed = a.inSync.length - quorumOf(a.replicas.length) + 1;
        if (valid.length < needed) continue;
        await this.#install(
          ref,
          a,
          valid.map((r) => ({
            name: r.follower,
            nextOffset: r.nextOffset,
            offsetsVersion: r.offsetsVersion,
          })),
          "its in-sync followers cannot reach it",
        );
      }
    }
  }

  /**
   * Makes the best of `answered` (replicas of the current epoch, enough of the in-sync set
   * `a.inSync` that one holds every acknowledged message) the leader of the next epoch, by a
   * transaction that gives up if the leader, the epoch or the in-sync set changed meanwhile.
   */
  async #install(
    ref: PartitionRef,
    a: PartitionAssignment,
    answered: { name: string; nextOffset: bigint; offsetsVersion?: number }[],
    why: string,
  ): Promise<void> {
    // The longest log; on equal logs the newest copy of the offsets (see #holdsOffsets).
    answered.sort((x, y) =>
      x.nextOffset > y.nextOffset
        ? -1
        : x.nextOffset < y.nextOffset
        ? 1
        : newerOffsets(x.offsetsVersion, y.offsetsVersion) ||
          (x.name < y.name ? -1 : 1)
    );
    const chosen = answered[0]!;
    const written = await this.#node.updateAssignments(
      ref.streamId,
      ref.topicId,
      (current) => {
        const p = current[ref.partitionId];
        if (
          !p || p.leader !== a.leader || p.leaderEpoch !== a.leaderEpoch ||
          !sameMembers(p.inSync, a.inSync)
        ) {
          return undefined;
        }
        const epoch = p.leaderEpoch + 1;
        const next = [...current];
        next[ref.partitionId] = {
          ...p,
          leader: chosen.name,
          leaderEpoch: epoch,
          inSync: answered.map((s) => s.name),
          epochs: [
            ...(p.epochs ?? []),
            { epoch, start: Number(chosen.nextOffset) },
          ],
        };
        return next;
      },
    );
    if (written) {
      this.#logger.info("Replication: new partition leader elected", {
        ...ref,
        why,
        leader: chosen.name,
        epoch: a.leaderEpoch + 1,
        logEnd: String(chosen.nextOffset),
      });
    }
  }
}
