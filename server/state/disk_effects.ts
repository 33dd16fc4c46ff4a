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

/** Key of a partition in {@linkcode PreparedEffects.partitions}. */
export function partitionKey(
  streamId: number,
  topicId: number,
  partitionId: number,
): string {
  return `${streamId}/${topicId}/${partitionId}`;
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

const NOTHING: PreparedEffects = {
  partitions: new Map(),
  undo: () => Promise.resolve(),
};

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}

/** Creates `dir` and remembers to remove it on undo unless it was already there. */
async function createDir(dir: string, created: string[]): Promise<void> {
  if (!await exists(dir)) created.push(dir);
  await mkdir(dir);
}

async function undoCreated(
  partitions: Iterable<Partition>,
  created: string[],
): Promise<void> {
  for (const partition of partitions) await partition.log.close();
  for (const dir of created.reverse()) await remove(dir, { recursive: true });
}

/** Opens partitions `from .. from + count - 1` of a topic (directories first, through the fault layer). */
async function openPartitions(
  system: System,
  ids: { streamId: number; topicId: number; from: number; count: number },
  createdAt: bigint,
  created: string[],
): Promise<Map<string, Partition>> {
  const root = system.options.dataDir;
  const opened = new Map<string, Partition>();
  try {
    for (let p = ids.from; p < ids.from + ids.count; p++) {
      await createDir(
        partitionDir(root, ids.streamId, ids.topicId, p),
        created,
      );
      opened.set(
        partitionKey(ids.streamId, ids.topicId, p),
        await system.openPartition(ids.streamId, ids.topicId, p, createdAt),
      );
    }
  } catch (err) {
    await undoCreated(opened.values(), created).catch(() => {});
    throw err;
  }
  return opened;
}

/** CreateStream: the stream's `topics` directory. */
async function prepareCreateStream(
  system: System,
  entry: Extract<MetadataEntry, { type: "CreateStream" }>,
): Promise<PreparedEffects> {
  const created: string[] = [];
  const dir = streamDir(system.options.dataDir, entry.id);
  await createDir(dir, created);
  await mkdir(`${dir}/topics`);
  return { partitions: new Map(), undo: () => undoCreated([], created) };
}

/** CreateTopic: the topic directory and its opened partitions. */
async function prepareCreateTopic(
  system: System,
  entry: Extract<MetadataEntry, { type: "CreateTopic" }>,
): Promise<PreparedEffects> {
  const created: string[] = [];
  await createDir(
    topicDir(system.options.dataDir, entry.streamId, entry.id),
    created,
  );
  const partitions = await openPartitions(
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
  return {
    partitions,
    undo: () => undoCreated(partitions.values(), created),
  };
}

/** CreatePartitions: the new partitions, opened. */
async function prepareCreatePartitions(
  system: System,
  entry: Extract<MetadataEntry, { type: "CreatePartitions" }>,
): Promise<PreparedEffects> {
  const created: string[] = [];
  const topic = system.streams.get(entry.streamId)?.topics.get(entry.topicId);
  const partitions = await openPartitions(
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
  return {
    partitions,
    undo: () => undoCreated(partitions.values(), created),
  };
}

/** CreateConsumerGroup: offsets a deleted group of the same id may have left are removed first. */
async function prepareCreateConsumerGroup(
  system: System,
  entry: Extract<MetadataEntry, { type: "CreateConsumerGroup" }>,
): Promise<PreparedEffects> {
  const topic = system.streams.get(entry.streamId)?.topics.get(entry.topicId);
  for (const partition of topic?.partitions ?? []) {
    await partition.deleteOffset({ kind: "groups", key: entry.id });
  }
  return NOTHING;
}

/**
 * Prepares the disk for `entry` before it is appended.
 * @throws what a file operation threw, with everything it created removed again
 */
export function prepareEffects(
  system: System,
  entry: MetadataEntry,
): Promise<PreparedEffects> {
  switch (entry.type) {
    case "CreateStream":
      return prepareCreateStream(system, entry);
    case "CreateTopic":
      return prepareCreateTopic(system, entry);
    case "CreatePartitions":
      return prepareCreatePartitions(system, entry);
    case "CreateConsumerGroup":
      return prepareCreateConsumerGroup(system, entry);
    default:
      return Promise.resolve(NOTHING);
  }
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
 * @param removed the partitions the change took out of memory
 * @throws what a purge or segment delete threw (removals of deleted entities only warn)
 */
export async function finishEffects(
  system: System,
  entry: MetadataEntry,
  removed: RemovedPartitions,
): Promise<void> {
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
      for (const topic of stream?.topics.values() ?? []) {
        for (const partition of topic.partitions) await partition.purge();
      }
      return;
    }
    case "PurgeTopic":
      for (const p of partitionsOf(system, entry.streamId, entry.id)) {
        await p.purge();
      }
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
