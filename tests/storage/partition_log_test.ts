import assert from "node:assert/strict";
import { join } from "node:path";
import { createXXHash3 } from "hash-wasm";
import { PartitionLog } from "../../server/storage/partition_log.ts";
import { CacheBudget } from "../../server/storage/cache_budget.ts";
import type { PartitionLogOptions } from "../../server/storage/partition_log.ts";
import { indexPath, logPath } from "../../server/storage/paths.ts";
import { initHashing } from "../../server/storage/stamp.ts";
import { buildSection, parseFrames, text } from "./_frames.ts";

await initHashing();
const reference = await createXXHash3();

const TS = 1_700_000_000_000_000n;
const utf8 = new TextEncoder();

async function withLog(
  options: Partial<PartitionLogOptions>,
  fn: (log: PartitionLog, dir: string, logs: string[]) => Promise<void>,
): Promise<void> {
  const root = await Deno.makeTempDir();
  const dir = join(root, "partition");
  const logs: string[] = [];
  const log = await PartitionLog.open(dir, {
    segmentSize: 1 << 20,
    enforceFsync: false,
    logger: (m) => logs.push(m),
    ...options,
  });
  try {
    await fn(log, dir, logs);
  } finally {
    await log.close();
    await Deno.remove(root, { recursive: true });
  }
}

/** Appends `batches` batches of `size` messages named `b<batch>-m<i>`. */
async function appendBatches(
  log: PartitionLog,
  batches: number,
  size: number,
  firstBatch = 0,
): Promise<void> {
  for (let b = firstBatch; b < firstBatch + batches; b++) {
    const section = buildSection(size, {
      payload: (i) => new TextEncoder().encode(`b${b}-m${i}`.padEnd(40, ".")),
    });
    await log.append(section, size, TS + BigInt(b));
  }
}

function payloads(chunks: Uint8Array[]): string[] {
  return parseFrames(chunks).map((f) => text(f.payload).replace(/\.+$/, ""));
}

function expected(from: number, to: number, size: number): string[] {
  const out: string[] = [];
  for (let o = from; o < to; o++) {
    out.push(`b${Math.floor(o / size)}-m${o % size}`);
  }
  return out;
}

Deno.test("PartitionLog.open() creates the first empty segment", async () => {
  await withLog({}, async (log, dir) => {
    assert.equal(log.nextOffset, 0n);
    assert.equal(log.firstOffset, 0n);
    assert.equal(log.currentOffset, 0n);
    assert.equal(log.messagesCount, 0n);
    assert.equal(log.sizeBytes, 0n);
    assert.equal(log.segmentsCount, 1);
    assert.ok(log.isEmpty);
    assert.equal((await Deno.stat(logPath(dir, 0n))).size, 0);
    assert.equal((await Deno.stat(indexPath(dir, 0n))).size, 0);
    const read = await log.read(0n, 10);
    assert.equal(read.count, 0);
    assert.deepEqual(read.chunks, []);
  });
});

Deno.test("PartitionLog.append() stores stamped frames and the index", async () => {
  await withLog({ cacheBytes: 0 }, async (log, dir) => {
    await appendBatches(log, 2, 5);
    assert.equal(log.nextOffset, 10n);
    assert.equal(log.currentOffset, 9n);
    assert.equal(log.messagesCount, 10n);
    assert.ok(!log.isEmpty);
    const bytes = await Deno.readFile(logPath(dir, 0n));
    assert.equal(BigInt(bytes.length), log.sizeBytes);
    const frames = parseFrames([bytes]);
    assert.equal(frames.length, 10);
    const index = new DataView(
      (await Deno.readFile(indexPath(dir, 0n))).buffer,
    );
    let end = 0;
    frames.forEach((f, i) => {
      assert.equal(f.offset, BigInt(i));
      assert.equal(f.timestamp, TS + BigInt(Math.floor(i / 5)));
      assert.equal(
        f.checksum,
        BigInt("0x" + reference.init().update(f.covered).digest("hex")),
      );
      assert.equal(f.id[6]! >> 4, 4);
      end += 64 + f.payload.length;
      assert.equal(index.getUint32(i * 16, true), i);
      assert.equal(index.getUint32(i * 16 + 4, true), end);
      assert.equal(index.getBigUint64(i * 16 + 8, true), f.timestamp);
    });
    assert.equal(index.byteLength, 160);
  });
});

for (const cacheBytes of [0, 8 << 20, 3000]) {
  Deno.test(`PartitionLog.read() returns any range by offset (cacheBytes ${cacheBytes})`, async () => {
    await withLog({ cacheBytes }, async (log) => {
      await appendBatches(log, 10, 7);
      for (
        const [start, count] of [[0, 70], [0, 1], [3, 10], [13, 1], [69, 5], [
          20,
          33,
        ]]
      ) {
        const r = await log.read(BigInt(start!), count!);
        const n = Math.min(count!, 70 - start!);
        assert.equal(r.firstOffset, BigInt(start!));
        assert.equal(r.count, n);
        assert.equal(r.chunks.length, 1);
        assert.deepEqual(payloads(r.chunks), expected(start!, start! + n, 7));
        parseFrames(r.chunks).forEach((f, i) =>
          assert.equal(f.offset, BigInt(start! + i))
        );
      }
      const past = await log.read(70n, 10);
      assert.equal(past.count, 0);
      assert.deepEqual(past.chunks, []);
      assert.equal((await log.read(1000n, 10)).count, 0);
      assert.equal((await log.read(0n, 0)).count, 0);
    });
  });
}

Deno.test("PartitionLog.read() spans segments with one chunk per segment", async () => {
  // each batch: 4 × (64 + 40) = 416 bytes; segmentSize 1000 → roll after every 3rd batch
  await withLog({ segmentSize: 1000 }, async (log, dir) => {
    await appendBatches(log, 10, 4);
    assert.equal(log.nextOffset, 40n);
    assert.equal(log.segmentsCount, 4);
    const segs = log.segments;
    assert.deepEqual(segs.map((s) => s.startOffset), [0n, 12n, 24n, 36n]);
    assert.deepEqual(segs.map((s) => s.endOffset), [11n, 23n, 35n, 39n]);
    assert.equal(segs[0]!.sizeBytes, 1248);
    assert.equal(segs[1]!.lastTimestamp, TS + 5n);
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.deepEqual(names, [
      "00000000000000000000.index",
      "00000000000000000000.log",
      "00000000000000000012.index",
      "00000000000000000012.log",
      "00000000000000000024.index",
      "00000000000000000024.log",
      "00000000000000000036.index",
      "00000000000000000036.log",
    ]);
    const all = await log.read(0n, 100);
    assert.equal(all.count, 40);
    assert.equal(all.chunks.length, 4);
    assert.deepEqual(payloads(all.chunks), expected(0, 40, 4));
    const mid = await log.read(10n, 20);
    assert.equal(mid.chunks.length, 3);
    assert.deepEqual(payloads(mid.chunks), expected(10, 30, 4));
  });
});

Deno.test("PartitionLog.append() rolls a full segment before the next append", async () => {
  await withLog({ segmentSize: 416 }, async (log, dir) => {
    await appendBatches(log, 1, 4);
    assert.equal(log.segmentsCount, 2);
    assert.equal((await Deno.stat(logPath(dir, 4n))).size, 0);
    await appendBatches(log, 1, 4, 1);
    assert.equal((await Deno.stat(logPath(dir, 4n))).size, 416);
    assert.deepEqual(
      payloads((await log.read(0n, 8)).chunks),
      expected(0, 8, 4),
    );
  });
});

Deno.test("PartitionLog.offsetForTimestamp() finds the first message at or after a time", async () => {
  await withLog({ segmentSize: 1000 }, async (log) => {
    assert.equal(log.offsetForTimestamp(0n), undefined);
    await appendBatches(log, 10, 4); // batch b stamped TS + b
    assert.equal(log.offsetForTimestamp(0n), 0n);
    assert.equal(log.offsetForTimestamp(TS), 0n);
    assert.equal(log.offsetForTimestamp(TS + 1n), 4n);
    assert.equal(log.offsetForTimestamp(TS + 3n), 12n);
    assert.equal(log.offsetForTimestamp(TS + 9n), 36n);
    assert.equal(log.offsetForTimestamp(TS + 10n), undefined);
  });
});

Deno.test("PartitionLog.open() reloads the same data after close", async () => {
  const root = await Deno.makeTempDir();
  try {
    const log = await PartitionLog.open(root, {
      segmentSize: 1000,
      enforceFsync: true,
    });
    await appendBatches(log, 5, 4);
    const before = await log.read(0n, 100);
    const segments = log.segments;
    await log.close();
    await assert.rejects(() => log.read(0n, 1), /closed/);

    const again = await PartitionLog.open(root, {
      segmentSize: 1000,
      enforceFsync: true,
    });
    assert.equal(again.nextOffset, 20n);
    assert.equal(again.messagesCount, 20n);
    assert.deepEqual(again.segments, segments);
    const after = await again.read(0n, 100);
    assert.deepEqual(after.chunks, before.chunks);
    await appendBatches(again, 1, 4, 5);
    assert.deepEqual(
      payloads((await again.read(18n, 10)).chunks),
      expected(18, 24, 4),
    );
    await again.close();
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("PartitionLog.open() recovers a .log cut in the middle of a frame", async () => {
  const root = await Deno.makeTempDir();
  try {
    const opts = { segmentSize: 1 << 20, enforceFsync: false };
    const log = await PartitionLog.open(root, opts);
    await appendBatches(log, 3, 4);
    await log.close();
    // cut message 9 in half: 9 × 104 + 30
    await Deno.truncate(logPath(root, 0n), 9 * 104 + 30);

    const logs: string[] = [];
    const again = await PartitionLog.open(root, {
      ...opts,
      logger: (m) => logs.push(m),
    });
    assert.ok(logs.some((m) => m.includes("truncated")), logs.join("\n"));
    assert.equal(again.nextOffset, 9n);
    assert.equal((await Deno.stat(logPath(root, 0n))).size, 9 * 104);
    assert.equal((await Deno.stat(indexPath(root, 0n))).size, 9 * 16);
    assert.deepEqual(
      payloads((await again.read(0n, 100)).chunks),
      expected(0, 9, 4),
    );
    await appendBatches(again, 1, 4, 7);
    const tail = parseFrames((await again.read(8n, 10)).chunks);
    assert.deepEqual(tail.map((f) => f.offset), [8n, 9n, 10n, 11n, 12n]);
    assert.deepEqual(tail.slice(1).map((f) => text(f.payload).slice(0, 5)), [
      "b7-m0",
      "b7-m1",
      "b7-m2",
      "b7-m3",
    ]);
    await again.close();
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("PartitionLog.open() recovers garbage appended to the .index", async () => {
  const root = await Deno.makeTempDir();
  try {
    const opts = { segmentSize: 1 << 20, enforceFsync: false };
    const log = await PartitionLog.open(root, opts);
    await appendBatches(log, 2, 4);
    await log.close();
    // a whole bogus entry plus a torn one
    const garbage = new Uint8Array(16 + 7).fill(0xab);
    await Deno.writeFile(indexPath(root, 0n), garbage, { append: true });
    // and stray bytes after the last frame
    await Deno.writeFile(logPath(root, 0n), new Uint8Array(50).fill(1), {
      append: true,
    });

    const logs: string[] = [];
    const again = await PartitionLog.open(root, {
      ...opts,
      logger: (m) => logs.push(m),
    });
    assert.equal(logs.length, 2, logs.join("\n"));
    assert.equal(again.nextOffset, 8n);
    assert.equal((await Deno.stat(indexPath(root, 0n))).size, 8 * 16);
    assert.equal((await Deno.stat(logPath(root, 0n))).size, 8 * 104);
    await appendBatches(again, 1, 4, 2);
    assert.deepEqual(
      payloads((await again.read(0n, 100)).chunks),
      expected(0, 12, 4),
    );
    await again.close();
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("PartitionLog.open() rebuilds a missing .index from the .log", async () => {
  const root = await Deno.makeTempDir();
  try {
    const opts = { segmentSize: 1 << 20, enforceFsync: false };
    const log = await PartitionLog.open(root, opts);
    await appendBatches(log, 2, 4);
    await log.close();
    const index = await Deno.readFile(indexPath(root, 0n));
    await Deno.remove(indexPath(root, 0n));
    const logs: string[] = [];
    const again = await PartitionLog.open(root, {
      ...opts,
      logger: (m) => logs.push(m),
    });
    assert.equal(logs.length, 1);
    assert.deepEqual(await Deno.readFile(indexPath(root, 0n)), index);
    assert.equal(again.nextOffset, 8n);
    await again.close();
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("PartitionLog.open() with validateChecksum logs corrupted messages", async () => {
  const root = await Deno.makeTempDir();
  try {
    const opts = { segmentSize: 1 << 20, enforceFsync: false };
    const log = await PartitionLog.open(root, opts);
    await appendBatches(log, 1, 4);
    await log.close();
    const bytes = await Deno.readFile(logPath(root, 0n));
    bytes[104 + 70]! ^= 0xff;
    await Deno.writeFile(logPath(root, 0n), bytes);
    const logs: string[] = [];
    const again = await PartitionLog.open(root, {
      ...opts,
      validateChecksum: true,
      logger: (m) => logs.push(m),
    });
    assert.equal(logs.length, 1);
    assert.match(logs[0]!, /1 message\(s\) with a bad checksum/);
    await again.close();
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("PartitionLog.purge() restarts at offset 0 with one empty segment", async () => {
  await withLog({ segmentSize: 1000 }, async (log, dir) => {
    await appendBatches(log, 10, 4);
    await log.purge();
    assert.equal(log.nextOffset, 0n);
    assert.equal(log.segmentsCount, 1);
    assert.ok(log.isEmpty);
    assert.equal((await log.read(0n, 10)).count, 0);
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.deepEqual(names, [
      "00000000000000000000.index",
      "00000000000000000000.log",
    ]);
    await appendBatches(log, 1, 4);
    assert.deepEqual(
      payloads((await log.read(0n, 10)).chunks),
      expected(0, 4, 4),
    );
  });
});

Deno.test("PartitionLog.deleteOldestSegments() deletes sealed segments only", async () => {
  await withLog({ segmentSize: 1000 }, async (log, dir) => {
    await appendBatches(log, 10, 4); // segments 0, 12, 24, 36 (active)
    assert.equal(
      await log.deleteOldestSegments(1, 5n),
      0,
      "a consumer still needs segment 0",
    );
    assert.equal(await log.deleteOldestSegments(1), 1);
    assert.equal(log.firstOffset, 12n);
    assert.equal(log.messagesCount, 28n);
    await assert.rejects(
      () => Deno.stat(logPath(dir, 0n)),
      Deno.errors.NotFound,
    );
    const r = await log.read(0n, 3);
    assert.equal(r.firstOffset, 12n);
    assert.deepEqual(payloads(r.chunks), expected(12, 15, 4));
    assert.equal(
      await log.deleteOldestSegments(10, 24n),
      1,
      "stops at the segment holding 24",
    );
    assert.equal(log.firstOffset, 24n);
    assert.equal(await log.deleteOldestSegments(10), 1, "never the active one");
    assert.equal(log.segmentsCount, 1);
    assert.equal(log.firstOffset, 36n);
    assert.equal(log.nextOffset, 40n);
    await appendBatches(log, 1, 4, 10);
    assert.deepEqual(
      parseFrames((await log.read(0n, 100)).chunks).map((f) => f.offset),
      [
        36n,
        37n,
        38n,
        39n,
        40n,
        41n,
        42n,
        43n,
      ],
    );
  });
});

Deno.test("PartitionLog serialises concurrent appends and reads", async () => {
  await withLog({ segmentSize: 1000, cacheBytes: 500 }, async (log) => {
    const ops: Promise<unknown>[] = [];
    for (let b = 0; b < 20; b++) {
      const section = buildSection(4, {
        payload: (i) => new TextEncoder().encode(`b${b}-m${i}`.padEnd(40, ".")),
      });
      ops.push(log.append(section, 4, TS));
      ops.push(log.read(0n, 1000));
    }
    await Promise.all(ops);
    assert.deepEqual(
      payloads((await log.read(0n, 1000)).chunks),
      expected(0, 80, 4),
    );
  });
});

Deno.test("PartitionLog.remove() deletes the partition directory", async () => {
  const root = await Deno.makeTempDir();
  try {
    const dir = join(root, "p");
    const log = await PartitionLog.open(dir, {
      segmentSize: 1000,
      enforceFsync: false,
    });
    await appendBatches(log, 1, 4);
    await log.remove();
    await assert.rejects(() => Deno.stat(dir), Deno.errors.NotFound);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("PartitionLog.append() with transfer serves tail reads from the given buffer", async () => {
  await withLog({}, async (log) => {
    const section = buildSection(3);
    await log.append(section, 3, TS, { transfer: true });
    const r = await log.read(1n, 2);
    assert.equal(r.chunks.length, 1);
    assert.equal(r.chunks[0]!.buffer, section.buffer, "no copy");
    assert.deepEqual(parseFrames(r.chunks).map((f) => f.offset), [1n, 2n]);
  });
});

Deno.test("PartitionLog with a shared CacheBudget keeps all caches within the budget", async () => {
  const budget = new CacheBudget(2000);
  const root = await Deno.makeTempDir();
  try {
    const logs = await Promise.all(
      [0, 1, 2].map((i) =>
        PartitionLog.open(join(root, `p${i}`), {
          segmentSize: 1 << 20,
          enforceFsync: false,
          cacheBudget: budget,
        })
      ),
    );
    for (let b = 0; b < 30; b++) {
      for (const log of logs) await appendBatches(log, 1, 4, b);
      assert.ok(budget.used <= 2000, `budget used ${budget.used}`);
      const cached = logs.reduce((n, log) => n + log.cachedBytes, 0);
      assert.equal(
        cached,
        budget.used,
        "the budget counts what the caches hold",
      );
    }
    for (const log of logs) {
      assert.deepEqual(
        payloads((await log.read(0n, 1000)).chunks),
        expected(0, 120, 4),
      );
      await log.close();
    }
    assert.equal(budget.used, 0, "closing releases every charge");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("PartitionLog.append() fsyncs after saveMessages unsaved messages", async () => {
  await withLog({ saveMessages: 10 }, async (log) => {
    await appendBatches(log, 2, 4);
    assert.equal(log.unsavedMessages, 8);
    await appendBatches(log, 1, 4, 2);
    assert.equal(log.unsavedMessages, 0, "12 >= 10: saved");
    await appendBatches(log, 1, 4, 3);
    assert.equal(log.unsavedMessages, 4);
    await log.flush(false);
    assert.equal(log.unsavedMessages, 4, "flush without fsync saves nothing");
    await log.flush(true);
    assert.equal(log.unsavedMessages, 0);
  });
  await withLog({ saveBytes: 200 }, async (log) => {
    await appendBatches(log, 1, 1);
    assert.equal(log.unsavedMessages, 1);
    await appendBatches(log, 1, 2, 1);
    assert.equal(log.unsavedMessages, 0, "3 frames of 104 bytes >= 200");
  });
  await withLog({ enforceFsync: true, saveMessages: 1000 }, async (log) => {
    await appendBatches(log, 1, 4);
    assert.equal(log.unsavedMessages, 0, "enforce_fsync saves every append");
  });
});

Deno.test("PartitionLog.deleteOldestSegmentsWhile() deletes while the predicate holds, never the active one", async () => {
  await withLog({ segmentSize: 1000 }, async (log) => {
    for (let b = 0; b < 10; b++) {
      const section = buildSection(4, {
        payload: (i) => new TextEncoder().encode(`b${b}-m${i}`.padEnd(40, ".")),
      });
      await log.append(section, 4, TS + BigInt(b));
    } // segments 0 (ts +0..+2), 12 (+3..+5), 24 (+6..+8), 36 (+9, active)
    assert.equal(
      await log.deleteOldestSegmentsWhile((s) => s.lastTimestamp <= TS + 5n),
      2,
    );
    assert.equal(log.firstOffset, 24n);
    assert.equal(await log.deleteOldestSegmentsWhile(() => true), 1);
    assert.equal(log.segmentsCount, 1);
    assert.equal(log.firstOffset, 36n);
    assert.equal(log.nextOffset, 40n);
  });
});

Deno.test("PartitionLog does not cache lent batches; reads go to the files, into the caller's memory", async () => {
  // Batches of 1000 × 100 B (~164 KB) with a cache that could hold 3 of them if they were handed over.
  await withLog({ cacheBytes: 3 * 170_000 }, async (log) => {
    const lent = new Uint8Array(200_000);
    const sizes: number[] = [];
    for (let b = 0; b < 8; b++) {
      const section = buildSection(1000, {
        payload: (i) => utf8.encode(`b${b}-${i}`.padEnd(100, ".")),
      });
      lent.set(section);
      // Lent, as a connection that reuses its request buffer does; then the buffer is overwritten.
      await log.append(lent.subarray(0, section.length), 1000, TS + BigInt(b));
      sizes.push(section.length);
      lent.fill(0xee);
    }
    const arena = new Uint8Array(2_000_000);
    let used = 0;
    const allocate = (n: number) => {
      const out = arena.subarray(used, used + n);
      used += n;
      return out;
    };
    // The lent buffer was overwritten after each append: the data comes from the files.
    const newest = await log.read(7000n, 1000, allocate);
    assert.equal(newest.count, 1000);
    assert.equal(
      newest.chunks[0]!.buffer,
      arena.buffer,
      "read into the caller's memory",
    );
    const frames = parseFrames(newest.chunks);
    assert.equal(text(frames[0]!.payload), "b7-0".padEnd(100, "."));
    assert.equal(frames[999]!.offset, 7999n);
    // Appending more leaves the earlier result untouched (it is the caller's memory).
    for (let b = 8; b < 12; b++) {
      const section = buildSection(1000, {
        payload: (i) => utf8.encode(`b${b}-${i}`.padEnd(100, ".")),
      });
      lent.set(section);
      await log.append(lent.subarray(0, section.length), 1000, TS + BigInt(b));
      lent.fill(0xdd);
    }
    assert.equal(
      text(parseFrames(newest.chunks)[500]!.payload),
      "b7-500".padEnd(100, "."),
    );
    // Every message reads back intact, from the files and from the cache alike.
    const all = parseFrames((await log.read(0n, 12_000)).chunks);
    assert.equal(all.length, 12_000);
    all.forEach((f, i) => {
      assert.equal(f.offset, BigInt(i));
      assert.equal(
        text(f.payload),
        `b${Math.floor(i / 1000)}-${i % 1000}`.padEnd(100, "."),
      );
    });
  });
});

Deno.test("PartitionLog.purge() with takeAway takes the whole directory away in one step", async () => {
  const root = await Deno.makeTempDir();
  try {
    const dir = join(root, "p");
    const discarded: string[] = [];
    const log = await PartitionLog.open(dir, {
      segmentSize: 1000,
      enforceFsync: false,
    });
    await appendBatches(log, 10, 4);
    await Deno.mkdir(join(dir, "offsets", "consumers"), { recursive: true });
    await log.purge(async (path) => {
      discarded.push(path);
      await Deno.rename(path, join(root, "discarded"));
    });
    assert.deepEqual(discarded, [dir]);
    assert.equal(log.nextOffset, 0n);
    assert.deepEqual(
      [...Deno.readDirSync(dir)].map((e) => e.name).sort(),
      ["00000000000000000000.index", "00000000000000000000.log"],
    );
    const old = [...Deno.readDirSync(join(root, "discarded"))];
    assert.ok(old.length > 2, "the old segments and offsets went together");
    await appendBatches(log, 1, 4);
    assert.deepEqual(
      payloads((await log.read(0n, 10)).chunks),
      expected(0, 4, 4),
    );
    await log.close();
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("PartitionLog.open() keeps a segment deleted when the delete stopped between its two files", async () => {
  const root = await Deno.makeTempDir();
  try {
    const dir = join(root, "p");
    let log = await PartitionLog.open(dir, {
      segmentSize: 1000,
      enforceFsync: false,
    });
    await appendBatches(log, 10, 4); // segments 0, 12, 24, 36 (active)
    await log.close();
    // A segment delete removes the .log first; a crash before the .index goes leaves it alone.
    await Deno.remove(logPath(dir, 0n));
    const logs: string[] = [];
    log = await PartitionLog.open(dir, {
      segmentSize: 1000,
      enforceFsync: false,
      logger: (m) => logs.push(m),
    });
    try {
      assert.equal(log.firstOffset, 12n);
      assert.equal(log.messagesCount, 28n);
      await assert.rejects(
        () => Deno.stat(indexPath(dir, 0n)),
        Deno.errors.NotFound,
      );
      assert.deepEqual(logs, [
        `Index ${indexPath(dir, 0n)} of a deleted segment removed`,
      ]);
    } finally {
      await log.close();
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("PartitionLog.purge() that cannot take the directory away keeps the log whole and usable", async () => {
  await withLog({ segmentSize: 1000 }, async (log) => {
    await appendBatches(log, 10, 4);
    await assert.rejects(
      () => log.purge(() => Promise.reject(new Error("EIO"))),
      /EIO/,
    );
    assert.equal(log.messagesCount, 40n);
    await appendBatches(log, 1, 4, 10);
    assert.deepEqual(
      payloads((await log.read(0n, 100)).chunks),
      expected(0, 44, 4),
    );
  });
});
