/**
 * What a metadata change does to directories and partition files, in one place per entry kind.
 *
 * - `prepare*` runs after validation and before the entry is appended: it creates what the new
 *   entities need (directories, opened partitions), idempotently. When the append then fails,
 *   `undo` removes what it created, so a failed change leaves nothing behind.
 * - `finish*` runs after the entry is applied: it closes what deleted entities left and moves
 *   their directories to the trash (one rename each, reclaimed in the background), and performs
 *   purges (one rename too) and segment deletes. A failed move is reported (WARN) and does not
 *   fail the change, which is already durable; a failed purge or segment delete fails the command
 *   and leaves the data as it was.
 * @module
 */

import type { Partition } from "../domain/partition.ts";
import type { Stream } from "../domain/stream.ts";
import type { Logger } from "../logger.ts";
import { join } from "node:path";
import { mkdir, remove } from "../storage/fault.ts";
import { partitionDir, streamDir, topicDir } from "../storage/paths.ts";
import type { Trash } from "../storage/trash.ts";
import type { MetadataEntry } from "./entries.ts";

/**
 * What the disk effects need of the system (the domain's `System` is one). Named here rather than
 * imported so that the state layer does not import the domain's system, which imports it.
 */
export interface DiskEffectsHost {
  readonly options: { readonly dataDir: string };
  readonly logger: Pick<Logger, "warn">;
  readonly streams: ReadonlyMap<number, Stream>;
  readonly trash: Trash;
  /** Set in a cluster: another node leading a partition deletes its segments (see DeleteSegments). */
  readonly cluster?: {
    leaderElsewhere(
      streamId: number,
      topicId: number,
      partitionId: number,
    ): string | undefined;
  };
  /** Opens or creates a partition's files. */
  openPartition(
    streamId: number,
    topicId: number,
    partitionId: number,
    createdAt: bigint,
  ): Promise<Partition>;
}

/** Which topic: stream id and topic id. */
export interface TopicRef {
  streamId: number;
  topicId: number;
}

/** Key of a partition in {@linkcode PreparedEffects.partitions}. */
export function partitionKey(topic: TopicRef, partitionId: number): string {
  return `${topic.streamId}/${topic.topicId}/${partitionId}`;
}

/** What `prepare` made ready for an entry. */
export interface PreparedEffects {
  /** Partitions opened for the entry, by {@linkcode partitionKey}. */
  partitions: Map<string, Partition>;
  /** Removes what `prepare` created (the entry was not appended). */
  undo(): Promise<void>;
}

/** Partitions a change removed from memory (their files are still open). */
export type RemovedPartitions = Partition[];

/** What a `prepare*` step created so far: undone when the change does not go through. */
interface Created {
  dirs: string[];
  partitions: Map<string, Partition>;
}

/**
 * Creates the empty directory of a new entity and remembers to remove it on undo. Whatever is
 * already there was left by a deleted entity of the same id (ids are reused; a crash cut its
 * delete short) and goes to the trash first, with one WARN line: a new entity never adopts old
 * data.
 */
async function createDir(
  system: DiskEffectsHost,
  dir: string,
  label: string,
  created: Created,
): Promise<void> {
  await system.trash.prepareFreshDirectory(dir, label);
  created.dirs.push(dir);
  await mkdir(dir);
}

/** The trash label of a stream, topic or partition directory. */
function labelOf(
  streamId: number,
  topicId?: number,
  partitionId?: number,
): string {
  let label = `stream-${streamId}`;
  if (topicId !== undefined) label += `.topic-${topicId}`;
  if (partitionId !== undefined) label += `.partition-${partitionId}`;
  return label;
}

async function undo(created: Created): Promise<void> {
  for (const partition of created.partitions.values()) {
    await partition.log.close();
  }
  for (const dir of created.dirs.reverse()) {
    await remove(dir, { recursive: true });
  }
}

/** Opens partitions `from .. from + count - 1` of a topic (directories first, through the fault layer). */
async function openPartitions(
  system: DiskEffectsHost,
  ids: { streamId: number; topicId: number; from: number; count: number },
  createdAt: bigint,
  created: Created,
): Promise<void> {
  const root = system.options.dataDir;
  for (let p = ids.from; p < ids.from + ids.count; p++) {
    await createDir(
      system,
      partitionDir(root, ids.streamId, ids.topicId, p),
      labelOf(ids.streamId, ids.topicId, p),
      created,
    );
    created.partitions.set(
      partitionKey(ids, p),
      await system.openPartition(ids.streamId, ids.topicId, p, createdAt),
    );
  }
}

/** CreateStream: the stream's `topics` directory. */
async function prepareCreateStream(
  system: DiskEffectsHost,
  entry: Extract<MetadataEntry, { type: "CreateStream" }>,
  created: Created,
): Promise<void> {
  const dir = streamDir(system.options.dataDir, entry.id);
  await createDir(system, dir, labelOf(entry.id), created);
  await mkdir(`${dir}/topics`);
}

/** CreateTopic: the topic directory and its opened partitions. */
async function prepareCreateTopic(
  system: DiskEffectsHost,
  entry: Extract<MetadataEntry, { type: "CreateTopic" }>,
  created: Created,
): Promise<void> {
  await createDir(
    system,
    topicDir(system.options.dataDir, entry.streamId, entry.id),
    labelOf(entry.streamId, entry.id),
    created,
  );
  await openPartitions(
    system,
    {
      streamId: entry.streamId,
      topicId: entry.id,
      from: 0,
      count: entry.partitionsCount,
    },
    entry.createdAt,
    created,
  );
}

/** CreatePartitions: the new partitions, opened. */
async function prepareCreatePartitions(
  system: DiskEffectsHost,
  entry: Extract<MetadataEntry, { type: "CreatePartitions" }>,
  created: Created,
): Promise<void> {
  const topic = system.streams.get(entry.streamId)?.topics.get(entry.topicId);
  await openPartitions(
    system,
    {
      streamId: entry.streamId,
      topicId: entry.topicId,
      from: topic?.partitions.length ?? 0,
      count: entry.count,
    },
    entry.createdAt,
    created,
  );
}

/** CreateConsumerGroup: offsets a deleted group of the same id may have left are removed first. */
async function prepareCreateConsumerGroup(
  system: DiskEffectsHost,
  entry: Extract<MetadataEntry, { type: "CreateConsumerGroup" }>,
): Promise<void> {
  const topic = system.streams.get(entry.streamId)?.topics.get(entry.topicId);
  for (const partition of topic?.partitions ?? []) {
    await partition.deleteOffset({ kind: "groups", key: entry.id });
  }
}

function prepareStep(
  system: DiskEffectsHost,
  entry: MetadataEntry,
  created: Created,
): Promise<void> {
  switch (entry.type) {
    case "CreateStream":
      return prepareCreateStream(system, entry, created);
    case "CreateTopic":
      return prepareCreateTopic(system, entry, created);
    case "CreatePartitions":
      return prepareCreatePartitions(system, entry, created);
    case "CreateConsumerGroup":
      return prepareCreateConsumerGroup(system, entry);
    default:
      return Promise.resolve();
  }
}

/**
 * Prepares the disk for `entry` before it is appended.
 * @throws what a file operation threw, with everything it created removed again
 */
export async function prepareEffects(
  system: DiskEffectsHost,
  entry: MetadataEntry,
): Promise<PreparedEffects> {
  const created: Created = { dirs: [], partitions: new Map() };
  try {
    await prepareStep(system, entry, created);
  } catch (err) {
    await undo(created).catch(() => {});
    throw err;
  }
  return { partitions: created.partitions, undo: () => undo(created) };
}

async function closeAll(removed: RemovedPartitions): Promise<void> {
  for (const partition of removed) await partition.log.close();
}

/**
 * Purges `partitions` with one rename: once every one of their logs has stopped and closed its
 * files, `dir` (the topic's `partitions` directory, or the stream's `topics` directory) goes
 * into the trash, offset files included, and each log starts again empty. That rename is the
 * only step that can fail, and a failure leaves everything as it was; a crash leaves all the
 * messages or none (a directory missing at start is recreated empty).
 * @param recreate directories to make again after the rename (topics without partitions)
 */
async function purge(
  system: DiskEffectsHost,
  partitions: Partition[],
  taken: { dir: string; label: string; recreate?: string[] },
): Promise<void> {
  if (partitions.length === 0) return;
  const renamed = Promise.withResolvers<void>();
  renamed.promise.catch(() => {}); // a partition that failed early no longer waits for it
  const stopped = partitions.map(() => Promise.withResolvers<void>());
  const purges = partitions.map((partition, i) =>
    partition.purge(() => {
      stopped[i]!.resolve();
      return renamed.promise;
    })
  );
  // A partition that fails before it stops (a closed log) must not keep the others waiting.
  purges.forEach((p, i) => p.catch((err) => stopped[i]!.reject(err)));
  try {
    await Promise.all(stopped.map((s) => s.promise));
    await system.trash.moveToTrash(taken.dir, taken.label);
  } catch (err) {
    renamed.reject(err);
    await Promise.allSettled(purges);
    throw err;
  }
  for (const dir of taken.recreate ?? []) {
    await Deno.mkdir(dir, { recursive: true }).catch((err) =>
      system.logger.warn("Cannot recreate a purged directory", {
        path: dir,
        error: String(err),
      })
    );
  }
  renamed.resolve();
  await Promise.all(purges);
}

/** The topic's partitions, or none when it is gone. */
function partitionsOf(
  system: DiskEffectsHost,
  streamId: number,
  topicId: number,
): Partition[] {
  return system.streams.get(streamId)?.topics.get(topicId)?.partitions ?? [];
}

/**
 * Carries out what `entry` leaves to do on disk once it is applied.
 * @param system the system the entry was applied to
 * @param entry the applied entry
 * @param options `removed`: the partitions the change took out of memory
 * @throws what a purge or segment delete threw (removals of deleted entities only warn)
 */
export async function finishEffects(
  system: DiskEffectsHost,
  entry: MetadataEntry,
  options: { removed: RemovedPartitions },
): Promise<void> {
  const { removed } = options;
  const root = system.options.dataDir;
  switch (entry.type) {
    // One rename each out of the live tree (a failure only warns; the start-up reconcile moves
    // what is left); the files are reclaimed in the background.
    case "DeleteStream":
      await closeAll(removed);
      await system.trash.discard(streamDir(root, entry.id), labelOf(entry.id));
      return;
    case "DeleteTopic":
      await closeAll(removed);
      await system.trash.discard(
        topicDir(root, entry.streamId, entry.id),
        labelOf(entry.streamId, entry.id),
      );
      return;
    case "DeletePartitions":
      await closeAll(removed);
      for (const partition of removed) {
        await system.trash.discard(
          partition.dir,
          labelOf(entry.streamId, entry.topicId, partition.id),
        );
      }
      return;
    case "DeleteConsumerGroup":
      for (const p of partitionsOf(system, entry.streamId, entry.topicId)) {
        await p.deleteOffset({ kind: "groups", key: entry.id }).catch(
          (err) =>
            system.logger.warn("Cannot remove the offset of a deleted group", {
              path: p.dir,
              error: String(err),
            }),
        );
      }
      return;
    case "PurgeStream": {
      const topics = [...system.streams.get(entry.id)?.topics.values() ?? []];
      await purge(system, topics.flatMap((t) => t.partitions), {
        dir: join(streamDir(root, entry.id), "topics"),
        label: `${labelOf(entry.id)}.purged`,
        recreate: topics.map((t) =>
          join(topicDir(root, entry.id, t.id), "partitions")
        ),
      });
      return;
    }
    case "PurgeTopic":
      await purge(system, partitionsOf(system, entry.streamId, entry.id), {
        dir: join(topicDir(root, entry.streamId, entry.id), "partitions"),
        label: `${labelOf(entry.streamId, entry.id)}.purged`,
      });
      return;
    case "DeleteSegments": {
      // In a cluster only the partition's leader deletes: a replica's copy drops what its
      // leader dropped with its next fetch (server/cluster/README.md, "Retention").
      const { streamId, topicId, partitionId } = entry;
      if (system.cluster?.leaderElsewhere(streamId, topicId, partitionId)) {
        return;
      }
      const partition = partitionsOf(system, streamId, topicId)[partitionId];
      await partition?.log.deleteOldestSegments(
        entry.count,
        partition.lowestStoredOffset(),
      );
      return;
    }
    default:
      await closeAll(removed);
  }
}
