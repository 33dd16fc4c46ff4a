/**
 * Metadata changes in a cluster: {@linkcode System.commit}'s entry is committed through the
 * cluster's etcd log (with the partition assignments it implies, in the same transaction) and
 * applied on every node, this one included, by {@linkcode System.applyCommitted}.
 * @module
 */

import { ErrorCode, IggyError } from "../../client/protocol/errors.ts";
import type { System } from "../domain/system.ts";
import {
  decodeEntry,
  encodeEntry,
  type MetadataEntry,
} from "../state/entries.ts";
import type { ClusterNode } from "./cluster_node.ts";
import type { Compare, Operation } from "./etcd.ts";
import { leadCountsOf, placePartitions } from "./placement.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The etcd value of an entry. */
export function entryPayload(entry: MetadataEntry): string {
  // The etcd key holds the index; the payload's index is not used.
  return decoder.decode(encodeEntry({ index: 0, entry }));
}

/** The entry of an etcd value. */
export function entryOf(payload: string): MetadataEntry {
  return decodeEntry(encoder.encode(payload)).entry;
}

/** Options of {@linkcode assignmentOps} and {@linkcode proposeEntry}. */
export interface PlacementOptions {
  /** `cluster.replication.enabled`: replication factors above 1 are accepted. */
  replication?: boolean;
}

/**
 * The assignment writes an entry implies: placement for new partitions (leaders spread over the
 * live nodes), removal for deleted ones.
 * @throws {IggyError} 2018 `InvalidReplicationFactor` for a replication factor above 1 without
 * `cluster.replication.enabled`, above the live node count, or changed on an existing topic
 */
export function assignmentOps(
  node: ClusterNode,
  entry: MetadataEntry,
  options: PlacementOptions = {},
): Operation[] {
  const keys = node.keys;
  const place = (count: number, first: number, replicationFactor: number) => {
    try {
      return placePartitions(
        node.nodes.filter((n) => n.leadsPartitions !== false).map((n) =>
          n.name
        ),
        leadCountsOf(node.allAssignments()),
        { partitionsCount: count, replicationFactor, firstPartitionId: first },
      );
    } catch (err) {
      throw new IggyError(ErrorCode.InvalidReplicationFactor, String(err));
    }
  };
  switch (entry.type) {
    case "CreateTopic":
    case "UpdateTopic": {
      const factor = Math.max(1, entry.settings.replicationFactor);
      if (factor > 1 && !options.replication) {
        throw new IggyError(
          ErrorCode.InvalidReplicationFactor,
          `${factor}: partition replication is off (cluster.replication.enabled); use 1`,
        );
      }
      if (entry.type === "UpdateTopic") {
        const current = node.assignmentsOf(entry.streamId, entry.id)?.[0];
        if (current && current.replicas.length !== factor) {
          throw new IggyError(
            ErrorCode.InvalidReplicationFactor,
            `${factor}: the replication factor of an existing topic cannot change (it is ${current.replicas.length})`,
          );
        }
        return [];
      }
      const placed = place(entry.partitionsCount, 0, factor);
      return [{
        put: {
          key: keys.topicAssignments(entry.streamId, entry.id),
          value: JSON.stringify(placed),
        },
      }];
    }
    case "CreatePartitions":
    case "DeletePartitions": {
      const current = node.assignmentsOf(entry.streamId, entry.topicId) ?? [];
      const factor = current[0]?.replicas.length ?? 1;
      const next = entry.type === "CreatePartitions"
        ? [...current, ...place(entry.count, current.length, factor)]
        : current.slice(0, Math.max(0, current.length - entry.count));
      return [{
        put: {
          key: keys.topicAssignments(entry.streamId, entry.topicId),
          value: JSON.stringify(next),
        },
      }];
    }
    case "DeleteTopic":
      return [
        { delete: { key: keys.topicAssignments(entry.streamId, entry.id) } },
        {
          delete: {
            key: keys.groupMembers(entry.streamId, entry.id),
            prefix: true,
          },
        },
      ];
    case "DeleteStream":
      return [
        { delete: { key: `${keys.assignments}${entry.id}/`, prefix: true } },
        { delete: { key: keys.groupMembers(entry.id), prefix: true } },
      ];
    case "DeleteConsumerGroup":
      return [{
        delete: {
          key: keys.groupMembers(entry.streamId, entry.topicId, entry.id),
          prefix: true,
        },
      }];
    default:
      return [];
  }
}

/**
 * What an entry that rewrites a topic's assignments from this node's copy relies on: nobody
 * changed them since (a leader change or an in-sync set change in between would be undone).
 */
function assignmentChecks(node: ClusterNode, entry: MetadataEntry): Compare[] {
  if (entry.type !== "CreatePartitions" && entry.type !== "DeletePartitions") {
    return [];
  }
  return [{
    key: node.keys.topicAssignments(entry.streamId, entry.topicId),
    modRevision: node.assignmentsRevision(entry.streamId, entry.topicId),
  }];
}

/**
 * Commits the entry `validate` builds through the cluster.
 * @returns the committed entry, applied on this node
 */
export async function proposeEntry<E extends MetadataEntry>(
  node: ClusterNode,
  validate: () => E,
  options: PlacementOptions = {},
): Promise<E> {
  let built: E | undefined;
  await node.log.propose(() => {
    built = validate();
    return {
      payload: entryPayload(built),
      also: assignmentOps(node, built, options),
      compare: assignmentChecks(node, built),
    };
  });
  return built!;
}

/** Thrown by the root user's validation when the cluster already has users. */
class HasUsers extends Error {}

/**
 * Creates the root user once per cluster: the first node to find no user proposes it; a node
 * that loses the race finds the winner's user and does nothing.
 * @returns true when this node created it
 */
export async function ensureRootUser(
  system: System,
  root: { username: string; password: string },
): Promise<boolean> {
  if (system.users.size > 0) return false;
  const passwordHash = await system.passwords.hash(root.password);
  try {
    await system.commit(ErrorCode.CannotAppendToFile, () => {
      if (system.users.size > 0) throw new HasUsers();
      return system.rootUserEntry(root.username, passwordHash);
    });
    return true;
  } catch (err) {
    if (err instanceof HasUsers) return false;
    throw err;
  }
}
