import assert from "node:assert/strict";
import {
  loadRevokedTokens,
  saveRevokedTokens,
} from "../../../server/http/revoked_tokens.ts";
import { withTempDir } from "../../_temp_dir.ts";

const JTI = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";

Deno.test("saveRevokedTokens() writes JSON that loadRevokedTokens() reads back, expired ids dropped", () =>
  withTempDir(async (dir) => {
    const path = `${dir}/tokens`;
    await saveRevokedTokens(
      path,
      new Map([[JTI, 4_102_444_800], ["expired", 1_000]]),
    );
    assert.deepEqual(JSON.parse(await Deno.readTextFile(path)), {
      [JTI]: 4_102_444_800,
      expired: 1_000,
    });
    assert.deepEqual(
      loadRevokedTokens(path, 2_000),
      new Map([[JTI, 4_102_444_800]]),
    );
  }));

Deno.test("loadRevokedTokens() reads the MessagePack file of earlier servers", async () => {
  // What @msgpack/msgpack 3.1.3 encoded for {[JTI]: 4102444800, old: 1000, x: 5e9, y: 7}.
  const legacy = Uint8Array.fromHex(
    "84d92430313930613162322d633364342d376535662d386139622d306331643265336634613562" +
      "cef4865700a36f6c64cd03e8a178cf000000012a05f200a17907",
  );
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/tokens`;
    await Deno.writeFile(path, legacy);
    assert.deepEqual(
      loadRevokedTokens(path, 2_000),
      new Map([[JTI, 4_102_444_800], ["x", 5_000_000_000]]),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadRevokedTokens() answers an empty set for a missing, truncated or corrupt file", () =>
  withTempDir(async (dir) => {
    const path = `${dir}/tokens`;
    assert.equal(loadRevokedTokens(path, 0).size, 0);
    for (const bytes of ["84d924303139", "{not json", "\x00\x01"]) {
      await Deno.writeFile(
        path,
        bytes.startsWith("84")
          ? Uint8Array.fromHex(bytes)
          : new TextEncoder().encode(bytes),
      );
      assert.equal(loadRevokedTokens(path, 0).size, 0, bytes);
    }
  }));
