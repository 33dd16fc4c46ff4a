/**
 * An append fsyncs only the `.log`: after a crash the `.index` may miss entries of frames the
 * `.log` holds. Loading indexes those frames again (whole, in sequence, checksum intact) instead
 * of cutting them off, and still cuts what is not a valid frame.
 */
import assert from "node:assert/strict";
import { PartitionLog } from "../../server/storage/partition_log.ts";
import { indexPath, logPath } from "../../server/storage/paths.ts";
import { initHashing } from "../../server/storage/stamp.ts";
import { buildSection, parseFrames, text } from "./_frames.ts";
import { withTempDir } from "../_temp_dir.ts";

await initHashing();

const TS = 1_700_000_000_000_000n;
const FRAME = 104; // 64-byte header + 40-byte payload
const ENTRY = 16;

async function writtenLog(root: string): Promise<Uint8Array[]> {
  const log = await PartitionLog.open(root, {
    segmentSize: 1 << 20,
    enforceFsync: true,
  });
  for (let b = 0; b < 3; b++) {
    const section = buildSection(4, {
      payload: (i) => new TextEncoder().encode(`b${b}-m${i}`.padEnd(40, ".")),
    });
    await log.append(section, 4, TS + BigInt(b));
  }
  const stored = (await log.read(0n, 100)).chunks;
  await log.close();
  return stored;
}

/** Opens the log at `root` again, collecting its recovery notices. */
async function reopen(
  root: string,
): Promise<{ again: PartitionLog; logs: string[] }> {
  const logs: string[] = [];
  const again = await PartitionLog.open(root, {
    segmentSize: 1 << 20,
    enforceFsync: false,
    logger: (m) => logs.push(m),
  });
  return { again, logs };
}

function payloads(chunks: Uint8Array[]): string[] {
  return parseFrames(chunks).map((f) => text(f.payload).replace(/\.+$/, ""));
}

Deno.test("PartitionLog.open() indexes whole frames the .index lost, instead of cutting them", () =>
  withTempDir(async (root) => {
    const stored = await writtenLog(root);
    const index = await Deno.readFile(indexPath(root, 0n));
    // The crash kept 5 of 12 index entries and a torn sixth.
    await Deno.truncate(indexPath(root, 0n), 5 * ENTRY + 3);
    const { again, logs } = await reopen(root);
    try {
      assert.equal(again.nextOffset, 12n);
      assert.ok(
        logs.some((m) => m.includes("added from the .log")),
        logs.join("\n"),
      );
      assert.deepEqual(await Deno.readFile(indexPath(root, 0n)), index);
      assert.equal((await Deno.stat(logPath(root, 0n))).size, 12 * FRAME);
      assert.deepEqual(
        payloads((await again.read(0n, 100)).chunks),
        payloads(stored),
      );
    } finally {
      await again.close();
    }
  }));

Deno.test("PartitionLog.open() cuts the .log at the first unindexed frame that is torn or corrupt", () =>
  withTempDir(async (root) => {
    await writtenLog(root);
    await Deno.truncate(indexPath(root, 0n), 5 * ENTRY);
    // Frame 8's payload is damaged: frames 5-7 come back, 8 and later are cut.
    const file = await Deno.open(logPath(root, 0n), { write: true });
    await file.seek(8 * FRAME + 70, Deno.SeekMode.Start);
    await file.write(Uint8Array.of(0x21));
    file.close();
    const { again, logs } = await reopen(root);
    try {
      assert.equal(again.nextOffset, 8n);
      assert.ok(logs.some((m) => m.includes("truncated")), logs.join("\n"));
      assert.equal((await Deno.stat(indexPath(root, 0n))).size, 8 * ENTRY);
      assert.equal((await Deno.stat(logPath(root, 0n))).size, 8 * FRAME);
      assert.deepEqual(payloads((await again.read(0n, 100)).chunks).slice(4), [
        "b1-m0",
        "b1-m1",
        "b1-m2",
        "b1-m3",
      ]);
    } finally {
      await again.close();
    }
  }));

Deno.test("PartitionLog.open() keeps a truncateFrom cut short after its first step (the .log cut)", () =>
  withTempDir(async (root) => {
    await writtenLog(root);
    // truncateFrom(5) cuts the .log first; the crash came before the .index was cut. The
    // index entries past the .log's end are dropped: the cut frames never come back.
    await Deno.truncate(logPath(root, 0n), 5 * FRAME);
    const { again } = await reopen(root);
    try {
      assert.equal(again.nextOffset, 5n);
      assert.equal((await Deno.stat(indexPath(root, 0n))).size, 5 * ENTRY);
      await again.truncateFrom(3n);
    } finally {
      await again.close();
    }
    const { again: third } = await reopen(root);
    try {
      assert.equal(third.nextOffset, 3n);
      assert.equal((await Deno.stat(logPath(root, 0n))).size, 3 * FRAME);
    } finally {
      await third.close();
    }
  }));
