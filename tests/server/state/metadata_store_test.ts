/**
 * The metadata log file, the snapshot and the store on a temp directory: torn tails are cut off
 * and reported, corruption in the middle or in the snapshot refuses to open naming the file, the
 * file of servers before the log opens as the snapshot, and a snapshot folds the log.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ErrorCode, IggyError } from "../../../client/protocol/errors.ts";
import { createLogger } from "../../../server/logger.ts";
import { initHashing } from "../../../server/storage/stamp.ts";
import type { MetadataEntry } from "../../../server/state/entries.ts";
import { stringifyState } from "../../../server/state/json.ts";
import {
  MetadataLog,
  readRecords,
} from "../../../server/state/metadata_log.ts";
import { MetadataStore } from "../../../server/state/metadata_store.ts";
import { withTempDir } from "../../_temp_dir.ts";

await initHashing();

function capture(): {
  lines: string[];
  logger: ReturnType<typeof createLogger>;
} {
  const lines: string[] = [];
  return {
    lines,
    logger: createLogger("info", { write: (line) => lines.push(line) }),
  };
}

function createStream(id: number, name = `s${id}`): MetadataEntry {
  return { type: "CreateStream", id, name, createdAt: 1_000n + BigInt(id) };
}

/** A log file with `count` CreateStream entries; returns its bytes. */
async function writeLog(path: string, count: number): Promise<Uint8Array> {
  const { log } = await MetadataLog.open(path, {
    fsync: false,
    logger: capture().logger,
  });
  for (let i = 1; i <= count; i++) {
    await log.append({ index: i, entry: createStream(i - 1) });
  }
  log.close();
  return Deno.readFile(path);
}

Deno.test("readRecords() reads whole records and tells a torn tail from corruption", async () => {
  await withTempDir(async (dir) => {
    const whole = await writeLog(join(dir, "log"), 3);
    assert.equal(readRecords(whole).entries.length, 3);
    assert.equal(readRecords(whole).problem, undefined);
    const two = (await writeLog(join(dir, "log2"), 2)).length;
    const torn = [
      whole.subarray(0, two + 3), // part of a header
      whole.subarray(0, whole.length - 1), // part of a payload
      new Uint8Array([...whole, ...new Uint8Array(40)]), // zeros after the last record
    ];
    for (const bytes of torn) {
      const read = readRecords(bytes);
      assert.equal(read.problem, "torn");
      assert.ok(read.entries.length >= 2);
    }
    const flipped = whole.slice();
    flipped[whole.length - 2]! ^= 0xff; // last payload damaged, nothing after it
    assert.equal(readRecords(flipped).problem, "torn");
    assert.equal(readRecords(flipped).validEnd, two);

    const middle = whole.slice();
    middle[12]! ^= 0xff; // first record damaged, two whole ones after it
    const read = readRecords(middle);
    assert.equal(read.problem, "corrupt");
    assert.equal(read.validEnd, 0);
  });
});

Deno.test("MetadataLog.open() cuts a torn tail to the last whole entry and says so once", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "metadata.log");
    const whole = await writeLog(path, 3);
    await Deno.writeFile(path, whole.subarray(0, whole.length - 5));
    const { lines, logger } = capture();
    const { log, entries } = await MetadataLog.open(path, {
      fsync: true,
      logger,
    });
    assert.deepEqual(entries.map((e) => e.index), [1, 2]);
    const warnings = lines.filter((l) => l.includes("WARN"));
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /torn last entry/);
    assert.match(warnings[0]!, /metadata\.log/);
    await log.append({ index: 3, entry: createStream(9) });
    log.close();
    const again = await MetadataLog.open(path, { fsync: false, logger });
    assert.deepEqual(again.entries.map((e) => e.entry), [
      createStream(0),
      createStream(1),
      createStream(9),
    ]);
    again.log.close();
  });
});

Deno.test("MetadataLog.open() refuses a log corrupt in the middle, naming the file", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "metadata.log");
    const bytes = await writeLog(path, 3);
    bytes[12]! ^= 0xff;
    await Deno.writeFile(path, bytes);
    await assert.rejects(
      () => MetadataLog.open(path, { fsync: false, logger: capture().logger }),
      (err: unknown) =>
        err instanceof IggyError && err.code === ErrorCode.StateFileCorrupted &&
        err.message.includes(path) && err.message.includes("byte 0"),
    );
    assert.deepEqual(await Deno.readFile(path), bytes, "nothing was cut");
  });
});

Deno.test("MetadataStore.open() reads the metadata.json of servers before the log as its snapshot", async () => {
  await withTempDir(async (dir) => {
    const stateDir = join(dir, "state");
    await Deno.mkdir(stateDir);
    // The version-1 document those servers rewrote on every change.
    await Deno.writeTextFile(
      join(stateDir, "metadata.json"),
      stringifyState({
        version: 1,
        streamIds: { next: 1, free: [] },
        userIds: { next: 1, free: [] },
        streams: [{
          id: 0,
          name: "orders",
          createdAt: 5n,
          topicIds: { next: 1, free: [] },
          topics: [{
            id: 0,
            createdAt: 6n,
            settings: {
              name: "t",
              compressionAlgorithm: 1,
              messageExpiry: 0n,
              maxTopicSize: 0n,
              replicationFactor: 1,
            },
            partitions: [{ id: 0, createdAt: 6n }],
            groupIds: { next: 1, free: [] },
            groups: [{ id: 0, name: "g" }],
          }],
        }],
        users: [{
          id: 0,
          username: "iggy",
          passwordHash: "h",
          status: 1,
          createdAt: 1n,
        }],
        tokens: [],
      }),
    );
    const store = await MetadataStore.open(stateDir, {
      fsync: false,
      logger: capture().logger,
    });
    const topic = store.model.streams.get(0)!.topics.get(0)!;
    assert.equal(store.model.streams.get(0)!.name, "orders");
    assert.equal(topic.groups.get(0)!.name, "g");
    assert.equal(store.model.users.get(0)!.username, "iggy");
    assert.equal(store.lastIndex, 0);
    await store.exclusive(() => store.commit(createStream(1, "payments")));
    await store.close();
    const reopened = await MetadataStore.open(stateDir, {
      fsync: false,
      logger: capture().logger,
    });
    assert.deepEqual(
      [...reopened.model.streams.values()].map((s) => s.name),
      ["orders", "payments"],
    );
    assert.equal(reopened.lastIndex, 1);
    await reopened.close();
  });
});

Deno.test("MetadataStore folds the log into a snapshot every snapshotEvery entries", async () => {
  await withTempDir(async (dir) => {
    const options = { fsync: true, snapshotEvery: 3, logger: capture().logger };
    const store = await MetadataStore.open(dir, options);
    for (let i = 0; i < 7; i++) {
      await store.exclusive(async () => {
        await store.commit(createStream(i));
        await store.snapshotIfDue();
      });
    }
    // 6 entries are in the snapshot, the 7th is in the log.
    const logBytes = await Deno.readFile(join(dir, "metadata.log"));
    assert.equal(readRecords(logBytes).entries.length, 1);
    const copy = join(dir, "copy");
    await Deno.mkdir(copy);
    for (const name of ["metadata.json", "metadata.log"]) {
      await Deno.copyFile(join(dir, name), join(copy, name));
    }
    await store.close();
    const reopened = await MetadataStore.open(copy, options);
    assert.equal(reopened.model.streams.size, 7);
    assert.equal(reopened.lastIndex, 7);
    await reopened.close();
  });
});

Deno.test("MetadataStore.open() skips log entries the snapshot already holds", async () => {
  await withTempDir(async (dir) => {
    const options = { fsync: false, logger: capture().logger };
    const store = await MetadataStore.open(dir, options);
    for (let i = 0; i < 3; i++) {
      await store.exclusive(() => store.commit(createStream(i)));
    }
    const log = await Deno.readFile(join(dir, "metadata.log"));
    await store.close(); // snapshot of entries 1..3, log emptied
    // As if the server died between writing the snapshot and emptying the log.
    await Deno.writeFile(join(dir, "metadata.log"), log);
    const reopened = await MetadataStore.open(dir, options);
    assert.equal(reopened.model.streams.size, 3);
    assert.equal(reopened.lastIndex, 3);
    await reopened.exclusive(() => reopened.commit(createStream(3)));
    assert.equal(reopened.lastIndex, 4);
    await reopened.close();
  });
});

Deno.test("MetadataStore.open() refuses a corrupt snapshot, naming the file", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "metadata.json"), '{"version": 2, "str');
    await assert.rejects(
      () => MetadataStore.open(dir, { fsync: false, logger: capture().logger }),
      (err: unknown) =>
        err instanceof IggyError && err.code === ErrorCode.StateFileCorrupted &&
        err.message.includes(join(dir, "metadata.json")),
    );
  });
});
