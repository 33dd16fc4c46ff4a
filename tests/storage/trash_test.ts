import assert from "node:assert/strict";
import {
  pathExists,
  Trash,
  TRASH_DIR_NAME,
} from "../../server/storage/trash.ts";
import { withTempDir } from "../_temp_dir.ts";

/** A logger that keeps its lines. */
function recorder(): {
  lines: string[];
  warn(message: string): void;
  info(message: string): void;
} {
  const lines: string[] = [];
  return {
    lines,
    warn: (message) => lines.push(`WARN ${message}`),
    info: (message) => lines.push(`INFO ${message}`),
  };
}

async function makeTree(dir: string, files: number): Promise<void> {
  await Deno.mkdir(`${dir}/topics/0/partitions/0`, { recursive: true });
  for (let i = 0; i < files; i++) {
    await Deno.writeTextFile(`${dir}/topics/0/partitions/0/${i}.log`, "data");
  }
}

Deno.test("Trash.moveToTrash() takes a tree out of the live path at once and reclaims it", async () => {
  await withTempDir(async (root) => {
    const trash = await Trash.open(root);
    try {
      await makeTree(`${root}/streams/3`, 50);
      assert.equal(
        await trash.moveToTrash(`${root}/streams/3`, "stream-3"),
        true,
      );
      assert.equal(await pathExists(`${root}/streams/3`), false);
      assert.equal(await pathExists(`${root}/streams`), true);
      await trash.reclaim();
      assert.deepEqual(await trash.entries(), []);
    } finally {
      await trash.close();
    }
  });
});

Deno.test("Trash.moveToTrash() reports false when nothing is there", async () => {
  await withTempDir(async (root) => {
    const trash = await Trash.open(root, { reclaim: false });
    assert.equal(await trash.moveToTrash(`${root}/streams/9`), false);
    assert.equal(await trash.moveToTrash(`${root}/missing/parent/9`), false);
    await trash.close();
  });
});

Deno.test("Trash.moveToTrash() gives two deletes of the same id distinct entries", async () => {
  await withTempDir(async (root) => {
    const trash = await Trash.open(root, { reclaim: false });
    await trash.close(); // no background reclaim: the entries stay to be counted
    for (let i = 0; i < 3; i++) {
      await makeTree(`${root}/streams/0`, 1);
      assert.equal(
        await trash.moveToTrash(`${root}/streams/0`, "stream-0"),
        true,
      );
    }
    const entries = await trash.entries();
    assert.equal(entries.length, 3);
    assert.ok(
      entries.every((name) => name.endsWith("-stream-0")),
      `${entries}`,
    );
  });
});

Deno.test("Trash.prepareFreshDirectory() moves a leftover away and logs it once", async () => {
  await withTempDir(async (root) => {
    const logger = recorder();
    const trash = await Trash.open(root, { logger, reclaim: false });
    await trash.close();
    const path = `${root}/streams/0/topics/1`;
    assert.equal(await trash.prepareFreshDirectory(path, "topic-1"), false);
    assert.equal(await pathExists(`${root}/streams/0/topics`), true);
    assert.deepEqual(logger.lines, []);
    await makeTree(path, 2);
    assert.equal(await trash.prepareFreshDirectory(path, "topic-1"), true);
    assert.equal(await pathExists(path), false);
    assert.equal(logger.lines.length, 1);
    assert.match(logger.lines[0]!, /^WARN Leftover directory/);
    assert.equal((await trash.entries()).length, 1);
  });
});

Deno.test("Trash.open() reclaims what an earlier run left in the trash", async () => {
  await withTempDir(async (root) => {
    await makeTree(`${root}/${TRASH_DIR_NAME}/1-1-0-stream-0`, 20);
    await Deno.writeTextFile(`${root}/${TRASH_DIR_NAME}/loose-file`, "x");
    const trash = await Trash.open(root);
    try {
      await trash.reclaim();
      assert.deepEqual(await trash.entries(), []);
    } finally {
      await trash.close();
    }
  });
});

Deno.test("Trash.close() leaves the rest of an interrupted reclaim to the next open", async () => {
  await withTempDir(async (root) => {
    await makeTree(`${root}/${TRASH_DIR_NAME}/big`, 300);
    const trash = await Trash.open(root);
    await trash.close();
    // Whatever was left stays for the next start, which finishes it.
    const again = await Trash.open(root);
    try {
      await again.reclaim();
      assert.deepEqual(await again.entries(), []);
    } finally {
      await again.close();
    }
  });
});

Deno.test("Trash.discard() logs a failed move instead of throwing", async () => {
  await withTempDir(async (root) => {
    const logger = recorder();
    const trash = await Trash.open(root, { logger, reclaim: false });
    await trash.close();
    await makeTree(`${root}/streams/1`, 1);
    await Deno.remove(trash.dir);
    await Deno.writeTextFile(trash.dir, "in the way");
    await trash.discard(`${root}/streams/1`, "stream-1");
    assert.equal(await pathExists(`${root}/streams/1`), true);
    assert.deepEqual(logger.lines, [
      "WARN Cannot move a deleted directory to the trash",
    ]);
  });
});
