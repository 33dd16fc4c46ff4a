import assert from "node:assert/strict";
import { join } from "node:path";
import {
  deleteAllOffsets,
  deleteOffset,
  loadOffsets,
  storeOffset,
} from "../../server/storage/offsets.ts";
import { withTempDir } from "../_temp_dir.ts";

Deno.test("loadOffsets() returns empty maps for a partition without offsets", async () => {
  await withTempDir(async (dir) => {
    const { consumers, groups } = await loadOffsets(dir);
    assert.equal(consumers.size, 0);
    assert.equal(groups.size, 0);
  });
});

Deno.test("storeOffset() writes 8 bytes u64 LE that loadOffsets() reads back", async () => {
  await withTempDir(async (dir) => {
    await storeOffset(dir, "consumers", 1, 42n);
    await storeOffset(dir, "consumers", 0xffff_ffff, 0xffff_ffff_ffff_fffen, {
      fsync: true,
    });
    await storeOffset(dir, "groups", 7, 5n);
    await storeOffset(dir, "groups", 7, 6n);
    const bytes = await Deno.readFile(join(dir, "offsets", "consumers", "1"));
    assert.deepEqual(bytes, new Uint8Array([42, 0, 0, 0, 0, 0, 0, 0]));
    const { consumers, groups } = await loadOffsets(dir);
    assert.deepEqual(
      consumers,
      new Map([[1, 42n], [0xffff_ffff, 0xffff_ffff_ffff_fffen]]),
    );
    assert.deepEqual(groups, new Map([[7, 6n]]));
    const names = [...Deno.readDirSync(join(dir, "offsets", "groups"))].map((
      e,
    ) => e.name);
    assert.deepEqual(names, ["7"], "no temp file left");
  });
});

Deno.test("storeOffset() applies concurrent stores of one key in call order", async () => {
  await withTempDir(async (dir) => {
    await Promise.all(
      Array.from(
        { length: 50 },
        (_, i) => storeOffset(dir, "consumers", 3, BigInt(i)),
      ),
    );
    assert.equal((await loadOffsets(dir)).consumers.get(3), 49n);
  });
});

Deno.test("loadOffsets() skips stray files", async () => {
  await withTempDir(async (dir) => {
    await storeOffset(dir, "consumers", 2, 9n);
    await Deno.writeFile(
      join(dir, "offsets", "consumers", "2.tmp"),
      new Uint8Array(8),
    );
    await Deno.writeFile(
      join(dir, "offsets", "consumers", "5"),
      new Uint8Array(3),
    );
    assert.deepEqual((await loadOffsets(dir)).consumers, new Map([[2, 9n]]));
  });
});

Deno.test("deleteOffset() and deleteAllOffsets() remove stored offsets", async () => {
  await withTempDir(async (dir) => {
    await storeOffset(dir, "consumers", 1, 1n);
    await storeOffset(dir, "consumers", 2, 2n);
    await storeOffset(dir, "groups", 1, 3n);
    assert.equal(await deleteOffset(dir, "consumers", 1), true);
    assert.equal(await deleteOffset(dir, "consumers", 1), false);
    assert.deepEqual((await loadOffsets(dir)).consumers, new Map([[2, 2n]]));
    await deleteAllOffsets(dir);
    await deleteAllOffsets(dir);
    const { consumers, groups } = await loadOffsets(dir);
    assert.equal(consumers.size + groups.size, 0);
  });
});
