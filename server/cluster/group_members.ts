/**
 * Consumer group members across the cluster. A connection joining a group through any node puts
 * a key `members/<stream>/<topic>/<group>/<node>/<client>` on that node's lease (so the members
 * of a dead node vanish with it); every node follows those keys through its watch and orders
 * each group's members by the key's creation revision, which is the same order on every node.
 * Every node then deals the group's partitions over that one list the same way, so two
 * consumers of one group never own the same partition, whichever nodes they talk to.
 * @module
 */

import { delay, type EtcdClient, type KeyValue } from "./etcd.ts";
import type { ClusterKeys, GroupRef } from "./keys.ts";

/** How long a join waits for its own key to come back through the watch. */
const WATCH_WAIT_MS = 5000;

/** One member as the cluster sees it. */
export interface ClusterMember {
  node: string;
  clientId: number;
}

/** Called when a group's member list changed. */
export type MembersChanged = (group: GroupRef) => void;

/** This node's view of every group's members, and its own members' keys. */
export class GroupMembers {
  readonly #etcd: EtcdClient;
  readonly #keys: ClusterKeys;
  readonly #self: string;
  readonly #lease: () => string;
  /** Group prefix → member key → member with its creation revision. */
  readonly #groups = new Map<
    string,
    Map<string, ClusterMember & { revision: number }>
  >();
  /** Keys of this node's members, put again after a new lease. */
  readonly #own = new Set<string>();
  /** Keys of members that left while etcd was unreachable, deleted when it is back. */
  readonly #leftUnseen = new Set<string>();
  #changed: MembersChanged = () => {};
  /** Joins waiting for their key to come back through the watch. */
  readonly #echoes = new Map<string, () => void>();

  /**
   * @param etcd the client
   * @param keys the cluster's keys
   * @param self this node's name and its current lease
   */
  constructor(
    etcd: EtcdClient,
    keys: ClusterKeys,
    self: { name: string; lease: () => string },
  ) {
    this.#etcd = etcd;
    this.#keys = keys;
    this.#self = self.name;
    this.#lease = self.lease;
  }

  /** Sets what runs when a group's members change (after the node has joined). */
  onChange(changed: MembersChanged): void {
    this.#changed = changed;
  }

  /** The members of `group` in join order (oldest first). */
  of(group: GroupRef): ClusterMember[] {
    const members = this.#groups.get(this.#prefix(group));
    if (!members) return [];
    return [...members.entries()]
      .sort(([ka, a], [kb, b]) =>
        a.revision - b.revision || (ka < kb ? -1 : ka > kb ? 1 : 0)
      )
      .map(([, { node, clientId }]) => ({ node, clientId }));
  }

  /** Every group that has members. */
  groups(): GroupRef[] {
    const refs: GroupRef[] = [];
    for (const members of this.#groups.values()) {
      const [key] = members.keys();
      const parsed = key === undefined
        ? undefined
        : this.#keys.parseGroupMember(key);
      if (parsed) refs.push(parsed.group);
    }
    return refs;
  }

  /** Takes a member key seen in etcd (initial read or watch). */
  seen(type: "PUT" | "DELETE", kv: KeyValue): void {
    const parsed = this.#keys.parseGroupMember(kv.key);
    if (!parsed) return;
    if (type === "PUT") {
      this.#add(kv.key, parsed, kv.createRevision);
      this.#echoes.get(kv.key)?.();
    } else this.#remove(kv.key, parsed.group);
  }

  /**
   * Makes connection `clientId` of this node a member of `group` (or no longer one) in etcd;
   * this node's view has the change when it resolves, the others' a moment later. A member that
   * leaves while etcd is unreachable is gone here at once and deleted in etcd once it is back.
   * @throws {import("./etcd.ts").EtcdError} when etcd cannot be reached to join
   */
  async set(group: GroupRef, clientId: number, member: boolean): Promise<void> {
    const key = this.#keys.groupMember(group, this.#self, clientId);
    if (member) {
      // Watch events come in revision order: once this key's comes back, every member that
      // joined before it is known here too, so the deal this node makes is the others'.
      const echoed = new AbortController();
      this.#echoes.set(key, () => echoed.abort());
      try {
        const revision = await this.#etcd.put(key, "", this.#lease());
        this.#own.add(key);
        this.#leftUnseen.delete(key);
        await delay(WATCH_WAIT_MS, echoed.signal);
        this.#add(key, { group, node: this.#self, clientId }, revision);
      } finally {
        this.#echoes.delete(key);
      }
    } else {
      this.#own.delete(key);
      this.#remove(key, group);
      try {
        await this.#etcd.delete(key);
      } catch {
        // The other nodes must not keep dealing it partitions: retried when etcd is back.
        this.#leftUnseen.add(key);
      }
    }
  }

  /** Deletes the keys of members that left while etcd was unreachable. */
  async deleteLeft(): Promise<void> {
    for (const key of [...this.#leftUnseen]) {
      if (!this.#own.has(key)) await this.#etcd.delete(key);
      this.#leftUnseen.delete(key);
    }
  }

  /** Puts this node's member keys again, on a new lease (the old one expired with them). */
  async restore(): Promise<void> {
    for (const key of this.#own) {
      await this.#etcd.put(key, "", this.#lease());
    }
  }

  #prefix(group: GroupRef): string {
    return this.#keys.groupMembers(
      group.streamId,
      group.topicId,
      group.groupId,
    );
  }

  #add(
    key: string,
    member: { group: GroupRef } & ClusterMember,
    revision: number,
  ): void {
    const prefix = this.#prefix(member.group);
    let members = this.#groups.get(prefix);
    if (!members) this.#groups.set(prefix, members = new Map());
    // A key already known keeps its creation revision (a put again does not move it).
    if (members.has(key)) return;
    members.set(key, {
      node: member.node,
      clientId: member.clientId,
      revision,
    });
    this.#changed(member.group);
  }

  #remove(key: string, group: GroupRef): void {
    const prefix = this.#prefix(group);
    const members = this.#groups.get(prefix);
    if (!members?.delete(key)) return;
    if (members.size === 0) this.#groups.delete(prefix);
    this.#changed(group);
  }
}
