/**
 * A replica's copy of a partition log (Cluster II): frames read with `readForReplica` and appended
 * with `appendReplica` give the same files byte for byte, segments sealed at the same offsets;
 * `truncateFrom` cuts a copy back (across segments) and it follows again from there.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { PartitionLog } from "../../server/storage/partition_log.ts";
import { initHashing } from "../../server/storage/stamp.ts";
import { buildSection, parseFrames } from "./_frames.ts";

await initHashing();

const TS = 1_700_000_000_000_000n;
const OPTIONS = { segmentSize: 4096, enforceFsync: false };

async function append(log: PartitionLog, batch: number, size: number) {
  const section = buildSection(size, {
    payload: (i) => new TextEncoder().encode(`b${batch}-m${i}`.padEnd(60, ".")),
  });
  await log.append(section, size, TS + BigInt(batch));
}

/** Copies what `leader` has beyond `follower`'s end, in small fetches. */
async function catchUp(leader: PartitionLog, follower: PartitionLog) {
  for (;;) {
    const chunk = await leader.readForReplica(follower.nextOffset, {
      maxMessages: 7,
      maxBytes: 1500,
    });
    await follower.appendReplica(chunk, true);
    if (chunk.count === 0) return;
  }
}

async function files(dir: string): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  for await (const entry of Deno.readDir(dir)) {
    if (entry.name.endsWith(".log") || entry.name.endsWith(".index")) {
      out.set(entry.name, await Deno.readFile(join(dir, entry.name)));
    }
  }
  return out;
}

Deno.test("a replica's copy is the leader's log byte for byte, cut back and followed again", async () => {
  const root = await Deno.makeTempDir();
  const leader = await PartitionLog.open(join(root, "leader"), OPTIONS);
  let follower = await PartitionLog.open(join(root, "follower"), OPTIONS);
  try {
    for (let b = 0; b < 12; b++) await append(leader, b, 9);
    assert.ok(leader.segmentsCount > 3, "several sealed segments");
    await catchUp(leader, follower);
    assert.equal(follower.nextOffset, leader.nextOffset);
    const copies = [await files(leader.dir), await files(follower.dir)];
    assert.deepEqual(
      [...copies[1]!.keys()].sort(),
      [...copies[0]!.keys()].sort(),
    );
    for (const [name, bytes] of copies[0]!) {
      assert.deepEqual(copies[1]!.get(name), bytes, name);
    }
    const read = await follower.read(0n, 1000);
    assert.deepEqual(
      parseFrames(read.chunks).map((f) => f.offset),
      Array.from({ length: 108 }, (_, i) => BigInt(i)),
    );

    // Cut back into an earlier segment, reopen (as after a restart), follow again.
    await follower.truncateFrom(20n);
    assert.equal(follower.nextOffset, 20n);
    await follower.close();
    follower = await PartitionLog.open(join(root, "follower"), OPTIONS);
    assert.equal(follower.nextOffset, 20n);
    for (let b = 12; b < 15; b++) await append(leader, b, 9);
    await catchUp(leader, follower);
    const again = [await files(leader.dir), await files(follower.dir)];
    for (const [name, bytes] of again[0]!) {
      assert.deepEqual(again[1]!.get(name), bytes, name);
    }

    // Frames that do not continue the log are refused.
    const stale = await leader.readForReplica(0n, {
      maxMessages: 1,
      maxBytes: 1,
    });
    await assert.rejects(follower.appendReplica(stale, false), RangeError);
  } finally {
    await leader.close();
    await follower.close();
    await Deno.remove(root, { recursive: true });
  }
});

/**
 * A follower's step on one answer, as `server/cluster/replication.ts` takes it: start again at
 * the leader's first offset when the log ends below it, append, drop what lies below it.
 */
async function followOnce(leader: PartitionLog, follower: PartitionLog) {
  const read = await leader.readForReplica(follower.nextOffset, {
    maxMessages: 7,
    maxBytes: 1500,
  });
  if (read.logStart > follower.nextOffset) {
    await follower.restartAt(read.logStart);
  }
  await follower.appendReplica(read, true);
  if (read.logStart > follower.firstOffset) {
    await follower.deleteOldestSegmentsWhile((s) =>
      s.endOffset < read.logStart
    );
  }
  return read.count;
}

async function assertSameFiles(leader: PartitionLog, follower: PartitionLog) {
  const [ours, theirs] = [await files(leader.dir), await files(follower.dir)];
  assert.deepEqual([...theirs.keys()].sort(), [...ours.keys()].sort());
  for (const [name, bytes] of ours) {
    assert.deepEqual(theirs.get(name), bytes, name);
  }
}

Deno.test("a replica behind the leader's deleted segments starts again at its first offset; caught-up copies drop them too", async () => {
  const root = await Deno.makeTempDir();
  const leader = await PartitionLog.open(join(root, "leader"), OPTIONS);
  const logs = [leader];
  const open = async (name: string) => {
    const log = await PartitionLog.open(join(root, name), OPTIONS);
    logs.push(log);
    return log;
  };
  try {
    for (let b = 0; b < 12; b++) await append(leader, b, 9);
    const caughtUp = await open("caught-up");
    const behind = await open("behind");
    const empty = await open("empty");
    while (await followOnce(leader, caughtUp) > 0) { /* copy it all */ }
    for (let i = 0; i < 2; i++) await followOnce(leader, behind);
    assert.ok(behind.nextOffset > 0n && behind.nextOffset < 30n);

    // The leader's retention deletes its oldest segments, past where `behind` ends.
    const deleted = await leader.deleteOldestSegmentsWhile((s) =>
      s.endOffset < 80n
    );
    assert.ok(deleted >= 2, `${deleted} segments deleted`);
    const start = leader.firstOffset;
    assert.ok(start > behind.nextOffset);

    for (const follower of [caughtUp, behind, empty]) {
      while (await followOnce(leader, follower) > 0) { /* catch up */ }
      assert.equal(follower.firstOffset, start);
      assert.equal(follower.nextOffset, leader.nextOffset);
      await assertSameFiles(leader, follower);
      const read = await follower.read(0n, 1000);
      assert.deepEqual(
        parseFrames(read.chunks).map((f) => f.offset),
        Array.from(
          { length: Number(leader.nextOffset - start) },
          (_, i) => start + BigInt(i),
        ),
      );
    }
    // Nothing below the restart point is left to fsync.
    const fresh = await open("fresh");
    await fresh.restartAt(50n);
    assert.equal(fresh.firstOffset, 50n);
    assert.equal(fresh.durableOffset, 50n);
    // A restart point at or below the log end is refused.
    await assert.rejects(empty.restartAt(empty.nextOffset), RangeError);

    // The restarted copy reopens as it was (as after a crash), and follows new segments.
    await behind.close();
    logs.splice(logs.indexOf(behind), 1);
    const reopened = await open("behind");
    assert.equal(reopened.firstOffset, start);
    for (let b = 12; b < 16; b++) await append(leader, b, 9);
    while (await followOnce(leader, reopened) > 0) { /* catch up */ }
    await assertSameFiles(leader, reopened);

    // Every sealed segment deleted and the active one empty: a copy from nothing ends there too.
    // (A batch that seals a segment leaves the new active one empty.)
    await append(leader, 99, 9);
    while (leader.nextOffset !== leader.segments.at(-1)!.startOffset) {
      await append(leader, 99, 9);
    }
    await leader.deleteOldestSegmentsWhile(() => true);
    assert.equal(leader.segmentsCount, 1);
    assert.equal(leader.firstOffset, leader.nextOffset);
    const late = await open("late");
    await followOnce(leader, late);
    assert.equal(late.firstOffset, leader.nextOffset);
    assert.equal(late.nextOffset, leader.nextOffset);
    await assertSameFiles(leader, late);
  } finally {
    for (const log of logs) await log.close();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("appendReplica() refuses a count its bytes cannot hold, before reserving index for it", async () => {
  const root = await Deno.makeTempDir();
  const leader = await PartitionLog.open(join(root, "leader"), OPTIONS);
  const follower = await PartitionLog.open(join(root, "follower"), OPTIONS);
  try {
    await append(leader, 0, 3);
    const chunk = await leader.readForReplica(0n, {
      maxMessages: 3,
      maxBytes: 4096,
    });
    for (const count of [6, 0xffff_ffff]) { // 3 frames of 124 bytes: 5 headers at most
      await assert.rejects(
        follower.appendReplica({ ...chunk, count }, false),
        /cannot hold/,
      );
    }
    assert.equal(follower.nextOffset, 0n);
    await follower.appendReplica(chunk, false);
    assert.equal(follower.nextOffset, 3n);
  } finally {
    await leader.close();
    await follower.close();
    await Deno.remove(root, { recursive: true });
  }
});
