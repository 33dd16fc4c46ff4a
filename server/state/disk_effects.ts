/**
 * What a metadata change does to directories and partition files, in one place per entry kind.
 *
 * - `prepare*` runs after validation and before the entry is appended: it creates what the new
 *   entities need (directories, opened partitions), idempotently. When the append then fails,
 *   `undo` removes what it created, so a failed change leaves nothing behind.
 * - `finish*` runs after the entry is applied: it closes and removes what deleted entities left,
 *   and performs purges and segment deletes. A failed removal is reported (WARN) and does not
 *   fail the change, which is already durable; a failed purge or segment delete fails the command.
 * @module
 */

import type { Partition } from "../domain/partition.ts";
import type { System } from "../domain/system.ts";
import { mkdir, remove } from "../storage/fault.ts";
import { partitionDir, streamDir, topicDir } from "../storage/paths.ts";
import type { MetadataEntry } from "./entries.ts";

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
 * already there was left by a deleted entity of the same id (ids are reused) and is removed
 * first: a new entity never adopts old data.
 */
async function createDir(dir: string, created: Created): Promise<void> {
  await remove(dir, { recursive: true });
  created.dirs.push(dir);
  await mkdir(dir);
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
  system: System,
  ids: { streamId: number; topicId: number; from: number; count: number },
  createdAt: bigint,
  created: Created,
): Promise<void> {
  const root = system.options.dataDir;
  for (let p = ids.from; p < ids.from + ids.count; p++) {
    await createDir(partitionDir(root, ids.streamId, ids.topicId, p), created);
    created.partitions.set(
      partitionKey(ids, p),
      await system.openPartition(ids.streamId, ids.topicId, p, createdAt),
    );
  }
}

/** CreateStream: the stream's `topics` directory. */
async function prepareCreateStream(
  system: System,
  entry: Extract<MetadataEntry, { type: "CreateStream" }>,
  created: Created,
): Promise<void> {
  const dir = streamDir(system.options.dataDir, entry.id);
  await createDir(dir, created);
  await mkdir(`${dir}/topics`);
}

/** CreateTopic: the topic directory and its opened partitions. */
async function prepareCreateTopic(
  system: System,
  entry: Extract<MetadataEntry, { type: "CreateTopic" }>,
  created: Created,
): Promise<void> {
  await createDir(
    topicDir(system.options.dataDir, entry.streamId, entry.id),
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
  system: System,
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
  system: System,
  entry: Extract<MetadataEntry, { type: "CreateConsumerGroup" }>,
): Promise<void> {
  const topic = system.streams.get(entry.streamId)?.topics.get(entry.topicId);
  for (const partition of topic?.partitions ?? []) {
    await partition.deleteOffset({ kind: "groups", key: entry.id });
  }
}

function prepareStep(
  system: System,
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
  system: System,
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

/** Removes `path`, reporting (not throwing) a failure: the entity is already gone from metadata. */
async function removeLeftover(system: System, path: string): Promise<void> {
  try {
    await remove(path, { recursive: true });
  } catch (err) {
    system.logger.warn("Cannot remove the files of a deleted entity", {
      path,
      error: err instanceof Error ? err.message : String(err),
    });
  }
}

async function closeAll(removed: RemovedPartitions): Promise<void> {
  for (const partition of removed) await partition.log.close();
}

/**
 * Purges partitions: first the stored-offset files of all of them (the step that fails on a bad
 * disk; on failure the files are written back from memory, which still has them), then the
 * messages and the offsets in memory.
 */
async function purge(partitions: Partition[]): Promise<void> {
  const touched: Partition[] = [];
  try {
    for (const partition of partitions) {
      touched.push(partition);
      await partition.removeOffsetFiles();
    }
  } catch (err) {
    for (const partition of touched) {
      await partition.rewriteOffsets().catch(() => {});
    }
    throw err;
  }
  for (const partition of partitions) await partition.purgeMessages();
}

/** The topic's partitions, or none when it is gone. */
function partitionsOf(
  system: System,
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
  system: System,
  entry: MetadataEntry,
  options: { removed: RemovedPartitions },
): Promise<void> {
  const { removed } = options;
  const root = system.options.dataDir;
  switch (entry.type) {
    case "DeleteStream":
      await closeAll(removed);
      await removeLeftover(system, streamDir(root, entry.id));
      return;
    case "DeleteTopic":
      await closeAll(removed);
      await removeLeftover(system, topicDir(root, entry.streamId, entry.id));
      return;
    case "DeletePartitions":
      await closeAll(removed);
      for (const partition of removed) {
        await removeLeftover(system, partition.dir);
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
      const stream = system.streams.get(entry.id);
      await purge(
        [...stream?.topics.values() ?? []].flatMap((t) => t.partitions),
      );
      return;
    }
    case "PurgeTopic":
      await purge(partitionsOf(system, entry.streamId, entry.id));
      return;
    case "DeleteSegments": {
      const partition =
        partitionsOf(system, entry.streamId, entry.topicId)[entry.partitionId];
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
