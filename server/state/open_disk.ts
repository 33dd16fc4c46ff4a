/**
 * At open, the data directory follows the metadata once the log is replayed: the trash is
 * opened (what an earlier run left there is reclaimed in the background), directories no entry
 * names go to the trash, missing ones come back empty (`storage/reconcile.ts`), and stored
 * offsets of groups no entry names are removed. A data directory that holds streams but no
 * metadata at all is refused instead: the reconcile would throw every stream away.
 * @module
 */

import { ErrorCode, IggyError } from "../../client/protocol/errors.ts";
import type { Logger } from "../logger.ts";
import type { Stream } from "../domain/stream.ts";
import { type ExpectedLayout, reconcileDataDir } from "../storage/reconcile.ts";
import { Trash } from "../storage/trash.ts";
import type { MetadataStore } from "./metadata_store.ts";
import type { MetadataModel } from "./model.ts";

/** The directories the metadata names, for {@linkcode reconcileDataDir}. */
function layoutOf(model: MetadataModel): ExpectedLayout {
  const layout = new Map<number, Map<number, number[]>>();
  for (const stream of model.streams.values()) {
    const topics = new Map<number, number[]>();
    for (const topic of stream.topics.values()) {
      topics.set(topic.id, topic.partitions.map((p) => p.id));
    }
    layout.set(stream.id, topics);
  }
  return layout;
}

/** How many entries `dir` holds (0 when it does not exist). */
async function countEntries(dir: string): Promise<number> {
  try {
    return (await Array.fromAsync(Deno.readDir(dir))).length;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return 0;
    throw err;
  }
}

/**
 * Refuses to start when the metadata is missing but `<root>/streams` is not empty (the state
 * directory lost or wiped, or the wrong one configured).
 * @throws {IggyError} 14 `StateFileNotFound`, naming the metadata file and the data directory
 */
async function refuseStreamsWithoutMetadata(
  root: string,
  stateDir: string,
): Promise<void> {
  const streams = await countEntries(`${root}/streams`);
  if (streams === 0) return;
  throw new IggyError(
    ErrorCode.StateFileNotFound,
    `no metadata ("${stateDir}/metadata.json" and "${stateDir}/metadata.log" are missing or ` +
      `empty) but the data directory "${root}" holds ${streams} stream ` +
      `director${
        streams === 1 ? "y" : "ies"
      }; refusing to start rather than move ` +
      `${
        streams === 1 ? "it" : "them"
      } to the trash. Restore the metadata files, or start ` +
      `with --fresh to begin empty (it deletes the data directory)`,
  );
}

/**
 * Makes the data directory `root` match the metadata `store` holds (call after
 * `MetadataStore.open`, before any partition is opened).
 * @returns the trash of `root`, reclaiming in the background
 * @throws {IggyError} 14 `StateFileNotFound` when `store` found no metadata but `root` holds streams
 */
export async function reconcileAtOpen(
  root: string,
  store: MetadataStore,
  options: { stateDir: string; fsync: boolean; logger: Logger },
): Promise<Trash> {
  const { logger } = options;
  if (!store.found) await refuseStreamsWithoutMetadata(root, options.stateDir);
  const trash = await Trash.open(root, { logger, fsync: options.fsync });
  await reconcileDataDir(root, layoutOf(store.model), { trash, logger });
  return trash;
}

/**
 * Removes stored offsets of groups the metadata no longer names (a DeleteConsumerGroup whose
 * removal a crash or a failure cut short), so a group created later at that id starts without
 * them. Failures warn; the create of a group at that id removes them again.
 */
export async function dropOrphanGroupOffsets(
  streams: Iterable<Stream>,
  logger: Logger,
): Promise<void> {
  for (const stream of streams) {
    for (const topic of stream.topics.values()) {
      for (const partition of topic.partitions) {
        for (const key of [...partition.groupOffsets.keys()]) {
          if (topic.groups.has(key)) continue;
          const fields = {
            topic: topic.id,
            partition: partition.id,
            group: key,
          };
          try {
            await partition.deleteOffset({ kind: "groups", key });
            logger.warn(
              "Stored offset of a deleted consumer group removed",
              fields,
            );
          } catch (err) {
            logger.warn("Cannot remove the stored offset of a deleted group", {
              ...fields,
              error: String(err),
            });
          }
        }
      }
    }
  }
}
