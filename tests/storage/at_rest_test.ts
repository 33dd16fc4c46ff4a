import assert from "node:assert/strict";
import {
  decodeFromStorage,
  encodeForStorage,
  StoredFlag,
} from "../../server/storage/at_rest.ts";
import { MessageCipher } from "../../server/storage/encryption.ts";
import { initHashing, stampMessages } from "../../server/storage/stamp.ts";
import { ErrorCode, IggyError } from "../../client/protocol/errors.ts";
import { buildSection, parseFrames, text } from "./_frames.ts";
import { createXXHash3 } from "hash-wasm";
import { contains } from "../_assert.ts";

await initHashing();
const reference = await createXXHash3();

function randomKey(): string {
  return btoa(
    String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))),
  );
}

const enc = new TextEncoder();
const headerBlock = (i: number): Uint8Array =>
  // one user header: key "k" (len 1), kind 2 (string), value "v<i>"
  i % 2 === 0
    ? new Uint8Array(0)
    : Uint8Array.from([1, 0, 0, 0, 0x6b, 2, 2, 0, 0, 0, 0x76, 0x30 + (i % 10)]);

function section(count: number): Uint8Array {
  return buildSection(count, {
    payload: (i) => enc.encode(i === 0 ? "" : `secret-payload-${i} `.repeat(i)),
    headers: headerBlock,
    id: (i) => BigInt(i + 1),
  });
}

/** Stamps a section as append would (offsets from 0). */
function stamp(bytes: Uint8Array, count: number): Uint8Array {
  stampMessages(bytes, count, {
    firstOffset: 0n,
    timestamp: 1n,
    basePosition: 0,
    segmentStartOffset: 0n,
    index: new Uint8Array(16 * count),
  });
  return bytes;
}

Deno.test("encodeForStorage() without cipher or gzip returns the section itself", async () => {
  const s = section(3);
  assert.equal(await encodeForStorage(s, 3, {}), s);
  assert.deepEqual(await decodeFromStorage([s], undefined), [s]);
});

for (const mode of ["gzip", "encrypt", "gzip+encrypt"] as const) {
  Deno.test(`decodeFromStorage() restores the wire frames (${mode})`, async () => {
    const count = 6;
    const original = stamp(section(count), count);
    const cipher = mode === "gzip"
      ? undefined
      : await MessageCipher.fromBase64(randomKey());
    const stored = stamp(
      await encodeForStorage(section(count), count, {
        cipher,
        gzip: mode !== "encrypt",
      }),
      count,
    );
    if (cipher) {
      assert.ok(
        !contains(stored, enc.encode("secret-payload")),
        "no plaintext at rest",
      );
    }
    if (mode === "gzip") {
      assert.ok(stored.length < original.length, "smaller at rest");
    }
    const [decoded] = await decodeFromStorage([stored], cipher);
    const got = parseFrames([decoded!]);
    const want = parseFrames([original]);
    assert.equal(got.length, count);
    for (let i = 0; i < count; i++) {
      assert.equal(text(got[i]!.payload), text(want[i]!.payload));
      assert.deepEqual(got[i]!.userHeaders, want[i]!.userHeaders);
      assert.deepEqual(got[i]!.id, want[i]!.id);
      assert.equal(
        got[i]!.checksum,
        BigInt("0x" + reference.init().update(got[i]!.covered).digest("hex")),
        "checksum over the restored frame",
      );
    }
    assert.deepEqual(
      decoded,
      original,
      "byte for byte the frames stored without transformation",
    );
  });
}

Deno.test("encodeForStorage() with gzip keeps incompressible messages plain", async () => {
  const s = buildSection(2, {
    payload: (i) => crypto.getRandomValues(new Uint8Array(20 + i)),
  });
  assert.equal(await encodeForStorage(s, 2, { gzip: true }), s);
});

Deno.test("decodeFromStorage() fails with code 72 on a wrong key, a tampered body or no key", async () => {
  const cipher = await MessageCipher.fromBase64(randomKey());
  const stored = stamp(await encodeForStorage(section(2), 2, { cipher }), 2);
  assert.equal(stored[56]! & StoredFlag.encrypted, StoredFlag.encrypted);
  const isError = (err: unknown): boolean =>
    err instanceof IggyError && err.code === ErrorCode.CannotDecryptData;
  const wrong = await MessageCipher.fromBase64(randomKey());
  await assert.rejects(() => decodeFromStorage([stored], wrong), isError);
  await assert.rejects(() => decodeFromStorage([stored], undefined), isError);
  const tampered = stored.slice();
  tampered[64 + 20]! ^= 1;
  await assert.rejects(() => decodeFromStorage([tampered], cipher), isError);
  const relabelled = stored.slice();
  relabelled[57]! ^= 1; // original user-headers length is authenticated
  await assert.rejects(() => decodeFromStorage([relabelled], cipher), isError);
});
