import assert from "node:assert/strict";
import {
  decodeEncryptionKey,
  MessageCipher,
  NONCE_SIZE,
  TAG_SIZE,
} from "../../server/storage/encryption.ts";
import { ErrorCode, IggyError } from "../../client/protocol/errors.ts";

function randomKey(): string {
  return btoa(
    String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))),
  );
}

const plain = new TextEncoder().encode("attack at dawn");
const aad = new Uint8Array([1, 2, 3]);

Deno.test("MessageCipher.encrypt() seals with a fresh nonce and decrypt() opens it", async () => {
  const cipher = await MessageCipher.fromBase64(randomKey());
  const a = await cipher.encrypt(plain, aad);
  const b = await cipher.encrypt(plain, aad);
  assert.equal(a.length, NONCE_SIZE + plain.length + TAG_SIZE);
  assert.notDeepEqual(a.subarray(0, NONCE_SIZE), b.subarray(0, NONCE_SIZE));
  assert.notDeepEqual(a, b);
  assert.deepEqual(await cipher.decrypt(a, aad), plain);
});

Deno.test("MessageCipher.decrypt() rejects a wrong key, a tampered byte and another aad with code 72", async () => {
  const cipher = await MessageCipher.fromBase64(randomKey());
  const other = await MessageCipher.fromBase64(randomKey());
  const sealed = await cipher.encrypt(plain, aad);
  const isDecryptError = (err: unknown): boolean =>
    err instanceof IggyError && err.code === ErrorCode.CannotDecryptData;
  await assert.rejects(() => other.decrypt(sealed, aad), isDecryptError);
  const tampered = sealed.slice();
  tampered[NONCE_SIZE + 2]! ^= 1;
  await assert.rejects(() => cipher.decrypt(tampered, aad), isDecryptError);
  await assert.rejects(
    () => cipher.decrypt(sealed, new Uint8Array(3)),
    isDecryptError,
  );
  await assert.rejects(
    () => cipher.decrypt(sealed.subarray(0, 20), aad),
    isDecryptError,
  );
});

Deno.test("decodeEncryptionKey() rejects bad base64 and wrong lengths with code 70", () => {
  const isKeyError = (err: unknown): boolean =>
    err instanceof IggyError && err.code === ErrorCode.InvalidEncryptionKey;
  assert.throws(() => decodeEncryptionKey("not base64!"), isKeyError);
  assert.throws(() => decodeEncryptionKey(btoa("short")), isKeyError);
  assert.throws(() => decodeEncryptionKey(""), isKeyError);
  assert.equal(decodeEncryptionKey(randomKey()).length, 32);
});
