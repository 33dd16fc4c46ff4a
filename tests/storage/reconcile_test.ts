import assert from "node:assert/strict";
import {
  type ExpectedLayout,
  reconcileDataDir,
} from "../../server/storage/reconcile.ts";
import { pathExists, Trash } from "../../server/storage/trash.ts";
import { withTempDir } from "../_temp_dir.ts";

function recorder(): {
  lines: string[];
  warn(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
} {
  const lines: string[] = [];
  const push = (level: string) => (message: string, fields = {}) =>
    lines.push(`${level} ${message} ${JSON.stringify(fields)}`);
  return {
    lines,
    warn: push("WARN"),
    info: push("INFO"),
    error: push("ERROR"),
  };
}

function layout(
  streams: Record<number, Record<number, number[]>>,
): ExpectedLayout {
  return new Map(
    Object.entries(streams).map(([s, topics]) => [
      Number(s),
      new Map(Object.entries(topics).map(([t, p]) => [Number(t), p])),
    ]),
  );
}

async function partition(root: string, s: number, t: number, p: number) {
  const dir = `${root}/streams/${s}/topics/${t}/partitions/${p}`;
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(`${dir}/00000000000000000000.log`, "old data");
  return dir;
}

Deno.test("reconcileDataDir() moves directories no entry names to the trash", async () => {
  await withTempDir(async (root) => {
    const logger = recorder();
    const trash = await Trash.open(root, { reclaim: false });
    await trash.close();
    await partition(root, 0, 0, 0);
    await partition(root, 0, 0, 1); // partition 1 was deleted
    await partition(root, 0, 1, 0); // topic 1 was deleted
    await partition(root, 2, 0, 0); // stream 2 was deleted
    await Deno.mkdir(`${root}/streams/not-an-id`);
    await Deno.mkdir(`${root}/streams/01`); // not the canonical name of 1
    const report = await reconcileDataDir(root, layout({ 0: { 0: [0] } }), {
      trash,
      logger,
    });
    assert.deepEqual(report.failed, []);
    assert.deepEqual(report.recreated, []);
    assert.deepEqual(report.trashed.sort(), [
      `${root}/streams/0/topics/0/partitions/1`,
      `${root}/streams/0/topics/1`,
      `${root}/streams/01`,
      `${root}/streams/2`,
      `${root}/streams/not-an-id`,
    ]);
    assert.equal(
      await pathExists(`${root}/streams/0/topics/0/partitions/0`),
      true,
    );
    assert.equal(
      await Deno.readTextFile(
        `${root}/streams/0/topics/0/partitions/0/00000000000000000000.log`,
      ),
      "old data",
    );
    assert.equal((await trash.entries()).length, 5);
    assert.equal(
      logger.lines.filter((l) => l.startsWith("WARN Orphan")).length,
      5,
    );
  });
});

Deno.test("reconcileDataDir() recreates missing directories empty and logs each", async () => {
  await withTempDir(async (root) => {
    const logger = recorder();
    const trash = await Trash.open(root, { reclaim: false });
    await trash.close();
    await partition(root, 0, 0, 0);
    const report = await reconcileDataDir(
      root,
      layout({ 0: { 0: [0, 1] }, 1: { 0: [0] } }),
      { trash, logger },
    );
    assert.deepEqual(report.failed, []);
    assert.deepEqual(report.trashed, []);
    assert.deepEqual(report.recreated, [
      `${root}/streams/0/topics/0/partitions/1`,
      `${root}/streams/1`,
      `${root}/streams/1/topics/0`,
      `${root}/streams/1/topics/0/partitions/0`,
    ]);
    for (const dir of report.recreated) {
      assert.equal((await Deno.stat(dir)).isDirectory, true);
    }
    assert.equal(
      logger.lines.filter((l) => l.startsWith("WARN Missing")).length,
      4,
    );
  });
});

Deno.test("reconcileDataDir() replaces a file where a directory belongs", async () => {
  await withTempDir(async (root) => {
    const logger = recorder();
    const trash = await Trash.open(root, { reclaim: false });
    await trash.close();
    await Deno.mkdir(`${root}/streams`, { recursive: true });
    await Deno.writeTextFile(`${root}/streams/0`, "not a directory");
    const report = await reconcileDataDir(root, layout({ 0: {} }), {
      trash,
      logger,
    });
    assert.deepEqual(report.trashed, [`${root}/streams/0`]);
    assert.deepEqual(report.recreated, [`${root}/streams/0`]);
    assert.equal((await Deno.stat(`${root}/streams/0`)).isDirectory, true);
  });
});

Deno.test("reconcileDataDir() never throws for what it cannot fix", async () => {
  await withTempDir(async (root) => {
    const logger = recorder();
    const trash = await Trash.open(root, { reclaim: false });
    await trash.close();
    await Deno.mkdir(`${root}/streams/5`, { recursive: true });
    // The trash is gone (e.g. replaced by a file): moves fail, the start goes on.
    await Deno.remove(trash.dir);
    await Deno.writeTextFile(trash.dir, "in the way");
    const report = await reconcileDataDir(root, layout({}), { trash, logger });
    assert.deepEqual(report.failed, [`${root}/streams/5`]);
    assert.equal(await pathExists(`${root}/streams/5`), true);
    assert.ok(logger.lines.some((l) => l.startsWith("ERROR Cannot reconcile")));
  });
});

Deno.test("reconcileDataDir() accepts an empty data directory", async () => {
  await withTempDir(async (root) => {
    const trash = await Trash.open(root, { reclaim: false });
    await trash.close();
    const report = await reconcileDataDir(root, layout({}), {
      trash,
      logger: recorder(),
    });
    assert.deepEqual(report, { trashed: [], recreated: [], failed: [] });
  });
});
