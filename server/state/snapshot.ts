/**
 * The metadata snapshot file (`state/metadata.json`): the whole model as JSON with the index of
 * the last log entry it contains, replaced atomically (temp file, fsync, rename). The file that
 * servers before the metadata log rewrote on every change has the same shape (version 1, no
 * index) and opens as the snapshot before entry 1.
 * @module
 */

import { ErrorCode, IggyError } from "../../client/protocol/errors.ts";
import { writeFileAtomic } from "../storage/atomic_file.ts";
import { parseState, stringifyState } from "./json.ts";
import {
  type MetadataModel,
  modelFromSnapshot,
  type SnapshotJson,
  snapshotOf,
} from "./model.ts";

/** A loaded snapshot. */
export interface Snapshot {
  model: MetadataModel;
  /** Index of the last log entry it contains (0 = none). */
  lastIndex: number;
}

/**
 * Reads the snapshot at `path`; `undefined` when there is none.
 * @throws {IggyError} 15 `StateFileCorrupted`, naming the file, when it cannot be read as one
 */
export async function readSnapshot(
  path: string,
): Promise<Snapshot | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw err;
  }
  try {
    const json = parseState<SnapshotJson>(text);
    const model = modelFromSnapshot(json);
    return { model, lastIndex: json.lastIndex ?? 0 };
  } catch (err) {
    throw new IggyError(
      ErrorCode.StateFileCorrupted,
      `metadata snapshot "${path}" cannot be read (${
        (err as Error).message
      }); refusing to start. Restore the file from a backup`,
      { cause: err },
    );
  }
}

/**
 * Replaces the snapshot at `path` with `model` as of entry `lastIndex`, always fsynced: the log
 * entries it contains are dropped after it.
 */
export function writeSnapshot(path: string, snapshot: Snapshot): Promise<void> {
  const text = stringifyState(snapshotOf(snapshot.model, snapshot.lastIndex));
  return writeFileAtomic(path, new TextEncoder().encode(text), { fsync: true });
}
