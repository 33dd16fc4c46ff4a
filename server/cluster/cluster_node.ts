/**
 * One node's membership in a cluster: it registers itself under a lease it keeps alive, takes
 * part in the controller election, and follows the cluster's state (live nodes, controller,
 * metadata log, partition assignments) through one etcd watch on the cluster's prefix.
 *
 * A node whose lease expires (it died, or could not reach etcd for a whole TTL) disappears from
 * the node list and loses the controller role; etcd deletes both keys, every watcher sees the
 * deletes, and the remaining nodes campaign at once, so a new controller is in place about one
 * lease TTL after the old one stopped answering.
 * @module
 */

import type { Logger } from "../logger.ts";
import { delay, type EtcdClient, EtcdError, type KeyValue } from "./etcd.ts";
import { GroupMembers } from "./group_members.ts";
import { ClusterKeys } from "./keys.ts";
import type { PartitionAssignment } from "./placement.ts";
import { type ApplyEntry, ReplicatedLog } from "./replicated_log.ts";

/** What a node advertises: its name, address and bound ports. */
export interface NodeInfo {
  name: string;
  ip: string;
  ports: { tcp: number; quic: number; http: number; websocket: number };
  /** Port of the node-to-node channel (on `ip`). */
  channelPort?: number;
  /** False for a node that leads no partitions (`cluster.node.current.lead_partitions`). */
  leadsPartitions?: boolean;
}

/** Options of {@linkcode ClusterNode.start}. */
export interface ClusterNodeOptions {
  etcd: EtcdClient;
  /** `cluster.name`: the etcd key prefix. */
  clusterName: string;
  /** This node. */
  node: NodeInfo;
  /** Seconds without a keep-alive after which etcd drops this node (and its roles). */
  leaseTtlSeconds: number;
  logger: Logger;
  /** Index of the last metadata entry applied locally. @default {0} */
  lastApplied?: number;
  /** Applies committed metadata entries (none applied when absent). */
  apply?: ApplyEntry;
}

/** This node's view of its cluster. */
export class ClusterNode {
  /** This node. */
  readonly self: NodeInfo;
  /** The cluster's etcd keys. */
  readonly keys: ClusterKeys;
  /** The metadata log. */
  readonly log: ReplicatedLog;
  /** Consumer group members of every node. */
  readonly groupMembers: GroupMembers;
  readonly #etcd: EtcdClient;
  readonly #ttl: number;
  readonly #logger: Logger;
  readonly #nodes = new Map<string, NodeInfo>();
  readonly #assignments = new Map<string, PartitionAssignment[]>();
  /** The etcd mod revision of each assignments key (a transaction compares it to change one). */
  readonly #assignmentRevisions = new Map<string, number>();
  readonly #listeners = new Set<() => void>();
  /** Until when this node's lease surely holds (ms since the epoch). */
  #leaseValidUntil = 0;
  #leaseGeneration = 0;
  readonly #stop = new AbortController();
  #lease = "0";
  #controller: string | undefined;
  #etcdReachable = true;
  #tasks: Promise<void>[] = [];

  private constructor(options: ClusterNodeOptions) {
    this.self = options.node;
    this.keys = new ClusterKeys(options.clusterName);
    this.#etcd = options.etcd;
    this.#ttl = options.leaseTtlSeconds;
    this.#logger = options.logger;
    this.log = new ReplicatedLog(this.#etcd, this.keys, {
      lastApplied: options.lastApplied ?? 0,
      apply: options.apply ?? (() => {}),
    });
    this.groupMembers = new GroupMembers(this.#etcd, this.keys, {
      name: this.self.name,
      lease: () => this.#lease,
    });
  }

  /**
   * Joins the cluster: registers this node, campaigns for the controller role, reads the
   * cluster's state and starts following it.
   * @throws {import("./etcd.ts").EtcdError} when etcd cannot be reached
   */
  static async start(options: ClusterNodeOptions): Promise<ClusterNode> {
    const node = new ClusterNode(options);
    await node.#register();
    const { kvs, revision } = await node.#etcd.range(node.keys.root, true);
    for (const kv of kvs) node.#seen("PUT", kv);
    await node.#campaign();
    node.#tasks.push(
      node.#etcd.watch(node.keys.root, revision + 1, (events) => {
        for (const e of events) node.#seen(e.type, e.kv);
      }, node.#stop.signal),
      node.#keepAliveLoop(),
    );
    return node;
  }

  /** The live nodes (this one included), by name. */
  get nodes(): NodeInfo[] {
    return [...this.#nodes.values()].sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0
    );
  }

  /** The controller's name, when one is elected. */
  get controller(): string | undefined {
    return this.#controller;
  }

  /** False from a failed lease renewal until the next one succeeds. */
  get etcdReachable(): boolean {
    return this.#etcdReachable;
  }

  /** True while this node is the controller. */
  get isController(): boolean {
    return this.#controller === this.self.name;
  }

  /** The partition assignments of a topic, if committed. */
  assignmentsOf(
    streamId: number,
    topicId: number,
  ): PartitionAssignment[] | undefined {
    return this.#assignments.get(this.keys.topicAssignments(streamId, topicId));
  }

  /** Every topic's assignments. */
  allAssignments(): Iterable<PartitionAssignment[]> {
    return this.#assignments.values();
  }

  /** The etcd mod revision of a topic's assignments as this node has them (0: none). */
  assignmentsRevision(streamId: number, topicId: number): number {
    return this.#assignmentRevisions.get(
      this.keys.topicAssignments(streamId, topicId),
    ) ?? 0;
  }

  /** Every topic's assignments with the topic's ids. */
  *assignmentEntries(): Iterable<
    { streamId: number; topicId: number; partitions: PartitionAssignment[] }
  > {
    for (const [key, partitions] of this.#assignments) {
      const [streamId, topicId] = key.slice(this.keys.assignments.length)
        .split("/").map(Number) as [number, number];
      yield { streamId, topicId, partitions };
    }
  }

  /** Calls `listener` after each change of the nodes, the assignments or this node's lease. */
  onChange(listener: () => void): void {
    this.#listeners.add(listener);
  }

  /**
   * True while this node's lease surely has not expired in etcd: the last renewal started less
   * than one TTL ago. A leader whose lease may be gone acknowledges nothing (another node may
   * lead its partitions already).
   */
  get leaseValid(): boolean {
    return Date.now() < this.#leaseValidUntil;
  }

  /** Raised each time this node registers with a new lease (after its old one expired). */
  get leaseGeneration(): number {
    return this.#leaseGeneration;
  }

  /** `cluster.lease_ttl` in ms. */
  get leaseTtlMs(): number {
    return this.#ttl * 1000;
  }

  /** Puts `key` under this node's lease: it goes when the node does. */
  async putOwned(key: string, value: string): Promise<void> {
    await this.#etcd.put(key, value, this.#lease);
  }

  /** Deletes `key`. */
  async deleteKey(key: string): Promise<void> {
    await this.#etcd.delete(key);
  }

  /** Every key under `prefix`, with its value. */
  async keysUnder(prefix: string): Promise<{ key: string; value: string }[]> {
    return (await this.#etcd.range(prefix, true)).kvs;
  }

  /**
   * Changes one topic's assignments by an etcd transaction that succeeds only if nobody changed
   * them since this node read them (`change` is called again on the newer value otherwise).
   * @param change the new assignments, or `undefined` to give up
   * @returns true when written
   */
  async updateAssignments(
    streamId: number,
    topicId: number,
    change: (
      current: PartitionAssignment[],
    ) => PartitionAssignment[] | undefined,
  ): Promise<boolean> {
    const key = this.keys.topicAssignments(streamId, topicId);
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = this.#assignments.get(key);
      const revision = this.#assignmentRevisions.get(key);
      if (!current || revision === undefined) return false;
      const next = change(current);
      if (!next) return false;
      const { succeeded, ranges } = await this.#etcd.txn(
        [{ key, modRevision: revision }],
        [{ put: { key, value: JSON.stringify(next) } }],
        [{ range: { key } }],
      );
      if (succeeded) return true;
      const fresh = ranges[0]?.[0];
      if (fresh) this.#seen("PUT", fresh);
      else return false;
    }
    return false;
  }

  #changed(): void {
    for (const listener of this.#listeners) {
      try {
        listener();
      } catch (err) {
        this.#logger.warn("A cluster change listener failed", {
          error: err instanceof Error ? err.message : String(err),
        });
      }
    }
  }

  /**
   * Leaves the cluster: stops following it and revokes the lease, so its roles move at once.
   * With `revokeLease: false` the node just goes quiet, as a crashed one does (tests).
   */
  async stop(options: { revokeLease?: boolean } = {}): Promise<void> {
    this.#stop.abort();
    await Promise.all(this.#tasks);
    if (options.revokeLease ?? true) {
      await this.#etcd.revokeLease(this.#lease).catch(() => {});
    }
  }

  /**
   * Registers this node under a new lease. A key of the same name left by this node's previous
   * run (killed before it could revoke its lease) expires within one TTL, so that long is waited
   * for; a name still taken after it belongs to another live node.
   */
  async #register(): Promise<void> {
    let asked = Date.now();
    this.#lease = await this.#etcd.grantLease(this.#ttl);
    this.#leaseValidUntil = asked + this.#ttl * 1000;
    this.#leaseGeneration++;
    const key = this.keys.node(this.self.name);
    const deadline = Date.now() + (this.#ttl + 2) * 1000;
    for (;;) {
      const { succeeded } = await this.#etcd.txn(
        [{ key, createRevision: 0 }],
        [{
          put: { key, value: JSON.stringify(this.self), lease: this.#lease },
        }],
      );
      if (succeeded) break;
      if (Date.now() > deadline) {
        await this.#etcd.revokeLease(this.#lease).catch(() => {});
        throw new EtcdError(
          `another live node is named "${this.self.name}" (cluster.node.current.name)`,
        );
      }
      await delay(200, this.#stop.signal);
      // Waiting for the old key can take a whole TTL: keep the new lease alive meanwhile (or take
      // another if it expired anyway), so that the put does not name a lease etcd has dropped.
      asked = Date.now();
      if (await this.#etcd.keepAlive(this.#lease) === 0) {
        this.#lease = await this.#etcd.grantLease(this.#ttl);
      }
      this.#leaseValidUntil = asked + this.#ttl * 1000;
    }
    this.#nodes.set(this.self.name, this.self);
  }

  /** Takes the controller role if nobody holds it. */
  async #campaign(): Promise<void> {
    const { succeeded, ranges } = await this.#etcd.txn(
      [{ key: this.keys.controller, createRevision: 0 }],
      [{
        put: {
          key: this.keys.controller,
          value: this.self.name,
          lease: this.#lease,
        },
      }],
      [{ range: { key: this.keys.controller } }],
    );
    const holder = succeeded ? this.self.name : ranges[0]?.[0]?.value;
    if (holder !== this.#controller) this.#setController(holder);
  }

  #setController(name: string | undefined): void {
    this.#controller = name;
    if (name === this.self.name) {
      this.#logger.info("This node is the cluster controller", {
        node: name,
      });
    }
  }

  #seen(type: "PUT" | "DELETE", kv: KeyValue): void {
    const { keys } = this;
    if (kv.key.startsWith(keys.nodes)) {
      const name = kv.key.slice(keys.nodes.length);
      if (type === "DELETE") {
        // Our own key vanishes only when our lease expired; the keep-alive loop re-registers.
        this.#nodes.delete(name);
      } else {
        this.#nodes.set(name, JSON.parse(kv.value) as NodeInfo);
      }
      this.#changed();
    } else if (kv.key === keys.controller) {
      if (type === "DELETE") {
        this.#setController(undefined);
        this.#campaign().catch(() => {});
      } else if (kv.value !== this.#controller) {
        this.#setController(kv.value);
      }
    } else if (kv.key.startsWith(keys.log)) {
      if (type === "PUT") this.log.receive(kv);
    } else if (kv.key.startsWith(keys.members)) {
      this.groupMembers.seen(type, kv);
    } else if (kv.key.startsWith(keys.assignments)) {
      // A re-read may have delivered a newer value than a late watch event.
      if ((this.#assignmentRevisions.get(kv.key) ?? 0) > kv.modRevision) return;
      if (type === "DELETE") {
        this.#assignments.delete(kv.key);
        this.#assignmentRevisions.delete(kv.key);
      } else {
        this.#assignments.set(
          kv.key,
          JSON.parse(kv.value) as PartitionAssignment[],
        );
        this.#assignmentRevisions.set(kv.key, kv.modRevision);
      }
      this.#changed();
    }
  }

  /**
   * Renews the lease three times per TTL. When it has expired (etcd was unreachable for longer
   * than the TTL), registers again with a new lease and campaigns.
   */
  async #keepAliveLoop(): Promise<void> {
    const every = Math.max(200, (this.#ttl * 1000) / 3);
    while (!this.#stop.signal.aborted) {
      await delay(every, this.#stop.signal);
      if (this.#stop.signal.aborted) return;
      try {
        const asked = Date.now();
        const ttl = await this.#etcd.keepAlive(this.#lease);
        if (ttl > 0) this.#leaseValidUntil = asked + ttl * 1000;
        if (ttl === 0) {
          this.#logger.warn(
            "This node's cluster lease expired; registering again",
            { node: this.self.name },
          );
          this.#leaseValidUntil = 0;
          await this.#register();
          // What changed while this node was gone (partition leaders above all) before it
          // acts on its roles again.
          const { kvs } = await this.#etcd.range(this.keys.assignments, true);
          for (const kv of kvs) this.#seen("PUT", kv);
          this.#changed();
          await this.groupMembers.restore();
        }
        if (this.#controller === undefined) await this.#campaign();
        if (!this.#etcdReachable) {
          this.#etcdReachable = true;
          this.#logger.info("etcd is reachable again");
          await this.log.catchUp();
          await this.groupMembers.deleteLeft();
        }
      } catch (err) {
        if (this.#etcdReachable) {
          this.#etcdReachable = false;
          this.#logger.warn(
            "Cannot reach etcd: metadata changes fail until it is back; messages keep flowing",
            { error: err instanceof Error ? err.message : String(err) },
          );
        }
      }
    }
  }
}
