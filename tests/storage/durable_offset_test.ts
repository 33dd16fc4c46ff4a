/**
 * `PartitionLog.durableOffset` and `syncAppended`: what a replicated partition's leader counts
 * toward an acknowledgement with `cluster.replication.fsync` (issue 17). The offset moves only
 * when an fsync covering the messages completes; callers meanwhile share one fsync; truncation
 * and purge bring it back.
 */
import assert from "node:assert/strict";
import { PartitionLog } from "../../server/storage/partition_log.ts";
import { initHashing } from "../../server/storage/stamp.ts";
import { buildSection } from "./_frames.ts";
import { withTempDir } from "../_temp_dir.ts";

await initHashing();

const TS = 1_700_000_000_000_000n;

async function openLog(
  root: string,
  enforceFsync = false,
): Promise<PartitionLog> {
  return await PartitionLog.open(root, { segmentSize: 4096, enforceFsync });
}

async function appendFour(log: PartitionLog): Promise<void> {
  await log.append(buildSection(4), 4, TS);
}

Deno.test("durableOffset: starts at what a load finds, moves only with an fsync", () =>
  withTempDir(async (root) => {
    let log = await openLog(root);
    assert.equal(log.durableOffset, 0n);
    await appendFour(log);
    assert.equal(log.nextOffset, 4n);
    assert.equal(log.durableOffset, 0n, "written, not fsynced");
    await log.syncAppended();
    assert.equal(log.durableOffset, 4n);
    await log.syncAppended(); // nothing new: at once
    await log.close();
    log = await openLog(root);
    assert.equal(log.durableOffset, 4n, "a load counts what it finds");
    await log.close();
  }));

Deno.test("syncAppended: concurrent callers share fsyncs; each sees its own messages durable", () =>
  withTempDir(async (root) => {
    const log = await openLog(root);
    const waits: Promise<void>[] = [];
    const targets: bigint[] = [];
    for (let i = 0; i < 20; i++) {
      await appendFour(log);
      targets.push(log.nextOffset);
      waits.push(
        log.syncAppended().then(() => {
          assert.ok(log.durableOffset >= targets[i]!);
        }),
      );
    }
    await Promise.all(waits);
    // Segments of 4 KiB: the 80 messages rolled several times; sealed ones count as synced.
    assert.ok(log.segments.length > 1);
    assert.equal(log.durableOffset, 80n);
    await log.close();
  }));

Deno.test("durableOffset: enforce_fsync appends, replica appends with fsync, truncation and purge", async () => {
  const root = await Deno.makeTempDir();
  const copyRoot = await Deno.makeTempDir();
  try {
    const log = await openLog(root, true);
    await appendFour(log);
    assert.equal(log.durableOffset, 4n, "enforce_fsync: durable at once");
    const chunk = await log.readForReplica(0n, {
      maxMessages: 100,
      maxBytes: 1 << 20,
    });
    const copy = await openLog(copyRoot);
    await copy.appendReplica(chunk, false);
    assert.equal(copy.durableOffset, 0n);
    await copy.truncateFrom(0n);
    await copy.appendReplica(chunk, true);
    assert.equal(copy.durableOffset, 4n);
    await copy.truncateFrom(2n);
    assert.equal(copy.durableOffset, 2n, "never past the log end");
    await copy.close();

    await appendFour(log);
    const log2 = await openLog(`${root}-b`);
    await appendFour(log2);
    const pending = log2.syncAppended();
    await log2.purge();
    await pending.then(
      () => assert.equal(log2.durableOffset, 0n),
      (err) => assert.match(String(err), /purged/),
    );
    assert.equal(log2.durableOffset, 0n);
    await log2.close();
    await Deno.remove(`${root}-b`, { recursive: true });
    await log.close();
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(copyRoot, { recursive: true });
  }
});
