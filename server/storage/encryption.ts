/**
 * Server-side encryption at rest (`[system.encryption]`): AES-256-GCM through WebCrypto.
 *
 * A sealed value is `nonce (12 bytes) ‖ ciphertext ‖ tag (16 bytes)`; every call to
 * {@linkcode MessageCipher.encrypt} draws a fresh random nonce, so sealing the same bytes twice
 * gives different output. Additional data (`aad`) is authenticated but not stored: the same
 * bytes must be given to {@linkcode MessageCipher.decrypt}. How message frames use this is
 * described in `at_rest.ts`.
 * @module
 */

import { ErrorCode, IggyError } from "../../client/protocol/errors.ts";

/** Size of the AES-GCM nonce stored in front of every sealed value. */
export const NONCE_SIZE = 12;
/** Size of the AES-GCM authentication tag at the end of every sealed value. */
export const TAG_SIZE = 16;
/** Size of an AES-256 key. */
export const KEY_SIZE = 32;

/** Our buffers are never shared; WebCrypto's types want that said. */
function source(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes as Uint8Array<ArrayBuffer>;
}

/**
 * Decodes a base64 key of exactly {@linkcode KEY_SIZE} bytes.
 * @param base64 the key as configured (`system.encryption.key`)
 * @returns the raw key bytes
 * @throws {IggyError} 70 `InvalidEncryptionKey` when it is not base64 or not 32 bytes long
 */
export function decodeEncryptionKey(base64: string): Uint8Array {
  let raw: string;
  try {
    raw = atob(base64.trim());
  } catch (cause) {
    throw new IggyError(
      ErrorCode.InvalidEncryptionKey,
      "the key is not valid base64",
      { cause },
    );
  }
  if (raw.length !== KEY_SIZE) {
    throw new IggyError(
      ErrorCode.InvalidEncryptionKey,
      `the key must be the base64 of exactly ${KEY_SIZE} bytes, got ${raw.length}`,
    );
  }
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

/**
 * AES-256-GCM with a fresh random nonce per value.
 * @example Usage
 * ```ts
 * import { MessageCipher } from "./encryption.ts";
 * const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
 * const cipher = await MessageCipher.fromBase64(key);
 * const aad = new Uint8Array(0);
 * const sealed = await cipher.encrypt(new TextEncoder().encode("secret"), aad);
 * const plain = await cipher.decrypt(sealed, aad);
 * ```
 */
export class MessageCipher {
  #key: CryptoKey;

  private constructor(key: CryptoKey) {
    this.#key = key;
  }

  /**
   * Imports a base64 key of 32 bytes.
   * @throws {IggyError} 70 `InvalidEncryptionKey` for a bad key
   */
  static async fromBase64(base64: string): Promise<MessageCipher> {
    const raw = decodeEncryptionKey(base64);
    const key = await crypto.subtle.importKey(
      "raw",
      source(raw),
      { name: "AES-GCM" },
      false,
      ["encrypt", "decrypt"],
    );
    return new MessageCipher(key);
  }

  /**
   * Seals `plain`: returns `nonce ‖ ciphertext ‖ tag`, {@linkcode NONCE_SIZE} + `plain.length`
   * + {@linkcode TAG_SIZE} bytes.
   * @param plain the bytes to encrypt
   * @param aad additional authenticated data (not stored)
   * @throws {IggyError} 71 `CannotEncryptData` when WebCrypto fails
   */
  async encrypt(plain: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
    const out = new Uint8Array(NONCE_SIZE + plain.length + TAG_SIZE);
    const nonce = out.subarray(0, NONCE_SIZE);
    crypto.getRandomValues(nonce);
    let sealed: ArrayBuffer;
    try {
      sealed = await crypto.subtle.encrypt(
        { name: "AES-GCM", iv: source(nonce), additionalData: source(aad) },
        this.#key,
        source(plain),
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
   * Opens a value sealed by {@linkcode MessageCipher.encrypt} with the same key and `aad`.
   * @throws {IggyError} 72 `CannotDecryptData` when it is too short, the key is wrong or the
   *   bytes were changed
   */
  async decrypt(sealed: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
    if (sealed.length < NONCE_SIZE + TAG_SIZE) {
      throw new IggyError(
        ErrorCode.CannotDecryptData,
        `sealed value of ${sealed.length} bytes is shorter than nonce and tag`,
      );
    }
    try {
      return new Uint8Array(
        await crypto.subtle.decrypt(
          {
            name: "AES-GCM",
            iv: source(sealed.subarray(0, NONCE_SIZE)),
            additionalData: source(aad),
          },
          this.#key,
          source(sealed.subarray(NONCE_SIZE)),
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
