import assert from "node:assert/strict";
import { join } from "node:path";
import {
  parseState,
  StateStore,
  stringifyState,
} from "../../server/storage/state_store.ts";
import { withTempDir } from "../_temp_dir.ts";

Deno.test("stringifyState() and parseState() round-trip bigints", () => {
  const state = {
    a: 1n,
    b: [0n, 0xffff_ffff_ffff_ffffn, -5n],
    c: { d: "x", e: null },
  };
  const text = stringifyState(state);
  assert.match(text, /"\$bigint":"18446744073709551615"/);
  assert.deepEqual(parseState(text), state);
});

Deno.test("StateStore.load() is undefined before the first save", async () => {
  await withTempDir(async (dir) => {
    const store = await StateStore.open(join(dir, "state", "metadata.json"));
    assert.equal(store.load(), undefined);
  });
});

Deno.test("StateStore.save() persists state that a reopened store loads", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "state", "metadata.json");
    const store = await StateStore.open(path);
    const state = {
      streams: [{
        id: 1,
        name: "orders",
        createdAt: 1_700_000_000_000_000n,
        size: 0n,
      }],
      users: [{ id: 0, username: "iggy" }],
    };
    await store.save(state);
    state.streams[0]!.name = "changed after save";
    assert.equal(store.load<typeof state>()!.streams[0]!.name, "orders");
    const again = await StateStore.open(path);
    assert.deepEqual(again.load(), {
      streams: [{
        id: 1,
        name: "orders",
        createdAt: 1_700_000_000_000_000n,
        size: 0n,
      }],
      users: [{ id: 0, username: "iggy" }],
    });
    const names = [...Deno.readDirSync(join(dir, "state"))].map((e) => e.name);
    assert.deepEqual(names, ["metadata.json"], "no temp file left");
  });
});

Deno.test("StateStore.save() serialises concurrent saves and the last one wins", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "metadata.json");
    const store = await StateStore.open(path);
    const saves = Array.from(
      { length: 20 },
      (_, i) =>
        store.save({ version: BigInt(i), pad: "x".repeat(10_000 * (20 - i)) }, {
          fsync: false,
        }),
    );
    await Promise.all(saves);
    const loaded = (await StateStore.open(path)).load<{ version: bigint }>();
    assert.equal(loaded!.version, 19n);
  });
});

Deno.test("StateStore.open() rejects a corrupt file", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "metadata.json");
    await Deno.writeTextFile(path, "{ not json");
    await assert.rejects(() => StateStore.open(path), SyntaxError);
  });
});
