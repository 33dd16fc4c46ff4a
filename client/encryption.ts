/**
 * Client-side (end-to-end) encryption of message payloads: the {@linkcode Encryptor} interface and
 * its AES-256-GCM implementation over WebCrypto, so it runs in Deno, Node and browsers alike.
 *
 * An encrypted payload is `nonce (12 bytes) ‖ ciphertext ‖ tag (16 bytes)`, with a fresh random
 * nonce per message: the layout of Iggy's own `Aes256GcmEncryptor`, so the official SDKs can read
 * what this one writes, and the other way round, given the same key.
 * @module
 */

import { ErrorCode, IggyError } from "./protocol/errors.ts";

/** Size of an AES-256 key, in bytes. */
const KEY_SIZE = 32;
/** Size of the AES-GCM nonce stored in front of every encrypted payload. */
const NONCE_SIZE = 12;
/** Size of the AES-GCM authentication tag at the end of every encrypted payload. */
const TAG_SIZE = 16;

/**
 * Encrypts payloads before they leave the client and decrypts them after they are polled; give one
 * to `connect()` (or to {@linkcode IggyProducer} and {@linkcode IggyConsumer}) as `encryptor`.
 *
 * {@linkcode Aes256GcmEncryptor} is the standard one; implement this interface to use another
 * cipher or a key management service.
 *
 * @example Usage
 * ```ts
 * import type { Encryptor } from "@iggy/client";
 *
 * // Not encryption: a stand-in showing the shape only.
 * const reverse: Encryptor = {
 *   encrypt: (data) => Promise.resolve(data.slice().reverse()),
 *   decrypt: (data) => Promise.resolve(data.slice().reverse()),
 * };
 * ```
 */
export interface Encryptor {
  /**
   * Encrypts one payload.
   *
   * @param data The plaintext.
   * @returns The encrypted bytes.
   */
  encrypt(data: Uint8Array): Promise<Uint8Array>;
  /**
   * Decrypts one payload made by {@linkcode Encryptor.encrypt} with the same key.
   *
   * @param data The encrypted bytes.
   * @returns The plaintext.
   * @throws {IggyError} 72 `CannotDecryptData` when the bytes cannot be decrypted.
   */
  decrypt(data: Uint8Array): Promise<Uint8Array>;
}

/** Our buffers are never shared; WebCrypto's types want that said. */
function source(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes as Uint8Array<ArrayBuffer>;
}

/** Decodes standard base64 (padding optional, surrounding blanks ignored). */
function fromBase64(text: string): Uint8Array {
  let raw: string;
  try {
    raw = atob(text.trim());
  } catch (cause) {
    throw new TypeError("Encryption key is not valid base64", { cause });
  }
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

/**
 * AES-256-GCM through WebCrypto, with a fresh random 12-byte nonce per payload; an encrypted
 * payload is `nonce ‖ ciphertext ‖ tag`, 28 bytes longer than the plaintext. Iggy's Rust SDK
 * (`Aes256GcmEncryptor`) uses the same layout.
 *
 * @example Usage
 * ```ts
 * import { Aes256GcmEncryptor } from "@iggy/client";
 * import assert from "node:assert/strict";
 *
 * const key = crypto.getRandomValues(new Uint8Array(32));
 * const encryptor = await Aes256GcmEncryptor.fromKey(key);
 * const sealed = await encryptor.encrypt(new TextEncoder().encode("secret"));
 * assert.equal(sealed.length, 6 + 28);
 * assert.equal(new TextDecoder().decode(await encryptor.decrypt(sealed)), "secret");
 * ```
 */
export class Aes256GcmEncryptor implements Encryptor {
  #key: CryptoKey;

  private constructor(key: CryptoKey) {
    this.#key = key;
  }

  /**
   * Imports a 32-byte key, given as bytes or as their base64 (as Iggy's SDKs take it).
   *
   * @param key The raw key, or its standard base64.
   * @returns The encryptor.
   * @throws {TypeError} When a string key is not base64.
   * @throws {RangeError} When the key is not exactly 32 bytes long.
   *
   * @example Usage
   * ```ts
   * import { Aes256GcmEncryptor } from "@iggy/client";
   *
   * const encryptor = await Aes256GcmEncryptor.fromKey(
   *   "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
   * );
   * ```
   */
  static async fromKey(key: Uint8Array | string): Promise<Aes256GcmEncryptor> {
    const raw = typeof key === "string" ? fromBase64(key) : key;
    if (raw.length !== KEY_SIZE) {
      throw new RangeError(
        `Encryption key must be ${KEY_SIZE} bytes long: got ${raw.length}`,
      );
    }
    const cryptoKey = await crypto.subtle.importKey(
      "raw",
      source(raw),
      { name: "AES-GCM" },
      false,
      ["encrypt", "decrypt"],
    );
    return new Aes256GcmEncryptor(cryptoKey);
  }

  /**
   * Encrypts `data` with a fresh random nonce.
   *
   * @param data The plaintext.
   * @returns `nonce ‖ ciphertext ‖ tag`: `data.length + 28` bytes.
   * @throws {IggyError} 71 `CannotEncryptData` when WebCrypto fails.
   *
   * @example Usage
   * ```ts
   * import { Aes256GcmEncryptor } from "@iggy/client";
   * import assert from "node:assert/strict";
   *
   * const encryptor = await Aes256GcmEncryptor.fromKey(new Uint8Array(32));
   * const sealed = await encryptor.encrypt(new Uint8Array([1, 2, 3]));
   * assert.equal(sealed.length, 3 + 28);
   * ```
   */
  async encrypt(data: Uint8Array): Promise<Uint8Array> {
    const out = new Uint8Array(NONCE_SIZE + data.length + TAG_SIZE);
    const nonce = out.subarray(0, NONCE_SIZE);
    crypto.getRandomValues(nonce);
    let sealed: ArrayBuffer;
    try {
      sealed = await crypto.subtle.encrypt(
        { name: "AES-GCM", iv: source(nonce) },
        this.#key,
        source(data),
      );
    } catch (cause) {
      throw new IggyError(ErrorCode.CannotEncryptData, String(cause), {
        cause,
      });
    }
    out.set(new Uint8Array(sealed), NONCE_SIZE);
    return out;
  }

  /**
   * Decrypts and authenticates bytes made by {@linkcode Aes256GcmEncryptor.encrypt} with the same key.
   *
   * @param data `nonce ‖ ciphertext ‖ tag`.
   * @returns The plaintext.
   * @throws {IggyError} 72 `CannotDecryptData` when the bytes are too short, the key is wrong or
   * the bytes were changed.
   *
   * @example Usage
   * ```ts
   * import { Aes256GcmEncryptor } from "@iggy/client";
   * import assert from "node:assert/strict";
   *
   * const encryptor = await Aes256GcmEncryptor.fromKey(new Uint8Array(32));
   * const sealed = await encryptor.encrypt(new Uint8Array([1, 2, 3]));
   * assert.deepEqual(await encryptor.decrypt(sealed), new Uint8Array([1, 2, 3]));
   * ```
   */
  async decrypt(data: Uint8Array): Promise<Uint8Array> {
    if (data.length < NONCE_SIZE + TAG_SIZE) {
      throw new IggyError(
        ErrorCode.CannotDecryptData,
        `${data.length} bytes are shorter than a nonce and a tag`,
      );
    }
    try {
      return new Uint8Array(
        await crypto.subtle.decrypt(
          { name: "AES-GCM", iv: source(data.subarray(0, NONCE_SIZE)) },
          this.#key,
          source(data.subarray(NONCE_SIZE)),
        ),
      );
    } catch (cause) {
      throw new IggyError(
        ErrorCode.CannotDecryptData,
        "wrong key or tampered data",
        { cause },
      );
    }
  }
}
